import ArgumentParser
import Foundation
import Recurrent

/// Options of `recurrent train` for a numeric series (`--csv`, or `--task mackey-glass|sine`).
struct SeriesDataOptions: ParsableArguments {
    @Option(help: "The column to forecast (required with --csv; \"value\" with a generated series).")
    var target: String?

    @Option(help: "Comma-separated columns read at each step (default: the target alone).")
    var features: String?

    @Option(help: "A time column, checked to exist (not a feature).")
    var time: String?

    @Option(help: "Missing cells: error, drop, forward-fill or interpolate.")
    var missing: MissingValuePolicy = .error

    @Option(help: "Steps forecast at once after each window (≥ 1).")
    var horizon = 1

    var targetName: String { target ?? "value" }

    var featureList: [String] {
        features.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) } ?? [targetName]
    }

    func validateSeries(generated: Bool) throws {
        if generated {
            if let target, target != "value" {
                throw ValidationError("--target: a generated series has one column, \"value\", not '\(target)'")
            }
            if let features, features != "value" {
                throw ValidationError("--features: a generated series has one column, \"value\", not '\(features)'")
            }
        }
        if let target, target.isEmpty { throw ValidationError("--target must name a column") }
        if featureList.contains("") || Set(featureList).count != featureList.count {
            throw ValidationError("--features must be distinct column names separated by commas, got '\(features ?? "")'")
        }
        guard horizon >= 1 else { throw ValidationError("--horizon must be at least 1, got \(horizon)") }
    }
}

/// Forecasting a numeric series: windows of `window` rows, each forecasting
/// the `horizon` rows after it, through the last step and a dense head, on
/// the mean squared error of z-scored values.
struct SeriesJob: TrainingJob {
    let data: SeriesDataset
    let options: SeriesOptions
    let missing: MissingValuePolicy
    let source: String
    let train: SequenceBatch
    let validation: SequenceBatch

    /// Series data from a CSV file's columns or a generated series.
    init(series: NumericColumns, source: String, window: Int, options series_: SeriesDataOptions) throws {
        let options = SeriesOptions(
            features: series_.featureList, targets: [series_.targetName], inputLength: window, horizon: series_.horizon)
        let rows = series.rowCount
        let trainRows = Int((options.split.train * Double(rows)).rounded())
        guard window + options.horizon <= trainRows else {
            throw RecurrentError.invalidArgument(
                name: "--window", value: "\(window)",
                reason: "with --horizon \(options.horizon) a window spans \(window + options.horizon) rows, but "
                    + "\(source) has \(rows) rows, \(trainRows) of them for training")
        }
        let testRows = rows - Int(((options.split.train + options.split.validation) * Double(rows)).rounded())
        guard options.horizon <= min(testRows, rows - trainRows - testRows) else {
            throw RecurrentError.invalidArgument(
                name: "--horizon", value: "\(options.horizon)",
                reason: "\(source) has \(rows) rows, too few to hold \(options.horizon) rows in each of validation and test")
        }
        let data = try SeriesDataset(series, options: options)
        guard let train = data.train.batch, let validation = data.validation.batch else {
            throw RecurrentError.invalidArgument(
                name: "--window", value: "\(window)", reason: "leaves no training or validation window")
        }
        self.data = data
        self.options = options
        self.missing = series_.missing
        self.source = source
        self.train = train
        self.validation = validation
    }

    var description: String {
        "\(source): \(data.train.count) training, \(data.validation.count) validation and \(data.test.count) test "
            + "windows of \(options.inputLength) steps, forecasting \(options.targets.joined(separator: ", ")) "
            + "\(options.horizon) step(s) ahead"
    }
    var input: JobInput { .features(options.features.count) }
    var outputSize: Int { options.horizon * options.targets.count }
    var pooling: SequencePooling { .last }
    var loss: Loss { .meanSquaredError }

    func summary(of model: SequenceModel) throws -> JobSummary {
        let prediction = try data.targetsInOriginalUnits(try model(data.validation.input))
        let truth = data.validation.targetsInOriginalUnits
        let errors = try ForecastErrors(prediction: prediction, truth: truth)
        let naive = try ForecastErrors(prediction: data.persistenceForecast(for: .validation), truth: truth)
        return JobSummary(
            lines: [
                "validation RMSE \(format(Float(errors.rmse))) (persistence \(format(Float(naive.rmse)))), "
                    + "MAE \(format(Float(errors.mae))) (persistence \(format(Float(naive.mae)))), "
                    + "\(data.validation.count) windows"
            ],
            metrics: [
                "validation_rmse": errors.rmse, "validation_mae": errors.mae,
                "persistence_validation_rmse": naive.rmse, "persistence_validation_mae": naive.mae,
            ])
    }

    func modelFile(for model: SequenceModel, metadata: [String: String]) throws -> ModelFile {
        try ForecastModelFile(
            model: model, options: options, normalization: data.normalization, missing: missing, metadata: metadata
        ).modelFile()
    }
}
