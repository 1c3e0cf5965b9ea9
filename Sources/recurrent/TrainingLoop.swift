import ArgumentParser
import Foundation
import Recurrent

#if canImport(Glibc)
    import Glibc
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

    @Option(
        parsing: .unconditional,
        help: "A folder for SVG plots (loss per epoch, hidden states, and the data's own plots); created if missing.")
    var plots: String?

    /// For tests of `--resume`: stop with exit code 130, as Ctrl-C does, after
    /// this many optimiser steps.
    @Option(parsing: .unconditional, help: .hidden)
    var interruptAfterSteps: Int?

    /// Creates the `--plots` folder before any training, so a folder that
    /// cannot be made is reported before the work (and the model file).
    func preparePlotsFolder() throws {
        guard let plots else { return }
        try makePlotsFolder(plots)
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
            if resume { try validateExistingFile(checkpoint, "--checkpoint") }
        } else if resume {
            throw ValidationError("--resume needs --checkpoint FILE, the checkpoint to continue from")
        }
        if let plots {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: plots, isDirectory: &isFolder), !isFolder.boolValue {
                throw ValidationError("--plots \(plots): is a file, not a folder")
            }
        }
    }
}

/// A trained network: recurrent, or the MLP baseline reading the first T
/// steps of each sequence flattened (tokens one-hot).
typealias TrainedModel = SequenceNetwork

extension WindowMLP.Input {
    /// What the MLP reads for a job's input.
    init(_ input: JobInput) {
        switch input {
        case .features(let d): self = .features(d)
        case .tokens(let v): self = .tokens(v)
        }
    }
}

extension SequenceNetwork {
    var parameterCount: Int {
        switch self {
        case .recurrent(let model): model.parameterCount
        case .mlp(let mlp): mlp.parameterCount
        }
    }

    /// The parameters by name.
    var parameters: NamedTensors {
        switch self {
        case .recurrent(let model): model.parameters
        case .mlp(let mlp): mlp.network.parameters
        }
    }

    /// A copy with `parameters` put in place of its own (same names and shapes).
    func replacingParameters(_ parameters: NamedTensors) throws -> SequenceNetwork {
        func replace<M: Module>(_ model: M) throws -> M {
            var copy = model
            try copy.updateParameters { name, tensor in
                guard let new = parameters[name], new.shape == tensor.shape else {
                    throw RecurrentError.invalidArgument(
                        name: "--checkpoint", value: name, reason: "the checkpoint's best weights do not fit the model")
                }
                tensor = new
            }
            return copy
        }
        switch self {
        case .recurrent(let model): return .recurrent(try replace(model))
        case .mlp(let mlp):
            var copy = mlp
            copy.replaceNetwork(try replace(mlp.network))
            return .mlp(copy)
        }
    }
}

/// One epoch's figures.
struct EpochRecord: Codable {
    var epoch: Int
    /// Optimiser steps (mini-batches) taken in the epoch by this process.
    var steps: Int
    var trainLoss: Double
    var validationLoss: Double
    var seconds: Double
}

/// What a run of the loop gives back.
struct TrainingResult {
    /// The trained network (the best epoch's, with early stopping).
    var model: TrainedModel
    /// Every epoch's losses, in order.
    var history: [EpochRecord]
    /// Wall time of the epochs run in this process.
    var seconds: Double
    /// The epoch whose weights ``model`` holds.
    var epoch: Int
    /// Whether `--patience` ended the run before its last epoch.
    var stoppedEarly: Bool
}

/// One optimiser and one network over a job's data: what the loop drives.
private protocol Learner {
    var trainCount: Int { get }
    var learningRate: Float { get }
    var trained: TrainedModel { get }
    mutating func update(rows: [Int]) throws -> Float
    func validationLoss() throws -> Float
    func checkpoint(metadata: [String: String]) -> TrainingCheckpoint
    mutating func restore(_ checkpoint: TrainingCheckpoint) throws
}

private struct RecurrentLearner<Rule: Optimizer>: Learner {
    var trainer: SequenceTrainer<Rule>
    let train: SequenceBatch
    let validation: SequenceBatch
    let truncation: Int?
    var trainCount: Int { train.count }
    var learningRate: Float { trainer.schedule.learningRate(base: trainer.baseLearningRate, step: trainer.step) }
    var trained: TrainedModel { .recurrent(trainer.model) }
    mutating func update(rows: [Int]) throws -> Float {
        let batch = train.gathering(rows)
        if let truncation { return try trainer.trainStep(batch, truncation: truncation).loss }
        return try trainer.trainStep(batch).loss
    }
    /// In chunks of 64 sequences, so a large validation part (a long text's
    /// logits) never needs one [N, T, V] buffer.
    func validationLoss() throws -> Float { Float(try trainer.model.meanLoss(trainer.loss, on: validation)) }
    func checkpoint(metadata: [String: String]) -> TrainingCheckpoint { trainer.checkpoint(metadata: metadata) }
    mutating func restore(_ checkpoint: TrainingCheckpoint) throws { try trainer.restore(checkpoint) }
}

private struct MLPLearner<Rule: Optimizer>: Learner {
    var trainer: Trainer<Sequential, Rule>
    let layout: WindowMLP
    let inputs: Tensor, targets: Tensor
    let validationInputs: Tensor, validationTargets: Tensor
    var trainCount: Int { inputs.shape[0] }
    var learningRate: Float { trainer.schedule.learningRate(base: trainer.baseLearningRate, step: trainer.step) }
    var trained: TrainedModel {
        var mlp = layout
        mlp.replaceNetwork(trainer.model)
        return .mlp(mlp)
    }
    mutating func update(rows: [Int]) throws -> Float {
        try trainer.trainStep(input: inputs.gatheringRows(rows), target: targets.gatheringRows(rows)).loss
    }
    func validationLoss() throws -> Float {
        trainer.evaluate(inputs: validationInputs, targets: validationTargets)
    }
    func checkpoint(metadata: [String: String]) -> TrainingCheckpoint { trainer.checkpoint(metadata: metadata) }
    mutating func restore(_ checkpoint: TrainingCheckpoint) throws { try trainer.restore(checkpoint) }
}

/// Where the loop stands: stored in every checkpoint so `--resume` continues
/// exactly.
private struct LoopState: Codable {
    /// Epochs finished.
    var epochsDone = 0
    /// Mini-batches of the current epoch already taken.
    var batchesDone = 0
    /// The shuffle's generator at the start of the current epoch.
    var shuffle: RandomGenerator
    /// The current epoch's loss so far, weighted by rows.
    var lossSum = 0.0
    var history: [EpochRecord] = []
    var bestLoss: Double? = nil
    var bestEpoch = 0
    var stopped = false
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
        let input: SequenceInput =
            switch job.input {
            case .features(let d): .features(d)
            case .tokens(let v): .tokens(vocabularySize: v, embeddingSize: options.embedding)
            }
        return try SequenceModel(
            input: input, cell: cell, hiddenSize: options.hidden, layers: options.layers,
            bidirectional: options.bidirectional, dropout: options.dropout, outputSize: job.outputSize,
            pooling: job.pooling, generator: &generator)
    }

    /// The optimiser `--optimizer` names, at `--learning-rate`.
    private func train(_ job: some TrainingJob, generator: inout RandomGenerator) throws -> TrainingResult {
        let rate = options.learningRate
        switch options.optimizer {
        case "adamw": return try train(job, try AdamW(learningRate: rate), &generator)
        case "sgd": return try train(job, try SGD(learningRate: rate, momentum: 0.9), &generator)
        case "rmsprop": return try train(job, try RMSprop(learningRate: rate), &generator)
        case "adagrad": return try train(job, try Adagrad(learningRate: rate), &generator)
        default: return try train(job, try Adam(learningRate: rate), &generator)
        }
    }

    /// Trains a fresh network on `job` (or continues the checkpoint with `--resume`).
    func train(_ job: some TrainingJob) throws -> TrainingResult {
        var generator = RandomGenerator(seed: options.seed)
        return try train(job, generator: &generator)
    }

    /// Constant, or cosine to 0 over every update of the run.
    private func schedule(updatesPerBatch: Int, stepsPerEpoch: Int) throws -> LearningRateSchedule {
        let batches = options.steps ?? stepsPerEpoch * options.epochs
        return options.schedule == "cosine" ? try .cosine(steps: max(1, batches * updatesPerBatch)) : .constant
    }

    private func train<Rule: Optimizer>(
        _ job: some TrainingJob, _ optimizer: Rule, _ generator: inout RandomGenerator
    ) throws -> TrainingResult {
        let stepsPerEpoch = (job.train.count + options.batchSize - 1) / options.batchSize
        // Truncated backpropagation makes one update per window of a many-to-many batch.
        let windows =
            options.tbptt.map { k in job.pooling == .everyStep ? (job.train.steps + k - 1) / k : 1 } ?? 1
        let schedule = try schedule(updatesPerBatch: windows, stepsPerEpoch: stepsPerEpoch)
        if options.model == "mlp" {
            guard job.pooling != .everyStep else {
                throw RecurrentError.invalidArgument(
                    name: "--model", value: "mlp",
                    reason: "reads one fixed window per sequence; this data needs an output at every step")
            }
            let h = options.hidden
            let layout = try WindowMLP(
                input: WindowMLP.Input(job.input), steps: job.train.steps, hiddenSizes: [h, h],
                outputSize: job.outputSize,
                generator: &generator)
            let trainer = try Trainer(
                model: layout.network, optimizer: optimizer, loss: job.loss, schedule: schedule,
                maxGradientNorm: options.clip)
            var learner = MLPLearner(
                trainer: trainer, layout: layout,
                inputs: layout.flatten(job.train.input, lengths: job.train.lengths), targets: job.train.targets,
                validationInputs: layout.flatten(job.validation.input, lengths: job.validation.lengths),
                validationTargets: job.validation.targets)
            return try drive(&learner, stepsPerEpoch: stepsPerEpoch, generator: generator, job: job)
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
        let model = try makeModel(for: job, generator: &generator)
        let trainer = try SequenceTrainer(
            model: model, optimizer: optimizer, loss: job.loss, schedule: schedule, maxGradientNorm: options.clip,
            seed: options.seed)
        var learner = RecurrentLearner(
            trainer: trainer, train: job.train, validation: job.validation, truncation: options.tbptt)
        return try drive(&learner, stepsPerEpoch: stepsPerEpoch, generator: generator, job: job)
    }

    /// What must agree between a checkpoint and the run resuming it: every
    /// option that shapes the run, and a hash of the data's bits (which
    /// catches another file, column, scaling or missing-value policy).
    private func fingerprint(_ job: some TrainingJob) -> [String: String] {
        let o = options
        func hash(_ tensors: [Tensor]) -> String {
            var h: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a, 64 bits
            for tensor in tensors {
                for d in tensor.shape { h = (h ^ UInt64(d)) &* 0x100_0000_01b3 }
                for x in tensor.scalars { h = (h ^ UInt64(x.bitPattern)) &* 0x100_0000_01b3 }
            }
            return String(h, radix: 16)
        }
        var key = [
            "--model": o.model, "--hidden": "\(o.hidden)", "--optimizer": o.optimizer,
            "--learning-rate": "\(o.learningRate)", "--schedule": o.schedule, "--batch-size": "\(o.batchSize)",
            "--clip": "\(o.clip)", "--seed": "\(o.seed)", "--patience": run.patience.map(String.init) ?? "none",
            "--pooling": job.pooling.rawValue,
            "data": hash([job.train.input, job.train.targets, job.validation.input, job.validation.targets])
                + " (\(job.train.count) training sequences)",
        ]
        // Only what shapes this run: --steps replaces --epochs; the MLP has no recurrent options.
        if let steps = o.steps { key["--steps"] = "\(steps)" } else { key["--epochs"] = "\(o.epochs)" }
        if o.model != "mlp" {
            key["--layers"] = "\(o.layers)"
            key["--bidirectional"] = "\(o.bidirectional)"
            key["--dropout"] = "\(o.dropout)"
            key["--embedding"] = "\(o.embedding)"
            key["--tbptt"] = o.tbptt.map(String.init) ?? "none"
        }
        return key
    }

    private func drive(
        _ learner: inout some Learner, stepsPerEpoch: Int, generator: RandomGenerator, job: some TrainingJob
    ) throws -> TrainingResult {
        var state = LoopState(shuffle: generator)
        var best = learner.trained
        let totalBatches = options.steps ?? options.epochs * stepsPerEpoch
        let epochs = (totalBatches + stepsPerEpoch - 1) / stepsPerEpoch
        let print = ProgressPrinter(progress: progress, epochs: epochs, stepsPerEpoch: stepsPerEpoch)
        let key = fingerprint(job)
        if run.resume, let path = run.checkpoint {
            let checkpoint = try TrainingCheckpoint(contentsOf: URL(fileURLWithPath: path))
            guard let saved = checkpoint.metadata["loop"], let text = checkpoint.metadata["options"],
                let options = try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))
            else {
                throw RecurrentError.invalidArgument(
                    name: "--checkpoint", value: path, reason: "was not written by `recurrent train --checkpoint`")
            }
            if let differing = key.keys.sorted().first(where: { options[$0] != key[$0] }) {
                let what =
                    differing == "data"
                    ? "other data (\(options["data"] ?? "?") vs \(key["data"]!))"
                    : "\(differing) \(options[differing] ?? "?"); this run has \(key[differing]!)"
                throw RecurrentError.invalidArgument(
                    name: "--checkpoint", value: path, reason: "was made with \(what); resume with the same options")
            }
            state = try JSONDecoder().decode(LoopState.self, from: Data(saved.utf8))
            try learner.restore(checkpoint)
            best =
                state.bestLoss == nil
                ? learner.trained : try learner.trained.replacingParameters(checkpoint.userTensors)
            print.resumed(from: path, state.epochsDone, state.batchesDone)
        }
        func save() throws {
            guard let path = run.checkpoint else { return }
            let loop = try sortedJSON(state)
            var checkpoint = learner.checkpoint(metadata: ["loop": loop, "options": try sortedJSON(key)])
            if state.bestLoss != nil { checkpoint.userTensors = best.parameters }
            try checkpoint.write(to: URL(fileURLWithPath: path))
        }
        let started = now()
        let count = learner.trainCount
        var updates = state.epochsDone * stepsPerEpoch + state.batchesDone
        while state.epochsDone < epochs && !state.stopped {
            let epoch = state.epochsDone + 1
            // With --steps the last epoch stops part-way.
            let batches = min(stepsPerEpoch, totalBatches - state.epochsDone * stepsPerEpoch)
            let rowsSeen = min(batches * options.batchSize, count)
            var shuffle = state.shuffle
            let order = shuffle.permutation(count: count)
            let epochStart = now()
            let firstBatch = state.batchesDone  // > 0 in an epoch resumed part-way
            for batch in state.batchesDone..<batches {
                let rows = Array(order[(batch * options.batchSize)..<min((batch + 1) * options.batchSize, count)])
                let loss = try learner.update(rows: rows)
                state.lossSum += Double(loss) * Double(rows.count)
                state.batchesDone = batch + 1
                updates += 1
                print.step(
                    epoch: epoch, batch: batch + 1, run: batch + 1 - firstBatch,
                    loss: state.lossSum / Double(min((batch + 1) * options.batchSize, count)),
                    elapsed: now() - epochStart)
                if let every = run.checkpointEvery, updates % every == 0, batch + 1 < batches { try save() }
                if let stop = run.interruptAfterSteps, updates >= stop { throw ExitCode(130) }
            }
            let validation = Double(try learner.validationLoss())
            let record = EpochRecord(
                epoch: epoch, steps: batches - firstBatch, trainLoss: state.lossSum / Double(rowsSeen),
                validationLoss: validation,
                seconds: now() - epochStart)
            state.history.append(record)
            state.epochsDone = epoch
            state.batchesDone = 0
            state.lossSum = 0
            state.shuffle = shuffle
            if state.bestLoss.map({ validation < $0 }) ?? true {
                state.bestLoss = validation
                state.bestEpoch = epoch
                best = learner.trained
            } else if let patience = run.patience, epoch - state.bestEpoch >= patience {
                state.stopped = true
            }
            print.epoch(record, learningRate: learner.learningRate)
            try save()
        }
        if state.stopped, let bestLoss = state.bestLoss {
            print.note(
                "early stop after epoch \(state.epochsDone): validation loss has not improved for "
                    + "\(state.epochsDone - state.bestEpoch) epochs; keeping epoch \(state.bestEpoch) "
                    + "(validation loss \(format(Float(bestLoss))))")
        }
        let keepBest = run.patience != nil && state.bestLoss != nil
        return TrainingResult(
            model: keepBest ? best : learner.trained, history: state.history, seconds: now() - started,
            epoch: keepBest ? state.bestEpoch : state.epochsDone, stoppedEarly: state.stopped)
    }
}

/// Per-step and per-epoch output: a live bar on a terminal, plain lines
/// otherwise, JSON objects with `--json`, nothing but notes with `--quiet`.
private final class ProgressPrinter {
    let progress: ProgressOptions
    let epochs: Int
    let stepsPerEpoch: Int
    let terminal: Bool
    let width: Int
    /// When the bar was last drawn: at most ten times a second.
    private var drawn = -1.0

    init(progress: ProgressOptions, epochs: Int, stepsPerEpoch: Int) {
        self.progress = progress
        self.epochs = epochs
        self.stepsPerEpoch = stepsPerEpoch
        self.terminal = isatty(STDOUT_FILENO) != 0 && !progress.quiet && !progress.json
        self.width = String(epochs).count
    }

    /// `batch` of the epoch's mini-batches is done, `run` of them in this process.
    func step(epoch: Int, batch: Int, run: Int, loss: Double, elapsed: Double) {
        guard terminal, batch < stepsPerEpoch else { return }
        let time = now()
        guard time - drawn >= 0.1 else { return }
        drawn = time
        let fraction = Double(batch) / Double(stepsPerEpoch)
        let rate = Double(run) / max(elapsed, 1e-9)
        let left = Double(stepsPerEpoch - batch) / rate + Double((epochs - epoch) * stepsPerEpoch) / rate
        let head = "epoch \(pad(epoch, width))/\(epochs) "
        let tail =
            " \(pad(Int(fraction * 100), 3))%  loss \(format(Float(loss)))  \(rateText(rate)) steps/s  "
            + "\(duration(left)) left"
        // One line that fits the terminal ($COLUMNS, else 80), or it wraps and \r no longer redraws it.
        let columns = terminalColumns()
        let cells = max(0, min(24, columns - 1 - head.count - tail.count))
        let filled = Int(fraction * Double(cells))
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: cells - filled)
        let line = "\r\u{1B}[2K" + String((head + bar + tail).prefix(max(1, columns - 1)))
        FileHandle.standardOutput.write(Data(line.utf8))
    }

    func epoch(_ record: EpochRecord, learningRate: Float) {
        let rate = Double(record.steps) / max(record.seconds, 1e-9)
        if progress.json {
            Swift.print(
                jsonLine([
                    "epoch": record.epoch, "epochs": epochs, "train_loss": record.trainLoss,
                    "validation_loss": record.validationLoss, "seconds": record.seconds, "steps_per_second": rate,
                    "learning_rate": Double(learningRate),
                ]))
            flushOutput()
            return
        }
        guard !progress.quiet else { return }
        if terminal { FileHandle.standardOutput.write(Data("\r\u{1B}[2K".utf8)) }
        let left = Double(epochs - record.epoch) * record.seconds
        Swift.print(
            "epoch \(pad(record.epoch, width))/\(epochs)  train loss \(lossText(record.trainLoss))  "
                + "validation loss \(lossText(record.validationLoss))  \(rateText(rate)) steps/s  "
                + "\(duration(left)) left")
        flushOutput()
    }

    func resumed(from path: String, _ epochs: Int, _ batches: Int) {
        note("resuming from \(path): \(epochs) epoch(s) and \(batches) step(s) of the next done")
    }

    func note(_ line: String) {
        if progress.json || progress.quiet { return }
        Swift.print(line)
        flushOutput()
    }

    private func rateText(_ rate: Double) -> String {
        rate >= 100 ? String(Int(rate.rounded())) : String(format: "%.1f", rate)
    }

    private func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds.rounded())
        return s >= 3600
            ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}

/// A loss to 4 decimals, or to 4 significant digits below 0.001 (so that a
/// small loss still shows its progress).
func lossText(_ value: Double) -> String {
    value != 0 && abs(value) < 1e-3 ? String(format: "%.3e", value) : format(Float(value))
}

/// The terminal's width in columns: from the terminal itself, else
/// `$COLUMNS`, else 80.
func terminalColumns() -> Int {
    var size = winsize()
    if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
    return ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init) ?? 80
}

/// Creates `path` (and its parents) for plots; a failure is one `Error:` line
/// naming `--plots`.
func makePlotsFolder(_ path: String) throws {
    do {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
        throw usageFailure("--plots \(path): the folder cannot be created (\(error.localizedDescription))")
    }
    guard FileManager.default.isWritableFile(atPath: path) else {
        throw usageFailure("--plots \(path): the folder is not writable")
    }
}

/// Writes out what `print` has buffered: standard output is block-buffered
/// when it is a file or a pipe, and progress lines must reach a log as they
/// happen (and survive Ctrl-C).
func flushOutput() {
    fflush(nil)
}

/// `value` as JSON with sorted keys: the same value always gives the same text.
func sortedJSON(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// One JSON object on one line, keys sorted: figures for `--json`.
func jsonLine(_ values: [String: Any]) -> String {
    let data = try! JSONSerialization.data(withJSONObject: values, options: [.sortedKeys, .withoutEscapingSlashes])
    return String(decoding: data, as: UTF8.self)
}
