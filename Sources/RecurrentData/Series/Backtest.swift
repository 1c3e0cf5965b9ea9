import RecurrentCore

// Letters as in SeriesDataset.swift: N origins, L input steps, F features,
// h horizon, K targets; an origin o is a forecast's last observed row, so it
// reads rows o−L+1 … o and forecasts rows o+1 … o+h.

/// How a ``Backtest`` rolls over the test part.
public struct BacktestOptions: Sendable, Equatable {
    /// The rows between consecutive origins, ≥ 1.
    public var stride: Int
    /// Retrain the forecaster on every row up to the origin at the first
    /// origin and then every this many origins (≥ 1), or nil to keep the
    /// forecaster as it is.
    public var refitEvery: Int?
    /// s, the season of the seasonal-naive baseline and of MASE's scale
    /// (≥ 1), or nil for none (MASE then scales by the plain naive error).
    public var season: Int?

    /// Options for a backtest: by default every row of the test part is an
    /// origin, nothing is refitted, no season.
    ///
    /// - Parameters:
    ///   - stride: rows between origins, ≥ 1.
    ///   - refitEvery: refit every this many origins (≥ 1), or nil.
    ///   - season: s ≥ 1, or nil.
    public init(stride: Int = 1, refitEvery: Int? = nil, season: Int? = nil) {
        self.stride = stride
        self.refitEvery = refitEvery
        self.season = season
    }
}

/// One forecaster's errors over a backtest's origins: pooled over every
/// origin, step and target, and at each horizon step h = 1 … H apart.
public struct HorizonErrors: Sendable, Equatable {
    /// Over every origin, step and target.
    public let pooled: ForecastErrors
    /// Element j − 1: step j of every origin and target.
    public let perStep: [ForecastErrors]

    /// The errors of `prediction` against `truth`.
    ///
    /// - Parameters:
    ///   - prediction: [N, h·K].
    ///   - truth: the same shape.
    ///   - horizon: h.
    ///   - scales: MASE's scale per target, or nil.
    /// - Throws: what ``ForecastErrors/perStep(prediction:truth:horizon:scales:)`` throws.
    public init(prediction: Tensor, truth: Tensor, horizon: Int, scales: [Double]?) throws {
        pooled = try ForecastErrors(prediction: prediction, truth: truth, scales: scales)
        perStep = try ForecastErrors.perStep(prediction: prediction, truth: truth, horizon: horizon, scales: scales)
    }
}

/// What a ``Backtest`` measured: the forecaster's errors and every
/// baseline's at the same origins, in the file's units.
public struct BacktestErrors: Sendable {
    /// The forecaster's errors.
    public let model: HorizonErrors
    /// Each baseline's errors, in the order of `ForecastBaseline.allCases`
    /// (seasonal naive only with a season above 1).
    public let baselines: [(baseline: ForecastBaseline, errors: HorizonErrors)]
    /// The season of the seasonal-naive baseline and MASE, or nil.
    public let season: Int?
    /// The number of origins.
    public let origins: Int

    /// The baseline of least pooled RMSE.
    public var bestBaseline: (baseline: ForecastBaseline, errors: HorizonErrors)? {
        baselines.min { $0.errors.pooled.rmse < $1.errors.pooled.rmse }
    }

    /// Whether the best baseline's pooled RMSE is below the forecaster's
    /// (``ForecastComparison/modelLoses`` of ``comparison``).
    public var modelLoses: Bool { comparison.modelLoses }

    /// The pooled figures and the model's per-step ones as a ``ForecastComparison``.
    public var comparison: ForecastComparison {
        ForecastComparison(
            model: model.pooled, modelPerStep: model.perStep,
            baselines: baselines.map { ($0.baseline, $0.errors.pooled) }, season: season, windows: origins)
    }
}

/// Where a refitting ``Backtest`` stands, told before each refit.
public struct BacktestProgress: Sendable, Equatable {
    /// This refit's number, 1 … ``refits``.
    public let refit: Int
    /// The refits in all.
    public let refits: Int
    /// The origin whose history the forecaster is trained on.
    public let origin: Int
    /// The rows of that history, `origin + 1`.
    public var rows: Int { origin + 1 }
}

/// A rolling-origin evaluation over a series' test part: at each origin the
/// forecaster forecasts h steps from the window that ends there, and the
/// forecasts are measured beside the baselines' at the same origins.
///
/// ## Origins
/// The test part is the forecaster's split (``SeriesForecaster/seriesOptions``)
/// of the series' rows, as ``SeriesDataset`` cuts it. The origins are the
/// end rows of its test windows cut with ``BacktestOptions/stride``: from
/// `max(first test row − 1, L − 1)` to `last test row − h`, every `stride`
/// rows. With a stride equal to the model's (1 by default) they are the
/// windows `recurrent evaluate` measures, and without refitting the figures
/// are evaluate's exactly.
///
/// ## Refitting
/// With ``BacktestOptions/refitEvery`` K, the forecaster is retrained
/// (``SeriesForecaster/refitted(on:)``) on rows 0 … o at the origins o of
/// index 0, K, 2K, …, and each refitted forecaster forecasts its K origins.
/// The ridge autoregression is refitted beside it on the same rows (every
/// window whose targets lie in them, with the λ first chosen on the
/// validation part); persistence, seasonal naive and drift read the history
/// anyway. MASE keeps one scale, the training part's in-sample naive error,
/// so that the figures of every origin are in one unit.
///
/// ```swift
/// let file = try ForecastModelFile(contentsOf: URL(fileURLWithPath: "load.safetensors"))
/// let table = try CSVTable(contentsOf: URL(fileURLWithPath: "load.csv"))
/// let series = try table.numericColumns(["load"])
/// let backtest = try Backtest(forecaster: file, series: series, options: BacktestOptions(refitEvery: 24, season: 24))
/// print(backtest.errors.model.pooled.rmse, backtest.errors.bestBaseline?.baseline.rawValue ?? "none")
/// ```
public struct Backtest: Sendable {
    /// The options it ran with.
    public let options: BacktestOptions
    /// The test part's rows.
    public let testRows: Range<Int>
    /// Each origin's last observed row, in order: N of them.
    public let origins: [Int]
    /// The origins at which the forecaster was retrained (none without refitting).
    public let refitOrigins: [Int]
    /// [N, h·K]: the forecaster's forecast from each origin, in the file's units.
    public let forecast: Tensor
    /// [N, h·K]: the truth, rows o+1 … o+h of the targets.
    public let truth: Tensor
    /// Each baseline's forecasts at the same origins, [N, h·K], in the order of ``BacktestErrors/baselines``.
    public let baselineForecasts: [(baseline: ForecastBaseline, forecast: Tensor)]
    /// The errors of the forecaster and of each baseline.
    public let errors: BacktestErrors

    /// Runs the backtest.
    ///
    /// - Parameters:
    ///   - forecaster: the model; retrained at origins when `options` say so.
    ///   - series: the columns the forecaster reads and forecasts (more are allowed).
    ///   - options: stride, refits and season.
    ///   - progress: told before each refit.
    /// - Throws: `RecurrentError/invalidArgument(name:value:reason:)` for a
    ///   stride, refit interval or season below 1, a split without a test
    ///   part, a test part shorter than the horizon, or a forecast of the
    ///   wrong shape or not finite; what ``SeriesDataset/init(_:options:)``
    ///   and the forecaster throw.
    public init<Forecaster: SeriesForecaster>(
        forecaster: Forecaster, series: NumericColumns, options: BacktestOptions = BacktestOptions(),
        progress: (BacktestProgress) -> Void = { _ in }
    ) throws {
        try Check.positive(options.stride, "stride")
        if let k = options.refitEvery { try Check.positive(k, "refitEvery") }
        if let s = options.season { try Check.positive(s, "season") }
        let modelOptions = forecaster.seriesOptions
        guard modelOptions.split.test > 0 else {
            throw RecurrentError.invalidArgument(
                name: "split", value: "test \(modelOptions.split.test)", reason: "leaves no test part to roll over")
        }
        // The windows evaluate measures: the ridge's λ and fit, MASE's scales.
        let reference = try SeriesDataset(series, options: modelOptions)
        var rolling = modelOptions
        rolling.stride = options.stride
        let data = try SeriesDataset(series, options: rolling)
        guard data.test.count > 0 else {
            throw RecurrentError.invalidArgument(
                name: "horizon", value: "\(modelOptions.horizon)",
                reason: "the test part (rows \(data.test.rows)) holds no origin with a window of "
                    + "\(modelOptions.window) rows before it")
        }
        let (h, k) = (modelOptions.horizon, modelOptions.targets.count)
        let origins = data.test.endRows
        let windows = data.windowsInOriginalUnits(endingAt: origins)
        let ridge = try reference.linearAutoregression()

        var forecast: Tensor, ridgeForecast: Tensor, refitOrigins: [Int] = []
        if let every = options.refitEvery {
            var model = [Float](), linear = [Float]()
            let starts = Array(Swift.stride(from: 0, to: origins.count, by: every))
            var history = modelOptions
            history.split = SplitFractions(train: 1, validation: 0, test: 0)
            for (i, start) in starts.enumerated() {
                let o = origins[start], block = start..<min(start + every, origins.count)
                progress(BacktestProgress(refit: i + 1, refits: starts.count, origin: o))
                let past = series.prefix(rows: o + 1)
                let refitted = try forecaster.refitted(on: past)
                let input = windows.rows(block)  // [K, L, F]
                model += try Self.checked(refitted.forecast(input), origins: block.count, outputs: h * k).scalars
                let known = try SeriesDataset(past, options: history)
                let refit = try RidgeAutoregression(fitting: known.train, lambda: ridge.lambda)
                let scaled = try known.normalization.normalizing(input, columns: modelOptions.features)
                // The ridge reads the window alone, not the known-future steps a covariate model reads after it.
                linear += try known.targetsInOriginalUnits(refit(scaled.timeSlice(0..<modelOptions.window))).scalars
                refitOrigins.append(o)
            }
            forecast = Tensor(shape: [origins.count, h * k], scalars: model)
            ridgeForecast = Tensor(shape: [origins.count, h * k], scalars: linear)
        } else {
            forecast = try Self.checked(forecaster.forecast(windows), origins: origins.count, outputs: h * k)
            ridgeForecast = try data.forecast(.linearAutoregression, for: .test, ridge: ridge)
        }

        let truth = data.test.targetsInOriginalUnits
        let scales = try reference.naiveScales(season: min(options.season ?? 1, max(1, reference.train.rows.count - 1)))
        var baselines: [(baseline: ForecastBaseline, forecast: Tensor)] = []
        for baseline in ForecastBaseline.allCases {
            switch baseline {
            case .linearAutoregression: baselines.append((baseline, ridgeForecast))
            case .seasonalNaive:
                guard let s = options.season, s > 1,
                    let seasonal = try? data.forecast(.seasonalNaive, for: .test, season: s)
                else { continue }
                baselines.append((baseline, seasonal))
            case .persistence, .drift: baselines.append((baseline, try data.forecast(baseline, for: .test)))
            }
        }
        self.options = options
        self.testRows = data.test.rows
        self.origins = origins
        self.refitOrigins = refitOrigins
        self.forecast = forecast
        self.truth = truth
        self.baselineForecasts = baselines
        self.errors = BacktestErrors(
            model: try HorizonErrors(prediction: forecast, truth: truth, horizon: h, scales: scales),
            baselines: try baselines.map {
                ($0.baseline, try HorizonErrors(prediction: $0.forecast, truth: truth, horizon: h, scales: scales))
            },
            season: options.season, origins: origins.count)
    }

    /// `forecast` when it is [N, O] and finite.
    private static func checked(_ forecast: Tensor, origins n: Int, outputs o: Int) throws -> Tensor {
        guard forecast.shape == [n, o] else {
            throw RecurrentError.invalidArgument(
                name: "forecast", value: "of shape \(forecast.shape)", reason: "must be [\(n), \(o)]: [origins, h·K]")
        }
        if let x = forecast.scalars.first(where: { !$0.isFinite }) {
            throw RecurrentError.invalidArgument(name: "forecast", value: "\(x)", reason: "must be finite")
        }
        return forecast
    }
}
