/// Trains a model by mini-batch gradient descent: forward, loss, backward,
/// gradient clipping, optimiser step, with the learning rate from a schedule.
///
/// Every step checks the loss and every gradient for NaN and infinity and
/// throws ``RecurrentError/nonFinite(step:what:)`` naming the first bad one
/// before anything is updated, so the model is never poisoned.
///
/// ```swift
/// var generator = RandomGenerator(seed: 1)
/// let model = Sequential(
///     try Dense(inputSize: 2, outputSize: 8, activation: .tanh, generator: &generator),
///     try Dense(inputSize: 8, outputSize: 1, generator: &generator))
/// var trainer = try Trainer(
///     model: model, optimizer: try Adam(learningRate: 0.05),
///     loss: .binaryCrossEntropyWithLogits, maxGradientNorm: 1)
/// for _ in 0..<200 {
///     _ = try trainer.trainEpoch(inputs: x, targets: y, batchSize: 4, generator: &generator)
/// }
/// let logits = trainer.model(x)
/// ```
public struct Trainer<Model: Layer, Rule: Optimizer>: Sendable {
    /// The model being trained.
    public var model: Model
    /// The optimiser and its state.
    public var optimizer: Rule
    /// The objective.
    public let loss: Loss
    /// The learning rate per step, relative to ``baseLearningRate``.
    public let schedule: LearningRateSchedule
    /// The optimiser's learning rate at construction: the schedule's γ₀.
    public let baseLearningRate: Float
    /// The global gradient norm is clipped to this, if set.
    public let maxGradientNorm: Float?
    /// The number of updates made so far; the schedule's t for the next one.
    public internal(set) var step = 0

    /// What one training step measured.
    public typealias StepResult = TrainingStepResult

    /// A trainer starting at step 0.
    ///
    /// - Parameters:
    ///   - model: the initial model.
    ///   - optimizer: the update rule; its learning rate becomes the base rate.
    ///   - loss: the objective.
    ///   - schedule: the learning rate per step; constant by default.
    ///   - maxGradientNorm: clip the global gradient norm to this (finite, > 0), or nil.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` for a bad `maxGradientNorm`.
    public init(
        model: Model, optimizer: Rule, loss: Loss, schedule: LearningRateSchedule = .constant,
        maxGradientNorm: Float? = nil
    ) throws {
        if let maxGradientNorm { try Check.positive(maxGradientNorm, "maxGradientNorm") }
        self.model = model
        self.optimizer = optimizer
        self.loss = loss
        self.schedule = schedule
        self.baseLearningRate = optimizer.learningRate
        self.maxGradientNorm = maxGradientNorm
    }

    /// One update on one batch.
    ///
    /// - Parameters:
    ///   - input: the model's input for the batch.
    ///   - target: the loss's target for the model's output.
    ///   - weights: per-element or per-row loss weights (a mask), or nil.
    /// - Returns: the batch's loss, gradient norm and learning rate.
    /// - Throws: ``RecurrentError/nonFinite(step:what:)`` (step counted from 1)
    ///   when the loss or a gradient is NaN or infinite; the model and the
    ///   optimiser are then unchanged.
    public mutating func trainStep(input: Tensor, target: Tensor, weights: Tensor? = nil) throws -> StepResult {
        let learningRate = schedule.learningRate(base: baseLearningRate, step: step)
        let (output, cache) = try model.forward(input)
        let objective = loss(output, target: target, weights: weights)
        guard objective.value.isFinite else { throw RecurrentError.nonFinite(step: step + 1, what: "the loss") }
        let (_, gradients) = model.backward(objective.gradient, cache: cache)
        let norm = try applyUpdate(
            gradients, to: &model, optimizer: &optimizer, learningRate: learningRate,
            maxGradientNorm: maxGradientNorm, step: step)
        step += 1
        return StepResult(loss: objective.value, gradientNorm: norm, learningRate: learningRate)
    }

    /// One pass over a data set in mini-batches of shuffled rows.
    ///
    /// The rows of the first axis are visited in the order of
    /// ``RandomGenerator/permutation(count:)``, `batchSize` at a time; the last
    /// batch may be smaller.
    ///
    /// - Parameters:
    ///   - inputs: [N, ...], one example per row.
    ///   - targets: [N, ...], the targets of the same rows.
    ///   - weights: [N, ...] loss weights of the same rows, or nil.
    ///   - batchSize: rows per update, ≥ 1.
    ///   - generator: the source of the shuffle.
    /// - Returns: the mean of the batches' losses, each weighted by its row count.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` for a
    ///   bad `batchSize`, and what ``trainStep(input:target:weights:)`` throws.
    public mutating func trainEpoch(
        inputs: Tensor, targets: Tensor, weights: Tensor? = nil, batchSize: Int,
        generator: inout RandomGenerator
    ) throws -> Double {
        try Check.positive(batchSize, "batchSize")
        require(
            inputs.rank >= 1 && targets.rank >= 1 && inputs.shape[0] == targets.shape[0],
            "Trainer.trainEpoch: inputs of shape \(inputs.shape) and targets of shape \(targets.shape) differ in rows")
        if let weights {
            require(
                weights.rank >= 1 && weights.shape[0] == inputs.shape[0],
                "Trainer.trainEpoch: weights of shape \(weights.shape) and inputs of shape \(inputs.shape) differ in rows")
        }
        let rows = inputs.shape[0]
        let order = generator.permutation(count: rows)
        var total = 0.0
        for start in stride(from: 0, to: rows, by: batchSize) {
            let batch = Array(order[start..<Swift.min(start + batchSize, rows)])
            let result = try trainStep(
                input: inputs.gatheringRows(batch), target: targets.gatheringRows(batch),
                weights: weights?.gatheringRows(batch))
            total += result.loss * Double(batch.count)
        }
        return rows == 0 ? 0 : total / Double(rows)
    }

    /// The loss of the current model on `inputs` against `targets`, without
    /// updating anything.
    ///
    /// - Throws: what the model's forward throws for inputs it cannot read.
    public func evaluate(inputs: Tensor, targets: Tensor, weights: Tensor? = nil) throws -> Double {
        loss(try model(inputs), target: targets, weights: weights).value
    }
}
