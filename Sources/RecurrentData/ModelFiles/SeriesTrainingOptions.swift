import RecurrentCore

/// How a forecaster was trained, kept in its model file (the metadata key
/// `training_options`) so that it can be trained again the same way: by a
/// backtest that refits it at each origin (``Backtest``), for instance.
///
/// The defaults are the command line's (`recurrent train` without options):
/// Adam at 5·10⁻³, a constant rate, 20 epochs of 32 windows, gradients
/// clipped to norm 1, seed 42, no early stopping. A model file written
/// before this record existed reads back with them.
///
/// Stored as JSON with snake-case keys, every key optional:
/// `{"optimizer":"adam","learning_rate":0.005,"schedule":"constant","epochs":20,
/// "batch_size":32,"clip":1,"seed":42}` plus `steps`, `patience`, `tbptt`
/// and `calibrate` when set.
public struct SeriesTrainingOptions: Sendable, Equatable, Codable {
    /// An update rule with PyTorch's defaults, as the command line's `--optimizer` names it.
    public enum OptimizerKind: String, Sendable, Codable, CaseIterable {
        /// `Adam`.
        case adam
        /// `AdamW`, weight decay 0.01.
        case adamw
        /// `SGD` with momentum 0.9.
        case sgd
        /// `RMSprop`.
        case rmsprop
        /// `Adagrad`.
        case adagrad
    }

    /// How the learning rate moves over the run.
    public enum ScheduleKind: String, Sendable, Codable, CaseIterable {
        /// The same rate for every update.
        case constant
        /// Cosine decay to 0 over all the run's updates.
        case cosine
    }

    /// The update rule.
    public var optimizer: OptimizerKind
    /// The base learning rate, finite and > 0.
    public var learningRate: Float
    /// The learning-rate schedule.
    public var schedule: ScheduleKind
    /// Passes over the training windows (≥ 1); ignored when ``steps`` is set.
    public var epochs: Int
    /// Mini-batches in all instead of whole epochs, or nil.
    public var steps: Int?
    /// Windows per mini-batch (≥ 1).
    public var batchSize: Int
    /// Epochs without a better validation loss before stopping, or nil to train to the end.
    public var patience: Int?
    /// The largest global gradient norm, finite and > 0.
    public var clip: Float
    /// Seeds the initial weights, the shuffle and dropout.
    public var seed: UInt64
    /// The window of truncated backpropagation through time, or nil for whole windows.
    public var tbptt: Int?
    /// Whether a probabilistic forecaster's spread is calibrated on the
    /// validation part after training (`ForecastDistribution`'s `calibratedSpread`).
    public var calibrate: Bool

    /// Options as the command line's defaults, or as given.
    ///
    /// - Parameters:
    ///   - optimizer: the update rule.
    ///   - learningRate: the base rate, finite and > 0.
    ///   - schedule: constant or cosine.
    ///   - epochs: passes over the data (≥ 1).
    ///   - steps: mini-batches instead of epochs, or nil.
    ///   - batchSize: windows per mini-batch (≥ 1).
    ///   - patience: early stopping's patience, or nil.
    ///   - clip: the largest gradient norm.
    ///   - seed: the run's seed.
    ///   - tbptt: truncated backpropagation's window, or nil.
    ///   - calibrate: whether to calibrate a probabilistic forecaster's spread.
    public init(
        optimizer: OptimizerKind = .adam, learningRate: Float = 5e-3, schedule: ScheduleKind = .constant,
        epochs: Int = 20, steps: Int? = nil, batchSize: Int = 32, patience: Int? = nil, clip: Float = 1,
        seed: UInt64 = 42, tbptt: Int? = nil, calibrate: Bool = false
    ) {
        self.optimizer = optimizer
        self.learningRate = learningRate
        self.schedule = schedule
        self.epochs = epochs
        self.steps = steps
        self.batchSize = batchSize
        self.patience = patience
        self.clip = clip
        self.seed = seed
        self.tbptt = tbptt
        self.calibrate = calibrate
    }

    private enum CodingKeys: String, CodingKey {
        case optimizer, schedule, epochs, steps, patience, clip, seed, tbptt, calibrate
        case learningRate = "learning_rate"
        case batchSize = "batch_size"
    }

    /// Reads the record; a key that is absent takes its default.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = SeriesTrainingOptions()
        self.init(
            optimizer: try c.decodeIfPresent(OptimizerKind.self, forKey: .optimizer) ?? defaults.optimizer,
            learningRate: try c.decodeIfPresent(Float.self, forKey: .learningRate) ?? defaults.learningRate,
            schedule: try c.decodeIfPresent(ScheduleKind.self, forKey: .schedule) ?? defaults.schedule,
            epochs: try c.decodeIfPresent(Int.self, forKey: .epochs) ?? defaults.epochs,
            steps: try c.decodeIfPresent(Int.self, forKey: .steps),
            batchSize: try c.decodeIfPresent(Int.self, forKey: .batchSize) ?? defaults.batchSize,
            patience: try c.decodeIfPresent(Int.self, forKey: .patience),
            clip: try c.decodeIfPresent(Float.self, forKey: .clip) ?? defaults.clip,
            seed: try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? defaults.seed,
            tbptt: try c.decodeIfPresent(Int.self, forKey: .tbptt),
            calibrate: try c.decodeIfPresent(Bool.self, forKey: .calibrate) ?? defaults.calibrate)
    }

    /// Writes the record, leaving out the keys that are nil or false.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(optimizer, forKey: .optimizer)
        try c.encode(learningRate, forKey: .learningRate)
        try c.encode(schedule, forKey: .schedule)
        try c.encode(epochs, forKey: .epochs)
        try c.encodeIfPresent(steps, forKey: .steps)
        try c.encode(batchSize, forKey: .batchSize)
        try c.encodeIfPresent(patience, forKey: .patience)
        try c.encode(clip, forKey: .clip)
        try c.encode(seed, forKey: .seed)
        try c.encodeIfPresent(tbptt, forKey: .tbptt)
        if calibrate { try c.encode(calibrate, forKey: .calibrate) }
    }

    /// Throws for a value out of range, naming it.
    ///
    /// - Throws: `RecurrentError/invalidArgument(name:value:reason:)`.
    public func check() throws {
        try Limits.check(epochs, "epochs", in: 1...Limits.epochs)
        try Limits.check(batchSize, "batch_size", in: 1...Limits.batchSize)
        for (value, name) in [(steps, "steps"), (patience, "patience"), (tbptt, "tbptt")] {
            if let value { try Limits.check(value, name, in: 1...Int(Int32.max)) }
        }
        guard learningRate.isFinite, learningRate > 0 else {
            throw RecurrentError.invalidArgument(
                name: "learning_rate", value: "\(learningRate)", reason: "must be finite and > 0")
        }
        guard clip.isFinite, clip > 0 else {
            throw RecurrentError.invalidArgument(name: "clip", value: "\(clip)", reason: "must be finite and > 0")
        }
    }

    /// The update rule at ``learningRate``, with PyTorch's other defaults
    /// (AdamW's weight decay 0.01, SGD's momentum 0.9, as the command line).
    ///
    /// - Throws: `RecurrentError/invalidArgument(name:value:reason:)` for a bad rate.
    public func makeOptimizer() throws -> any Optimizer {
        switch optimizer {
        case .adam: try Adam(learningRate: learningRate)
        case .adamw: try AdamW(learningRate: learningRate)
        case .sgd: try SGD(learningRate: learningRate, momentum: 0.9)
        case .rmsprop: try RMSprop(learningRate: learningRate)
        case .adagrad: try Adagrad(learningRate: learningRate)
        }
    }

    /// The schedule over a run of `updates` optimiser steps.
    ///
    /// - Throws: `RecurrentError/invalidArgument(name:value:reason:)` for a bad count.
    public func makeSchedule(updates: Int) throws -> LearningRateSchedule {
        schedule == .cosine ? try .cosine(steps: max(1, updates)) : .constant
    }

    /// The epochs, batches, patience and seed as `fit` takes them (no checkpoint).
    public var fitOptions: FitOptions {
        FitOptions(epochs: epochs, steps: steps, batchSize: batchSize, patience: patience, seed: seed)
    }
}
