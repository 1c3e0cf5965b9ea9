/// The running averages RMSprop keeps for one parameter, under PyTorch's state names.
public struct RMSpropState: Sendable, Equatable {
    /// v, PyTorch's `square_avg`.
    public var squareAvg: Tensor
    /// The running mean of g, PyTorch's `grad_avg`; only when centered.
    public var gradAvg: Tensor?
    /// b, PyTorch's `momentum_buffer`; only with momentum.
    public var momentumBuffer: Tensor?
}

/// RMSprop (Hinton's lecture notes; centered as Graves, 2013), as
/// `torch.optim.RMSprop`.
///
/// For each step with γ the learning rate, α the smoothing constant, λ the
/// weight decay and μ the momentum:
///
///     g ← ∇θ + λθ
///     v ← αv + (1 − α)g²
///     ṽ ← v − ḡ², with ḡ ← αḡ + (1 − α)g, when centered; else v
///     if μ > 0:  b ← μb + g / (√ṽ + ε);  θ ← θ − γb
///     else:      θ ← θ − γ g / (√ṽ + ε)
///
/// ε is added after the square root (TensorFlow adds it inside).
///
/// ```swift
/// var optimizer = try RMSprop(learningRate: 0.01, centered: true)
/// ```
public struct RMSprop: Optimizer {
    /// γ, the step size of the next update (finite, ≥ 0).
    public var learningRate: Float
    /// α, in [0, 1).
    public let alpha: Float
    /// ε > 0.
    public let epsilon: Float
    /// λ ≥ 0, an L2 penalty added to the gradient.
    public let weightDecay: Float
    /// μ, in [0, 1).
    public let momentum: Float
    /// Whether to normalise by an estimate of the gradient's variance rather
    /// than its second moment.
    public let centered: Bool
    /// The averages per parameter name.
    public var state: [String: RMSpropState] = [:]

    /// An RMSprop optimiser with PyTorch's defaults unless given.
    ///
    /// - Parameters:
    ///   - learningRate: γ ≥ 0.
    ///   - alpha: α in [0, 1).
    ///   - epsilon: ε > 0.
    ///   - weightDecay: λ ≥ 0.
    ///   - momentum: μ in [0, 1).
    ///   - centered: the centered variant.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` for a value out of range.
    public init(
        learningRate: Float = 0.01, alpha: Float = 0.99, epsilon: Float = 1e-8, weightDecay: Float = 0,
        momentum: Float = 0, centered: Bool = false
    ) throws {
        try checkLearningRate(learningRate)
        try Check.fraction(alpha, "alpha")
        try Check.positive(epsilon, "epsilon")
        try Check.nonNegative(weightDecay, "weightDecay")
        try Check.fraction(momentum, "momentum")
        self.learningRate = learningRate
        self.alpha = alpha
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.momentum = momentum
        self.centered = centered
    }

    /// One step of the rule above for the parameter `name`.
    public mutating func update(_ parameter: inout Tensor, gradient: Tensor, name: String) {
        let shape = parameter.shape
        var s = state.removeValue(forKey: name)
            ?? RMSpropState(
                squareAvg: Tensor.zeros(shape), gradAvg: centered ? Tensor.zeros(shape) : nil,
                momentumBuffer: momentum > 0 ? Tensor.zeros(shape) : nil)
        let (lr, a, eps, lambda, mu) = (learningRate, alpha, epsilon, weightDecay, momentum)
        let (centered, hasMomentum) = (s.gradAvg != nil, s.momentumBuffer != nil)
        var gradAvg = s.gradAvg ?? Tensor.zeros([0])
        var buffer = s.momentumBuffer ?? Tensor.zeros([0])
        gradient.withUnsafeBufferPointer { grad in
            parameter.withUnsafeMutableBufferPointer { theta in
                s.squareAvg.withUnsafeMutableBufferPointer { v in
                    gradAvg.withUnsafeMutableBufferPointer { gAvg in
                        buffer.withUnsafeMutableBufferPointer { b in
                            for i in 0..<theta.count {
                                let g = grad[i] + lambda * theta[i]
                                v[i] = a * v[i] + (1 - a) * g * g
                                var vTilde = v[i]
                                if centered {
                                    gAvg[i] = a * gAvg[i] + (1 - a) * g
                                    vTilde -= gAvg[i] * gAvg[i]
                                }
                                let denominator = vTilde.squareRoot() + eps
                                if hasMomentum {
                                    b[i] = mu * b[i] + g / denominator
                                    theta[i] -= lr * b[i]
                                } else {
                                    theta[i] -= lr * g / denominator
                                }
                            }
                        }
                    }
                }
            }
        }
        if centered { s.gradAvg = gradAvg }
        if hasMomentum { s.momentumBuffer = buffer }
        state[name] = s
    }
}

extension RMSprop {
    /// `PARAMETER.square_avg`, when centered `PARAMETER.grad_avg`, with
    /// momentum `PARAMETER.momentum_buffer`; `type` = `RMSprop`.
    public func exportState() -> (tensors: NamedTensors, values: [String: String]) {
        var tensors = NamedTensors()
        var values = [OptimizerState.typeKey: "RMSprop"]
        for name in state.keys.sorted(by: OptimizerState.byUTF8) {
            let s = state[name]!
            OptimizerState.append(
                name,
                tensors: [("square_avg", s.squareAvg), ("grad_avg", s.gradAvg), ("momentum_buffer", s.momentumBuffer)],
                to: &tensors, &values)
        }
        return (tensors, values)
    }

    /// Restores what ``exportState()`` returned; see
    /// ``Optimizer/importState(tensors:values:)``.
    public mutating func importState(tensors: NamedTensors, values: [String: String]) throws {
        let entries = try OptimizerState.entries(
            tensors: tensors, values: values, type: "RMSprop",
            tensorKeys: ["square_avg", "grad_avg", "momentum_buffer"], valueKeys: [])
        var restored: [String: RMSpropState] = [:]
        for entry in entries {
            let squareAvg = try entry.tensor(
                "square_avg", reason: "missing; RMSprop keeps it for every parameter it has updated")
            var s = RMSpropState(squareAvg: squareAvg, gradAvg: nil, momentumBuffer: nil)
            if centered {
                s.gradAvg = try entry.tensor(
                    "grad_avg", shape: squareAvg.shape, reason: "missing; centered RMSprop keeps it")
            } else {
                try entry.refuse("grad_avg", because: "only centered RMSprop keeps it, and this one is not centered")
            }
            if momentum > 0 {
                s.momentumBuffer = try entry.tensor(
                    "momentum_buffer", shape: squareAvg.shape, reason: "missing; RMSprop with momentum keeps it")
            } else {
                try entry.refuse(
                    "momentum_buffer", because: "only RMSprop with momentum keeps it, and this one has none")
            }
            restored[entry.parameter] = s
        }
        state = restored
    }
}
