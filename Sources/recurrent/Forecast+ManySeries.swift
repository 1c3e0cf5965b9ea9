import ArgumentParser
import Foundation
import Recurrent

/// `forecast` of a global model: every series (or `--series ID`), long-form out.
extension Forecast {
    func forecastManySeries() throws {
        guard let csv else { throw usageFailure("\(model) is a global model of many series; give them with --csv FILE") }
        var file = try reportingDataErrors { try ForecastModelFile(contentsOf: URL(fileURLWithPath: model)) }
        file.network.precision = precision.precision
        let record = file.manySeries!
        let options = file.options
        let (h, k) = (options.horizon, options.targets.count)
        let wanted = steps ?? h
        let distribution = file.network.distribution
        let text = try reportingDataErrors {
            if method == "direct", wanted > h {
                throw RecurrentError.invalidArgument(
                    name: "--steps", value: "\(wanted)",
                    reason: "direct forecasting gives the model's horizon of \(h) step(s); use --method recursive for more")
            }
            if method == "recursive" {
                if distribution != nil || !options.knownFutureColumns.isEmpty
                    || options.features.contains(where: { !options.targets.contains($0) })
                {
                    throw RecurrentError.invalidArgument(
                        name: "--method", value: "recursive",
                        reason: "feeds forecasts back as the window: a global model needs point forecasts, every feature a "
                            + "target and no known-future covariates for it; forecast directly")
                }
            }
            if let series, !record.ids.contains(series) { _ = try record.index(of: series) }
            var all = try loadManySeries(of: file, csvPath: csv, missing: missing, time: nil)
            if let series {
                all = all.filter { $0.series.id == series }
                guard !all.isEmpty else {
                    throw RecurrentError.invalidArgument(
                        name: "--series", value: series, reason: "is one of the model's series, but \(csv) has no rows of it")
                }
            }
            let future = try manySeriesFutureRows(file, ids: all.map(\.series.id))
            let levels = distribution?.quantiles.map { QuantileReport.name($0) } ?? []
            let idName = record.idColumn ?? "series"
            let times = all.map { continuedTimes($0.series.columns.times, count: wanted) }
            let withTimes = times.allSatisfy { $0 != nil }
            let header =
                [idName, "step"] + (withTimes ? [file.metadata["time_column"] ?? "time"] : [])
                + options.targets.flatMap { target in [target] + levels.map { "\(target)_\($0)" } }
            var text = header.map(csvField).joined(separator: ",") + "\n"
            for (i, (index, s)) in all.enumerated() {
                let (l, n) = (options.window, s.columns.rowCount)
                guard n >= l else {
                    throw RecurrentError.invalidArgument(
                        name: "series \"\(s.id)\" of", value: csv, reason: "has \(n) rows; the model reads windows of \(l)")
                }
                var rows: [[Double]] = (n - l..<n).map { r in options.features.map { s.columns.values(of: $0)![r] } }
                let known = try knownFutureRows(file, s.columns, futureValues: future[s.id])
                var forecast: [Float] = [], quantiles: [Float] = []
                while forecast.count < wanted * k {
                    let window = Array(rows.suffix(l)) + known
                    let windows = Tensor(
                        shape: [1, window.count, options.features.count], scalars: window.flatMap { $0.map(Float.init) })
                    let next = try file.forecast(windows, series: index).scalars
                    if let bad = next.first(where: { !$0.isFinite }) {
                        throw RecurrentError.invalidArgument(
                            name: "forecast", value: "\(bad)", reason: "the model gave a non-finite value for series \"\(s.id)\"")
                    }
                    if let distribution, let scaled = try file.network.quantileForecast(file.modelInput(windows, series: index)) {
                        quantiles = try record.normalizations[index].denormalizing(
                            quantiles: scaled, columns: options.targets, levels: distribution.quantiles.count
                        ).scalars
                    }
                    forecast += next.prefix(min(h, wanted - forecast.count / k) * k)
                    if method == "direct" { break }
                    for j in 0..<h {
                        rows.append(options.features.map { Double(next[j * k + options.targets.firstIndex(of: $0)!]) })
                    }
                }
                let q = levels.count
                for j in 0..<wanted {
                    var cells = [csvField(s.id), String(j + 1)] + (withTimes ? [csvField(times[i]![j])] : [])
                    for c in 0..<k {
                        cells.append(String(forecast[j * k + c]))
                        for v in 0..<q { cells.append(String(quantiles[(j * k + c) * q + v])) }
                    }
                    text += cells.joined(separator: ",") + "\n"
                }
            }
            return (text, all.count)
        }
        let summary =
            "\(wanted) step(s) (\(method)) of \(options.targets.joined(separator: ", ")) for \(text.1) series of \(csv) "
            + "→ \(output == "-" ? "standard output" : output)"
        if output == "-" {
            FileHandle.standardOutput.write(Data(text.0.utf8))
            FileHandle.standardError.write(Data((summary + "\n").utf8))
            return
        }
        do {
            try AtomicFile.write(Data(text.0.utf8), to: URL(fileURLWithPath: output))
        } catch {
            printError("\(error)")
            throw ExitCode.validationFailure
        }
        print(summary)
    }

    /// The `--future` file's rows of each series for a global model with
    /// `--future-features`: long form under the model's id column, each
    /// series' first `horizon` rows its forecast steps; empty without them.
    private func manySeriesFutureRows(_ file: ForecastModelFile, ids: [String]) throws -> [String: [String: [Double]]] {
        let options = file.options
        guard !options.futureFeatures.isEmpty else { return [:] }
        guard let future, let id = file.manySeries?.idColumn else {
            throw RecurrentError.invalidArgument(
                name: "--future", value: future ?? "not given",
                reason: "the model needs the known-future values of \(options.futureFeatures.joined(separator: ", ")) for "
                    + "each series' \(options.horizon) step(s): a long-form CSV file with its id column")
        }
        let table = try CSVTable(contentsOf: URL(fileURLWithPath: future))
        let series = try table.longFormSeries(idColumn: id, columns: options.futureFeatures, missing: .error)
        var values: [String: [String: [Double]]] = [:]
        let known = Set(file.manySeries?.ids ?? [])
        if let stranger = series.first(where: { !known.contains($0.id) }) {
            // A typo in an id would otherwise leave its series without rows, or be dropped unseen.
            throw RecurrentError.invalidArgument(
                name: "--future", value: future,
                reason: "has rows of series \"\(stranger.id)\", which is not one the model was trained on "
                    + "(\(file.manySeries!.ids.prefix(3).map { "\"\($0)\"" }.joined(separator: ", "))\(known.count > 3 ? ", …" : ""))")
        }
        for s in series { values[s.id] = Dictionary(uniqueKeysWithValues: options.futureFeatures.map { ($0, s.columns.values(of: $0)!) }) }
        for wanted in ids {
            guard let rows = values[wanted]?.values.first?.count, rows >= options.horizon else {
                throw RecurrentError.invalidArgument(
                    name: "--future", value: future,
                    reason: "has \(values[wanted]?.values.first?.count ?? 0) row(s) of series \"\(wanted)\"; "
                        + "the model forecasts \(options.horizon) step(s) and needs one row for each")
            }
        }
        return values
    }

    /// The `count` times after a series' last: ISO 8601 times continued at
    /// their frequency (dates as YYYYMMDD integers written so again), or
    /// numbers continued by their last step; nil otherwise.
    func continuedTimes(_ cells: [String]?, count: Int) -> [String]? {
        guard let cells = cells?.map({ $0.trimmingCharacters(in: .whitespaces) }), cells.count >= 2 else { return nil }
        let basic = cells.allSatisfy(TimeStamp.isBasicDate)
        if !basic, let numbers = Optional(cells.compactMap(Double.init)), numbers.count == cells.count {
            let step = numbers[numbers.count - 1] - numbers[numbers.count - 2]
            let integral = cells.allSatisfy { Int($0) != nil }
            return (1...max(count, 1)).prefix(count).map { j in
                let value = numbers.last! + Double(j) * step
                return integral ? String(Int(value)) : String(value)
            }
        }
        let stamps = cells.compactMap { TimeStamp(iso8601: $0) }
        guard stamps.count == cells.count, let next = TimeStamp.continuing(stamps, count: count) else { return nil }
        let dateOnly = cells.last!.count == 10
        let zulu = cells.last!.hasSuffix("Z")
        let hasOffset = cells.last!.dropFirst(10).contains { $0 == "+" || $0 == "-" }
        return next.map { stamp in
            let f = stamp.local
            if basic { return String(format: "%04d%02d%02d", f.year, f.month, f.day) }
            let date = String(format: "%04d-%02d-%02d", f.year, f.month, f.day)
            if dateOnly { return date }
            let offset = stamp.utcOffset
            let zone =
                zulu && offset == 0
                ? "Z"
                : !hasOffset ? ""
                : String(format: "%@%02d:%02d", offset < 0 ? "-" : "+", abs(offset) / 3600, abs(offset) % 3600 / 60)
            return date + String(format: "T%02d:%02d:%02d", f.hour, f.minute, f.second) + zone
        }
    }
}
