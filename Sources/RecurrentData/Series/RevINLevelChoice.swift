import RecurrentCore

// Letters: N windows, L window steps, F features, K targets, h horizon; for
// window n and target k (column c_k of the features), with μ and σ its
// window's mean and deviation (σ = √(variance + ε), as RevIN computes them):
//   z = [x_0 − μ, …, x_{L−1} − μ, σ, μ]   (P = L + 2 values)
//   u = [y_0 − μ, …, y_{h−1} − μ]         (the targets in the window's frame)
// RevIN alone is linear in the first L + 1 values of z; with the level path
// (y = ŷσ + (1 + a)μ + b) in all L + 2.

/// Whether a recurrent forecaster under RevIN should learn the level it adds
/// back (`InstanceNormalization`'s level path), chosen without training a
/// network: two ridge regressions in closed form on the training windows,
/// scored on the validation windows.
///
/// A network under RevIN forecasts ŷ from the standardised window x̂ and
/// adds back the window's level: y = ŷ·σ + μ. The linear model of that kind,
/// ŷ = w·x̂ + c, is y − μ = w·(x − μ) + c·σ: a ridge regression of y − μ on
/// [x − μ, σ]. The level path y = ŷ·σ + (1 + a)·μ + b adds μ (and an
/// intercept) to the regression's inputs, which lets the forecast move back
/// towards the series' long-run level, as a mean-reverting series does, or
/// leaves a trending series' forecast on the window's level when a ≈ 0. The
/// level path is chosen when its regression's validation mean squared error
/// is the lower one: on a series whose level the validation part reverts to,
/// μ predicts; on a trend, μ of the training windows does not carry over
/// to later levels and the plain regression wins.
///
/// Each (window, target) pair is one sample of the regressions, with λ of
/// {10⁻², …, 10³} chosen for each by its validation error, the intercept
/// unpenalised, as ``RidgeAutoregression``.
///
/// ```swift
/// let choice = try RevINLevelChoice(train: data.train.batch, validation: data.validation.batch,
///                                   window: 24, targetColumns: [0])
/// print(choice.levelPath, choice.revinError, choice.levelError)
/// ```
public struct RevINLevelChoice: Sendable, Equatable, Codable {
    /// The validation mean squared error (in the scaled units) of the regression under RevIN alone.
    public let revinError: Double
    /// The validation mean squared error of the regression with the learned level.
    public let levelError: Double

    /// Whether the level path is chosen: its regression's validation error is the lower.
    public var levelPath: Bool { levelError < revinError }

    private enum CodingKeys: String, CodingKey {
        case revinError = "ridge_validation_mse_revin"
        case levelError = "ridge_validation_mse_level"
    }

    /// The two regressions' validation errors, given outright (as a model file records them).
    ///
    /// - Parameters:
    ///   - revinError: under RevIN alone.
    ///   - levelError: with the learned level.
    public init(revinError: Double, levelError: Double) {
        self.revinError = revinError
        self.levelError = levelError
    }

    /// Fits both regressions on `train` and scores them on `validation`.
    ///
    /// - Parameters:
    ///   - train: the training windows: input [N, T ≥ L, F] (the first L
    ///     steps are the window; a known-future tail is not read), targets [N, h·K],
    ///     output j·K + k being step j of target k.
    ///   - validation: the validation windows, laid out alike, at least one.
    ///   - window: L, at least 2 (one step has no deviation).
    ///   - targetColumns: c_k, the feature column of each of the K targets.
    ///   - epsilon: ε added to each window's variance, RevIN's.
    /// - Throws: `RecurrentError/invalidArgument(name:value:reason:)` for
    ///   shapes that do not fit, an empty part or non-finite values.
    public init(
        train: SequenceBatch, validation: SequenceBatch, window: Int, targetColumns: [Int], epsilon: Float = 1e-5
    ) throws {
        let (z, u) = try Self.samples(train, window: window, targetColumns: targetColumns, epsilon: epsilon)
        let (zv, uv) = try Self.samples(validation, window: window, targetColumns: targetColumns, epsilon: epsilon)
        let p = window + 2
        let errors = try [p - 1, p].map { columns in
            try Self.bestValidationError(z: z, u: u, zv: zv, uv: uv, width: p, columns: columns)
        }
        self.init(revinError: errors[0], levelError: errors[1])
    }

    /// z [M, L + 2] and u [M, h], one row per window and target, row-major.
    private static func samples(
        _ batch: SequenceBatch, window l: Int, targetColumns: [Int], epsilon: Float
    ) throws -> (z: [Double], u: [Double]) {
        let input = batch.input, targets = batch.targets
        let k = targetColumns.count
        guard l >= 2, k >= 1, input.rank == 3, input.shape[0] >= 1, input.shape[1] >= l,
            targetColumns.allSatisfy({ (0..<input.shape[2]).contains($0) }),
            targets.rank == 2, targets.shape[0] == input.shape[0], targets.shape[1] % k == 0
        else {
            throw RecurrentError.invalidArgument(
                name: "windows", value: "input \(input.shape), targets \(batch.targets.shape)",
                reason: "need [N ≥ 1, T ≥ \(l), F] windows whose features hold the target columns \(targetColumns), "
                    + "targets [N, h·\(k)]")
        }
        let (n, t, f, h) = (input.shape[0], input.shape[1], input.shape[2], targets.shape[1] / k)
        let x = input.scalars, y = targets.scalars
        var z = [Double](), u = [Double]()
        z.reserveCapacity(n * k * (l + 2))
        u.reserveCapacity(n * k * h)
        for i in 0..<n {
            for (target, c) in targetColumns.enumerated() {
                let (values, mu, sigma) = windowMoments(x, window: i, steps: t, reading: l, features: f, channel: c, epsilon: epsilon)
                z += values.map { $0 - mu }
                z += [sigma, mu]
                u += (0..<h).map { Double(y[i * h * k + $0 * k + target]) - mu }
            }
        }
        guard z.allSatisfy(\.isFinite), u.allSatisfy(\.isFinite) else {
            throw RecurrentError.invalidArgument(name: "windows", value: "non-finite", reason: "hold a NaN or infinite value")
        }
        return (z, u)
    }

    /// Feature `c` of the first `l` of window `i`'s `t` steps, and RevIN's
    /// statistics of them: the mean μ and σ = √(population variance + ε).
    static func windowMoments(
        _ x: [Float], window i: Int, steps t: Int, reading l: Int, features f: Int, channel c: Int, epsilon: Float
    ) -> (values: [Double], mean: Double, deviation: Double) {
        let values = (0..<l).map { Double(x[(i * t + $0) * f + c]) }
        let mu = values.reduce(0, +) / Double(l)
        let variance = values.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / Double(l)
        return (values, mu, (variance + Double(epsilon)).squareRoot())
    }

    /// The least validation mean squared error over λ of the ridge regression
    /// of u on the first `columns` of z's `width` values (intercept unpenalised).
    private static func bestValidationError(
        z: [Double], u: [Double], zv: [Double], uv: [Double], width: Int, columns p: Int
    ) throws -> Double {
        let o = u.count / (z.count / width), mv = zv.count / width
        // A = Z₀ᵀZ₀ [p, p] and B = Z₀ᵀU₀ [p, o], once for every λ.
        let (a, b, zMean, uMean) = RidgeAutoregression.centredNormalEquations(z, width: width, columns: p, u, outputs: o)
        var best = Double.infinity
        for lambda in [0.01, 0.1, 1, 10, 100, 1000] {
            var penalised = a
            for i in 0..<p { penalised[i * p + i] += lambda }
            let w = try RidgeAutoregression.solvePositiveDefinite(penalised, b, size: p, columns: o)
            var squared = 0.0
            for r in 0..<mv {
                for j in 0..<o {
                    var prediction = uMean[j]
                    for i in 0..<p { prediction += (zv[r * width + i] - zMean[i]) * w[i * o + j] }
                    squared += (prediction - uv[r * o + j]) * (prediction - uv[r * o + j])
                }
            }
            best = min(best, squared / Double(mv * o))
        }
        return best
    }
}
