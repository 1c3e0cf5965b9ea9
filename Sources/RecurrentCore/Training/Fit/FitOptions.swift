import Foundation

/// How long ``FitTrainer/fit(_:validation:options:callbacks:)`` trains, in
/// what batches, when it stops early, and where it keeps checkpoints.
///
/// The learning-rate schedule, gradient clipping and the loss belong to the
/// trainer (``SequenceTrainer``, ``Trainer``), which holds them for the run.
public struct FitOptions: Sendable, Equatable {
    /// Passes over the training data (≥ 1); ignored when ``steps`` is set.
    public var epochs: Int
    /// The total number of mini-batches instead of whole epochs (≥ 1): the
    /// last epoch stops part-way. Nil trains ``epochs`` whole epochs.
    public var steps: Int?
    /// Examples per mini-batch (≥ 1); the last batch of an epoch may be smaller.
    public var batchSize: Int
    /// Stop when the validation loss has not improved for this many epochs
    /// and put the best epoch's weights back (≥ 1), or nil to train to the end.
    public var patience: Int?
    /// Seeds the shuffle of the rows at each epoch.
    public var seed: UInt64
    /// Where and how often to write checkpoints, and whether to resume from one.
    public var checkpoint: FitCheckpoint?

    /// Options for a run.
    ///
    /// - Parameters:
    ///   - epochs: passes over the training data (≥ 1).
    ///   - steps: mini-batches in all instead of whole epochs (≥ 1), or nil.
    ///   - batchSize: examples per mini-batch (≥ 1).
    ///   - patience: epochs without a better validation loss before stopping (≥ 1), or nil.
    ///   - seed: seeds the shuffle.
    ///   - checkpoint: checkpoints to write or resume from, or nil.
    public init(
        epochs: Int = 10, steps: Int? = nil, batchSize: Int = 32, patience: Int? = nil, seed: UInt64 = 0,
        checkpoint: FitCheckpoint? = nil
    ) {
        self.epochs = epochs
        self.steps = steps
        self.batchSize = batchSize
        self.patience = patience
        self.seed = seed
        self.checkpoint = checkpoint
    }

    /// Mini-batches per epoch for `count` examples.
    public func stepsPerEpoch(count: Int) -> Int { (count + batchSize - 1) / batchSize }

    /// Mini-batches in the whole run for `count` examples: ``steps``, or
    /// ``epochs`` whole epochs.
    public func totalSteps(count: Int) -> Int { steps ?? epochs * stepsPerEpoch(count: count) }

    /// Throws for a value out of range, naming it.
    func validate() throws {
        try Check.positive(epochs, "epochs")
        if let steps { try Check.positive(steps, "steps") }
        try Check.positive(batchSize, "batchSize")
        if let patience { try Check.positive(patience, "patience") }
        if let every = checkpoint?.every { try Check.positive(every, "checkpoint.every") }
    }
}

/// Checkpoints of a run: written atomically at the end of every epoch (and
/// every ``every`` updates), and read back to continue a run to the same
/// result, bit for bit, as one never interrupted.
public struct FitCheckpoint: Sendable, Equatable {
    /// The checkpoint file.
    public var url: URL
    /// Also write every this many mini-batches (≥ 1), or only at epoch ends.
    public var every: Int?
    /// Continue from the file, which must exist and match the run.
    public var resume: Bool
    /// Replace a file that exists when not resuming; otherwise such a run
    /// stops before training, so that no earlier run's checkpoint is lost.
    public var overwrite: Bool
    /// What must agree between the checkpoint and a run that resumes it
    /// (options that shape the run, by name); the data's fingerprint is added.
    public var fingerprint: [String: String]

    /// Checkpoints at `url`.
    ///
    /// - Parameters:
    ///   - url: the checkpoint file.
    ///   - every: also write every this many mini-batches, or nil.
    ///   - resume: continue from the file.
    ///   - overwrite: replace a file that exists when not resuming.
    ///   - fingerprint: the options a resuming run must share, by name.
    public init(
        url: URL, every: Int? = nil, resume: Bool = false, overwrite: Bool = false,
        fingerprint: [String: String] = [:]
    ) {
        self.url = url
        self.every = every
        self.resume = resume
        self.overwrite = overwrite
        self.fingerprint = fingerprint
    }
}
