import RecurrentCore

/// Errors pooled over many series, each measured in its own units.
///
/// Over series s with n_s forecast values and errors RMSE_s, MAE_s, MASE_s:
/// - `RMSE = √(Σ n_s · RMSE_s² / Σ n_s)` and `MAE = Σ n_s · MAE_s / Σ n_s`,
///   the errors of every value of every series taken together (series on
///   larger scales weigh more);
/// - `MASE = Σ MASE_s / S`, the mean of the series' scale-free errors (the
///   M4 competition's pooled figure), nil when a series has none.
public struct PooledForecastErrors: Sendable, Equatable {
    /// Root mean squared error over every value.
    public let rmse: Double
    /// Mean absolute error over every value.
    public let mae: Double
    /// The series' mean MASE, or nil when one is undefined.
    public let mase: Double?
    /// Σ n_s, the values pooled.
    public let count: Int

    /// Pools the errors of each series.
    ///
    /// - Parameter errors: One per series, at least one.
    public init(_ errors: [ForecastErrors]) {
        let n = errors.reduce(0) { $0 + $1.count }
        let total = Double(max(n, 1))
        rmse = (errors.reduce(0) { $0 + Double($1.count) * $1.rmse * $1.rmse } / total).squareRoot()
        mae = errors.reduce(0) { $0 + Double($1.count) * $1.mae } / total
        let mases = errors.compactMap(\.mase)
        mase = mases.count == errors.count && !mases.isEmpty ? mases.reduce(0, +) / Double(mases.count) : nil
        count = n
    }
}

/// A global model measured on each of its series beside the baselines, and pooled.
///
/// ```swift
/// let comparison = try ManySeriesComparison(ids: ["a", "b"], perSeries: [forA, forB])
/// comparison.model.rmse          // every window of both series
/// comparison.perSeries[1].model  // series "b" alone
/// ```
public struct ManySeriesComparison: Sendable {
    /// The series' ids.
    public let ids: [String]
    /// Each series' comparison.
    public let perSeries: [ForecastComparison]
    /// The model's errors pooled over the series.
    public let model: PooledForecastErrors
    /// Each baseline that every series has, pooled, in the order of `ForecastBaseline.allCases`.
    public let baselines: [(baseline: ForecastBaseline, errors: PooledForecastErrors)]

    /// Pools the comparisons of each series.
    ///
    /// - Parameters:
    ///   - ids: One per comparison.
    ///   - perSeries: The series' comparisons, at least one.
    /// - Throws: `RecurrentError/invalidArgument(name:value:reason:)` when
    ///   the counts differ or there is none.
    public init(ids: [String], perSeries: [ForecastComparison]) throws {
        guard !perSeries.isEmpty, ids.count == perSeries.count else {
            throw RecurrentError.invalidArgument(
                name: "perSeries", value: "\(perSeries.count) comparisons", reason: "need at least one, one per id (\(ids.count))")
        }
        self.ids = ids
        self.perSeries = perSeries
        model = PooledForecastErrors(perSeries.map(\.model))
        baselines = ForecastBaseline.allCases.compactMap { baseline in
            let errors = perSeries.compactMap { c in c.baselines.first { $0.baseline == baseline }?.errors }
            return errors.count == perSeries.count ? (baseline, PooledForecastErrors(errors)) : nil
        }
    }

    /// The pooled baseline of least RMSE.
    public var bestBaseline: (baseline: ForecastBaseline, errors: PooledForecastErrors)? {
        baselines.min { $0.errors.rmse < $1.errors.rmse }
    }

    /// Whether the best pooled baseline's RMSE is below the model's.
    public var modelLoses: Bool { bestBaseline.map { $0.errors.rmse < model.rmse } ?? false }

    /// The windows compared, over every series.
    public var windows: Int { perSeries.reduce(0) { $0 + $1.windows } }
}
