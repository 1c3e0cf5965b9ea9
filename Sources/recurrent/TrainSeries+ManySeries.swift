import ArgumentParser
import Foundation
import Recurrent

extension SeriesEmbedding: ExpressibleByArgument {}

/// One global model over many series: `train --csv FILE --id-column ID` (long form)
/// or `--series-columns A,B,C` (wide form).
extension SeriesJob {
    /// Every series of a many-series file, each split and scaled on its own, their windows pooled.
    init(
        manySeries series: [NamedSeries], record: (idColumn: String?, seriesColumns: [String]?),
        embedding: SeriesEmbedding, source: String, window: Int, options series_: SeriesDataOptions,
        calendar: [CalendarFeature] = []
    ) throws {
        let options = Self.seriesOptions(window: window, options: series_, calendar: calendar)
        let rows = series.reduce(0) { $0 + $1.columns.rowCount }
        try MemoryCheck.seriesWindows(
            rows: rows, window: window, horizon: options.horizon, stride: options.stride,
            features: options.features.count + (embedding == .oneHot ? series.count : 0),
            targets: options.targets.count
        ).check()
        let many: ManySeriesDataset
        do {
            many = try ManySeriesDataset(series, options: options, embedding: embedding)
        } catch RecurrentError.invalidArgument(let name, let value, let reason) where name == "series" {
            throw RecurrentError.invalidArgument(name: "series \(value) of", value: source, reason: reason)
        }
        let (train, validation) = (many.train.batch, many.validation.batch)
        guard train.count > 0, validation.count > 0 else {
            throw RecurrentError.invalidArgument(
                name: "--window", value: "\(window)", reason: "leaves no training or validation window")
        }
        self.data = many.datasets[0]
        self.options = options
        self.missing = series_.missing
        self.source = source
        self.timeColumn = series_.time
        self.train = train
        self.validation = validation
        self.many = many
        self.manyRecord = ManySeriesRecord(idColumn: record.idColumn, seriesColumns: record.seriesColumns, data: many)
    }

    func manyDescription(_ many: ManySeriesDataset) -> String {
        let what = many.embedding == .oneHot ? ", one-hot series embedding" : ""
        return "\(source): \(many.ids.count) series, \(many.train.count) training, \(many.validation.count) validation "
            + "and \(many.test.count) test windows of \(options.window) steps, forecasting "
            + "\(options.targets.joined(separator: ", ")) \(options.horizon) step(s) ahead; one global model\(what)"
    }

    /// RMSE and MAE over every series' windows of `part`, each in its series' units, beside persistence.
    func manySummary(of model: TrainedModel, part: SeriesPart, _ many: ManySeriesDataset) throws -> JobSummary {
        let windows = many[part]
        let prediction = try many.targetsInOriginalUnits(try model(windows.input), part: part)
        let truth = windows.targetsInOriginalUnits
        let errors = try ForecastErrors(prediction: prediction, truth: truth)
        let naive = try ForecastErrors(prediction: many.persistenceForecast(for: part), truth: truth)
        let name = part.rawValue
        return JobSummary(
            lines: [
                "\(name) RMSE \(format(Float(errors.rmse))) (persistence \(format(Float(naive.rmse)))), "
                    + "MAE \(format(Float(errors.mae))) (persistence \(format(Float(naive.mae)))), "
                    + "\(windows.count) windows of \(many.ids.count) series, pooled in each series' units"
            ],
            metrics: [
                "\(name)_rmse": errors.rmse, "\(name)_mae": errors.mae,
                "persistence_\(name)_rmse": naive.rmse, "persistence_\(name)_mae": naive.mae,
            ])
    }
}

extension SeriesJob {
    /// The most series the forecast plot of a global model draws, one panel each.
    static let plottedSeries = 6

    /// Small multiples: for each of the first ``plottedSeries`` series, its
    /// first target over the test part's rows beside the model's forecast
    /// of the first step after each test window.
    func manyPlots(of model: TrainedModel, _ many: ManySeriesDataset) throws -> [(String, any SVGPlot)] {
        let windows = many.test
        guard windows.count > 0 else { return [] }
        let prediction = try many.targetsInOriginalUnits(try model(windows.input), part: .test)  // [N, h·K]
        let (target, width) = (options.targets[0], options.horizon * options.targets.count)
        var panels: [LinePlot] = []
        for (s, data) in many.datasets.enumerated().prefix(Self.plottedSeries) {
            guard let truth = data.series.values(of: target) else { continue }
            let rows = data.test.rows
            let mine = windows.seriesIndices.indices.filter { windows.seriesIndices[$0] == s }
            let ends = mine.map { data.test.endRows[windows.windowIndices[$0]] }
            panels.append(
                LinePlot(
                    title: many.ids[s], xAxis: PlotAxis("row"), yAxis: PlotAxis(target),
                    series: [
                        LineSeries(name: "truth", x: rows.map(Double.init), y: rows.map { truth[$0] }),
                        LineSeries(
                            name: "forecast", x: ends.map { Double($0 + 1) },
                            y: mine.map { Double(prediction.scalars[$0 * width]) }, dashed: true),
                    ], width: 480, height: 260))
        }
        // Short enough for the grid's width (the longer form ran past both edges of two 480-wide panels).
        let shown = panels.count < many.ids.count ? ", first \(panels.count) of \(many.ids.count) series" : ""
        let title =
            "\(target), test part: truth and forecast "
            + "(\(options.horizon == 1 ? "one step" : "first of \(options.horizon) steps") ahead)\(shown)"
        return [("forecast.svg", PlotGrid(title: title, columns: 2, plots: panels))]
    }
}

extension DataOptions {
    /// Whether `--csv` holds many series (`--id-column` or `--series-columns`).
    var readsManySeries: Bool { csv != nil && (sequenceOptions.idColumn != nil || series.seriesColumns != nil) }

    /// `--id-column` and `--series-columns` with `--csv`: one form, its columns; the embedding only with many series.
    func validateManySeries() throws {
        let wide = series.seriesColumns != nil, long = sequenceOptions.idColumn != nil
        if csv != nil, wide, long {
            throw ValidationError("--id-column and --series-columns: give one, a long-form file's id column or a wide file's series columns")
        }
        if wide, csv == nil { throw ValidationError("--series-columns reads a wide --csv file") }
        if series.seriesEmbedding != nil, !readsManySeries {
            throw ValidationError("--series-embedding applies to many series: --csv with --id-column or --series-columns")
        }
        if wide {
            let columns = series.seriesColumnList
            if columns.contains("") || Set(columns).count != columns.count {
                throw ValidationError("--series-columns must name distinct columns separated by commas, got '\(series.seriesColumns!)'")
            }
            if let option = ["--target", "--features", "--future-features"].first(where: commandLineGives) {
                throw ValidationError("\(option) does not apply to --series-columns: each series column is the target in turn")
            }
            if let time = series.time, columns.contains(time) {
                throw ValidationError("--time \(time) is the time column; it cannot also be a series column")
            }
        }
        if let id = sequenceOptions.idColumn, csv != nil {
            if id == series.time { throw ValidationError("--id-column \(id) is also --time") }
            if series.targetList.contains(id) || series.featureList.contains(id) {
                throw ValidationError("--id-column \(id) names the series; it cannot also be a feature or a target")
            }
        }
    }

    /// The series of a many-series `--csv` file, with the calendar's columns added to each.
    func loadManySeries(calendarChoice: [CalendarFeature]?) throws -> (series: [NamedSeries], calendar: [CalendarFeature]) {
        let table = try CSVTable(contentsOf: URL(fileURLWithPath: csv!))
        let series_: [NamedSeries]
        if let id = sequenceOptions.idColumn {
            var names = series.featureList
            for target in series.targetList + series.futureFeatureList where !names.contains(target) { names.append(target) }
            series_ = try table.longFormSeries(idColumn: id, columns: names, time: series.time, missing: series.missing)
        } else {
            series_ = try table.wideSeries(series.seriesColumnList, time: series.time, missing: series.missing)
        }
        let calendar = calendarChoice ?? CalendarFeature.automatic(ofTimes: series_[0].columns.times ?? [])
        let withCalendar = try series_.map {
            NamedSeries(id: $0.id, columns: try $0.columns.addingCalendarFeatures(calendar, timeColumn: series.time ?? "time"))
        }
        return (withCalendar, calendar)
    }
}
