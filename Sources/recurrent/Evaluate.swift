import ArgumentParser
import Foundation
import Recurrent

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Measure a trained model on the test part of its kind of data.",
        discussion: """
            A forecasting model (`train --csv` or `--task`) reads the columns the model was trained on from --csv (same names), \
            splits the rows in time as in training (the model's --split), normalises with the statistics stored in the model, and \
            prints RMSE, MAE and MAPE (in percent, over non-zero targets) of the \
            model's forecasts of the test windows, in the file's units, beside the \
            baselines': persistence (the window's last value repeated), the \
            seasonal-naive forecast (the value one season S earlier, with --season S \
            or a season detected from --time), drift, and a ridge regression on the \
            same window; sMAPE and MASE (scaled by the in-sample seasonal-naive \
            error) beside them, an error table per horizon step, and one line when \
            the model loses to the best baseline; a global model of many series \
            reports each series and the figures pooled over them (--json: \
            per_series). A model trained on a generated sequence task (adding, \
            copy, reber) is measured on fresh test sequences, with no data file. A text model \
            (`train --text`) reports its loss and bits per character on --text; a \
            sequence classifier (`train --sequences`) its accuracy, per-class \
            precision, recall and F1, and the confusion matrix on --sequences: on \
            the test part of the model's split when --sequences is the file it was \
            trained on, on every sequence when it is another file (a benchmark's own \
            test file); --part test or all chooses, and the first line says which.
            """)

    @Option(name: .shortAndLong, help: "The model file written by `recurrent train`.")
    var model: String

    @Option(help: "For a forecasting model: the CSV file, with the columns the model was trained on.")
    var csv: String?

    @Option(help: "For a text model: the UTF-8 text to measure.")
    var text: String?

    @Option(help: "For a sequence classifier: the labelled sequences to measure.")
    var sequences: String?

    @Option(
        parsing: .unconditional,
        help:
            "For a series: also score the seasonal-naive forecast, the value one season (this many rows) earlier (≥ 1)."
    )
    var season: Int?

    @Option(
        help:
            "For a series: a time column of ISO 8601 dates; its spacing gives the season (hourly 24, daily 7, monthly 12, …) when --season is not given."
    )
    var time: String?

    @Option(
        help:
            "For a sequence classifier: measure the test part of the model's split (default for its training file) or all of --sequences (default for any other file)."
    )
    var part: MeasuredPart?

    @Flag(help: "Print the figures as one JSON object.")
    var json = false

    @Option(help: "Missing cells (default: the policy used in training).")
    var missing: MissingValuePolicy?

    func validate() throws {
        try validateExistingFile(model, "--model")
        let given = [("--csv", csv), ("--text", text), ("--sequences", sequences)].filter { $0.1 != nil }
        guard given.count <= 1 else {
            throw ValidationError("give one of --csv FILE, --text FILE or --sequences FILE, not several")
        }
        if let (option, path) = given.first { try validateExistingFile(path!, option) }
        if let season, season < 1 { throw ValidationError("--season must be at least 1, got \(season)") }
    }

    func run() throws {
        let url = URL(fileURLWithPath: model)
        let metadata = try reportingDataErrors { try SafetensorsFile(contentsOf: url).metadata }
        let task = metadata["task"] ?? ""
        // Text and generated-task models are always recurrent: a ModelFile.
        func recurrentFile() throws -> ModelFile { try reportingDataErrors { try ModelFile(contentsOf: url) } }
        if season != nil, task != ForecastModelFile.taskName {
            throw usageFailure(
                "--season applies to a forecasting model; \(model) is a \(task.isEmpty ? "plain" : task) model")
        }
        if missing != nil, task != ForecastModelFile.taskName || csv == nil {
            throw usageFailure("--missing applies to a forecasting model read with --csv FILE")
        }
        if part != nil, sequences == nil {
            throw usageFailure("--part applies to a sequence classifier read with --sequences FILE")
        }
        switch (task, csv, text, sequences) {
        case ("generated-task", nil, nil, nil):
            try evaluateGeneratedTask(try recurrentFile(), modelPath: model, json: json)
        case ("generated-task", _, _, _):
            throw usageFailure("\(model) was trained on a generated task; evaluate it without a data file")
        case (ForecastModelFile.taskName, _, nil, nil) where metadata["many_series"] != nil:
            try evaluateManySeries()
        case (ForecastModelFile.taskName, _, nil, nil):
            try evaluateSeries(csv)
        case (ForecastModelFile.taskName, _, _, _):
            throw usageFailure("\(model) is a forecasting model; give the series with --csv FILE")
        case (_, _, let text?, _):
            try evaluateText(model: try recurrentFile(), modelPath: model, textPath: text, json: json)
        case (_, _, _, let sequences?):
            try evaluateLabelledSequences(
                metadata: metadata, modelPath: model, dataPath: sequences, part: part, json: json)
        case (_, nil, nil, nil):
            throw usageFailure("give the data to evaluate \(model) on: --csv, --text or --sequences FILE")
        case ("", _, _, _):
            throw usageFailure("\(model): metadata \"task\" is missing; not a model made by `recurrent train`")
        default:
            throw usageFailure("\(model) (metadata \"task\" \(task)) cannot be evaluated on a CSV series")
        }
    }

    private func evaluateSeries(_ csv: String?) throws {
        let (file, series, source) = try reportingDataErrors {
            try loadForecastModelAndSeries(model, csv, missing, time: time)
        }
        let report = try reportingDataErrors {
            let options = file.options
            try checkSeriesFits(file, series, option: csv == nil ? "--task" : "--csv", source: source)
            let data = try SeriesDataset(series, options: options)
            // The windows in the file's units, scaled with the model's statistics (as `backtest` reads them).
            let windows = data.windowsInOriginalUnits(endingAt: data.test.endRows)
            let prediction = try file.forecast(windows)
            let input = try file.normalization.normalizing(windows, columns: options.features)
            let detected = series.times.flatMap { TimeStamp.season(ofTimes: $0) }
            var report = try SeriesEvaluation(data: data, part: .test, prediction: prediction, season: season ?? detected)
            if let distribution = file.network.distribution, let scaled = try file.network.quantileForecast(input) {
                let q = try file.normalization.denormalizing(
                    quantiles: scaled, columns: options.targets, levels: distribution.quantiles.count)
                report.quantiles = try QuantileErrors(
                    quantiles: q, truth: data.test.targetsInOriginalUnits, levels: distribution.quantiles)
            }
            return report
        }
        if json {
            print(jsonLine(report.figures))
            return
        }
        // The test part is the file's last rows, by the model's split, whatever the file.
        let split = file.options.split
        let share = Int((100 * (1 - split.train - split.validation)).rounded())
        print(
            "\(report.windows) test windows of \(source) (its last \(share)% of rows, the test part of the model's split), "
                + "forecasting \(file.options.targets.joined(separator: ", ")) \(file.options.horizon) step(s) ahead")
        for line in report.lines { print(line) }
    }
}

/// Throws unless `series` holds the model's training windows and a test part
/// of at least its horizon, by the model's split; `option` and `source` name
/// the series in the message.
func checkSeriesFits(_ file: ForecastModelFile, _ series: NumericColumns, option: String, source: String) throws {
    let options = file.options
    let rows = series.rowCount
    let trainRows = Int((options.split.train * Double(rows)).rounded())
    let testRows = rows - Int(((options.split.train + options.split.validation) * Double(rows)).rounded())
    guard options.window + options.horizon <= trainRows, options.horizon <= testRows else {
        throw RecurrentError.invalidArgument(
            name: option, value: source,
            reason: "has \(rows) rows, too few for the model's windows of \(options.window) rows "
                + "and horizon \(options.horizon) in the model's split (a test part of \(testRows) rows)")
    }
}

/// The forecasting model at `modelPath` and the columns it reads: from the
/// CSV file at `csvPath` (its features and targets, under `missing` or the
/// policy stored in the model), or, for a model trained on `--task
/// mackey-glass|sine` and no file given, the same generated series again;
/// and what to call the source.
func loadForecastModelAndSeries(
    _ modelPath: String, _ csvPath: String?, _ missing: MissingValuePolicy?, time: String? = nil
) throws -> (ForecastModelFile, NumericColumns, String) {
    let file = try ForecastModelFile(contentsOf: URL(fileURLWithPath: modelPath))
    guard let csvPath else {
        guard let text = file.metadata["generated_series"],
            let series = try? JSONDecoder().decode(GeneratedSeriesSpec.self, from: Data(text.utf8))
        else {
            throw usageFailure("\(modelPath) was trained on a CSV file; give the series with --csv FILE")
        }
        do { try series.check() } catch {
            throw usageFailure("\(modelPath): metadata \"generated_series\": \(error)")
        }
        return (file, try series.columns(), "--task \(series.task)")
    }
    let table = try CSVTable(contentsOf: URL(fileURLWithPath: csvPath))
    // Calendar columns are not in the file: they are computed from its time column, as in training.
    let calendar = file.options.calendar
    let derived = Set(calendar.flatMap(\.columnNames))
    var names = file.options.features.filter { !derived.contains($0) }
    for target in file.options.targets where !names.contains(target) { names.append(target) }
    let timeColumn = time ?? (calendar.isEmpty ? nil : file.metadata["time_column"])
    let columns = try table.numericColumns(names, time: timeColumn, missing: missing ?? file.missing)
    guard !calendar.isEmpty else { return (file, columns, csvPath) }
    guard let timeColumn else {
        throw usageFailure("\(modelPath) reads calendar features, but records no time column; give it with --time")
    }
    return (file, try columns.addingCalendarFeatures(calendar, timeColumn: timeColumn), csvPath)
}
