#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The moment estimates Adam and AdamW keep for one parameter, under
/// PyTorch's state names.
public struct AdamState: Sendable, Equatable {
    /// t, the number of updates made so far.
    public var step: Int
    /// m, PyTorch's `exp_avg`.
    public var expAvg: Tensor
    /// v, PyTorch's `exp_avg_sq`.
    public var expAvgSq: Tensor
    /// max v so far, PyTorch's `max_exp_avg_sq`; only with AMSGrad.
    public var maxExpAvgSq: Tensor?
}

/// Adam (Kingma and Ba, 2015) with bias correction, as `torch.optim.Adam`.
///
/// For each step t = 1, 2, … with γ the learning rate and λ the (L2) weight decay:
///
///     g ← ∇θ + λθ
///     m ← β₁m + (1 − β₁)g
///     v ← β₂v + (1 − β₂)g²
///     v̂ ← max(v̂, v) with AMSGrad, else v
///     θ ← θ − (γ / (1 − β₁ᵗ)) · m / (√v̂ / √(1 − β₂ᵗ) + ε)
///
/// ε is added after the square root. The bias corrections are computed in
/// `Double`. For decoupled weight decay use ``AdamW``.
///
/// ```swift
/// var optimizer = try Adam(learningRate: 1e-3)
/// ```
public struct Adam: Optimizer {
    /// γ, the step size of the next update (finite, ≥ 0).
    public var learningRate: Float
    /// β₁, in [0, 1).
    public let beta1: Float
    /// β₂, in [0, 1).
    public let beta2: Float
    /// ε > 0.
    public let epsilon: Float
    /// λ ≥ 0: added to the gradient (Adam) or decaying θ directly (AdamW).
    public let weightDecay: Float
    /// Whether to divide by the largest v so far (AMSGrad).
    public let amsgrad: Bool
    /// Whether the decay is AdamW's `θ ← θ(1 − γλ)` instead of an L2 term.
    let decoupled: Bool
    /// The moments per parameter name.
    public var state: [String: AdamState] = [:]

    /// An Adam optimiser with PyTorch's defaults unless given.
    ///
    /// - Parameters:
    ///   - learningRate: γ ≥ 0.
    ///   - beta1: β₁ in [0, 1).
    ///   - beta2: β₂ in [0, 1).
    ///   - epsilon: ε > 0.
    ///   - weightDecay: λ ≥ 0, an L2 penalty added to the gradient.
    ///   - amsgrad: use the AMSGrad variant.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` for a value out of range.
    public init(
        learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
        weightDecay: Float = 0, amsgrad: Bool = false
    ) throws {
        try self.init(learningRate, beta1, beta2, epsilon, weightDecay, amsgrad, decoupled: false)
    }

    init(
        _ learningRate: Float, _ beta1: Float, _ beta2: Float, _ epsilon: Float, _ weightDecay: Float,
        _ amsgrad: Bool, decoupled: Bool
    ) throws {
        try checkLearningRate(learningRate)
        try Check.fraction(beta1, "beta1")
        try Check.fraction(beta2, "beta2")
        try Check.positive(epsilon, "epsilon")
        try Check.nonNegative(weightDecay, "weightDecay")
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.amsgrad = amsgrad
        self.decoupled = decoupled
    }

    /// One step of the rule above for the parameter `name`.
    public mutating func update(_ parameter: inout Tensor, gradient: Tensor, name: String) {
        var s = state.removeValue(forKey: name)
            ?? AdamState(
                step: 0, expAvg: Tensor.zeros(parameter.shape), expAvgSq: Tensor.zeros(parameter.shape),
                maxExpAvgSq: amsgrad ? Tensor.zeros(parameter.shape) : nil)
        s.step += 1
        let (lr, b1, b2, eps, lambda) = (learningRate, beta1, beta2, epsilon, weightDecay)
        let bias1 = 1 - pow(Double(b1), Double(s.step))
        let bias2Root = (1 - pow(Double(b2), Double(s.step))).squareRoot()
        let stepSize = Float(Double(lr) / bias1)
        let inverseBias2Root = Float(1 / bias2Root)
        let decoupled = self.decoupled
        var vMax = s.maxExpAvgSq ?? Tensor.zeros([0])
        let amsgrad = s.maxExpAvgSq != nil
        gradient.withUnsafeBufferPointer { grad in
            parameter.withUnsafeMutableBufferPointer { theta in
                s.expAvg.withUnsafeMutableBufferPointer { m in
                    s.expAvgSq.withUnsafeMutableBufferPointer { v in
                        vMax.withUnsafeMutableBufferPointer { vMax in
                            // Each element on its own: large tensors (an embedding, a
                            // character model's W_hh) split between the threads, the same bits.
                            let count = theta.count
                            let parts = count >= 1 << 16 ? ThreadPool.shared.threadCount : 1
                            ThreadPool.shared.parallelFor(parts) { part in
                                for i in (count * part / parts)..<(count * (part + 1) / parts) {
                                    var g = grad[i]
                                    if decoupled {
                                        theta[i] *= 1 - lr * lambda  // θ ← θ(1 − γλ)
                                    } else {
                                        g += lambda * theta[i]  // g ← ∇θ + λθ
                                    }
                                    m[i] = b1 * m[i] + (1 - b1) * g
                                    v[i] = b2 * v[i] + (1 - b2) * g * g
                                    var vHat = v[i]
                                    if amsgrad {
                                        vMax[i] = Swift.max(vMax[i], v[i])
                                        vHat = vMax[i]
                                    }
                                    let denominator = vHat.squareRoot() * inverseBias2Root + eps
                                    theta[i] -= stepSize * m[i] / denominator
                                }
                            }
                        }
                    }
                }
            }
        }
        if amsgrad { s.maxExpAvgSq = vMax }
        state[name] = s
    }
}

/// Adam with decoupled weight decay (Loshchilov and Hutter, 2019), as
/// `torch.optim.AdamW`: each step first shrinks θ ← θ(1 − γλ), then takes the
/// ``Adam`` step on the plain gradient.
///
/// ```swift
/// var optimizer = try AdamW(learningRate: 1e-3, weightDecay: 0.01)
/// ```
public struct AdamW: Optimizer {
    /// The Adam step and its state.
    public var adam: Adam

    /// γ, the step size of the next update (finite, ≥ 0).
    public var learningRate: Float {
        get { adam.learningRate }
        set { adam.learningRate = newValue }
    }

    /// An AdamW optimiser with PyTorch's defaults unless given.
    ///
    /// - Parameters:
    ///   - learningRate: γ ≥ 0.
    ///   - beta1: β₁ in [0, 1).
    ///   - beta2: β₂ in [0, 1).
    ///   - epsilon: ε > 0.
    ///   - weightDecay: λ ≥ 0, PyTorch's default 0.01.
    ///   - amsgrad: use the AMSGrad variant.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` for a value out of range.
    public init(
        learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
        weightDecay: Float = 0.01, amsgrad: Bool = false
    ) throws {
        adam = try Adam(learningRate, beta1, beta2, epsilon, weightDecay, amsgrad, decoupled: true)
    }

    /// One step of the rule above for the parameter `name`.
    public mutating func update(_ parameter: inout Tensor, gradient: Tensor, name: String) {
        adam.update(&parameter, gradient: gradient, name: name)
    }
}

extension Adam {
    /// The rule's name in exported state: `Adam`, or `AdamW` with decoupled decay.
    var typeName: String { decoupled ? "AdamW" : "Adam" }

    /// `PARAMETER.exp_avg`, `PARAMETER.exp_avg_sq`, with AMSGrad
    /// `PARAMETER.max_exp_avg_sq`, and the value `PARAMETER.step` per
    /// parameter; `type` = `Adam` or `AdamW`.
    public func exportState() -> (tensors: NamedTensors, values: [String: String]) {
        var tensors = NamedTensors()
        var values = [OptimizerState.typeKey: typeName]
        for name in state.keys.sorted(by: OptimizerState.byUTF8) {
            let s = state[name]!
            OptimizerState.append(
                name, tensors: [("exp_avg", s.expAvg), ("exp_avg_sq", s.expAvgSq), ("max_exp_avg_sq", s.maxExpAvgSq)],
                values: [("step", String(s.step))], to: &tensors, &values)
        }
        return (tensors, values)
    }

    /// Restores what ``exportState()`` returned; see
    /// ``Optimizer/importState(tensors:values:)``.
    public mutating func importState(tensors: NamedTensors, values: [String: String]) throws {
        let entries = try OptimizerState.entries(
            tensors: tensors, values: values, type: typeName,
            tensorKeys: ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"], valueKeys: ["step"])
        var restored: [String: AdamState] = [:]
        for entry in entries {
            let missing = "missing; \(typeName) keeps it for every parameter it has updated"
            let expAvg = try entry.tensor("exp_avg", reason: missing)
            let expAvgSq = try entry.tensor("exp_avg_sq", shape: expAvg.shape, reason: missing)
            var maxExpAvgSq: Tensor?
            if amsgrad {
                maxExpAvgSq = try entry.tensor(
                    "max_exp_avg_sq", shape: expAvg.shape, reason: "missing; \(typeName) with AMSGrad keeps it")
            } else {
                try entry.refuse(
                    "max_exp_avg_sq", because: "only AMSGrad keeps it, and this \(typeName) does not use it")
            }
            let step = try entry.count("step", reason: missing)
            restored[entry.parameter] = AdamState(
                step: step, expAvg: expAvg, expAvgSq: expAvgSq, maxExpAvgSq: maxExpAvgSq)
        }
        state = restored
    }
}

extension AdamW {
    /// ``Adam/exportState()`` with `type` = `AdamW`.
    public func exportState() -> (tensors: NamedTensors, values: [String: String]) {
        adam.exportState()
    }

    /// ``Adam/importState(tensors:values:)``, expecting `type` = `AdamW`.
    public mutating func importState(tensors: NamedTensors, values: [String: String]) throws {
        try adam.importState(tensors: tensors, values: values)
    }
}
