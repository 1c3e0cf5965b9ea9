import Foundation

extension FitTrainer {
    /// Trains the model for a run of epochs over shuffled mini-batches, with
    /// validation, early stopping, checkpoints and callbacks, as Keras' and
    /// Darts' `fit`.
    ///
    /// Each epoch visits the training rows in the order of
    /// ``RandomGenerator/permutation(count:)`` from a generator seeded by
    /// ``FitOptions/seed``, ``FitOptions/batchSize`` at a time, then measures
    /// the loss on `validation`. With ``FitOptions/patience`` the run stops
    /// once the validation loss has not improved for that many epochs, and
    /// the model holds the best epoch's weights. With
    /// ``FitOptions/checkpoint`` everything needed to continue — weights,
    /// optimiser state, step, shuffle, history, best weights — is written at
    /// every epoch's end, and a run resumed from it ends with the same bits
    /// as one never interrupted.
    ///
    /// ```swift
    /// var trainer = try SequenceTrainer(
    ///     model: model, optimizer: try Adam(learningRate: 1e-3), loss: .meanSquaredError)
    /// let history = try trainer.fit(
    ///     data.train, validation: data.validation,
    ///     options: FitOptions(epochs: 30, batchSize: 32, patience: 5), callbacks: [EpochLog()])
    /// print(history.bestValidationLoss ?? .nan)
    /// ```
    ///
    /// - Parameters:
    ///   - train: the training examples.
    ///   - validation: examples to measure after every epoch, or nil or
    ///     empty (then ``FitOptions/patience`` has nothing to watch and must be nil).
    ///   - options: epochs or steps, batch size, patience, seed, checkpoints.
    ///   - callbacks: told of every step and epoch, in order; any may stop the run.
    /// - Returns: every epoch's figures and why the run ended.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` for
    ///   bad options, empty data, or a checkpoint that is missing, foreign,
    ///   made by another run, or would be overwritten;
    ///   ``RecurrentError/nonFinite(step:what:)`` when a loss, a gradient or
    ///   the validation loss is NaN or infinite (the model keeps its last
    ///   finite weights); what writing a checkpoint throws.
    @discardableResult
    public mutating func fit(
        _ train: Dataset, validation: Dataset? = nil, options: FitOptions = FitOptions(),
        callbacks: [any FitCallback] = []
    ) throws -> History {
        var run = try FitRun(trainer: self, train: train, validation: validation, options: options)
        defer { self = run.trainer }
        return try run.go(callbacks: callbacks)
    }
}

/// Where a run stands: stored in every checkpoint, so that a resumed run
/// continues exactly.
struct FitState: Codable {
    /// Epochs finished.
    var epochsDone = 0
    /// Mini-batches of the current epoch already taken.
    var batchesDone = 0
    /// The shuffle's generator at the start of the current epoch.
    var shuffle: RandomGenerator
    /// The current epoch's loss so far, summed over its rows.
    var lossSum = 0.0
    /// Updates made so far in the current epoch.
    var epochUpdates = 0
    var history = History()
    var bestLoss: Double? = nil
}

/// One call of `fit`: the trainer, its data and the loop's state.
struct FitRun<Trainer: FitTrainer> {
    var trainer: Trainer
    let train: Trainer.Dataset
    let validation: Trainer.Dataset?
    let options: FitOptions
    let stepsPerEpoch: Int
    let totalSteps: Int
    let epochs: Int
    var state: FitState
    /// The best epoch's model so far.
    var best: Trainer.Model
    /// What a checkpoint must match: the caller's fingerprint and the data's.
    let key: [String: String]

    init(trainer: Trainer, train: Trainer.Dataset, validation: Trainer.Dataset?, options: FitOptions) throws {
        try options.validate()
        guard train.count > 0 else {
            throw RecurrentError.invalidArgument(name: "train", value: "of 0 examples", reason: "there is nothing to train on")
        }
        // An empty validation set (a split of fraction 0) is no validation.
        let validation = validation.flatMap { $0.count > 0 ? $0 : nil }
        if let patience = options.patience, validation == nil {
            throw RecurrentError.invalidArgument(
                name: "patience", value: "\(patience)", reason: "needs validation data to watch")
        }
        self.trainer = trainer
        self.train = train
        self.validation = validation
        self.options = options
        stepsPerEpoch = options.stepsPerEpoch(count: train.count)
        totalSteps = options.totalSteps(count: train.count)
        epochs = (totalSteps + stepsPerEpoch - 1) / stepsPerEpoch
        state = FitState(shuffle: RandomGenerator(seed: options.seed))
        best = trainer.model
        var key = options.checkpoint?.fingerprint ?? [:]
        key["data"] = Self.fingerprint(train.tensors + (validation?.tensors ?? [])) + " (\(train.count) training examples)"
        key["batchSize"] = "\(options.batchSize)"
        key["seed"] = "\(options.seed)"
        key["patience"] = options.patience.map(String.init) ?? "none"
        if let steps = options.steps { key["steps"] = "\(steps)" } else { key["epochs"] = "\(options.epochs)" }
        self.key = key
    }

    /// FNV-1a over the shapes and the bits of `tensors`.
    static func fingerprint(_ tensors: [Tensor]) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for tensor in tensors {
            for d in tensor.shape { h = (h ^ UInt64(d)) &* 0x100_0000_01b3 }
            for x in tensor.scalars { h = (h ^ UInt64(x.bitPattern)) &* 0x100_0000_01b3 }
        }
        return String(h, radix: 16)
    }

    mutating func go(callbacks: [any FitCallback]) throws -> History {
        try prepareCheckpoint()
        let plan = FitPlan(
            epochs: epochs, stepsPerEpoch: stepsPerEpoch, totalSteps: totalSteps, examples: train.count,
            resumedEpochs: state.epochsDone, resumedSteps: state.batchesDone)
        for callback in callbacks { callback.fitWillStart(plan) }
        let started = Date()
        var stopped = state.history.stop != .completed
        var updates = state.epochsDone * stepsPerEpoch + state.batchesDone
        let count = train.count, size = options.batchSize
        epochs: while state.epochsDone < epochs && !stopped {
            let epoch = state.epochsDone + 1
            // With `steps` the last epoch stops part-way.
            let batches = min(stepsPerEpoch, totalSteps - state.epochsDone * stepsPerEpoch)
            var shuffle = state.shuffle
            let order = shuffle.permutation(count: count)
            let epochStart = Date()
            let firstBatch = state.batchesDone  // > 0 in an epoch resumed part-way
            var last = TrainingStepResult(loss: 0, gradientNorm: 0, learningRate: trainer.currentLearningRate)
            for batch in state.batchesDone..<batches {
                let rows = Array(order[(batch * size)..<min((batch + 1) * size, count)])
                let before = trainer.step
                last = try trainer.fitStep(train.gathering(rows))
                state.lossSum += last.loss * Double(rows.count)
                state.epochUpdates += trainer.step - before
                state.batchesDone = batch + 1
                updates += 1
                let summary = StepSummary(
                    epoch: epoch, batch: batch + 1, batches: batches, batchesRun: batch + 1 - firstBatch,
                    updates: trainer.step, loss: last.loss,
                    epochLoss: state.lossSum / Double(min((batch + 1) * size, count)),
                    gradientNorm: last.gradientNorm, learningRate: last.learningRate,
                    seconds: Date().timeIntervalSince(epochStart))
                let control = callbacks.map { $0.stepDidEnd(summary) }
                if control.contains(.stop) && batch + 1 < batches {
                    state.history.stop = .callback
                    try save()
                    break epochs
                }
                if let every = options.checkpoint?.every, updates % every == 0, batch + 1 < batches { try save() }
            }
            let validationLoss = try validation.map { try trainer.loss(on: $0) }
            if let validationLoss, !validationLoss.isFinite {
                throw RecurrentError.nonFinite(step: trainer.step, what: "the validation loss of epoch \(epoch)")
            }
            let rowsSeen = min(batches * size, count)
            let summary = EpochSummary(
                epoch: epoch, steps: batches - firstBatch, updates: state.epochUpdates,
                trainLoss: state.lossSum / Double(rowsSeen), validationLoss: validationLoss,
                learningRate: last.learningRate, seconds: Date().timeIntervalSince(epochStart))
            state.history.epochs.append(summary)
            state.epochsDone = epoch
            state.batchesDone = 0
            state.lossSum = 0
            state.epochUpdates = 0
            state.shuffle = shuffle
            if let validationLoss {
                if state.bestLoss.map({ validationLoss < $0 }) ?? true {
                    state.bestLoss = validationLoss
                    state.history.bestEpoch = epoch
                    best = trainer.model
                } else if let patience = options.patience, epoch - (state.history.bestEpoch ?? 0) >= patience {
                    state.history.stop = .earlyStopping
                }
            }
            if callbacks.map({ $0.epochDidEnd(summary) }).contains(.stop), state.history.stop == .completed {
                state.history.stop = .callback
            }
            stopped = state.history.stop != .completed
            try save()
        }
        state.history.seconds = Date().timeIntervalSince(started)
        var history = state.history
        if options.patience != nil, let bestEpoch = history.bestEpoch {
            trainer.model = best
            history.modelEpoch = bestEpoch
        } else {
            history.modelEpoch = state.epochsDone
        }
        for callback in callbacks { callback.fitDidEnd(history) }
        return history
    }

    /// Refuses to overwrite an existing checkpoint unless asked, and reads
    /// the one to resume.
    private mutating func prepareCheckpoint() throws {
        guard let checkpoint = options.checkpoint else { return }
        let path = checkpoint.url.path
        let exists = FileManager.default.fileExists(atPath: path)
        guard checkpoint.resume else {
            if exists && !checkpoint.overwrite {
                throw RecurrentError.invalidArgument(
                    name: "checkpoint", value: path,
                    reason: "exists; resume it, or allow overwriting it, or choose another file")
            }
            return
        }
        guard exists else {
            throw RecurrentError.invalidArgument(name: "checkpoint", value: path, reason: "does not exist, so there is nothing to resume")
        }
        let saved = try TrainingCheckpoint(contentsOf: checkpoint.url)
        guard let (state, recorded) = FitState.record(in: saved) else {
            throw RecurrentError.invalidArgument(
                name: "checkpoint", value: path, reason: "was not written by fit(_:validation:options:callbacks:)")
        }
        do {  // a hand-edited record gets the limits a run could reach
            try Limits.check(state.epochsDone, "loop.epochsDone", in: 0...max(epochs, 0))
            try Limits.check(state.batchesDone, "loop.batchesDone", in: 0...stepsPerEpoch)
            try Limits.check(state.epochUpdates, "loop.epochUpdates", in: 0...stepsPerEpoch)
            try Limits.check(state.lossSum, "loop.lossSum", in: -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude)
        } catch {
            throw RecurrentError.invalidArgument(name: "checkpoint", value: path, reason: "\(error)")
        }
        if let differing = Set(key.keys).union(recorded.keys).sorted().first(where: { recorded[$0] != key[$0] }) {
            let what =
                differing == "data"
                ? "other data (\(recorded["data"] ?? "?") vs \(key["data"] ?? "?"))"
                : "\(differing) \(recorded[differing] ?? "unset"); this run has \(key[differing] ?? "unset")"
            throw RecurrentError.invalidArgument(
                name: "checkpoint", value: path, reason: "was made with \(what); resume with the same options")
        }
        try trainer.restore(saved)
        self.state = state
        // A run stopped by a callback (Ctrl-C, say) goes on; one stopped early stays stopped.
        if state.history.stop == .callback { self.state.history.stop = .completed }
        if state.bestLoss != nil {
            var model = trainer.model
            try model.updateParameters { name, tensor in
                guard let new = saved.userTensors[name], new.shape == tensor.shape else {
                    throw RecurrentError.invalidArgument(
                        name: "checkpoint", value: path, reason: "its best weights do not fit the model (\(name))")
                }
                tensor = new
            }
            best = model
        } else {
            best = trainer.model
        }
    }

    /// Writes the checkpoint, if the run keeps one.
    private func save() throws {
        guard let url = options.checkpoint?.url else { return }
        var checkpoint = trainer.checkpoint(metadata: [
            FitState.stateKey: try metadataJSON(state), FitState.fingerprintKey: try metadataJSON(key),
        ])
        if state.bestLoss != nil { checkpoint.userTensors = best.parameters }
        try checkpoint.write(to: url)
    }
}
