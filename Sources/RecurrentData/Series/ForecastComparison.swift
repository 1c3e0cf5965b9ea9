import RecurrentCore

/// A model's forecasts of one part of a series measured beside every
/// baseline's, in original units: what a forecaster looks at first.
///
/// MASE uses each target's in-sample seasonal-naive error as its scale
/// (``SeriesDataset/naiveScales(season:)``, with season 1 when none is
/// known); the seasonal-naive baseline is measured only when a season is
/// given and every window of the part has a season of history.
///
/// ```swift
/// let comparison = try ForecastComparison(data: data, part: .test, prediction: forecast, season: 24)
/// if let best = comparison.bestBaseline, best.errors.rmse < comparison.model.rmse {
///     print("the model loses to \(best.baseline.rawValue)")
/// }
/// ```
public struct ForecastComparison: Sendable {
    /// The model's errors over every window, step and target.
    public let model: ForecastErrors
    /// The model's errors at each horizon step, h of them.
    public let modelPerStep: [ForecastErrors]
    /// Each baseline's errors, in the order of `ForecastBaseline.allCases`.
    public let baselines: [(baseline: ForecastBaseline, errors: ForecastErrors)]
    /// The season used for the seasonal-naive baseline and MASE, if any.
    public let season: Int?
    /// The number of windows compared.
    public let windows: Int

    /// Measures `prediction` and the baselines on `part`.
    ///
    /// - Parameters:
    ///   - data: The series and its windows.
    ///   - part: Which windows `prediction` forecasts.
    ///   - prediction: [N, h·K], original units.
    ///   - season: s ≥ 1, or nil for none.
    /// - Throws: `RecurrentError/invalidArgument(name:value:reason:)` when
    ///   the prediction does not fit the part or the part has no window.
    public init(data: SeriesDataset, part: SeriesPart, prediction: Tensor, season: Int?) throws {
        let truth = data[part].targetsInOriginalUnits
        let scales = try Self.scales(data, season: season)
        var baselines: [(ForecastBaseline, ForecastErrors)] = []
        for baseline in ForecastBaseline.allCases {
            if baseline == .seasonalNaive && (season == nil || season == 1) { continue }
            guard let forecast = try? data.forecast(baseline, for: part, season: season ?? 1) else { continue }
            baselines.append((baseline, try ForecastErrors(prediction: forecast, truth: truth, scales: scales)))
        }
        try self.init(
            data: data, part: part, prediction: prediction, season: season, scales: scales, baselines: baselines)
    }

    /// The model's errors on `part` beside `baselines` measured there already.
    private init(
        data: SeriesDataset, part: SeriesPart, prediction: Tensor, season: Int?, scales: [Double]?,
        baselines: [(baseline: ForecastBaseline, errors: ForecastErrors)]
    ) throws {
        let truth = data[part].targetsInOriginalUnits
        self.model = try ForecastErrors(prediction: prediction, truth: truth, scales: scales)
        self.modelPerStep = try ForecastErrors.perStep(
            prediction: prediction, truth: truth, horizon: data.options.horizon, scales: scales)
        self.baselines = baselines
        self.season = season
        self.windows = data[part].count
    }

    /// Another model's forecasts of the same part beside the same baselines,
    /// which are not computed again (the ridge regression is not refitted):
    /// several models measured against one set of baselines.
    ///
    /// - Parameters:
    ///   - prediction: [N, h·K], original units, of the windows of `part`.
    ///   - data: The series this comparison was made on.
    ///   - part: The part it was made on.
    /// - Returns: The comparison with `prediction`'s errors as ``model`` and ``modelPerStep``.
    /// - Throws: `RecurrentError/invalidArgument(name:value:reason:)` when
    ///   the prediction does not fit the part.
    public func replacingModel(with prediction: Tensor, data: SeriesDataset, part: SeriesPart) throws
        -> ForecastComparison
    {
        try ForecastComparison(
            data: data, part: part, prediction: prediction, season: season,
            scales: Self.scales(data, season: season), baselines: baselines)
    }

    /// Each target's MASE scale: the in-sample seasonal-naive error, with a
    /// season no longer than the training part allows (1 when none is given).
    private static func scales(_ data: SeriesDataset, season: Int?) throws -> [Double]? {
        try data.naiveScales(season: min(season ?? 1, max(1, data.train.rows.count - 1)))
    }

    /// A comparison of errors measured elsewhere, such as a ``Backtest``'s.
    ///
    /// - Parameters:
    ///   - model: the model's errors over every forecast.
    ///   - modelPerStep: the model's errors at each horizon step.
    ///   - baselines: each baseline's errors over the same forecasts.
    ///   - season: the season of the seasonal-naive baseline and MASE, or nil.
    ///   - windows: the number of windows (origins) compared.
    public init(
        model: ForecastErrors, modelPerStep: [ForecastErrors],
        baselines: [(baseline: ForecastBaseline, errors: ForecastErrors)], season: Int?, windows: Int
    ) {
        self.model = model
        self.modelPerStep = modelPerStep
        self.baselines = baselines
        self.season = season
        self.windows = windows
    }

    /// The baseline of least RMSE.
    public var bestBaseline: (baseline: ForecastBaseline, errors: ForecastErrors)? {
        baselines.min { $0.errors.rmse < $1.errors.rmse }
    }

    /// Whether the best baseline's RMSE is below the model's.
    public var modelLoses: Bool {
        bestBaseline.map { $0.errors.rmse < model.rmse } ?? false
    }
}
