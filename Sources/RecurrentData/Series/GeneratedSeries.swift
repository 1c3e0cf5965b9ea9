import RecurrentCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Generated numeric series for forecasting: a seeded sum of sines and the
// Mackey–Glass delay differential equation. Each is a [N] tensor, one value
// per time step, ready for windowing. Computed in Double with the platform's
// sin and pow, so values may differ in the last bit between C libraries.

/// A sum of sines with random phases and optional Gaussian noise:
/// `x_t = Σ_k a_k · sin(2π t / p_k + φ_k) + σ ε_t`, t = 0, 1, …
///
/// Periods that do not divide each other give a series whose pattern repeats
/// only after their least common multiple — easy for a recurrent network,
/// hard for a fixed window shorter than the longest period.
///
/// ```swift
/// var generator = RandomGenerator(seed: 5)
/// let mixture = try SineMixture(periods: [20, 37, 91], noise: 0.05)
/// let series = mixture.series(length: 2000, generator: &generator)   // [2000]
/// ```
public struct SineMixture: Sendable, Equatable {
    /// p_k, in steps, each > 0.
    public let periods: [Double]
    /// a_k, one per period.
    public let amplitudes: [Double]
    /// σ, the standard deviation of the added noise, ≥ 0.
    public let noise: Double

    /// A mixture of the given components.
    ///
    /// - Parameters:
    ///   - periods: p_k in steps, at least one, each finite and > 0.
    ///   - amplitudes: a_k, one per period; nil means all 1.
    ///   - noise: σ, finite and ≥ 0.
    /// - Throws: `RecurrentError/invalidArgument(name:value:reason:)` naming the bad value.
    public init(periods: [Double] = [20, 37, 91], amplitudes: [Double]? = nil, noise: Double = 0) throws {
        guard !periods.isEmpty else {
            throw RecurrentError.invalidArgument(name: "periods", value: "[]", reason: "need at least one")
        }
        if let bad = periods.first(where: { !($0.isFinite && $0 > 0) }) {
            throw RecurrentError.invalidArgument(name: "period", value: "\(bad)", reason: "must be finite and > 0")
        }
        let amplitudes = amplitudes ?? Array(repeating: 1, count: periods.count)
        guard amplitudes.count == periods.count, amplitudes.allSatisfy(\.isFinite) else {
            throw RecurrentError.invalidArgument(
                name: "amplitudes", value: "\(amplitudes)", reason: "need one finite value per period (\(periods.count))")
        }
        guard noise.isFinite, noise >= 0 else {
            throw RecurrentError.invalidArgument(name: "noise", value: "\(noise)", reason: "must be finite and ≥ 0")
        }
        self.periods = periods
        self.amplitudes = amplitudes
        self.noise = noise
    }

    /// `length` steps of the series: the phases φ_k are drawn first, uniform
    /// in [0, 2π) from `RandomGenerator/nextDouble()`, then (when σ > 0) the
    /// noise, two steps per `RandomGenerator/nextNormalPair()`.
    ///
    /// - Parameters:
    ///   - length: N, at least 1.
    ///   - generator: the source of phases and noise.
    /// - Returns: [N].
    public func series(length: Int, generator: inout RandomGenerator) -> Tensor {
        require(length >= 1, "SineMixture.series: length \(length) must be ≥ 1")
        let phases = periods.map { _ in 2 * Double.pi * generator.nextDouble() }
        var values = [Double](repeating: 0, count: length)
        for t in 0..<length {
            for k in periods.indices {
                values[t] += amplitudes[k] * sin(2 * Double.pi * Double(t) / periods[k] + phases[k])
            }
        }
        if noise > 0 {
            let z = Tensor.normalDoubles(count: length, using: &generator)  // ε_t ~ N(0, 1)
            for t in 0..<length { values[t] += noise * z[t] }
        }
        return Tensor(values.map { Float($0) })
    }
}

/// The Mackey–Glass series (Mackey and Glass, 1977), the classic chaotic
/// benchmark of time-series prediction:
/// `dx/dt = β·x(t − τ) / (1 + x(t − τ)ⁿ) − γ·x(t)`, with β = 0.2, γ = 0.1,
/// n = 10 and τ = 17 (chaotic for τ above about 16.8).
///
/// Integrated by the classic fourth-order Runge–Kutta method with
/// `stepsPerUnit` steps per unit of time (h = 0.1 by default), the history
/// x(t) = `initialValue` for t ≤ 0, and the delayed term at a half step taken
/// as the mean of its two grid neighbours. The series is x at t = 1, 2, 3, …
/// after the first `transient` units are dropped. Deterministic: the
/// initial value plays the part of a seed.
///
/// ```swift
/// let series = try MackeyGlass().series(length: 1000)   // [1000], values in about [0.42, 1.32]
/// ```
public struct MackeyGlass: Sendable, Equatable {
    /// τ, the delay, in units of time (a multiple of 1 / stepsPerUnit).
    public let tau: Double
    /// β, the gain of the delayed feedback.
    public let beta: Double
    /// γ, the decay rate.
    public let gamma: Double
    /// n, the exponent of the feedback's saturation.
    public let exponent: Double
    /// x(t) for t ≤ 0.
    public let initialValue: Double
    /// Integration steps per unit of time: h = 1 / stepsPerUnit.
    public let stepsPerUnit: Int

    /// The equation with the given constants; the defaults are the benchmark's.
    ///
    /// - Throws: `RecurrentError/invalidArgument(name:value:reason:)` when
    ///   τ is not a positive multiple of h, a constant is not finite, or
    ///   `stepsPerUnit` is below 1.
    public init(
        tau: Double = 17, beta: Double = 0.2, gamma: Double = 0.1, exponent: Double = 10,
        initialValue: Double = 1.2, stepsPerUnit: Int = 10
    ) throws {
        try Check.positive(stepsPerUnit, "stepsPerUnit")
        let delaySteps = tau * Double(stepsPerUnit)
        guard tau.isFinite, tau > 0, delaySteps == delaySteps.rounded() else {
            throw RecurrentError.invalidArgument(
                name: "tau", value: "\(tau)", reason: "must be a positive multiple of 1/\(stepsPerUnit)")
        }
        for (name, value) in [("beta", beta), ("gamma", gamma), ("exponent", exponent), ("initialValue", initialValue)]
        where !value.isFinite {
            throw RecurrentError.invalidArgument(name: name, value: "\(value)", reason: "must be finite")
        }
        self.tau = tau
        self.beta = beta
        self.gamma = gamma
        self.exponent = exponent
        self.initialValue = initialValue
        self.stepsPerUnit = stepsPerUnit
    }

    /// x at t = transient + 1, …, transient + length.
    ///
    /// - Parameters:
    ///   - length: N, at least 1.
    ///   - transient: units of time dropped first, ≥ 0 (the attractor is
    ///     reached after a few hundred).
    /// - Returns: [N].
    public func series(length: Int, transient: Int = 500) -> Tensor {
        require(length >= 1 && transient >= 0, "MackeyGlass.series: length \(length) ≥ 1 and transient \(transient) ≥ 0")
        let m = stepsPerUnit, d = Int((tau * Double(m)).rounded())
        let h = 1 / Double(m)
        // x on the grid, with d history values (t = −τ … −h) before x(0).
        var x = [Double](repeating: initialValue, count: d + 1)
        x.reserveCapacity(d + 1 + (transient + length) * m)
        func f(_ now: Double, _ delayed: Double) -> Double {
            beta * delayed / (1 + pow(delayed, exponent)) - gamma * now  // dx/dt
        }
        for _ in 0..<((transient + length) * m) {
            let i = x.count - 1  // x_i = x(t); x_{i−d} = x(t − τ)
            let (now, lag, lagNext) = (x[i], x[i - d], x[i - d + 1])
            let lagHalf = (lag + lagNext) / 2
            let k1 = f(now, lag)
            let k2 = f(now + h / 2 * k1, lagHalf)
            let k3 = f(now + h / 2 * k2, lagHalf)
            let k4 = f(now + h * k3, lagNext)
            x.append(now + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4))
        }
        let start = d + (transient + 1) * m
        return Tensor((0..<length).map { Float(x[start + $0 * m]) })
    }
}
