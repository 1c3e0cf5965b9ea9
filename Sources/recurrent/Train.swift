import ArgumentParser
import Foundation
import Recurrent

extension MissingValuePolicy: ExpressibleByArgument {}

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a recurrent network on a CSV series, a text, labelled sequences or a generated task.",
        discussion: """
            The data comes from one of --csv (a numeric series to forecast), --text \
            (a character model), --sequences (labelled sequences to classify) or \
            --task (a generated series: mackey-glass or sine). Every source is split \
            in order into 70% training, 15% validation and 15% test. A series is \
            normalised (z-score) with the training part's statistics; each window of \
            --window rows forecasts the --horizon rows after it through the last \
            step and a dense head, on the mean squared error. Prints the training \
            and validation loss after each epoch unless --quiet, then the \
            validation quality in the data's own terms (for a series, RMSE in its \
            units beside the persistence forecast's). The model file holds the \
            weights and what is needed to read data again (options, \
            normalisation, vocabulary, classes); it is written atomically at the end.
            """)

    @Option(help: "A CSV file holding a numeric series (header row, one row per time step).")
    var csv: String?

    @Option(help: "A UTF-8 text file for a character model.")
    var text: String?

    @Option(help: "Labelled sequences: CSV/TSV (sequence, label per line), long-form CSV, or safetensors.")
    var sequences: String?

    @Option(help: "A generated series instead of a file: mackey-glass or sine.")
    var task: String?

    @Option(help: "Rows of the generated series (with --task, ≥ 2).")
    var length = 1000

    @Option(help: "Steps of history in each window (≥ 1; default 24 for a series, 100 for text).")
    var window: Int?

    @OptionGroup(title: "Series")
    var series: SeriesDataOptions

    @OptionGroup(title: "Text")
    var textOptions: TextDataOptions

    @OptionGroup(title: "Labelled sequences")
    var sequenceOptions: SequenceDataOptions

    @OptionGroup(title: "Model and training")
    var modelOptions: ModelOptions

    @OptionGroup(title: "Output")
    var progress: ProgressOptions

    @Option(name: .shortAndLong, help: "The model file to write (its folder must exist).")
    var output: String

    func validate() throws {
        let sources = [("--csv", csv), ("--text", text), ("--sequences", sequences), ("--task", task)]
            .filter { $0.1 != nil }
        guard !sources.isEmpty else {
            throw ValidationError("give one of --csv FILE, --text FILE, --sequences FILE or --task mackey-glass|sine")
        }
        guard sources.count == 1 else {
            throw ValidationError("give one data source, not \(sources.map(\.0).joined(separator: " and "))")
        }
        for (option, path) in [("--csv", csv), ("--text", text), ("--sequences", sequences)] {
            if let path { try validateExistingFile(path, option) }
        }
        if csv != nil, series.target == nil { throw ValidationError("--target COLUMN is required with --csv") }
        if let task {
            guard ["mackey-glass", "sine"].contains(task) else {
                throw ValidationError("--task must be mackey-glass or sine, got '\(task)'")
            }
            guard length >= 2 else { throw ValidationError("--length must be at least 2, got \(length)") }
        }
        if csv != nil || task != nil { try series.validateSeries(generated: task != nil) }
        if let window, window < 1 { throw ValidationError("--window must be at least 1, got \(window)") }
        try modelOptions.validateModel()
        if modelOptions.model == "mlp" {
            throw ValidationError("--model mlp is not available in train yet; use lstm, gru or rnn")
        }
        try validateOutputPath(output)
    }

    func run() throws {
        if let threads = modelOptions.threads { ThreadPool.shared.threadCount = threads }
        let job: any TrainingJob = try reportingDataErrors { try makeJob() }
        if !progress.quiet && !progress.json { print(job.description) }
        let loop = TrainingLoop(options: modelOptions, progress: progress)
        let model = try reportingDataErrors { try loop.train(job) }
        let summary = try reportingDataErrors { try job.summary(of: model) }
        for line in summary.lines { print(line) }
        let m = modelOptions
        let training =
            "\(m.model) hidden \(m.hidden) layers \(m.layers), \(m.epochs) epochs, seed \(m.seed); "
            + summary.metrics.sorted { $0.key < $1.key }.map { "\($0.key) \(format(Float($0.value)))" }
                .joined(separator: ", ")
        try reportingDataErrors {
            try job.modelFile(for: model, metadata: ["training": training]).write(to: URL(fileURLWithPath: output))
        }
        if !progress.quiet { print("model written to \(output)") }
    }

    private func makeJob() throws -> any TrainingJob {
        if let text {
            return try TextJob(path: text, window: window, options: textOptions, model: modelOptions)
        }
        if let sequences {
            return try LabelledSequenceJob(
                path: sequences, features: series.features == nil ? nil : series.featureList,
                options: sequenceOptions, model: modelOptions)
        }
        let (columns, source) = try loadSeries()
        return try SeriesJob(series: columns, source: source, window: window ?? 24, options: series)
    }

    private func loadSeries() throws -> (NumericColumns, String) {
        if let csv {
            let table = try CSVTable(contentsOf: URL(fileURLWithPath: csv))
            var names = series.featureList
            if !names.contains(series.targetName) { names.append(series.targetName) }
            return (try table.numericColumns(names, time: series.time, missing: series.missing), csv)
        }
        var generator = RandomGenerator(seed: modelOptions.seed)
        let values =
            task == "sine"
            ? try SineMixture(noise: 0.05).series(length: length, generator: &generator).scalars
            : try MackeyGlass().series(length: length).scalars
        return (try NumericColumns(names: ["value"], values: [values.map(Double.init)]), "--task \(task!)")
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
