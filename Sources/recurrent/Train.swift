import ArgumentParser
import Foundation
import Recurrent

extension MissingValuePolicy: ExpressibleByArgument {}

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a recurrent network to forecast a numeric series from a CSV file or a generated task.",
        discussion: """
            Reads the --target column (and the --features columns, by default the \
            target alone) of a CSV file with a header row, or generates a seeded \
            series with --task (its one column is called "value"). The rows are \
            split in time into 70% training, 15% validation and 15% test; every \
            column is normalised (z-score) with the training part's statistics. \
            Each window of --window rows forecasts the --horizon rows after it, all \
            at once, through the recurrent layers' last step and a dense head, \
            trained by Adam on the mean squared error. Prints the training and \
            validation loss (normalised units) after each epoch unless --quiet, \
            then the validation RMSE in the series' own units beside the \
            persistence forecast's (the window's last value repeated). The model \
            file holds the weights, the window options and the normalisation; it is \
            written atomically at the end. The MLP baseline (`--model mlp`) is \
            not available here; see `recurrent demo`.
            """)

    @Option(help: "The CSV file to read (header row, one row per time step).")
    var csv: String?

    @Option(help: "A generated series instead of a CSV file: mackey-glass or sine.")
    var task: String?

    @Option(help: "Rows of the generated series (with --task, ≥ 2).")
    var length = 1000

    @Option(help: "The column to forecast (required with --csv; \"value\" with --task).")
    var target: String?

    @Option(help: "Comma-separated columns read at each step (default: the target alone).")
    var features: String?

    @Option(help: "A time column, checked to exist (not a feature).")
    var time: String?

    @Option(help: "Missing cells: error, drop, forward-fill or interpolate.")
    var missing: MissingValuePolicy = .error

    @Option(help: "Steps of history each forecast sees (≥ 1).")
    var window = 24

    @Option(help: "Steps forecast at once after each window (≥ 1).")
    var horizon = 1

    @Option(help: "The recurrent cell: lstm, gru or rnn.")
    var model = "lstm"

    @Option(help: "Hidden units per recurrent layer (≥ 1).")
    var hidden = 32

    @Option(help: "Stacked recurrent layers (≥ 1).")
    var layers = 1

    @Option(help: "Passes over the training windows (≥ 1).")
    var epochs = 20

    @Option(help: "Windows per optimiser step (≥ 1).")
    var batchSize = 32

    @Option(help: "Adam's learning rate (finite, > 0).")
    var learningRate: Float = 5e-3

    @Option(help: "Largest global gradient norm (finite, > 0).")
    var clip: Float = 1

    @Option(help: "Seed of the weights, the shuffle and a generated series.")
    var seed: UInt64 = 42

    @Option(name: .shortAndLong, help: "The model file to write (its folder must exist).")
    var output: String

    @Flag(help: "Print only the final line.")
    var quiet = false

    func validate() throws {
        switch (csv, task) {
        case (nil, nil): throw ValidationError("give --csv FILE or --task mackey-glass|sine")
        case (_?, _?): throw ValidationError("give --csv or --task, not both")
        case (let file?, nil):
            try validateExistingFile(file, "--csv")
            guard target != nil else { throw ValidationError("--target COLUMN is required with --csv") }
        case (nil, let task?):
            guard ["mackey-glass", "sine"].contains(task) else {
                throw ValidationError("--task must be mackey-glass or sine, got '\(task)'")
            }
            if let target, target != "value" {
                throw ValidationError("--target: a generated series has one column, \"value\", not '\(target)'")
            }
            if let features, features != "value" {
                throw ValidationError("--features: a generated series has one column, \"value\", not '\(features)'")
            }
            guard length >= 2 else { throw ValidationError("--length must be at least 2, got \(length)") }
        }
        if let target, target.isEmpty { throw ValidationError("--target must name a column") }
        if featureList.contains("") || Set(featureList).count != featureList.count {
            throw ValidationError("--features must be distinct column names separated by commas, got '\(features ?? "")'")
        }
        guard ["lstm", "gru", "rnn"].contains(model) else {
            if model == "mlp" { throw ValidationError("--model mlp is not available in train yet; use lstm, gru or rnn") }
            throw ValidationError("--model must be lstm, gru or rnn, got '\(model)'")
        }
        for (name, value) in [
            ("--window", window), ("--horizon", horizon), ("--hidden", hidden), ("--layers", layers),
            ("--epochs", epochs), ("--batch-size", batchSize),
        ] where value < 1 {
            throw ValidationError("\(name) must be at least 1, got \(value)")
        }
        guard learningRate.isFinite, learningRate > 0 else {
            throw ValidationError("--learning-rate must be finite and > 0, got \(learningRate)")
        }
        guard clip.isFinite, clip > 0 else { throw ValidationError("--clip must be finite and > 0, got \(clip)") }
        try validateOutputPath(output)
    }

    private var targetName: String { target ?? "value" }
    private var featureList: [String] {
        features.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) } ?? [targetName]
    }

    func run() throws {
        let options = SeriesOptions(features: featureList, targets: [targetName], inputLength: window, horizon: horizon)
        let (series, source) = try reportingDataErrors { try loadSeries() }
        let data = try reportingDataErrors { try makeDataset(series, options, source: source) }
        let (trained, summary) = try reportingDataErrors { try fit(data) }
        let file = ForecastModelFile(
            model: trained, options: options, normalization: data.normalization, missing: missing,
            metadata: ["training": summary])
        try reportingDataErrors { try file.write(to: URL(fileURLWithPath: output)) }
    }

    private func loadSeries() throws -> (NumericColumns, String) {
        if let csv {
            let table = try CSVTable(contentsOf: URL(fileURLWithPath: csv))
            var names = featureList
            if !names.contains(targetName) { names.append(targetName) }
            return (try table.numericColumns(names, time: time, missing: missing), csv)
        }
        var generator = RandomGenerator(seed: seed)
        let values =
            task == "sine"
            ? try SineMixture(noise: 0.05).series(length: length, generator: &generator).scalars
            : try MackeyGlass().series(length: length).scalars
        return (try NumericColumns(names: ["value"], values: [values.map(Double.init)]), "--task \(task!)")
    }

    private func fit(_ data: SeriesDataset) throws -> (SequenceModel, String) {
        guard let train = data.train.batch, let validation = data.validation.batch else {
            throw RecurrentError.invalidArgument(
                name: "--window", value: "\(window)", reason: "leaves no training or validation window")
        }
        var generator = RandomGenerator(seed: seed)
        let cell: Cell = model == "lstm" ? .lstm : model == "gru" ? .gru : .elman(.tanh)
        let network = try SequenceModel(
            input: .features(featureList.count), cell: cell, hiddenSize: hidden, layers: layers,
            outputSize: horizon, pooling: .last, generator: &generator)
        var trainer = try SequenceTrainer(
            model: network, optimizer: try Adam(learningRate: learningRate), loss: .meanSquaredError,
            maxGradientNorm: clip, seed: seed)
        let width = String(epochs).count
        for epoch in 1...epochs {
            let loss = try trainer.trainEpoch(train, batchSize: batchSize, generator: &generator)
            let validationLoss = try trainer.evaluate(validation)
            if !quiet {
                print(
                    "epoch \(pad(epoch, width))/\(epochs)  train loss \(format(loss))  validation loss \(format(validationLoss))")
            }
        }
        let prediction = try data.targetsInOriginalUnits(try trainer.model(data.validation.input))
        let truth = data.validation.targetsInOriginalUnits
        let errors = try ForecastErrors(prediction: prediction, truth: truth)
        let naive = try ForecastErrors(prediction: data.persistenceForecast(for: .validation), truth: truth)
        print(
            "validation RMSE \(format(Float(errors.rmse))) (persistence \(format(Float(naive.rmse)))), "
                + "\(data.validation.count) windows → \(output)")
        let summary =
            "\(model) hidden \(hidden) layers \(layers), \(epochs) epochs, seed \(seed); "
            + "validation RMSE \(format(Float(errors.rmse))), persistence \(format(Float(naive.rmse)))"
        return (trainer.model, summary)
    }

    /// The dataset, with a window that does not fit named by its option.
    private func makeDataset(_ series: NumericColumns, _ options: SeriesOptions, source: String) throws -> SeriesDataset {
        let rows = series.rowCount
        let trainRows = Int((options.split.train * Double(rows)).rounded())
        guard window + horizon <= trainRows else {
            throw RecurrentError.invalidArgument(
                name: "--window", value: "\(window)",
                reason: "with --horizon \(horizon) a window spans \(window + horizon) rows, but \(source) has \(rows) "
                    + "rows, \(trainRows) of them for training")
        }
        let testRows = rows - Int(((options.split.train + options.split.validation) * Double(rows)).rounded())
        guard horizon <= min(testRows, rows - trainRows - testRows) else {
            throw RecurrentError.invalidArgument(
                name: "--horizon", value: "\(horizon)",
                reason: "\(source) has \(rows) rows, too few to hold \(horizon) rows in each of validation and test")
        }
        return try SeriesDataset(series, options: options)
    }
}

/// Runs `body`; a ``CSVError``, ``SafetensorsError`` or ``RecurrentError``
/// becomes one line on stderr and the usage exit code.
func reportingDataErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try reportingFileErrors(body)
    } catch let error as CSVError {
        printError(error.description)
    }
    throw ExitCode.validationFailure
}
