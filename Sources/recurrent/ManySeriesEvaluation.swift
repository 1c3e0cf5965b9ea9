import Foundation
import Recurrent

/// The series of a global model's CSV file, each with its index among the
/// model's ids: read as the model was trained (its id column or its series
/// columns), with the calendar's columns added.
///
/// - Parameters:
///   - file: The global model (its ``ManySeriesRecord``).
///   - csvPath: The CSV file.
///   - missing: Missing cells (default: the model's policy).
///   - time: The time column (default: the model's).
/// - Throws: ``CSVError`` for the file; `RecurrentError` for an id the model was not trained on.
func loadManySeries(
    of file: ForecastModelFile, csvPath: String, missing: MissingValuePolicy?, time: String?
) throws -> [(index: Int, series: NamedSeries)] {
    let record = file.manySeries!
    let table = try CSVTable(contentsOf: URL(fileURLWithPath: csvPath))
    let calendar = file.options.calendar
    let derived = Set(calendar.flatMap(\.columnNames))
    var names = file.options.features.filter { !derived.contains($0) }
    for target in file.options.targets where !names.contains(target) { names.append(target) }
    let timeColumn = time ?? file.metadata["time_column"]
    if !calendar.isEmpty, timeColumn == nil {
        throw usageFailure("the model reads calendar features, but records no time column; give it with --time")
    }
    let policy = missing ?? file.missing
    let series =
        if let id = record.idColumn {
            try table.longFormSeries(idColumn: id, columns: names, time: timeColumn, missing: policy)
        } else {
            try table.wideSeries(record.seriesColumns ?? [], time: timeColumn, missing: policy)
        }
    return try series.map { s in
        let index = try record.index(of: s.id)
        let columns = try s.columns.addingCalendarFeatures(calendar, timeColumn: timeColumn ?? "time")
        return (index, NamedSeries(id: s.id, columns: columns))
    }
}

/// Throws unless series `s` holds the model's windows in each part, naming the series and its length.
func checkSeriesFits(_ file: ForecastModelFile, _ s: NamedSeries, source: String) throws {
    do {
        try checkSeriesFits(file, s.columns, option: "--csv", source: source)
    } catch RecurrentError.invalidArgument(_, _, let reason) {
        throw RecurrentError.invalidArgument(name: "series \"\(s.id)\" of", value: source, reason: reason)
    }
}

/// A ``ManySeriesComparison`` as `evaluate` and `backtest` print it: a row per
/// series, the pooled figures beside the baselines', and the same by name for `--json`.
struct ManySeriesReport {
    let comparison: ManySeriesComparison
    /// What the table counts per series: `windows` (evaluate) or `origins` (backtest).
    var counted = "windows"
    /// A probabilistic model's pinball loss, CRPS estimate and intervals over every series' test windows, or nil.
    var quantiles: QuantileErrors?

    /// The pooled figures by name (`test_rmse`, `test_mase`, `persistence_test_rmse`, …),
    /// and `per_series`: each series' figures by id, as ``SeriesEvaluation/figures`` names them.
    var figures: [String: Any] {
        var figures: [String: Any] = ["test_windows": comparison.windows, "series": comparison.ids.count]
        func add(_ e: PooledForecastErrors, _ prefix: String) {
            figures[prefix + "test_rmse"] = e.rmse
            figures[prefix + "test_mae"] = e.mae
            if let mase = e.mase { figures[prefix + "test_mase"] = mase }
        }
        add(comparison.model, "")
        for (baseline, e) in comparison.baselines { add(e, baseline.figureName + "_") }
        if let season = comparison.perSeries.first?.season { figures["season"] = season }
        var perSeries: [String: Any] = [:]
        for (id, c) in zip(comparison.ids, comparison.perSeries) {
            var one = SeriesEvaluation.figures(c.model, part: "test")
            for (baseline, e) in c.baselines { one.merge(SeriesEvaluation.figures(e, of: baseline, part: "test")) { a, _ in a } }
            one["test_windows"] = Double(c.windows)
            perSeries[id] = one
        }
        figures["per_series"] = perSeries
        for (key, value) in quantiles?.figures(part: "test") ?? [:] { figures[key] = value }
        return figures
    }

    /// The printed tables: one row per series, then the pooled model and baselines.
    var lines: [String] {
        func cell(_ value: Double?, _ width: Int = 11) -> String {
            value.map { format(Float($0), width) } ?? String(repeating: " ", count: width - 1) + "—"
        }
        func padded(_ text: String, _ width: Int) -> String { text.padding(toLength: width, withPad: " ", startingAt: 0) }
        let season = comparison.perSeries.first?.season
        var lines = [padded("series", 16) + String(repeating: " ", count: max(0, 7 - counted.count)) + counted
            + "       RMSE        MAE       MASE   best baseline       RMSE"]
        for (id, c) in zip(comparison.ids, comparison.perSeries) {
            let best = c.bestBaseline
            lines.append(
                padded(id, 16) + String(format: "%7d", c.windows) + cell(c.model.rmse) + cell(c.model.mae)
                    + cell(c.model.mase) + "   " + padded(best.map { SeriesEvaluation.name($0.baseline, season: season) } ?? "—", 14)
                    + cell(best?.errors.rmse))
        }
        lines.append(padded("pooled", 16) + String(format: "%7d", comparison.windows) + cell(comparison.model.rmse)
            + cell(comparison.model.mae) + cell(comparison.model.mase))
        lines.append("pooled over the series  RMSE        MAE  mean MASE")
        lines.append(padded("model", 20) + cell(comparison.model.rmse) + cell(comparison.model.mae) + cell(comparison.model.mase))
        for (baseline, e) in comparison.baselines {
            lines.append(padded(SeriesEvaluation.name(baseline, season: season), 20) + cell(e.rmse) + cell(e.mae) + cell(e.mase))
        }
        lines.append(
            "RMSE and MAE pool every value in its series' units; MASE is each series' own (scaled by its training part's "
                + "in-sample \(season.map { "seasonal-naive error, season \($0)" } ?? "naive error")), averaged")
        if let quantiles {
            lines.append("model, probabilistic (every series' test values, each in its units)")
            lines += quantiles.lines(prefix: "  ", values: "test values")
        }
        if comparison.modelLoses, let best = comparison.bestBaseline {
            lines.append(
                "the model loses to the \(best.baseline.rawValue) baseline over the series: RMSE "
                    + "\(format(Float(comparison.model.rmse))) against \(format(Float(best.errors.rmse)))")
        }
        return lines
    }
}

extension Evaluate {
    /// `evaluate` of a global model: each series' test part, then pooled.
    func evaluateManySeries() throws {
        guard let csv else { throw usageFailure("\(model) is a global model of many series; give them with --csv FILE") }
        let file = try reportingDataErrors { try ForecastModelFile(contentsOf: URL(fileURLWithPath: model)) }
        let report = try reportingDataErrors {
            let series = try loadManySeries(of: file, csvPath: csv, missing: missing, time: time)
            var comparisons: [ForecastComparison] = []
            var levels: [Tensor] = [], truths: [Tensor] = []  // [N_s, h·K·Q] and [N_s, h·K] of each series
            let distribution = file.network.distribution
            for (index, s) in series {
                try checkSeriesFits(file, s, source: csv)
                let data = try SeriesDataset(s.columns, options: file.options)
                let windows = data.windowsInOriginalUnits(endingAt: data.test.endRows)
                let prediction = try file.forecast(windows, series: index)
                let detected = s.columns.times.flatMap { TimeStamp.season(ofTimes: $0) }
                comparisons.append(
                    try ForecastComparison(data: data, part: .test, prediction: prediction, season: season ?? detected))
                if let distribution, let scaled = try file.network.quantileForecast(file.modelInput(windows, series: index)) {
                    levels.append(
                        try file.manySeries!.normalizations[index].denormalizing(
                            quantiles: scaled, columns: file.options.targets, levels: distribution.quantiles.count))
                    truths.append(data.test.targetsInOriginalUnits)
                }
            }
            var report = ManySeriesReport(
                comparison: try ManySeriesComparison(ids: series.map(\.series.id), perSeries: comparisons))
            if let distribution, !levels.isEmpty {
                report.quantiles = try QuantileErrors(
                    quantiles: Tensor.concatenated(levels, alongAxis: 0), truth: Tensor.concatenated(truths, alongAxis: 0),
                    levels: distribution.quantiles)
            }
            return report
        }
        if json {
            print(jsonLine(report.figures))
            return
        }
        let split = file.options.split
        let share = Int((100 * (1 - split.train - split.validation)).rounded())
        print(
            "\(report.comparison.windows) test windows of \(report.comparison.ids.count) series of \(csv) (each series' last "
                + "\(share)% of rows, the test part of the model's split), forecasting "
                + "\(file.options.targets.joined(separator: ", ")) \(file.options.horizon) step(s) ahead")
        for line in report.lines { print(line) }
    }
}
