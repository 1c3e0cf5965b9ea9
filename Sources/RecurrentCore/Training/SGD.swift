/// Stochastic gradient descent with optional momentum, dampening, Nesterov
/// momentum and L2 weight decay, as `torch.optim.SGD`.
///
/// For each step t = 1, 2, … with γ the learning rate, λ the weight decay,
/// μ the momentum and τ the dampening:
///
///     g ← ∇θ + λθ
///     if μ ≠ 0:  b ← g at t = 1, else μb + (1 − τ)g
///                g ← g + μb (Nesterov) or b
///     θ ← θ − γg
///
/// ```swift
/// var optimizer = try SGD(learningRate: 0.1, momentum: 0.9, nesterov: true)
/// ```
public struct SGD: Optimizer {
    /// γ, the step size of the next update (finite, ≥ 0).
    public var learningRate: Float
    /// μ, in [0, 1).
    public let momentum: Float
    /// τ, in [0, 1].
    public let dampening: Float
    /// λ, the L2 penalty added to the gradient.
    public let weightDecay: Float
    /// Whether to use Nesterov momentum (needs μ > 0 and τ = 0).
    public let nesterov: Bool
    /// b per parameter name, PyTorch's `momentum_buffer`; absent before the first step.
    public var momentumBuffers: [String: Tensor] = [:]

    /// An SGD optimiser; plain gradient descent unless momentum is given.
    ///
    /// - Parameters:
    ///   - learningRate: γ ≥ 0.
    ///   - momentum: μ in [0, 1); 0 for plain SGD.
    ///   - dampening: τ in [0, 1].
    ///   - weightDecay: λ ≥ 0.
    ///   - nesterov: Nesterov momentum.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` for a
    ///   value out of range, or Nesterov without momentum or with dampening.
    public init(
        learningRate: Float, momentum: Float = 0, dampening: Float = 0, weightDecay: Float = 0,
        nesterov: Bool = false
    ) throws {
        try checkLearningRate(learningRate)
        try Check.fraction(momentum, "momentum")
        try Check.closedFraction(dampening, "dampening")
        try Check.nonNegative(weightDecay, "weightDecay")
        if nesterov && (momentum == 0 || dampening != 0) {
            throw RecurrentError.invalidArgument(
                name: "nesterov", value: "true",
                reason: "needs momentum > 0 and dampening 0 (momentum \(momentum), dampening \(dampening))")
        }
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.weightDecay = weightDecay
        self.nesterov = nesterov
    }

    /// One step of the rule above for the parameter `name`.
    public mutating func update(_ parameter: inout Tensor, gradient: Tensor, name: String) {
        let (lr, mu, tau, lambda) = (learningRate, momentum, dampening, weightDecay)
        guard mu != 0 else {
            gradient.withUnsafeBufferPointer { grad in
                parameter.withUnsafeMutableBufferPointer { theta in
                    for i in 0..<theta.count { theta[i] -= lr * (grad[i] + lambda * theta[i]) }
                }
            }
            return
        }
        let first = momentumBuffers[name] == nil
        var buffer = momentumBuffers.removeValue(forKey: name) ?? Tensor.zeros(parameter.shape)
        let nesterov = self.nesterov
        gradient.withUnsafeBufferPointer { grad in
            parameter.withUnsafeMutableBufferPointer { theta in
                buffer.withUnsafeMutableBufferPointer { b in
                    for i in 0..<theta.count {
                        let g = grad[i] + lambda * theta[i]
                        b[i] = first ? g : mu * b[i] + (1 - tau) * g
                        theta[i] -= lr * (nesterov ? g + mu * b[i] : b[i])
                    }
                }
            }
        }
        momentumBuffers[name] = buffer
    }
}

extension SGD {
    /// `PARAMETER.momentum_buffer` per parameter, and `type` = `SGD`.
    public func exportState() -> (tensors: NamedTensors, values: [String: String]) {
        var tensors = NamedTensors()
        var values = [OptimizerState.typeKey: "SGD"]
        for name in momentumBuffers.keys.sorted(by: OptimizerState.byUTF8) {
            OptimizerState.append(name, tensors: [("momentum_buffer", momentumBuffers[name])], to: &tensors, &values)
        }
        return (tensors, values)
    }

    /// Restores what ``exportState()`` returned; see
    /// ``Optimizer/importState(tensors:values:)``. Without momentum there is
    /// no state, and a momentum buffer is an error.
    public mutating func importState(tensors: NamedTensors, values: [String: String]) throws {
        let entries = try OptimizerState.entries(
            tensors: tensors, values: values, type: "SGD", tensorKeys: ["momentum_buffer"], valueKeys: [])
        var buffers: [String: Tensor] = [:]
        for entry in entries {
            guard momentum != 0 else {
                try entry.refuse("momentum_buffer", because: "SGD without momentum keeps no buffer")
                continue
            }
            buffers[entry.parameter] = try entry.tensor("momentum_buffer", reason: "missing")
        }
        momentumBuffers = buffers
    }
}
