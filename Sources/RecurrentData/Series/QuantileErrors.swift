import RecurrentCore

// Letters: N windows, M = h·K point outputs per window, Q levels τ_0 < … < τ_{Q−1},
// q_i the forecast at level τ_i, y the truth.

/// How good a probabilistic forecast is, in original units: the pinball
/// loss, a CRPS estimate, and each central interval's coverage and width.
///
/// Over all n = N·M forecast values:
/// - pinball at level τ_i: `Σ ρ_τi(y − q_i) / n`, ρ_τ(u) = max(τu, (τ − 1)u);
///   ``pinball`` is its mean over the Q levels (the training loss, in the
///   series' units);
/// - CRPS ≈ `2 · pinball`: the continuous ranked probability score is
///   `2 ∫₀¹ ρ_τ(y − q_τ) dτ`, here averaged over the given levels instead of
///   integrated (so only an estimate, close for many evenly spread levels);
/// - a central interval pairs τ_i with τ_{Q−1−i} when they sum to 1 (0.1 and
///   0.9: the 80% interval); its coverage is the share of y with
///   q_i ≤ y ≤ q_{Q−1−i} (nominally τ_{Q−1−i} − τ_i) and its width the mean
///   of q_{Q−1−i} − q_i.
///
/// Computed in `Double`.
///
/// ```swift
/// let errors = try QuantileErrors(
///     quantiles: Tensor(shape: [2, 3], scalars: [0, 1, 2, 0, 1, 2]), truth: Tensor([1.5, 3]),
///     levels: [0.1, 0.5, 0.9])
/// // intervals[0]: 80%, coverage 0.5, width 2
/// ```
public struct QuantileErrors: Sendable, Equatable {
    /// One central interval's figures.
    public struct Interval: Sendable, Equatable {
        /// τ of the lower bound.
        public let lower: Float
        /// τ of the upper bound.
        public let upper: Float
        /// The share of truths inside [q_lower, q_upper], 0 … 1.
        public let coverage: Double
        /// The mean of q_upper − q_lower, in original units.
        public let meanWidth: Double
        /// The nominal coverage, upper − lower (0.8 for 0.1–0.9).
        public var nominal: Double { Double(upper) - Double(lower) }
    }

    /// The levels, τ.
    public let levels: [Float]
    /// The pinball loss at each level.
    public let pinballPerLevel: [Double]
    /// The mean of ``pinballPerLevel``.
    public let pinball: Double
    /// 2 × ``pinball``: the quantile estimate of the CRPS.
    public let crps: Double
    /// The central intervals, widest first.
    public let intervals: [Interval]
    /// n, the forecast values compared.
    public let count: Int

    /// Scores forecasts `quantiles` of `truth` at `levels`.
    ///
    /// - Parameters:
    ///   - quantiles: [N, M·Q], output m's levels at `m·Q ..< (m + 1)·Q`.
    ///   - truth: [N, M].
    ///   - levels: τ, strictly increasing in (0, 1).
    /// - Throws: `RecurrentError/invalidArgument(name:value:reason:)` for
    ///   bad levels, shapes that do not fit or no values.
    public init(quantiles: Tensor, truth: Tensor, levels: [Float]) throws {
        try ForecastDistribution.check(levels)
        let q = levels.count
        guard truth.count > 0, quantiles.count == truth.count * q, quantiles.shape.first == truth.shape.first else {
            throw RecurrentError.invalidArgument(
                name: "quantiles", value: "of shape \(quantiles.shape)",
                reason: "needs \(q) value(s) for each of the \(truth.shape) truths")
        }
        let pairs = (0..<(q / 2)).compactMap { i -> (Int, Int)? in
            abs(Double(levels[i]) + Double(levels[q - 1 - i]) - 1) < 1e-4 ? (i, q - 1 - i) : nil
        }
        var pinball = [Double](repeating: 0, count: q)
        var inside = [Int](repeating: 0, count: pairs.count), width = [Double](repeating: 0, count: pairs.count)
        let n = truth.count
        quantiles.withUnsafeBufferPointer { f in
            truth.withUnsafeBufferPointer { y in
                for m in 0..<n {
                    let value = Double(y[m])
                    for i in 0..<q {
                        let u = value - Double(f[m * q + i])
                        pinball[i] += u >= 0 ? Double(levels[i]) * u : (Double(levels[i]) - 1) * u
                    }
                    for (p, (lo, hi)) in pairs.enumerated() {
                        let (a, b) = (Double(f[m * q + lo]), Double(f[m * q + hi]))
                        if a <= value && value <= b { inside[p] += 1 }
                        width[p] += b - a
                    }
                }
            }
        }
        self.levels = levels
        self.pinballPerLevel = pinball.map { $0 / Double(n) }
        self.pinball = pinballPerLevel.reduce(0, +) / Double(q)
        self.crps = 2 * self.pinball
        self.intervals = pairs.enumerated().map { p, pair in
            Interval(
                lower: levels[pair.0], upper: levels[pair.1], coverage: Double(inside[p]) / Double(n),
                meanWidth: width[p] / Double(n))
        }
        self.count = n
    }
}

extension SeriesDataset {
    /// A model's normalised quantile forecasts in the original units: each
    /// of the Q levels of output (step j, target k) scaled back as target k.
    ///
    /// - Parameters:
    ///   - quantiles: [N, h·K·Q], `SequenceNetwork.quantileForecast(_:lengths:)`'s layout.
    ///   - levels: Q.
    /// - Returns: The same shape, denormalised (order kept: every scale is positive).
    /// - Throws: `RecurrentError/invalidArgument(name:value:reason:)` when the shape does not fit.
    public func quantilesInOriginalUnits(_ quantiles: Tensor, levels: Int) throws -> Tensor {
        try normalization.denormalizing(quantiles: quantiles, columns: options.targets, levels: levels)
    }
}

extension Normalization {
    /// Quantile forecasts brought back to the original units: element
    /// (m·Q + i) of the last dimension is level i of output m, and output m
    /// belongs to `columns[m % columns.count]` (targets innermost, as
    /// ``denormalizing(_:columns:)`` reads point forecasts).
    ///
    /// - Parameters:
    ///   - quantiles: [..., M·Q].
    ///   - columns: the targets, names this normalisation knows.
    ///   - levels: Q.
    /// - Returns: The same shape; each level scaled as its target (order kept, scales being positive).
    /// - Throws: `RecurrentError/invalidArgument(name:value:reason:)` for an unknown name or a shape that does not fit.
    public func denormalizing(quantiles: Tensor, columns: [String], levels: Int) throws -> Tensor {
        try denormalizing(quantiles, columns: columns.flatMap { Array(repeating: $0, count: levels) })
    }
}
