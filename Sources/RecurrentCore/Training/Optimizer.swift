/// An update rule that moves parameters against their gradients, keeping any
/// state (momentum, moment estimates) per parameter name.
///
/// Each rule follows `torch.optim` exactly, including the order of operations
/// that matters (SGD's momentum buffer starts at the first gradient, Adam's ε
/// is added after the square root, AdamW decays before the Adam step).
///
/// ```swift
/// var optimizer = try Adam(learningRate: 1e-3)
/// let (output, cache) = model.forward(x)
/// let loss = Loss.meanSquaredError(output, target: y)
/// let (_, gradients) = model.backward(loss.gradient, cache: cache)
/// optimizer.step(&model, gradients: gradients)
/// ```
public protocol Optimizer: Sendable {
    /// γ, the step size of the next update. A schedule sets it before each
    /// step; it must be finite and ≥ 0.
    var learningRate: Float { get set }

    /// Updates one parameter in place from its gradient, with the state kept
    /// under `name`.
    ///
    /// - Parameters:
    ///   - parameter: θ, changed in place.
    ///   - gradient: ∂loss/∂θ, θ's shape.
    ///   - name: the key of θ's state, unique within the model.
    mutating func update(_ parameter: inout Tensor, gradient: Tensor, name: String)

    /// The rule's state, to save in a checkpoint: tensors and scalars named
    /// `PARAMETER.KEY` with PyTorch's state keys (`weight_ih_l0.exp_avg`,
    /// `weight_ih_l0.step`), and the rule's name under `type` (`Adam`).
    ///
    /// Names are sorted by parameter, so the same state always exports the same
    /// way. ``importState(tensors:values:)`` of an optimiser of the same type
    /// and variant restores it exactly.
    func exportState() -> (tensors: NamedTensors, values: [String: String])

    /// Replaces the rule's state by one that ``exportState()`` returned.
    ///
    /// Checks everything before anything changes: `type` names this rule; each
    /// key is a dotted `PARAMETER.KEY` with a key this rule keeps; a parameter
    /// has every tensor and value this rule's variant keeps for it (Adam's
    /// `max_exp_avg_sq` only with AMSGrad, for example), with equal shapes and
    /// counts ≥ 1. Parameters absent from the state start afresh, as before
    /// their first update.
    ///
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` with
    ///   the name `optimizer state` and the key at fault; the state is then
    ///   unchanged.
    mutating func importState(tensors: NamedTensors, values: [String: String]) throws
}

extension Optimizer {
    /// One update of every parameter of `model` that has a gradient in
    /// `gradients`; parameters without one are left alone, as PyTorch skips
    /// parameters whose `grad` is None.
    ///
    /// Stops with a message when `gradients` names a tensor the model does not
    /// have or a shape differs: gradients come from the model's own backward.
    public mutating func step<Model: Module>(_ model: inout Model, gradients: NamedTensors) {
        var used = 0
        model.updateParameters { name, parameter in
            guard let gradient = gradients[name] else { return }
            require(
                gradient.shape == parameter.shape,
                "\(Self.self).step: gradient of \(name) has shape \(gradient.shape), parameter \(parameter.shape)")
            update(&parameter, gradient: gradient, name: name)
            used += 1
        }
        if used != gradients.count {
            let known = model.parameters
            let unknown = gradients.names.first { known[$0] == nil } ?? "?"
            fatalError("\(Self.self).step: gradient \(unknown) matches no parameter of the model")
        }
    }
}

/// Checks a learning rate as every optimiser's initialiser does.
func checkLearningRate(_ value: Float) throws {
    try Check.nonNegative(value, "learningRate")
}
