import ArgumentParser
import Foundation
import Recurrent
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// What `train` and `compare` print while they train.
struct ProgressOptions: ParsableArguments {
    @Flag(help: "Print only the final figures.")
    var quiet = false

    @Flag(help: "Print one JSON object per epoch, then one with the final figures, instead of text.")
    var json = false
}

/// Early stopping and checkpoints: the options of `train` that shape the run
/// but not the network.
struct RunOptions: ParsableArguments {
    @Option(
        parsing: .unconditional,
        help:
            "Stop when the validation loss has not improved for this many epochs, keeping the best epoch's weights (≥ 1; default: never)."
    )
    var patience: Int?

    @Option(
        parsing: .unconditional,
        help: "A checkpoint file, rewritten atomically at the end of every epoch (and every --checkpoint-every steps).")
    var checkpoint: String?

    @Option(
        parsing: .unconditional,
        help: "Also write the checkpoint every this many optimiser steps (≥ 1; default: at epoch ends only).")
    var checkpointEvery: Int?

    @Flag(help: "Continue from --checkpoint, to the same result as a run never interrupted.")
    var resume = false

    @Flag(help: "Replace a --checkpoint file that exists instead of refusing to start (without --resume).")
    var overwrite = false

    @Option(
        parsing: .unconditional,
        help: "A folder for SVG plots (loss per epoch, hidden states, and the data's own plots); created if missing.")
    var plots: String?

    @Option(
        parsing: .unconditional,
        help:
            "A folder for TensorBoard event files (losses, learning rate and gradient norm per step, losses per epoch, the options); created if missing."
    )
    var logDir: String?

    /// For tests of `--resume`: stop with exit code 130, as Ctrl-C does, after
    /// this many optimiser steps.
    @Option(parsing: .unconditional, help: .hidden)
    var interruptAfterSteps: Int?

    /// Creates the `--plots` and `--log-dir` folders before any training, so
    /// a folder that cannot be made is reported before the work (and the model file).
    func prepareFolders() throws {
        if let plots { try makeOutputFolder(plots, "--plots") }
        if let logDir { try makeOutputFolder(logDir, "--log-dir") }
    }

    func validateRun() throws {
        if let patience, patience < 1 { throw ValidationError("--patience must be at least 1, got \(patience)") }
        if let checkpointEvery {
            guard checkpointEvery >= 1 else {
                throw ValidationError("--checkpoint-every must be at least 1, got \(checkpointEvery)")
            }
            guard checkpoint != nil else { throw ValidationError("--checkpoint-every needs --checkpoint FILE") }
        }
        if let checkpoint {
            try validateOutputPath(checkpoint, "--checkpoint")
            if resume {
                try validateExistingFile(checkpoint, "--checkpoint")
            } else if FileManager.default.fileExists(atPath: checkpoint), !overwrite {
                throw ValidationError(
                    "--checkpoint \(checkpoint): exists; continue it with --resume, replace it with --overwrite, "
                        + "or choose another file")
            }
        } else if resume {
            throw ValidationError("--resume needs --checkpoint FILE, the checkpoint to continue from")
        } else if overwrite {
            throw ValidationError("--overwrite needs --checkpoint FILE, the checkpoint to replace")
        }
        if let plots { try validateOutputFolder(plots, "--plots") }
        if let logDir { try validateOutputFolder(logDir, "--log-dir") }
    }
}

/// A trained network: recurrent, or the MLP baseline reading the first T
/// steps of each sequence flattened (tokens one-hot).
typealias TrainedModel = SequenceNetwork

extension SequenceNetwork {
    var parameterCount: Int {
        switch self {
        case .recurrent(let model): model.parameterCount
        case .mlp(let mlp): mlp.parameterCount
        }
    }
}

/// What a run of the loop gives back.
struct TrainingResult {
    /// The trained network (the best epoch's, with early stopping).
    var model: TrainedModel
    /// Every epoch's losses, in order, and why the run ended.
    var fit: History
    /// Every epoch's losses, in order.
    var history: [EpochSummary] { fit.epochs }
    /// Wall time of the epochs run in this process.
    var seconds: Double { fit.seconds }
    /// The epoch whose weights ``model`` holds.
    var epoch: Int { fit.modelEpoch }
    /// Whether `--patience` ended the run before its last epoch.
    var stoppedEarly: Bool { fit.stop == .earlyStopping }
    /// The `--log-dir` TensorBoard log, still open for the final figures.
    var log: TensorBoardLog?
}

/// Trains a network for a ``TrainingJob``: builds it from ``ModelOptions``,
/// runs the epochs with progress, early stopping and checkpoints, and
/// returns the trained model.
struct TrainingLoop {
    let options: ModelOptions
    let progress: ProgressOptions
    let run: RunOptions

    init(options: ModelOptions, progress: ProgressOptions, run: RunOptions? = nil) {
        self.options = options
        self.progress = progress
        // Parsed from no arguments: the options' defaults (no early stop, no checkpoint).
        self.run = run ?? (try! RunOptions.parse([]))
    }

    /// The recurrent network the options and the job describe, freshly initialised.
    func makeModel(for job: some TrainingJob, generator: inout RandomGenerator) throws -> SequenceModel {
        guard let cell = options.cell else {
            throw RecurrentError.invalidArgument(
                name: "--model", value: options.model, reason: "is not a recurrent cell")
        }
        if case .features = job.input, commandLineGives("--embedding") {
            throw RecurrentError.invalidArgument(
                name: "--embedding", value: "\(options.embedding)",
                reason: "applies to token input; this data is numeric")
        }
        var model = try SequenceModel(
            input: job.input, embeddingSize: options.embedding, cell: cell, hiddenSize: options.hidden, layers: options.layers,
            bidirectional: options.bidirectional, dropout: options.dropout, outputSize: job.outputSize,
            pooling: job.pooling, headSteps: job.headSteps, generator: &generator
        )
        if let future = job.futureCovariates {  // fresh head (and decoder) weights, drawn only when asked for
            model = try model.withFutureCovariates(future, encoderDecoder: job.encoderDecoder, generator: &generator)
        }
        // RevIN and the skip read the data's columns, not the identity columns after them.
        let read = job.identityColumns > 0 ? model.recurrent.inputSize - job.identityColumns : nil
        let built = try model.withDistribution(job.distribution).withSkip(steps: job.skipSteps, features: read)
            .withInstanceNormalization(
                outputChannels: job.instanceNormalizationChannels, levelPath: job.instanceNormalizationLevelPath, features: read)
        guard job.skipRidgeStart, built.skip != nil else { return built }
        guard built.future == nil else {
            throw RecurrentError.invalidArgument(
                name: "--skip-start", value: "ridge",
                reason: "starts the skip from the window alone; not with --future-features or --calendar yet")
        }
        return try SkipRidgeStart(built, train: job.train, validation: job.validation).model
    }

    /// Trains a fresh network on `job` (or continues the checkpoint with `--resume`).
    func train(_ job: some TrainingJob) throws -> TrainingResult {
        try MemoryCheck.training(options, job: job).check()
        var generator = RandomGenerator(seed: options.seed)
        return try train(job, try options.trainingOptions().makeOptimizer(), &generator)
    }

    /// The run's epochs, batches, patience and checkpoints.
    private func fitOptions(_ job: some TrainingJob) -> FitOptions {
        FitOptions(
            epochs: options.epochs, steps: options.steps, batchSize: options.batchSize, patience: run.patience,
            seed: options.seed,
            checkpoint: run.checkpoint.map {
                FitCheckpoint(
                    url: URL(fileURLWithPath: $0), every: run.checkpointEvery, resume: run.resume,
                    overwrite: run.overwrite, fingerprint: fingerprint(job))
            })
    }

    private func train<Rule: Optimizer>(
        _ job: some TrainingJob, _ optimizer: Rule, _ generator: inout RandomGenerator
    ) throws -> TrainingResult {
        let fit = fitOptions(job)
        // Truncated backpropagation makes one update per window of a many-to-many batch.
        let windows =
            options.tbptt.map { k in job.pooling == .everyStep ? (job.train.steps + k - 1) / k : 1 } ?? 1
        let updates = fit.totalSteps(count: job.train.count) * windows
        let schedule = try options.trainingOptions().makeSchedule(updates: updates)
        if options.model == "mlp" {
            // The job's skip, per-step head and RevIN shape recurrent models only (the
            // command line refuses them with --model mlp): `compare` trains the MLP on the same job.
            guard job.pooling != .everyStep else {
                throw RecurrentError.invalidArgument(
                    name: "--model", value: "mlp",
                    reason: "reads one fixed window per sequence; this data needs an output at every step")
            }
            let h = options.hidden
            var layout = try WindowMLP(
                input: job.input, steps: job.train.steps, hiddenSizes: [h, h],
                outputSize: job.outputSize, generator: &generator)
            var trainer = try Trainer(
                model: layout.network, optimizer: optimizer, loss: job.loss, schedule: schedule,
                maxGradientNorm: options.clip)
            func flat(_ data: SequenceBatch) throws -> TensorDataset {
                try TensorDataset(inputs: layout.flatten(data.input, lengths: data.lengths), targets: data.targets)
            }
            let (history, log) = try drive(&trainer, try flat(job.train), try flat(job.validation), fit)
            layout.replaceNetwork(trainer.model)
            return TrainingResult(model: .mlp(layout), fit: history, log: log)
        }
        if let k = options.tbptt, job.pooling == .mean || job.pooling == .max {
            throw RecurrentError.invalidArgument(
                name: "--tbptt", value: "\(k)",
                reason: "trains the last window only for a pooled output, so it needs --pooling last, not "
                    + job.pooling.rawValue)
        }
        if let k = options.tbptt, let lengths = job.train.lengths, Set(lengths).count > 1 {
            throw RecurrentError.invalidArgument(
                name: "--tbptt", value: "\(k)",
                reason: "needs sequences of one length; these are \(lengths.min()!) to \(lengths.max()!) steps long")
        }
        var model = try makeModel(for: job, generator: &generator)
        model.precision = options.precision
        var trainer = try SequenceTrainer(
            model: model, optimizer: optimizer, loss: job.loss, schedule: schedule, maxGradientNorm: options.clip,
            seed: options.seed, truncation: options.tbptt)
        let (history, log) = try drive(&trainer, job.train, job.validation, fit)
        return TrainingResult(model: try job.finished(.recurrent(trainer.model)), fit: history, log: log)
    }

    /// Runs `fit` with the progress printer, Ctrl-C, `--interrupt-after-steps`
    /// and the `--log-dir` log, in the command line's wording for a checkpoint at fault.
    private func drive<T: FitTrainer>(
        _ trainer: inout T, _ train: T.Dataset, _ validation: T.Dataset, _ options: FitOptions
    ) throws -> (History, TensorBoardLog?) {
        let log = try run.logDir.map { try openTrainingLog(in: $0, model: self.options) }
        let printer = ProgressPrinter(progress: progress)
        let interrupt = Interruption(afterSteps: run.interruptAfterSteps)
        if run.resume { printer.resumedFrom = run.checkpoint }
        let history: History
        do {
            history = try trainer.fit(
                train, validation: validation, options: options,
                callbacks: [interrupt, printer] + (log.map { [$0] } ?? []))
        } catch RecurrentError.invalidArgument(name: "checkpoint", let value, let reason) {
            throw RecurrentError.invalidArgument(name: "--checkpoint", value: value, reason: reason)
        }
        if history.stop == .callback, interrupt.stopped {
            let last =
                interrupt.lastStep.map { "epoch \($0.epoch), step \($0.batch) of \($0.batches)" }
                ?? "at the end of epoch \(history.epochs.count)"
            let resume =
                run.checkpoint.map { "checkpoint written to \($0); continue with the same command and --resume" }
                ?? "no checkpoint: give --checkpoint FILE to be able to continue an interrupted run"
            printError("interrupted in \(last) (update \(trainer.step)); \(resume)")
            throw ExitCode(130)
        }
        if history.stop == .earlyStopping, let best = history.bestEpoch, let loss = history.bestValidationLoss {
            let done = history.epochs.last?.epoch ?? 0
            printer.note(
                "early stop after epoch \(done): validation loss has not improved for "
                    + "\(done - best) epochs; keeping epoch \(best) (validation loss \(format(Float(loss))))")
        }
        return (history, log)
    }

    /// What must agree between a checkpoint and the run resuming it: every
    /// option that shapes the network or the updates (`fit` adds the data's
    /// fingerprint, the batch size, seed, epochs or steps, and patience).
    private func fingerprint(_ job: some TrainingJob) -> [String: String] {
        let o = options
        var key = [
            "--model": o.model, "--hidden": "\(o.hidden)", "--optimizer": o.optimizer,
            "--learning-rate": "\(o.learningRate)", "--schedule": o.schedule, "--clip": "\(o.clip)",
            "--pooling": job.pooling.rawValue,
        ]
        // The MLP has no recurrent options.
        if o.model != "mlp" {
            key["--layers"] = "\(o.layers)"
            key["--bidirectional"] = "\(o.bidirectional)"
            key["--dropout"] = "\(o.dropout)"
            key["--embedding"] = "\(o.embedding)"
            key["--tbptt"] = o.tbptt.map(String.init) ?? "none"
            if let p = job.skipSteps { key["--skip-steps"] = "\(p)" }  // absent without --skip, as in older checkpoints
            if job.headSteps > 1 { key["--head"] = "per-step \(job.headSteps)" }  // absent for the direct head, likewise
            if let channels = job.instanceNormalizationChannels { key["--revin"] = "\(channels)" }
            if job.instanceNormalizationLevelPath { key["--revin-level"] = "on" }  // absent without, as in older checkpoints
            if job.skipRidgeStart { key["--skip-start"] = "ridge" }  // absent for zero, as in older checkpoints
            if job.identityColumns > 0 { key["--series-embedding"] = "onehot \(job.identityColumns)" }  // likewise
            if let future = job.futureCovariates {  // absent without covariates, as in older checkpoints
                key["--future-features"] = "\(future.steps) \(future.featureIndices)\(job.encoderDecoder ? " encoder-decoder" : "")"
            }
            if let d = job.distribution { key["--quantiles"] = "\(d.kind.rawValue) \(d.quantiles)" }  // absent for a point forecast
        }
        return key
    }
}

/// Stops `fit` after the current step on Ctrl-C (SIGINT) or SIGTERM — a
/// second signal ends the process at once, exit 130 — and, for tests of
/// `--resume`, after a given number of mini-batches.
final class Interruption: FitCallback {
    /// Set by the signal handler: the process's one such flag.
    private static let signalled = Atomic<Int>(0)
    private let afterSteps: Int?
    private var stepsPerEpoch = 1
    /// Whether this callback stopped the run.
    private(set) var stopped = false
    /// The last mini-batch run.
    private(set) var lastStep: StepSummary?

    init(afterSteps: Int?) {
        self.afterSteps = afterSteps
        let handler: @convention(c) (Int32) -> Void = { _ in
            if Interruption.signalled.add(1, ordering: .relaxed).newValue > 1 { _exit(130) }
        }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
    }

    func fitWillStart(_ plan: FitPlan) { stepsPerEpoch = plan.stepsPerEpoch }

    func stepDidEnd(_ step: StepSummary) -> FitControl {
        lastStep = step
        let done = (step.epoch - 1) * stepsPerEpoch + step.batch
        if Self.signalled.load(ordering: .relaxed) > 0 || afterSteps.map({ done >= $0 }) == true { stopped = true }
        return stopped ? .stop : .proceed
    }

    func epochDidEnd(_ epoch: EpochSummary) -> FitControl { stopped ? .stop : .proceed }

    func fitDidEnd(_ history: History) {
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
