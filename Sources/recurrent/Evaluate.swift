import ArgumentParser
import Foundation
import Recurrent

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Measure a trained forecasting model on a CSV file's test part, beside persistence.",
        discussion: """
            Reads the columns the model was trained on from --csv (same names), \
            splits the rows in time as in training (70% training, 15% validation, \
            15% test), normalises with the statistics stored in the model, and \
            prints RMSE, MAE and MAPE (in percent, over non-zero targets) of the \
            model's forecasts of the test windows, in the file's units, beside the \
            persistence forecast's (the window's last value repeated).
            """)

    @Option(name: .shortAndLong, help: "The model file written by `recurrent train`.")
    var model: String

    @Option(help: "The CSV file, with the columns the model was trained on.")
    var csv: String

    @Option(help: "Missing cells: error, drop, forward-fill or interpolate (default: the policy used in training).")
    var missing: MissingValuePolicy?

    func validate() throws {
        try validateExistingFile(model, "--model")
        try validateExistingFile(csv, "--csv")
    }

    func run() throws {
        let (file, series) = try reportingDataErrors { try loadForecastModelAndSeries(model, csv, missing) }
        let (errors, naive, windows) = try reportingDataErrors {
            let options = file.options
            let rows = series.rowCount
            let trainRows = Int((options.split.train * Double(rows)).rounded())
            let testRows = rows - Int(((options.split.train + options.split.validation) * Double(rows)).rounded())
            guard options.inputLength + options.horizon <= trainRows, options.horizon <= testRows else {
                throw RecurrentError.invalidArgument(
                    name: "--csv", value: csv,
                    reason: "has \(rows) rows, too few for the model's windows of \(options.inputLength) rows "
                        + "and horizon \(options.horizon) in a 70/15/15 split")
            }
            let data = try SeriesDataset(series, options: options)
            let input = try file.normalization.normalizing(
                data.normalization.denormalizing(data.test.input, columns: options.features), columns: options.features)
            let prediction = try file.normalization.denormalizing(file.model(input), columns: options.targets)
            let truth = data.test.targetsInOriginalUnits
            return (
                try ForecastErrors(prediction: prediction, truth: truth),
                try ForecastErrors(prediction: data.persistenceForecast(for: .test), truth: truth), data.test.count
            )
        }
        print("\(windows) test windows of \(csv), forecasting \(file.options.targets.joined(separator: ", ")) "
            + "\(file.options.horizon) step(s) ahead")
        print("forecast          RMSE          MAE       MAPE %")
        for (name, e) in [("model", errors), ("persistence", naive)] {
            print(
                name.padding(toLength: 12, withPad: " ", startingAt: 0) + format(Float(e.rmse), 10) + "   "
                    + format(Float(e.mae), 10) + "   " + (e.mape.map { format(Float($0), 10) } ?? "         —"))
        }
    }
}

/// The forecasting model at `modelPath` and the columns it reads from the
/// CSV file at `csvPath`: its features and targets, under `missing` (or the
/// policy stored in the model).
func loadForecastModelAndSeries(
    _ modelPath: String, _ csvPath: String, _ missing: MissingValuePolicy?
) throws -> (ForecastModelFile, NumericColumns) {
    let file = try ForecastModelFile(contentsOf: URL(fileURLWithPath: modelPath))
    let table = try CSVTable(contentsOf: URL(fileURLWithPath: csvPath))
    var names = file.options.features
    for target in file.options.targets where !names.contains(target) { names.append(target) }
    return (file, try table.numericColumns(names, missing: missing ?? file.missing))
}
