import ArgumentParser
import Foundation
import Recurrent

/// `recurrent backtest`: a rolling-origin evaluation over the test part, thin over the library's ``Backtest``.
struct BacktestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Roll a forecasting model's origin over the test part, with or without refitting, beside the baselines.",
        discussion: """
            Reads the model's columns from --csv (by default the CSV file the model was trained on, or its generated \
            series), splits the rows in time by the model's split, and makes an origin of every --stride-th row of the \
            test part whose window and horizon fit (with the stride the model was trained with, 1 unless `train --stride` \
            said otherwise, these are the test windows `evaluate` measures, and the figures without --refit are evaluate's). At each origin the model forecasts its horizon from the window that ends \
            there. With --refit it is first trained afresh on every row up to the first origin, and again every \
            --refit-every origins (default 1: at every origin), with the options it was trained with (kept in the model \
            file; an older file is retrained with train's defaults); the ridge baseline is refitted beside it. Prints \
            RMSE, MAE, MAPE, sMAPE and MASE (scaled by the training part's in-sample seasonal-naive error) pooled over \
            every origin beside the baselines' at the same origins (persistence, seasonal naive with --season S or the \
            season --time implies, drift, ridge regression on the window), the model's errors per horizon step h = 1…H, \
            every forecaster's RMSE per step, and one line when the model loses to the best baseline. Progress of the \
            refits goes to stderr. -o writes the forecasts of every origin as CSV, atomically: one row per origin and \
            step with the origin's row (counted from 0 after the header), the step, the forecast row, its time, and \
            for each target the truth, the model's forecast and each baseline's. A global model of many series \
            is backtested series by series (without --refit), per series and pooled, the id column first in -o.
            """)

    @Option(name: .shortAndLong, help: "The forecasting model file written by `recurrent train`.")
    var model: String

    @Option(help: "The CSV file with the model's columns (default: the file the model was trained on).")
    var csv: String?

    @Option(parsing: .unconditional, help: "Rows between consecutive origins (≥ 1).")
    var stride = 1

    @Flag(help: "Retrain the model on every row up to the origin, with the options it was trained with.")
    var refit = false

    @Option(parsing: .unconditional, help: "With --refit: retrain every this many origins (≥ 1; default 1).")
    var refitEvery: Int?

    @Option(
        parsing: .unconditional,
        help: "The season in rows (≥ 1) of the seasonal-naive baseline and of MASE's scale (default: from --time).")
    var season: Int?

    @Option(
        help:
            "A time column of ISO 8601 dates: its spacing gives the season (hourly 24, daily 7, monthly 12, …) and the CSV output's times (default: the model's, for its own file)."
    )
    var time: String?

    @Option(help: "Missing cells (default: the policy used in training).")
    var missing: MissingValuePolicy?

    @Flag(help: "Print the figures as one JSON object.")
    var json = false

    @Option(name: .shortAndLong, help: "A CSV file for every origin's forecasts (its folder must exist).")
    var output: String?

    func validate() throws {
        try validateExistingFile(model, "--model")
        if let csv { try validateExistingFile(csv, "--csv") }
        guard stride >= 1 else { throw ValidationError("--stride must be at least 1, got \(stride)") }
        if let refitEvery {
            guard refit else { throw ValidationError("--refit-every \(refitEvery) needs --refit") }
            guard refitEvery >= 1 else { throw ValidationError("--refit-every must be at least 1, got \(refitEvery)") }
        }
        if let season, season < 1 { throw ValidationError("--season must be at least 1, got \(season)") }
        if let output {
            try validateOutputPath(output)
            let target = URL(fileURLWithPath: output).standardizedFileURL.path
            for (option, path) in [("--model", model), ("--csv", csv)]
            where path.map({ URL(fileURLWithPath: $0).standardizedFileURL.path }) == target {
                throw ValidationError("--output \(output) is also \(option); it would be overwritten")
            }
        }
    }

    func run() throws {
        let metadata = try reportingDataErrors { try SafetensorsFile(contentsOf: URL(fileURLWithPath: model)).metadata }
        let task = metadata["task"] ?? ""
        guard task == ForecastModelFile.taskName else {
            throw usageFailure(
                "\(model) is \(task.isEmpty ? "not a model made by `recurrent train`" : "a \(task) model"); "
                    + "backtest needs a forecasting model (train --csv or --task mackey-glass|sine)")
        }
        var csvPath = csv, timeColumn = time
        if csvPath == nil, metadata["generated_series"] == nil {
            guard let trained = metadata["training_csv"] else {
                throw usageFailure("\(model) does not record the CSV file it was trained on; give the series with --csv FILE")
            }
            guard FileManager.default.fileExists(atPath: trained) else {
                throw usageFailure("\(model) was trained on \(trained), which does not exist; give the series with --csv FILE")
            }
            // Named as given when it lies under the current folder, as `train` was most likely run.
            let here = FileManager.default.currentDirectoryPath + "/"
            csvPath = trained.hasPrefix(here) ? String(trained.dropFirst(here.count)) : trained
            timeColumn = time ?? metadata["time_column"]
        }
        if metadata["many_series"] != nil {
            return try backtestManySeries(csvPath: csvPath, timeColumn: timeColumn)
        }
        let (file, series, source) = try reportingDataErrors {
            try loadForecastModelAndSeries(model, csvPath, missing, time: timeColumn)
        }
        let options = BacktestOptions(
            stride: stride, refitEvery: refit ? (refitEvery ?? 1) : nil,
            season: season ?? series.times.flatMap { TimeStamp.season(ofTimes: $0) })
        let started = Date()
        let backtest = try reportingDataErrors {
            try checkSeriesFits(file, series, option: csvPath == nil ? "--task" : "--csv", source: source)
            return try Backtest(forecaster: file, series: series, options: options) { step in
                let seconds = Date().timeIntervalSince(started)
                FileHandle.standardError.write(
                    Data(
                        "refit \(step.refit)/\(step.refits): training on rows 0…\(step.origin) (\(Int(seconds)) s so far)\n"
                            .utf8))
            }
        }
        var report = try reportingDataErrors {
            try SeriesEvaluation(
                comparison: backtest.errors.comparison, prediction: backtest.forecast, truth: backtest.truth,
                options: file.options)
        }
        report.baselinesPerStep = backtest.errors.baselines.map { ($0.baseline, $0.errors.perStep) }
        if let output {
            let text = forecastTable(backtest, file.options, times: series.times)
            do {
                try AtomicFile.write(Data(text.utf8), to: URL(fileURLWithPath: output))
            } catch {
                printError("\(error)")
                throw ExitCode.validationFailure
            }
        }
        if json {
            var figures: [String: Any] = report.figures
            figures["origins"] = backtest.origins.count
            figures["stride"] = stride
            figures["refits"] = backtest.refitOrigins.count
            if let every = options.refitEvery { figures["refit_every"] = every }
            print(jsonLine(figures))
            return
        }
        let rows = backtest.testRows
        let refits =
            options.refitEvery.map {
                "refitted every \($0) origin\($0 == 1 ? "" : "s") (\(backtest.refitOrigins.count) refits)"
            } ?? "no refit"
        print(
            "\(backtest.origins.count) origins of \(source) over the test part (rows \(rows.lowerBound)…\(rows.upperBound - 1) "
                + "of \(series.rowCount), the model's split), every \(stride) row\(stride == 1 ? "" : "s"), "
                + "forecasting \(file.options.targets.joined(separator: ", ")) \(file.options.horizon) step(s) ahead; \(refits)")
        for line in report.lines { print(line) }
        if let output { print("forecasts of every origin written to \(output)") }
    }

    /// `origin,step,row[,time],TARGET,TARGET_model,TARGET_persistence,…`: one row per origin and step.
    /// With `series` (a global model's id column and one series' id), that column first; `header` false leaves the header out.
    func forecastTable(
        _ backtest: Backtest, _ options: SeriesOptions, times: [String]?, series: (column: String, id: String)? = nil,
        header withHeader: Bool = true
    ) -> String {
        let (h, k) = (options.horizon, options.targets.count)
        let columns = [("model", backtest.forecast)] + backtest.baselineForecasts.map {
            ($0.baseline.figureName, $0.forecast)
        }
        var header = (series.map { [$0.column] } ?? []) + ["origin", "step", "row"] + (times == nil ? [] : ["time"])
        if !backtest.refitOrigins.isEmpty { header.append("trained_through") }
        for target in options.targets { header += [target] + columns.map { "\(target)_\($0.0)" } }
        var text = withHeader ? header.map(csvField).joined(separator: ",") + "\n" : ""
        for (n, origin) in backtest.origins.enumerated() {
            let trained = backtest.refitOrigins.last { $0 <= origin }
            for j in 0..<h {
                var cells = (series.map { [csvField($0.id)] } ?? []) + [String(origin), String(j + 1), String(origin + 1 + j)]
                if let times { cells.append(csvField(times[origin + 1 + j])) }
                if let trained { cells.append(String(trained)) }
                for c in 0..<k {
                    let i = j * k + c
                    cells.append(String(backtest.truth[n, i]))
                    for (_, forecast) in columns { cells.append(String(forecast[n, i])) }
                }
                text += cells.joined(separator: ",") + "\n"
            }
        }
        return text
    }
}
