/// What one training step measured.
public struct TrainingStepResult: Sendable, Equatable {
    /// The loss of the batch, before the update.
    public var loss: Double
    /// The global gradient norm, before clipping.
    public var gradientNorm: Float
    /// The learning rate the update used.
    public var learningRate: Float

    public init(loss: Double, gradientNorm: Float, learningRate: Float) {
        self.loss = loss
        self.gradientNorm = gradientNorm
        self.learningRate = learningRate
    }
}

/// The end of every trainer's step, after backward: refuses non-finite
/// gradients (naming the first, step counted from 1) before anything changes,
/// clips the global norm, and applies the optimiser at `learningRate`.
///
/// - Returns: the global gradient norm before clipping.
func applyUpdate<Model: Module, Rule: Optimizer>(
    _ gradients: NamedTensors, to model: inout Model, optimizer: inout Rule, learningRate: Float,
    maxGradientNorm: Float?, step: Int
) throws -> Float {
    var gradients = gradients
    if let bad = gradients.first(where: { !$0.tensor.isFinite }) {
        throw RecurrentError.nonFinite(step: step + 1, what: "the gradient of \(bad.name)")
    }
    let norm = try maxGradientNorm.map { try gradients.clipGlobalNorm(maxNorm: $0) } ?? Float(gradients.globalNorm())
    optimizer.learningRate = learningRate
    optimizer.step(&model, gradients: gradients)
    return norm
}
