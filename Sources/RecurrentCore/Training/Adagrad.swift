/// The accumulator Adagrad keeps for one parameter, under PyTorch's state names.
public struct AdagradState: Sendable, Equatable {
    /// t, the number of updates made so far.
    public var step: Int
    /// Σg², PyTorch's `sum`, starting at the initial accumulator value.
    public var sum: Tensor
}

/// Adagrad (Duchi, Hazan and Singer, 2011), as `torch.optim.Adagrad`.
///
/// For each step t = 1, 2, … with γ the learning rate, η the learning-rate
/// decay and λ the weight decay:
///
///     γ̃ ← γ / (1 + (t − 1)η)
///     g ← ∇θ + λθ
///     s ← s + g²            (s starts at the initial accumulator value)
///     θ ← θ − γ̃ g / (√s + ε)
///
/// ```swift
/// var optimizer = try Adagrad(learningRate: 0.1)
/// ```
public struct Adagrad: Optimizer {
    /// γ, the step size of the next update (finite, ≥ 0).
    public var learningRate: Float
    /// η ≥ 0.
    public let learningRateDecay: Float
    /// λ ≥ 0, an L2 penalty added to the gradient.
    public let weightDecay: Float
    /// The value every accumulator starts at, ≥ 0.
    public let initialAccumulatorValue: Float
    /// ε > 0.
    public let epsilon: Float
    /// The accumulators per parameter name.
    public var state: [String: AdagradState] = [:]

    /// An Adagrad optimiser with PyTorch's defaults unless given.
    ///
    /// - Parameters:
    ///   - learningRate: γ ≥ 0.
    ///   - learningRateDecay: η ≥ 0.
    ///   - weightDecay: λ ≥ 0.
    ///   - initialAccumulatorValue: ≥ 0.
    ///   - epsilon: ε > 0.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` for a value out of range.
    public init(
        learningRate: Float = 0.01, learningRateDecay: Float = 0, weightDecay: Float = 0,
        initialAccumulatorValue: Float = 0, epsilon: Float = 1e-10
    ) throws {
        try checkLearningRate(learningRate)
        try Check.nonNegative(learningRateDecay, "learningRateDecay")
        try Check.nonNegative(weightDecay, "weightDecay")
        try Check.nonNegative(initialAccumulatorValue, "initialAccumulatorValue")
        try Check.positive(epsilon, "epsilon")
        self.learningRate = learningRate
        self.learningRateDecay = learningRateDecay
        self.weightDecay = weightDecay
        self.initialAccumulatorValue = initialAccumulatorValue
        self.epsilon = epsilon
    }

    /// One step of the rule above for the parameter `name`.
    public mutating func update(_ parameter: inout Tensor, gradient: Tensor, name: String) {
        var s = state.removeValue(forKey: name)
            ?? AdagradState(step: 0, sum: Tensor(repeating: initialAccumulatorValue, shape: parameter.shape))
        s.step += 1
        let clr = Float(Double(learningRate) / (1 + Double(s.step - 1) * Double(learningRateDecay)))
        let (lambda, eps) = (weightDecay, epsilon)
        gradient.withUnsafeBufferPointer { grad in
            parameter.withUnsafeMutableBufferPointer { theta in
                s.sum.withUnsafeMutableBufferPointer { sum in
                    for i in 0..<theta.count {
                        let g = grad[i] + lambda * theta[i]
                        sum[i] += g * g
                        theta[i] -= clr * g / (sum[i].squareRoot() + eps)
                    }
                }
            }
        }
        state[name] = s
    }
}

extension Adagrad {
    /// `PARAMETER.sum` and the value `PARAMETER.step` per parameter;
    /// `type` = `Adagrad`.
    public func exportState() -> (tensors: NamedTensors, values: [String: String]) {
        var tensors = NamedTensors()
        var values = [OptimizerState.typeKey: "Adagrad"]
        for name in state.keys.sorted(by: OptimizerState.byUTF8) {
            let s = state[name]!
            OptimizerState.append(
                name, tensors: [("sum", s.sum)], values: [("step", String(s.step))], to: &tensors, &values)
        }
        return (tensors, values)
    }

    /// Restores what ``exportState()`` returned; see
    /// ``Optimizer/importState(tensors:values:)``.
    public mutating func importState(tensors: NamedTensors, values: [String: String]) throws {
        let entries = try OptimizerState.entries(
            tensors: tensors, values: values, type: "Adagrad", tensorKeys: ["sum"], valueKeys: ["step"])
        var restored: [String: AdagradState] = [:]
        for entry in entries {
            let missing = "missing; Adagrad keeps it for every parameter it has updated"
            restored[entry.parameter] = AdagradState(
                step: try entry.count("step", reason: missing), sum: try entry.tensor("sum", reason: missing))
        }
        state = restored
    }
}
