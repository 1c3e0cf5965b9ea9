import ArgumentParser
import Foundation
import Recurrent

extension MissingValuePolicy: ExpressibleByArgument {}
extension Normalization.Method: ExpressibleByArgument {}

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a recurrent network on a CSV series, a text, labelled sequences or a generated task.",
        discussion: """
            The data comes from one of --csv (a numeric series to forecast), --text \
            (a character model), --sequences (labelled sequences to classify) or \
            --task (generated: the series mackey-glass or sine, or the sequence \
            tasks adding, copy and reber). Labelled sequences are shuffled with \
            --seed and split 70/15/15 into training, validation and test (--split; \
            shares summing to 1 leave no test part, and --validation FILE makes all \
            of --sequences training data), their numeric features scaled as a \
            series' columns are (--scaling); a text \
            is split in order. A series is split in time into \
            training, validation and test parts (--split) and normalised with the \
            training part's statistics (--scaling); each window of --window rows \
            forecasts the --horizon rows after it through the last step and a \
            dense head, on the mean squared error. After each epoch a line gives \
            the training and validation loss, steps per second and time left (a \
            live bar on a terminal; --json for one JSON object per epoch; --quiet \
            for none), then the validation quality in the data's own terms (for a \
            series, RMSE in its units beside the persistence forecast's). \
            --patience stops when the validation loss stops improving and keeps the \
            best epoch; with --csv and --id-column (long form, each series' rows \
            together and in time order) or --series-columns (wide form), one \
            global model trains on the windows of every series, each split and \
            scaled on its own (--series-embedding onehot tells them apart); \
            --checkpoint saves the run (atomically) at every epoch end \
            and every --checkpoint-every steps, and --resume continues it to the \
            same model an uninterrupted run gives. The model file holds the \
            weights and what is needed to read data again (options, \
            normalisation, vocabulary, classes); it is written atomically at the end.
            """)

    @OptionGroup(title: "Data")
    var data: DataOptions

    @OptionGroup(title: "Model and training")
    var modelOptions: ModelOptions

    @OptionGroup(title: "Run")
    var runOptions: RunOptions

    @OptionGroup(title: "Output")
    var progress: ProgressOptions

    @Option(name: .shortAndLong, help: "The model file to write (its folder must exist).")
    var output: String

    func validate() throws {
        try data.validateData()
        try modelOptions.validateModel()
        try runOptions.validateRun()
        if modelOptions.model == "mlp", data.csv == nil, data.sequences == nil,
            !DataOptions.seriesTasks.contains(data.task ?? "")
        {
            throw ValidationError(
                "--model mlp reads one fixed window: it trains on a series (--csv, --task mackey-glass|sine) or "
                    + "labelled sequences (--sequences); `recurrent compare` runs it beside the others wherever "
                    + "there is one output per sequence")
        }
        try validateOutputPath(output)
        let target = URL(fileURLWithPath: output).standardizedFileURL.path
        for (option, path) in [
            ("--csv", data.csv), ("--text", data.text), ("--sequences", data.sequences),
            ("--checkpoint", runOptions.checkpoint),
        ] where path.map({ URL(fileURLWithPath: $0).standardizedFileURL.path }) == target {
            throw ValidationError("--output \(output) is also \(option); the model file would overwrite it")
        }
    }

    func run() throws {
        if let threads = modelOptions.threads { ThreadPool.shared.threadCount = threads }
        try runOptions.prepareFolders()
        let job: any TrainingJob = try reportingDataErrors { try data.makeJob(model: modelOptions, run: runOptions) }
        if !progress.quiet && !progress.json {
            print(job.description)
            flushOutput()
        }
        let loop = TrainingLoop(options: modelOptions, progress: progress, run: runOptions)
        let result = try reportingDataErrors { try loop.train(job) }
        let summary = try reportingDataErrors { try job.summary(of: result.model) }
        let m = modelOptions
        let training =
            "\(m.summary), epoch \(result.epoch) of \(m.steps.map { "\($0) steps" } ?? "\(m.epochs)"), seed \(m.seed); "
            + summary.metrics.sorted { $0.key < $1.key }.map { "\($0.key) \(format(Float($0.value)))" }
            .joined(separator: ", ")
        try reportingDataErrors {
            try job.write(
                result.model, metadata: ["training": training, "data": job.description],
                to: URL(fileURLWithPath: output))
        }
        let written = try reportingDataErrors { try writePlots(job, result) }
        if let log = result.log { try finishTrainingLog(log, metrics: summary.metrics) }
        let logFile = result.log?.writer.url.path
        if progress.json {
            var figures: [String: Any] = summary.metrics
            figures["final"] = true
            figures["epoch"] = result.epoch
            figures["epochs_run"] = result.history.count
            figures["stopped_early"] = result.stoppedEarly
            figures["parameters"] = result.model.parameterCount
            figures["training_seconds"] = result.seconds
            figures["model_file"] = output
            figures["plots"] = written
            if let logFile { figures["log_file"] = logFile }
            print(jsonLine(figures))
            return
        }
        for line in summary.lines { print(line) }
        if !progress.quiet {
            print(
                "model written to \(output)" + (written.isEmpty ? "" : "; plots: \(written.joined(separator: ", "))")
                    + (logFile.map { "; TensorBoard log: \($0)" } ?? ""))
        }
    }

    /// Writes the loss curve, the hidden-state heat map and the job's own
    /// plots into `--plots`; returns their paths.
    private func writePlots(_ job: any TrainingJob, _ result: TrainingResult) throws -> [String] {
        guard let folder = runOptions.plots else { return [] }
        var plots: [(String, any SVGPlot)] = [("loss.svg", lossPlot(result.history, meaning: job.lossMeaning))]
        if let heatMap = try job.hiddenStatePlot(of: result.model) { plots.append(("hidden.svg", heatMap)) }
        plots += try job.plots(of: result.model)
        return try plots.map { name, plot in
            let path = (folder.hasSuffix("/") ? folder : folder + "/") + name
            try plot.write(to: URL(fileURLWithPath: path))
            return path
        }
    }

}

/// Runs `body`; a ``CSVError``, ``SafetensorsError`` or ``RecurrentError``
/// becomes one line on stderr and the usage exit code.
func reportingDataErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try reportingFileErrors(body)
    } catch let error as CSVError {
        printError(error.description)
    } catch let error as TextError {
        printError(error.description)
    }
    throw ExitCode.validationFailure
}
