/// Training data that ``FitTrainer/fit(_:validation:options:callbacks:)``
/// can shuffle into mini-batches: a set of rows, one example each.
public protocol FitDataset: Sendable {
    /// The number of examples.
    var count: Int { get }
    /// The examples at `rows`, in that order.
    func gathering(_ rows: [Int]) -> Self
    /// Every tensor the examples are made of, for the fingerprint that a
    /// checkpoint keeps of its data.
    var tensors: [Tensor] { get }
}

extension SequenceBatch: FitDataset {
    /// The inputs and the targets.
    public var tensors: [Tensor] { [input, targets] }
}

/// Examples held as tensors whose first axis is the example: the data of a
/// ``Trainer`` (an MLP, any ``Layer``), as PyTorch's `TensorDataset`.
public struct TensorDataset: FitDataset, Equatable {
    /// [N, ...], one example per row.
    public var inputs: Tensor
    /// [N, ...], the targets of the same rows.
    public var targets: Tensor
    /// [N, ...] loss weights of the same rows (a mask), or nil.
    public var weights: Tensor?

    /// A data set of `inputs` and their `targets`.
    ///
    /// - Parameters:
    ///   - inputs: [N, ...], one example per row.
    ///   - targets: [N, ...], the targets of the same rows.
    ///   - weights: [N, ...] per-row or per-element loss weights, or nil.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` when
    ///   the tensors differ in rows.
    public init(inputs: Tensor, targets: Tensor, weights: Tensor? = nil) throws {
        let rows = inputs.rank >= 1 ? inputs.shape[0] : -1
        guard rows >= 0, targets.rank >= 1, targets.shape[0] == rows else {
            throw RecurrentError.invalidArgument(
                name: "targets", value: "of shape \(targets.shape)",
                reason: "must have one row per input row; the inputs are \(inputs.shape)")
        }
        if let weights, weights.rank < 1 || weights.shape[0] != rows {
            throw RecurrentError.invalidArgument(
                name: "weights", value: "of shape \(weights.shape)",
                reason: "must have one row per input row; the inputs are \(inputs.shape)")
        }
        self.inputs = inputs
        self.targets = targets
        self.weights = weights
    }

    public var count: Int { inputs.shape[0] }

    public func gathering(_ rows: [Int]) -> TensorDataset {
        var copy = self
        copy.inputs = inputs.gatheringRows(rows)
        copy.targets = targets.gatheringRows(rows)
        copy.weights = weights?.gatheringRows(rows)
        return copy
    }

    public var tensors: [Tensor] { [inputs, targets] + (weights.map { [$0] } ?? []) }
}

/// A model with its optimiser and loss that ``fit(_:validation:options:callbacks:)``
/// can drive: ``SequenceTrainer`` for recurrent models (numeric or token
/// input, many-to-one or many-to-many, character models among them) and
/// ``Trainer`` for the MLP baseline and any other ``Layer``.
///
/// The trainer holds what is fixed for a run — the loss, the learning-rate
/// schedule, gradient clipping — as Keras' `compile` does; `fit` then runs the
/// epochs, as Keras' and Darts' `fit` do.
public protocol FitTrainer: Sendable {
    /// The network being trained.
    associatedtype Model: Module & Sendable
    /// What it trains on.
    associatedtype Dataset: FitDataset

    /// The network as it stands.
    var model: Model { get set }
    /// The number of updates made so far.
    var step: Int { get }
    /// The learning rate the next update will use.
    var currentLearningRate: Float { get }
    /// One or more updates (more under truncated backpropagation) on one mini-batch.
    mutating func fitStep(_ batch: Dataset) throws -> TrainingStepResult
    /// The loss of the current network on `data`, updating nothing.
    func loss(on data: Dataset) throws -> Double
    /// Everything the trainer needs to continue exactly.
    func checkpoint(metadata: [String: String]) -> TrainingCheckpoint
    /// Puts a checkpoint's network, optimiser state and step in place.
    mutating func restore(_ checkpoint: TrainingCheckpoint) throws
}

extension SequenceTrainer: FitTrainer {
    public var currentLearningRate: Float { schedule.learningRate(base: baseLearningRate, step: step) }

    /// ``trainStep(_:truncation:)`` with ``truncation`` when it is set, else ``trainStep(_:)``.
    public mutating func fitStep(_ batch: SequenceBatch) throws -> TrainingStepResult {
        if let truncation { return try trainStep(batch, truncation: truncation) }
        return try trainStep(batch)
    }

    /// The mean loss over `data`, in chunks of 64 sequences (inference: no
    /// dropout), so a long text's logits never need one [N, T, V] buffer.
    public func loss(on data: SequenceBatch) throws -> Double {
        try model.meanLoss(loss, on: data)
    }
}

extension Trainer: FitTrainer {
    public var currentLearningRate: Float { schedule.learningRate(base: baseLearningRate, step: step) }

    public mutating func fitStep(_ batch: TensorDataset) throws -> TrainingStepResult {
        try trainStep(input: batch.inputs, target: batch.targets, weights: batch.weights)
    }

    public func loss(on data: TensorDataset) throws -> Double {
        try evaluate(inputs: data.inputs, targets: data.targets, weights: data.weights)
    }
}
