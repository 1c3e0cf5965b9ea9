/// Trains a ``SequenceModel`` on ``SequenceBatch``es: forward, loss over
/// real steps, backward through head, time, dropout and embedding,
/// global-norm clipping, optimiser step, with the learning rate from a
/// schedule.
///
/// A many-to-many model's loss is masked to real steps (per-step weight 0 at
/// t ≥ lengths[b]); a many-to-one model's loss is the plain mean over
/// sequences. Every step checks the loss and every gradient for NaN and
/// infinity and throws ``RecurrentError/nonFinite(step:what:)`` naming the
/// first bad one (`the gradient of weight_hh_l0`) before anything changes.
///
/// ```swift
/// var generator = RandomGenerator(seed: 1)
/// let model = try SequenceModel(
///     input: .features(2), cell: .lstm, hiddenSize: 32, outputSize: 1, pooling: .last,
///     generator: &generator)
/// var trainer = try SequenceTrainer(
///     model: model, optimizer: try Adam(learningRate: 1e-2), loss: .meanSquaredError,
///     maxGradientNorm: 1)
/// let task = try AddingProblem(length: 50)
/// for _ in 0..<500 {
///     _ = try trainer.trainStep(task.batch(count: 32, generator: &generator))
/// }
/// ```
public struct SequenceTrainer<Rule: Optimizer>: Sendable {
    /// The model being trained.
    public var model: SequenceModel
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
    /// Draws the dropout masks between recurrent layers.
    public var generator: RandomGenerator
    /// The window of truncated backpropagation that ``fitStep(_:)`` uses
    /// (``trainStep(_:truncation:)``), or nil for full backpropagation through time.
    public let truncation: Int?
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
    ///   - seed: seeds ``generator``, the dropout masks' source.
    ///   - truncation: the window k of truncated backpropagation through time
    ///     for ``fitStep(_:)`` (≥ 1), or nil for full backpropagation.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` for a
    ///   bad `maxGradientNorm` or `truncation`.
    public init(
        model: SequenceModel, optimizer: Rule, loss: Loss, schedule: LearningRateSchedule = .constant,
        maxGradientNorm: Float? = nil, seed: UInt64 = 0, truncation: Int? = nil
    ) throws {
        if let maxGradientNorm { try Check.positive(maxGradientNorm, "maxGradientNorm") }
        if let truncation { try Check.positive(truncation, "truncation") }
        self.truncation = truncation
        self.model = model
        self.optimizer = optimizer
        self.loss = loss
        self.schedule = schedule
        self.baseLearningRate = optimizer.learningRate
        self.maxGradientNorm = maxGradientNorm
        self.generator = RandomGenerator(seed: seed)
    }

    /// One update on one batch.
    ///
    /// - Returns: the batch's loss, gradient norm and learning rate.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` when
    ///   the batch does not fit the model, and
    ///   ``RecurrentError/nonFinite(step:what:)`` (step counted from 1) when
    ///   the loss or a gradient is NaN or infinite; the model, the optimiser
    ///   and the step count are then unchanged.
    public mutating func trainStep(_ batch: SequenceBatch) throws -> StepResult {
        try update(on: batch, from: nil).result
    }

    /// One update on `batch`, the recurrent layers starting from `state`
    /// (zeros when nil): forward, loss, backward, clipped optimiser step. On a
    /// non-finite loss or gradient nothing changes.
    ///
    /// - Returns: what the step measured, and the recurrent layers' final state.
    private mutating func update(on batch: SequenceBatch, from state: RecurrentState?) throws -> (
        result: StepResult, state: RecurrentState
    ) {
        let learningRate = schedule.learningRate(base: baseLearningRate, step: step)
        var dropout = generator
        let (output, final, cache) = try model.forward(
            batch.input, lengths: batch.lengths, initialState: state, generator: &dropout)
        let objective = try SequenceTrainer.objective(loss, model, output, batch)
        guard objective.value.isFinite else { throw RecurrentError.nonFinite(step: step + 1, what: "the loss") }
        let (_, _, gradients) = model.backward(objective.gradient, cache: cache, inputGradient: false)
        let norm = try applyUpdate(
            gradients, to: &model, optimizer: &optimizer, learningRate: learningRate,
            maxGradientNorm: maxGradientNorm, step: step)
        generator = dropout
        step += 1
        return (StepResult(loss: objective.value, gradientNorm: norm, learningRate: learningRate), final)
    }

    /// Truncated backpropagation through time on one batch: the sequences
    /// are cut into windows of `window` steps, run in order with the state
    /// carried from each window into the next (as a value: no gradient flows
    /// back across a window boundary), and updated after each window.
    ///
    /// A many-to-many model updates once per window, on that window's steps;
    /// a many-to-one model runs the earlier windows forward only (they warm up
    /// the state) and updates once, on the last window, since its loss lives
    /// at the end. With `window` ≥ T this is ``trainStep(_:)``.
    ///
    /// - Parameters:
    ///   - batch: sequences of equal length T (no `lengths`, or all equal to T).
    ///   - window: k, the steps per window, ≥ 1.
    /// - Returns: the loss (mean over the windows' steps), the last update's
    ///   gradient norm and learning rate.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` for
    ///   ragged lengths, a bidirectional model or k < 1, and what
    ///   ``trainStep(_:)`` throws; an update already made by an earlier window
    ///   of the batch stays made.
    public mutating func trainStep(_ batch: SequenceBatch, truncation window: Int) throws -> StepResult {
        try Check.positive(window, "window")
        let t = batch.steps
        if window >= t { return try trainStep(batch) }
        if let lengths = batch.lengths, lengths.contains(where: { $0 != t }) {
            throw RecurrentError.invalidArgument(
                name: "lengths", value: "ragged", reason: "truncated backpropagation needs sequences of equal length")
        }
        guard model.recurrent.directions == 1 else {
            throw RecurrentError.invalidArgument(
                name: "model", value: "bidirectional",
                reason: "truncated backpropagation carries the state forwards; a backward direction has none to carry")
        }
        // The last window alone reaches the head (and the skip): steps (t − 1)/k·k ..< t.
        if let skip = model.skip, skip.steps > t - (t - 1) / window * window {
            throw RecurrentError.invalidArgument(
                name: "truncation", value: "\(window)",
                reason: "leaves a last window of \(t - (t - 1) / window * window) steps, fewer than the skip's \(skip.steps)")
        }
        let manyToMany = model.head.pooling == .everyStep
        guard manyToMany || model.head.pooling == .last else {
            throw RecurrentError.invalidArgument(
                name: "pooling", value: model.head.pooling.rawValue,
                reason: "truncated backpropagation trains the last window only, so a pooled output must be .last")
        }
        var state: RecurrentState?
        var total = 0.0
        var last = StepResult(loss: 0, gradientNorm: 0, learningRate: 0)
        for start in stride(from: 0, to: t, by: window) {
            let range = start..<Swift.min(start + window, t)
            let input = batch.input.timeSlice(range)
            if !manyToMany && range.upperBound < t {
                var dropout = generator
                state = try model.forward(input, initialState: state, generator: &dropout).state
                generator = dropout
                continue
            }
            let chunk = SequenceBatch(
                unchecked: input, lengths: nil, targets: manyToMany ? batch.targets.timeSlice(range) : batch.targets)
            (last, state) = try update(on: chunk, from: state)
            total += last.loss * Double(manyToMany ? range.count : t)
        }
        return StepResult(
            loss: total / Double(t), gradientNorm: last.gradientNorm, learningRate: last.learningRate)
    }

    /// One pass over a data set in mini-batches of shuffled sequences.
    ///
    /// The sequences are visited in the order of
    /// ``RandomGenerator/permutation(count:)``, `batchSize` at a time; the last
    /// mini-batch may be smaller. Each keeps the data set's padded T; its
    /// lengths say where each sequence ends.
    ///
    /// - Parameters:
    ///   - data: every training sequence, one row each.
    ///   - batchSize: sequences per update, ≥ 1.
    ///   - generator: the source of the shuffle.
    /// - Returns: the mean of the mini-batches' losses, each weighted by its sequence count.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` for a
    ///   bad `batchSize`, and what ``trainStep(_:)`` throws.
    public mutating func trainEpoch(
        _ data: SequenceBatch, batchSize: Int, generator: inout RandomGenerator
    ) throws -> Double {
        try Check.positive(batchSize, "batchSize")
        let order = generator.permutation(count: data.count)
        var total = 0.0
        for start in stride(from: 0, to: data.count, by: batchSize) {
            let rows = Array(order[start..<Swift.min(start + batchSize, data.count)])
            let result = try trainStep(data.gathering(rows))
            total += result.loss * Double(rows.count)
        }
        return total / Double(data.count)
    }

    /// The loss of the current model on `batch` (inference: no dropout),
    /// without updating anything.
    ///
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` when
    ///   the batch does not fit the model.
    public func evaluate(_ batch: SequenceBatch) throws -> Double {
        let output = try model(batch.input, lengths: batch.lengths)
        return try SequenceTrainer.objective(loss, model, output, batch).value
    }

    /// The loss of `output` against the batch's targets, masked to real steps
    /// for a many-to-many model.
    static func objective(_ loss: Loss, _ model: SequenceModel, _ output: Tensor, _ batch: SequenceBatch) throws
        -> LossOutput
    {
        let expected = loss.targetShape(forPrediction: output.shape)
        guard batch.targets.shape == expected else {
            throw RecurrentError.invalidArgument(
                name: "targets", value: "of shape \(batch.targets.shape)",
                reason: "the model's output \(output.shape) under \(loss) needs \(expected)")
        }
        let manyToMany = model.head.pooling == .everyStep && batch.lengths != nil
        return loss(output, target: batch.targets, weights: manyToMany ? batch.stepMask : nil)
    }
}
