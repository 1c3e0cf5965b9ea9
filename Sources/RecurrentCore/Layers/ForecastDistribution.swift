#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Letters: B batch, O point outputs (horizon·targets), P parameters per point
// output (Q quantiles, or 2 for the Gaussian), τ_0 < … < τ_{Q−1} the levels,
// a the anchor (the level nearest 0.5), r the head's raw output, s⁺ = softplus.
//
//   quantiles:  q_a = r_a,  q_i = q_{i−1} + s⁺(r_i) for i > a,  q_i = q_{i+1} − s⁺(r_i) for i < a
//               dr_a = Σ_i dq_i,  dr_j = σ(r_j)·Σ_{i ≥ j} dq_i (j > a),  dr_j = −σ(r_j)·Σ_{i ≤ j} dq_i (j < a)
//   gaussian:   μ = r_0,  s = s⁺(r_1) + s_min;  dr_0 = dμ,  dr_1 = σ(r_1)·ds

/// What a probabilistic forecaster's outputs mean: for each of its O point
/// outputs (horizon steps × targets), P parameters in a row, laid out
/// `[B, O·P]` with output o's parameters at `o·P ..< (o + 1)·P`.
///
/// **Quantiles** (``Kind/quantiles``, P = Q): the Q levels τ_0 < … < τ_{Q−1}
/// of ``quantiles``. The head's raw outputs r never reach the loss directly:
/// the quantiles are built outward from the anchor a (the level nearest 0.5)
/// by non-negative softplus steps,
///
///     q_a = r_a
///     q_i = q_{i−1} + softplus(r_i)   for i > a
///     q_i = q_{i+1} − softplus(r_i)   for i < a
///
/// so q_0 ≤ q_1 ≤ … ≤ q_{Q−1} for any weights: quantiles never cross. Every
/// raw output keeps a gradient (softplus′ = σ > 0), unlike sorting, whose
/// gradient jumps when two quantiles swap.
///
/// **Gaussian** (``Kind/gaussian``, P = 2): a mean and a standard deviation,
///
///     μ = r_0,   s = softplus(r_1) + s_min   (s_min = ``minimumScale``)
///
/// trained by the negative log-likelihood; ``quantiles`` are then only the
/// levels reported, q_τ = μ + s·Φ⁻¹(τ).
///
/// **Spread.** The levels reported (``quantileForecast(_:)``) lie
/// ``spread`` k times as far from the point forecast as the model gives
/// them: q'_i = q_a + k·(q_i − q_a), or μ + k·s·Φ⁻¹(τ). k = 1 unless the
/// model was calibrated (``calibratedSpread(parameters:truth:)`` on data it
/// was not trained on); any k > 0 keeps the order.
///
/// Inside a ``SequenceModel`` the map sits after the head and the linear
/// skip (which moves the location r_a or r_0, so it shifts every quantile
/// alike) and before the instance normalisation (whose y = ŷ·σ + μ, σ > 0,
/// keeps the order; a Gaussian's s is scaled by σ and not shifted).
///
/// ```swift
/// let distribution = try ForecastDistribution(quantiles: [0.1, 0.5, 0.9])
/// let q = distribution.parameters(fromRaw: Tensor(shape: [1, 3], scalars: [0, 1, 0]))
/// // q = [1 − softplus(0), 1, 1 + softplus(0)] = [0.307, 1, 1.693]
/// ```
public struct ForecastDistribution: Sendable, Equatable, Codable {
    /// The two kinds of probabilistic output.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Quantile regression: one output per level, trained by the pinball loss.
        case quantiles
        /// A normal distribution per output (mean and standard deviation), trained by its negative log-likelihood.
        case gaussian
    }

    /// Quantile regression or a Gaussian likelihood.
    public let kind: Kind
    /// τ, strictly increasing in (0, 1): the levels trained (quantiles) or reported (Gaussian).
    public let quantiles: [Float]
    /// k > 0, how far the reported levels lie from the point forecast, relative to the model's own; 1 by default.
    public let spread: Float

    /// The spreads ``calibratedSpread(parameters:truth:)`` chooses among: 0.25 … 4, 97 steps evenly spaced in log k.
    public static let spreadRange: ClosedRange<Float> = 0.25...4

    /// s_min, the smallest standard deviation a Gaussian output can take (in the model's units).
    public static let minimumScale: Float = 1e-3

    /// The most levels a distribution holds.
    public static let maximumQuantiles = 99

    /// Quantile regression at `quantiles`.
    ///
    /// - Parameter quantiles: τ, strictly increasing, each in (0, 1), 1 to 99 of them.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` otherwise.
    public init(quantiles: [Float]) throws {
        try self.init(kind: .quantiles, quantiles: quantiles)
    }

    /// A Gaussian likelihood whose forecasts are reported at `quantiles`.
    ///
    /// - Parameter quantiles: τ, strictly increasing, each in (0, 1).
    /// - Returns: the distribution.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` for bad levels.
    public static func gaussian(quantiles: [Float] = [0.1, 0.5, 0.9]) throws -> ForecastDistribution {
        try ForecastDistribution(kind: .gaussian, quantiles: quantiles)
    }

    /// A distribution of `kind` with levels `quantiles`.
    ///
    /// - Parameters:
    ///   - kind: quantile regression or Gaussian.
    ///   - quantiles: τ, strictly increasing, each in (0, 1), 1 to 99 of them.
    ///   - spread: k, finite and > 0; 1 (the model's own levels) by default.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` otherwise.
    public init(kind: Kind, quantiles: [Float], spread: Float = 1) throws {
        try Self.check(quantiles)
        try Check.positive(spread, "spread")
        self.kind = kind
        self.quantiles = quantiles
        self.spread = spread
    }

    /// This distribution reporting its levels `spread` times as far from the point forecast.
    ///
    /// - Parameter spread: k, finite and > 0.
    /// - Returns: the same kind and levels with spread k.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` for a bad k.
    public func withSpread(_ spread: Float) throws -> ForecastDistribution {
        try ForecastDistribution(kind: kind, quantiles: quantiles, spread: spread)
    }

    /// The spread k in ``spreadRange`` whose ``quantileForecast(_:)`` has the
    /// least pinball loss against `truth` (the first of equals): a
    /// post-hoc calibration of the intervals' width, like temperature scaling
    /// of a classifier, to fit on data the model was not trained on (a
    /// validation part). The pinball loss is a proper score, so the k it
    /// chooses tends to the one whose intervals cover their nominal share.
    ///
    /// - Parameters:
    ///   - parameters: [N, O·P], the model's outputs.
    ///   - truth: [N, O], in the same units.
    /// - Returns: k.
    public func calibratedSpread(parameters: Tensor, truth: Tensor) -> Float {
        let q = quantiles.count, n = truth.count
        guard n > 0, parameters.count == n * parametersPerOutput else { return 1 }
        let current = quantileForecast(parameters).scalars  // [N·O·Q], at this spread
        let centre = pointForecast(parameters).scalars
        let (low, high) = (log(Double(Self.spreadRange.lowerBound)), log(Double(Self.spreadRange.upperBound)))
        var best: (k: Float, loss: Double) = (1, .infinity)
        for step in 0...96 {
            let k = exp(low + (high - low) * Double(step) / 96)
            var loss = 0.0
            for m in 0..<n {
                let y = Double(truth.scalars[m]), c = Double(centre[m])
                for i in 0..<q {
                    let level = c + k / Double(spread) * (Double(current[m * q + i]) - c)
                    let u = y - level, tau = Double(quantiles[i])
                    loss += u >= 0 ? tau * u : (tau - 1) * u
                }
            }
            if loss < best.loss { best = (Float(k), loss) }
        }
        return best.k
    }

    /// Checks levels: 1 to 99 of them, each in (0, 1), strictly increasing (so no duplicates).
    ///
    /// - Parameter quantiles: τ.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` naming the first level at fault.
    public static func check(_ quantiles: [Float]) throws {
        guard (1...maximumQuantiles).contains(quantiles.count) else {
            throw RecurrentError.invalidArgument(
                name: "quantiles", value: "\(quantiles.count) level(s)", reason: "needs 1 to \(maximumQuantiles) levels")
        }
        if let bad = quantiles.first(where: { !($0 > 0 && $0 < 1) }) {
            throw RecurrentError.invalidArgument(name: "quantiles", value: "\(bad)", reason: "each level must lie inside (0, 1)")
        }
        for i in 1..<quantiles.count where quantiles[i] <= quantiles[i - 1] {
            throw RecurrentError.invalidArgument(
                name: "quantiles", value: "\(quantiles[i - 1]), \(quantiles[i])",
                reason: quantiles[i] == quantiles[i - 1] ? "names a level twice" : "must be strictly increasing")
        }
    }

    private enum CodingKeys: String, CodingKey { case kind, quantiles, spread }

    /// Decodes and checks a record (as a model file stores it); `spread` is 1 when absent.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            kind: try container.decode(Kind.self, forKey: .kind),
            quantiles: try container.decode([Float].self, forKey: .quantiles),
            spread: try container.decodeIfPresent(Float.self, forKey: .spread) ?? 1)
    }

    /// Encodes the record: `kind`, `quantiles`, and `spread` when it is not 1.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(quantiles, forKey: .quantiles)
        if spread != 1 { try container.encode(spread, forKey: .spread) }
    }

    /// P, the parameters per point output: Q, or 2 (μ, s).
    public var parametersPerOutput: Int { kind == .quantiles ? quantiles.count : 2 }

    /// The parameter that locates each output's distribution (the one the
    /// linear skip moves and the point forecast reads): a, the level nearest
    /// 0.5 (the lower of two as near), or μ's 0.
    public var anchor: Int {
        guard kind == .quantiles else { return 0 }
        var best = 0
        for i in quantiles.indices where abs(quantiles[i] - 0.5) < abs(quantiles[best] - 0.5) { best = i }
        return best
    }

    /// The parameters an instance normalisation scales without shifting
    /// (positions in 0..<P): the Gaussian's s; none for quantiles.
    public var scaleOnlyParameters: [Int] { kind == .gaussian ? [1] : [] }

    /// The training objective: the pinball loss at ``quantiles``, or the Gaussian negative log-likelihood.
    public var loss: Loss {
        kind == .quantiles ? Loss(kind: .pinball(quantiles: quantiles)) : .gaussianNegativeLogLikelihood
    }

    /// The distribution's parameters from the head's raw outputs (the equations on the type).
    ///
    /// - Parameter raw: r, [B, O·P].
    /// - Returns: [B, O·P]: ordered quantiles, or (μ, s) pairs.
    public func parameters(fromRaw raw: Tensor) -> Tensor {
        let p = parametersPerOutput, a = anchor
        var out = raw
        raw.withUnsafeBufferPointer { r in
            out.withUnsafeMutableBufferPointer { q in
                for start in stride(from: 0, to: r.count, by: p) {
                    if kind == .gaussian {
                        q[start + 1] = ActivationKernels.softplus(r[start + 1]) + Self.minimumScale
                        continue
                    }
                    q[start + a] = r[start + a]
                    for i in stride(from: a + 1, to: p, by: 1) {
                        q[start + i] = q[start + i - 1] + ActivationKernels.softplus(r[start + i])
                    }
                    for i in stride(from: a - 1, through: 0, by: -1) {
                        q[start + i] = q[start + i + 1] - ActivationKernels.softplus(r[start + i])
                    }
                }
            }
        }
        return out
    }

    /// ∂loss/∂r from ∂loss/∂(parameters), the map's backward pass.
    ///
    /// - Parameters:
    ///   - dParameters: [B, O·P].
    ///   - raw: r, the forward pass's input.
    /// - Returns: [B, O·P].
    func rawGradient(_ dParameters: Tensor, raw: Tensor) -> Tensor {
        let p = parametersPerOutput, a = anchor
        var dRaw = dParameters
        raw.withUnsafeBufferPointer { r in
            dParameters.withUnsafeBufferPointer { dq in
                dRaw.withUnsafeMutableBufferPointer { dr in
                    for start in stride(from: 0, to: r.count, by: p) {
                        if kind == .gaussian {  // s = s⁺(r_1) + s_min
                            dr[start + 1] = dq[start + 1] * ActivationKernels.sigmoid(r[start + 1])
                            continue
                        }
                        var above: Float = 0  // Σ_{i ≥ j} dq_i, j running down from the top
                        for j in stride(from: p - 1, to: a, by: -1) {
                            above += dq[start + j]
                            dr[start + j] = ActivationKernels.sigmoid(r[start + j]) * above
                        }
                        var below: Float = 0  // Σ_{i ≤ j} dq_i, j running up from the bottom
                        for j in 0..<a {
                            below += dq[start + j]
                            dr[start + j] = -ActivationKernels.sigmoid(r[start + j]) * below
                        }
                        dr[start + a] = above + below + dq[start + a]  // every quantile moves with q_a
                    }
                }
            }
        }
        return dRaw
    }

    /// Each output's forecast at the levels ``quantiles``: the parameters
    /// themselves for quantile regression (q_a + k·(q_i − q_a) with a
    /// ``spread`` k ≠ 1), μ + k·s·Φ⁻¹(τ) for the Gaussian.
    ///
    /// - Parameter parameters: [N, O·P], the model's output.
    /// - Returns: [N, O·Q], output o's levels at `o·Q ..< (o + 1)·Q`, non-decreasing in τ.
    public func quantileForecast(_ parameters: Tensor) -> Tensor {
        guard kind == .gaussian else {
            guard spread != 1 else { return parameters }
            let (q, a, k) = (quantiles.count, anchor, spread)
            var out = parameters
            out.withUnsafeMutableBufferPointer { levels in
                for start in stride(from: 0, to: levels.count, by: q) {
                    let centre = levels[start + a]
                    for i in 0..<q { levels[start + i] = centre + k * (levels[start + i] - centre) }
                }
            }
            return out
        }
        let z = quantiles.map { Float(Self.normalQuantile(Double($0))) * spread }
        let n = parameters.count / 2, q = quantiles.count
        var out = [Float](repeating: 0, count: n * q)
        parameters.withUnsafeBufferPointer { r in
            for o in 0..<n {
                for i in 0..<q { out[o * q + i] = r[2 * o] + r[2 * o + 1] * z[i] }
            }
        }
        let rows = parameters.rank == 0 ? 1 : parameters.shape[0]
        return Tensor(shape: [rows, n * q / rows], scalars: out)
    }

    /// The point forecast of each output: the anchor quantile (the median
    /// when 0.5 is a level), or the Gaussian's mean μ.
    ///
    /// - Parameter parameters: [N, O·P], the model's output.
    /// - Returns: [N, O].
    public func pointForecast(_ parameters: Tensor) -> Tensor {
        let p = parametersPerOutput, a = anchor
        let scalars = stride(from: a, to: parameters.count, by: p).map { parameters.scalars[$0] }
        let rows = parameters.rank == 0 ? 1 : parameters.shape[0]
        return Tensor(shape: [rows, scalars.count / rows], scalars: scalars)
    }

    /// [B, O·P] with `location` [B, O] at each output's ``anchor`` and zeros elsewhere.
    func atAnchor(_ location: Tensor) -> Tensor {
        let p = parametersPerOutput, a = anchor
        var out = [Float](repeating: 0, count: location.count * p)
        location.withUnsafeBufferPointer { l in
            for o in 0..<l.count { out[o * p + a] = l[o] }
        }
        return Tensor(shape: [location.shape[0], location.count * p / location.shape[0]], scalars: out)
    }

    /// Φ⁻¹(τ), the standard normal's quantile: Acklam's rational
    /// approximation (relative error below 1.2e-9) refined by one Halley step
    /// on erfc.
    ///
    /// - Parameter p: τ in (0, 1).
    /// - Returns: z with Φ(z) = τ.
    public static func normalQuantile(_ p: Double) -> Double {
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                 -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425
        var x: Double
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else if p <= 1 - low {
            let q = p - 0.5, r = q * q
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        } else {
            let q = (-2 * log(1 - p)).squareRoot()
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        let e = 0.5 * erfc(-x / 2.0.squareRoot()) - p
        let u = e * (2 * Double.pi).squareRoot() * exp(x * x / 2)
        return x - u / (1 + x * u / 2)
    }
}
