#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The learning rate as a function of the step: constant, step decay, cosine
/// annealing, and a linear warm-up in front of any of them.
///
/// Steps count from 0 (the first update). With γ₀ the base rate:
///
/// - ``constant``: γ₀.
/// - ``stepDecay(every:gamma:)``: γ₀ · γ^⌊t / k⌋ (PyTorch's `StepLR`).
/// - ``cosine(steps:minimum:)``: η + (γ₀ − η)(1 + cos(πt / T)) / 2 for t ≤ T,
///   then η (PyTorch's `CosineAnnealingLR` closed form, held at η after T
///   instead of rising again).
/// - ``afterWarmup(steps:startFactor:)``: for t < W, γ₀ · (f + (1 − f) t / W)
///   (PyTorch's `LinearLR`); from t = W on, this schedule at step t − W
///   (PyTorch's `SequentialLR` with milestone W).
///
/// ```swift
/// let schedule = try LearningRateSchedule.cosine(steps: 900).afterWarmup(steps: 100)
/// schedule.learningRate(base: 1e-3, step: 0)     // 1e-3 / 3
/// schedule.learningRate(base: 1e-3, step: 100)   // 1e-3
/// schedule.learningRate(base: 1e-3, step: 1000)  // 0
/// ```
public struct LearningRateSchedule: Sendable, Equatable {
    indirect enum Kind: Equatable, Sendable {
        case constant
        case stepDecay(every: Int, gamma: Double)
        case cosine(steps: Int, minimum: Double)
        case warmup(steps: Int, startFactor: Double, then: Kind)
    }

    let kind: Kind

    /// The base rate at every step.
    public static let constant = LearningRateSchedule(kind: .constant)

    /// The rate multiplied by `gamma` every `every` steps.
    ///
    /// - Parameters:
    ///   - every: k ≥ 1, the steps between decays.
    ///   - gamma: γ, finite and > 0 (usually below 1).
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` for a value out of range.
    public static func stepDecay(every: Int, gamma: Float) throws -> LearningRateSchedule {
        try Check.positive(every, "every")
        try Check.positive(gamma, "gamma")
        return LearningRateSchedule(kind: .stepDecay(every: every, gamma: Double(gamma)))
    }

    /// Half a cosine from the base rate down to `minimum` over `steps` steps.
    ///
    /// - Parameters:
    ///   - steps: T ≥ 1, the step at which the rate reaches `minimum`.
    ///   - minimum: η ≥ 0, the final rate (an absolute rate, like PyTorch's `eta_min`).
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` for a value out of range.
    public static func cosine(steps: Int, minimum: Float = 0) throws -> LearningRateSchedule {
        try Check.positive(steps, "steps")
        try Check.nonNegative(minimum, "minimum")
        return LearningRateSchedule(kind: .cosine(steps: steps, minimum: Double(minimum)))
    }

    /// This schedule preceded by a linear warm-up from `startFactor` times
    /// the base rate to the base rate over `steps` steps.
    ///
    /// - Parameters:
    ///   - steps: W ≥ 1.
    ///   - startFactor: f in (0, 1], PyTorch's `LinearLR` default 1/3.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` for a value out of range.
    public func afterWarmup(steps: Int, startFactor: Float = 1.0 / 3) throws -> LearningRateSchedule {
        try Check.positive(steps, "steps")
        guard startFactor > 0, startFactor <= 1 else { throw Check.invalid("startFactor", startFactor, "must lie in (0, 1]") }
        return LearningRateSchedule(kind: .warmup(steps: steps, startFactor: Double(startFactor), then: kind))
    }

    /// The learning rate at `step` for base rate `base`.
    ///
    /// - Parameters:
    ///   - base: γ₀, the optimiser's rate at construction.
    ///   - step: t ≥ 0; negative steps count as 0.
    public func learningRate(base: Float, step: Int) -> Float {
        Float(LearningRateSchedule.rate(kind, Double(base), Swift.max(step, 0)))
    }

    private static func rate(_ kind: Kind, _ base: Double, _ t: Int) -> Double {
        switch kind {
        case .constant:
            return base
        case .stepDecay(let every, let gamma):
            return base * pow(gamma, Double(t / every))
        case .cosine(let steps, let minimum):
            guard t < steps else { return minimum }
            return minimum + (base - minimum) * (1 + cos(Double.pi * Double(t) / Double(steps))) / 2
        case .warmup(let steps, let startFactor, let then):
            guard t < steps else { return rate(then, base, t - steps) }
            return base * (startFactor + (1 - startFactor) * Double(t) / Double(steps))
        }
    }
}
