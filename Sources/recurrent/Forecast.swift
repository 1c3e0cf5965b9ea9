import ArgumentParser
import Foundation
import Recurrent

struct Forecast: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forecast",
        abstract: "Forecast the steps after the end of a CSV file's series with a trained model.",
        discussion: """
            Reads the columns the model was trained on from --csv (same names), \
            normalises the last `window` rows with the statistics stored in the \
            model, and writes the forecast of the rows after the file's last, in \
            the file's units, as CSV: a header `step,TARGET…` and one row per step \
            (1 … --steps). Direct forecasting (the default) gives the model's \
            `horizon` steps at once, so --steps is at most the horizon; recursive \
            forecasting feeds each forecast back as input and goes on as far as \
            asked, for a model whose every feature is a target (a univariate \
            series, say). A probabilistic model (trained with --quantiles or \
            --likelihood) adds each target's levels after its point forecast (the \
            median, or the Gaussian's mean): `TARGET_q0.1,TARGET_q0.5,…`; it \
            forecasts directly only. A model reading known-future covariates \
            (trained with --future-features or --calendar) forecasts directly and \
            needs their values for the `horizon` steps: the calendar's come from \
            the time column continued at its frequency (hourly stays hourly, \
            monthly steps by calendar months), the --future-features' from \
            --future FILE, a CSV file with those columns whose first `horizon` \
            rows are the forecast steps. A global model of many series writes \
            long form, `ID,step[,TIME],TARGET…` for every series in --csv or \
            --series ID, the time column continued. The output is written atomically.
            """)

    @Option(name: .shortAndLong, help: "The model file written by `recurrent train`.")
    var model: String

    @Option(help: "The CSV file, with the columns the model was trained on.")
    var csv: String?

    @Option(name: .shortAndLong, help: "The CSV file to write (its folder must exist).")
    var output: String

    @Option(help: "Missing cells (default: the policy used in training).")
    var missing: MissingValuePolicy?

    @Option(parsing: .unconditional, help: "Rows to forecast (≥ 1; default: the model's horizon).")
    var steps: Int?

    @Option(help: "direct (the model's horizon at once) or recursive (forecasts fed back as input).")
    var method = "direct"

    @Option(
        help:
            "A CSV file of the known-future columns (the model's --future-features) for the forecast steps: its first `horizon` rows, in order."
    )
    var future: String?

    @Option(help: "For a global model of many series: forecast this series only (default: every series in --csv).")
    var series: String?

    @OptionGroup var precision: PrecisionOption

    /// The most rows one run forecasts: a recursive forecast this long is noise anyway.
    static let maximumSteps = 100_000

    func validate() throws {
        try validateExistingFile(model, "--model")
        if let csv { try validateExistingFile(csv, "--csv") }
        if let future { try validateExistingFile(future, "--future") }
        if missing != nil, csv == nil { throw ValidationError("--missing applies to a series read with --csv FILE") }
        if output != "-" { try validateOutputPath(output) }
        if let steps, !(1...Self.maximumSteps).contains(steps) {
            throw ValidationError("--steps must be between 1 and \(Self.maximumSteps), got \(steps)")
        }
        guard ["direct", "recursive"].contains(method) else {
            throw ValidationError("--method must be direct or recursive, got '\(method)'")
        }
    }

    func run() throws {
        let metadata = try reportingDataErrors { try SafetensorsFile(contentsOf: URL(fileURLWithPath: model)).metadata }
        if metadata["many_series"] != nil { return try forecastManySeries() }
        if let series {
            throw usageFailure("--series \(series) names a series of a global model; \(model) forecasts one series")
        }
        var (file, series, source) = try reportingDataErrors { try loadForecastModelAndSeries(model, csv, missing) }
        file.network.precision = precision.precision
        let text = try reportingDataErrors {
            let options = file.options
            let (l, n) = (options.window, series.rowCount)
            guard n >= l else {
                throw RecurrentError.invalidArgument(
                    name: csv == nil ? "--task" : "--csv", value: source,
                    reason: "has \(n) rows; the model reads windows of \(l)")
            }
            let (h, k) = (options.horizon, options.targets.count)
            let wanted = steps ?? h
            if method == "direct", wanted > h {
                throw RecurrentError.invalidArgument(
                    name: "--steps", value: "\(wanted)",
                    reason:
                        "direct forecasting gives the model's horizon of \(h) step(s); use --method recursive for more")
            }
            let distribution = file.network.distribution
            if method == "recursive", let distribution {
                throw RecurrentError.invalidArgument(
                    name: "--method", value: "recursive",
                    reason: "feeds point forecasts back, so the model's \(distribution.kind.rawValue) levels would not hold "
                        + "past its horizon of \(h) step(s); forecast directly")
            }
            if method == "recursive", let missing = options.features.first(where: { !options.targets.contains($0) }) {
                throw RecurrentError.invalidArgument(
                    name: "--method", value: "recursive",
                    reason: "feature \"\(missing)\" is not forecast by the model, so it cannot be fed back")
            }
            let known = try knownFutureRows(file, series)
            if method == "recursive", !known.isEmpty {
                throw RecurrentError.invalidArgument(
                    name: "--method", value: "recursive",
                    reason: "the model reads known-future covariates for its \(h) step(s) only; forecast directly")
            }
            // The window's rows in the file's units, feature by feature; forecasts are appended.
            var rows: [[Double]] = (max(0, n - l)..<n).map { r in options.features.map { series.values(of: $0)![r] } }
            var forecast: [Float] = []  // [steps, K]
            var levels: [Float] = []  // [steps, K, Q] for a probabilistic model
            while forecast.count < wanted * k {
                let window = Array(rows.suffix(l)) + known  // then the h known-future rows, if any
                let input = try file.normalization.normalizing(
                    Tensor(shape: [1, window.count, options.features.count], scalars: window.flatMap { $0.map(Float.init) }),
                    columns: options.features)
                let next = try file.normalization.denormalizing(file.network(input), columns: options.targets).scalars
                if let i = next.firstIndex(where: { !$0.isFinite }) {
                    throw RecurrentError.invalidArgument(
                        name: "forecast", value: "\(next[i])", reason: "the model gave a non-finite value")
                }
                if let distribution, let scaled = try file.network.quantileForecast(input) {
                    let q = try file.normalization.denormalizing(
                        quantiles: scaled, columns: options.targets, levels: distribution.quantiles.count)
                    levels = Array(q.scalars.prefix(wanted * k * distribution.quantiles.count))
                }
                forecast += next.prefix(min(h, wanted - forecast.count / k) * k)
                // Direct: one window; feeding back needs every feature to be a target (checked above).
                if method == "direct" { break }
                rows.removeFirst(max(0, rows.count - l))  // only the last window is read again
                for j in 0..<h {
                    rows.append(
                        options.features.map { feature in
                            Double(next[j * k + options.targets.firstIndex(of: feature)!])
                        })
                }
            }
            let names = distribution?.quantiles.map { QuantileReport.name($0) } ?? []
            let q = names.count
            let header = options.targets.flatMap { target in [target] + names.map { "\(target)_\($0)" } }
            var text = (["step"] + header.map(csvField)).joined(separator: ",") + "\n"
            for j in 0..<wanted {
                var cells: [String] = []
                for c in 0..<k {
                    cells.append(String(forecast[j * k + c]))
                    for i in 0..<q { cells.append(String(levels[(j * k + c) * q + i])) }
                }
                text += ([String(j + 1)] + cells).joined(separator: ",")
                text += "\n"
            }
            return text
        }
        let summary =
            "\(steps ?? file.options.horizon) step(s) (\(method)) of \(file.options.targets.joined(separator: ", ")) after row \(series.rowCount) of \(source) → \(output == "-" ? "standard output" : output)"
        if output == "-" {
            FileHandle.standardOutput.write(Data(text.utf8))
            FileHandle.standardError.write(Data((summary + "\n").utf8))
            return
        }
        do {
            try AtomicFile.write(Data(text.utf8), to: URL(fileURLWithPath: output))
        } catch {
            printError("\(error)")
            throw ExitCode.validationFailure
        }
        print(summary)
    }
}

extension Forecast {
    /// The h rows after the series, in the file's units, feature by feature,
    /// for a model with known-future columns: the calendar's from the time
    /// column continued, the --future file's for the others, 0 for features
    /// not known in advance (the model does not read them); none without them.
    ///
    /// `futureValues`, when given, holds the --future-features' values (a
    /// global model's series' rows of the --future file) instead of --future.
    func knownFutureRows(
        _ file: ForecastModelFile, _ series: NumericColumns, futureValues: [String: [Double]]? = nil
    ) throws -> [[Double]] {
        let options = file.options
        let h = options.horizon
        if let future, options.futureFeatures.isEmpty {
            throw RecurrentError.invalidArgument(
                name: "--future", value: future,
                reason: options.calendar.isEmpty
                    ? "the model reads no known-future columns"
                    : "the model reads no --future-features columns; its calendar comes from the time column")
        }
        guard !options.knownFutureColumns.isEmpty else { return [] }
        var values: [String: [Double]] = [:]
        if !options.calendar.isEmpty {
            let stamps = (series.times ?? []).compactMap { TimeStamp(iso8601: $0) }
            guard stamps.count == series.rowCount, let next = TimeStamp.continuing(stamps, count: h) else {
                throw RecurrentError.invalidArgument(
                    name: "--csv", value: series.source,
                    reason: "the model's calendar features need the time column \(file.metadata["time_column"] ?? "") "
                        + "to continue, with at least two distinct ISO 8601 times")
            }
            let columns = CalendarFeature.columns(options.calendar, of: next)
            for (name, column) in zip(options.calendar.flatMap(\.columnNames), columns) { values[name] = column }
        }
        let wanted = options.futureFeatures
        if let futureValues {
            for name in wanted { values[name] = futureValues[name].map { Array($0.prefix(h)) } }
        } else if !wanted.isEmpty {
            guard let future else {
                throw RecurrentError.invalidArgument(
                    name: "--future", value: "not given",
                    reason: "the model needs the known-future values of \(wanted.joined(separator: ", ")) for its \(h) "
                        + "forecast step(s): give them in a CSV file with --future FILE")
            }
            let table = try CSVTable(contentsOf: URL(fileURLWithPath: future))
            let missing = wanted.filter { !table.header.contains($0) }
            guard missing.isEmpty else {
                throw RecurrentError.invalidArgument(
                    name: "--future", value: future,
                    reason: "has no column \(missing.joined(separator: ", ")) of the model's known-future columns "
                        + "\(wanted.joined(separator: ", "))")
            }
            guard table.rowCount >= h else {
                throw RecurrentError.invalidArgument(
                    name: "--future", value: future,
                    reason: "has \(table.rowCount) row(s); the model forecasts \(h) step(s) and needs one row for each")
            }
            let columns = try table.numericColumns(wanted, missing: .error)
            for name in wanted { values[name] = Array(columns.values(of: name)!.prefix(h)) }
        }
        return (0..<h).map { j in options.features.map { values[$0]?[j] ?? 0 } }
    }
}

/// A CSV field, quoted when it holds a comma, quote or line break.
func csvField(_ text: String) -> String {
    guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
    return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
