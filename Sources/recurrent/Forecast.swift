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
            model, and writes the forecast of the next `horizon` rows, in the \
            file's units, as CSV: a header `step,TARGET…` and one row per step \
            (1 … horizon). The output is written atomically.
            """)

    @Option(name: .shortAndLong, help: "The model file written by `recurrent train`.")
    var model: String

    @Option(help: "The CSV file, with the columns the model was trained on.")
    var csv: String

    @Option(name: .shortAndLong, help: "The CSV file to write (its folder must exist).")
    var output: String

    @Option(help: "Missing cells: error, drop, forward-fill or interpolate (default: the policy used in training).")
    var missing: MissingValuePolicy?

    func validate() throws {
        try validateExistingFile(model, "--model")
        try validateExistingFile(csv, "--csv")
        try validateOutputPath(output)
    }

    func run() throws {
        let (file, series) = try reportingDataErrors { try loadForecastModelAndSeries(model, csv, missing) }
        let text = try reportingDataErrors {
            let options = file.options
            let (l, n) = (options.inputLength, series.rowCount)
            guard n >= l else {
                throw RecurrentError.invalidArgument(
                    name: "--csv", value: csv, reason: "has \(n) rows; the model reads windows of \(l)")
            }
            var scalars: [Float] = []
            for r in (n - l)..<n {
                for feature in options.features { scalars.append(Float(series.values(of: feature)![r])) }
            }
            let input = try file.normalization.normalizing(
                Tensor(shape: [1, l, options.features.count], scalars: scalars), columns: options.features)
            let forecast = try file.normalization.denormalizing(file.model(input), columns: options.targets)
            let k = options.targets.count
            if let i = forecast.scalars.firstIndex(where: { !$0.isFinite }) {
                throw RecurrentError.invalidArgument(
                    name: "forecast", value: "\(forecast.scalars[i])", reason: "the model gave a non-finite value")
            }
            var text = (["step"] + options.targets.map(csvField)).joined(separator: ",") + "\n"
            for j in 0..<options.horizon {
                text += ([String(j + 1)] + (0..<k).map { String(forecast.scalars[j * k + $0]) }).joined(separator: ",")
                text += "\n"
            }
            return text
        }
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
            printError("\(output): cannot be written: \(error.localizedDescription)")
            throw ExitCode.validationFailure
        }
        print("\(file.options.horizon) step(s) of \(file.options.targets.joined(separator: ", ")) after row \(series.rowCount) of \(csv) → \(output)")
    }
}

/// A CSV field, quoted when it holds a comma, quote or line break.
func csvField(_ text: String) -> String {
    guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
    return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
