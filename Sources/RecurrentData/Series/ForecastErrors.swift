import RecurrentCore

// Letters: N windows, h horizon, K targets; a forecast is [N, h·K] with
// targets innermost, ŷ the prediction, y the truth, e = ŷ − y.

/// Forecast errors in original units: RMSE, MAE, MAPE, sMAPE and, given
/// each target's scale, MASE.
///
/// Over all n elements:
/// - `RMSE = √(Σ e² / n)`, `MAE = Σ |e| / n`;
/// - `MAPE = 100 · Σ |e| / |y| / m`, in percent, over the m elements whose
///   target y is not zero (zero targets are skipped; targets near zero make it large);
/// - `sMAPE = 100 · Σ 2|e| / (|ŷ| + |y|) / m'`, in percent (0 to 200), over
///   the m' elements where ŷ and y are not both zero (the M4 competition's form);
/// - `MASE = Σ |e| / s_k / n`, where s_k is target k's scale: the mean
///   absolute error of the seasonal-naive forecast inside the training part
///   (``SeriesDataset/naiveScales(season:)``). Below 1, the forecast beats
///   that in-sample naive forecast.
///
/// Computed in `Double`.
///
/// ```swift
/// let errors = try ForecastErrors(prediction: Tensor([2, 4]), truth: Tensor([1, 4]), scales: [0.5])
/// // rmse 0.7071…, mae 0.5, mape 50, smape 100·(2/3 + 0)/2 = 33.3…, mase 1
/// ```
public struct ForecastErrors: Sendable, Equatable, Codable {
    /// Root mean squared error.
    public let rmse: Double
    /// Mean absolute error.
    public let mae: Double
    /// Mean absolute percentage error, in percent; nil when every target is 0.
    public let mape: Double?
    /// Symmetric mean absolute percentage error, in percent; nil when every
    /// prediction and target are 0.
    public let smape: Double?
    /// Mean absolute scaled error; nil when no scales were given.
    public let mase: Double?
    /// n, the elements compared.
    public let count: Int
    /// m, the elements MAPE counts: those with a non-zero target.
    public let mapeCount: Int

    /// The errors of `prediction` against `truth`.
    ///
    /// - Parameters:
    ///   - prediction: Any shape, every value finite.
    ///   - truth: The same shape, at least one element.
    ///   - scales: s_k for MASE, one per target (the innermost K elements
    ///     cycle through them), each finite and > 0; nil for no MASE.
    /// - Throws: `RecurrentError/invalidArgument(name:value:reason:)` when
    ///   the shapes differ, are empty, the prediction is not finite, or the
    ///   scales do not divide the elements or are not positive.
    public init(prediction: Tensor, truth: Tensor, scales: [Double]? = nil) throws {
        guard prediction.shape == truth.shape else {
            throw RecurrentError.invalidArgument(
                name: "prediction", value: "of shape \(prediction.shape)", reason: "must have the truth's shape \(truth.shape)")
        }
        guard truth.count > 0 else {
            throw RecurrentError.invalidArgument(
                name: "prediction", value: "of shape \(prediction.shape)", reason: "holds no values to compare")
        }
        if let i = prediction.scalars.firstIndex(where: { !$0.isFinite }) {
            throw RecurrentError.invalidArgument(
                name: "prediction", value: "\(prediction.scalars[i]) at element \(i)", reason: "must be finite")
        }
        if let scales {
            guard !scales.isEmpty, truth.count % scales.count == 0 else {
                throw RecurrentError.invalidArgument(
                    name: "scales", value: "\(scales.count) of them",
                    reason: "must be one per target, dividing the \(truth.count) elements")
            }
            if let bad = scales.first(where: { !($0.isFinite && $0 > 0) }) {
                throw RecurrentError.invalidArgument(name: "scales", value: "\(bad)", reason: "must be finite and > 0")
            }
        }
        var squared = 0.0, absolute = 0.0, relative = 0.0, symmetric = 0.0, scaled = 0.0
        var nonZero = 0, notBothZero = 0
        for (i, (p, y)) in zip(prediction.scalars, truth.scalars).enumerated() {
            let (p, y) = (Double(p), Double(y))
            let error = p - y
            squared += error * error
            absolute += abs(error)
            if y != 0 {
                relative += abs(error) / abs(y)
                nonZero += 1
            }
            if p != 0 || y != 0 {
                symmetric += 2 * abs(error) / (abs(p) + abs(y))
                notBothZero += 1
            }
            if let scales { scaled += abs(error) / scales[i % scales.count] }
        }
        let n = Double(truth.count)
        self.rmse = (squared / n).squareRoot()
        self.mae = absolute / n
        self.mape = nonZero > 0 ? 100 * relative / Double(nonZero) : nil
        self.smape = notBothZero > 0 ? 100 * symmetric / Double(notBothZero) : nil
        self.mase = scales == nil ? nil : scaled / n
        self.count = truth.count
        self.mapeCount = nonZero
    }

    /// The errors of each horizon step apart: element j − 1 measures step j
    /// (1 … h) of every window and target.
    ///
    /// - Parameters:
    ///   - prediction: [N, h·K], targets innermost.
    ///   - truth: The same shape.
    ///   - horizon: h, dividing the last dimension.
    ///   - scales: As for ``init(prediction:truth:scales:)``, one per target.
    /// - Returns: h errors.
    /// - Throws: What ``init(prediction:truth:scales:)`` throws, and for an h
    ///   that does not divide the last dimension.
    public static func perStep(
        prediction: Tensor, truth: Tensor, horizon: Int, scales: [Double]? = nil
    ) throws -> [ForecastErrors] {
        guard prediction.rank == 2, prediction.shape == truth.shape, horizon >= 1,
            prediction.shape[1] % horizon == 0
        else {
            throw RecurrentError.invalidArgument(
                name: "prediction", value: "of shape \(prediction.shape)",
                reason: "must be [N, h·K] for horizon \(horizon), as the truth \(truth.shape)")
        }
        let n = prediction.shape[0], k = prediction.shape[1] / horizon
        func step(_ t: Tensor, _ j: Int) -> Tensor {
            Tensor(shape: [n, k], scalars: (0..<n).flatMap { row in (0..<k).map { t[row, j * k + $0] } })
        }
        return try (0..<horizon).map {
            try ForecastErrors(prediction: step(prediction, $0), truth: step(truth, $0), scales: scales)
        }
    }
}
