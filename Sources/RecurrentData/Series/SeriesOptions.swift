import RecurrentCore
// How a series is cut into forecasting windows: the split fractions, the
// parts, and the window options a model file stores so that the same
// windows can be made again at forecast time (SeriesDataset.swift cuts them).

/// The fractions of a series' rows given to training, validation and test,
/// in that order from the start.
///
/// The cuts fall at `round(train·n)`, `round((train + validation)·n)` and
/// `round((train + validation + test)·n)` of the n rows; when the fractions
/// sum to less than 1, the rows after the last cut are not used.
public struct SplitFractions: Sendable, Equatable, Codable {
    /// The share of the rows for training, in (0, 1].
    public var train: Double
    /// The share for validation, in [0, 1].
    public var validation: Double
    /// The share for test, in [0, 1].
    public var test: Double

    /// Fractions that ``SeriesDataset/init(_:options:)`` checks: each in
    /// [0, 1], train above 0, the sum at most 1.
    public init(train: Double = 0.7, validation: Double = 0.15, test: Double = 0.15) {
        self.train = train
        self.validation = validation
        self.test = test
    }

    func check() throws {
        for (name, value) in [("train", train), ("validation", validation), ("test", test)]
        where !(value >= 0 && value <= 1) {
            throw RecurrentError.invalidArgument(name: "\(name) fraction", value: "\(value)", reason: "must lie in [0, 1]")
        }
        guard train > 0 else {
            throw RecurrentError.invalidArgument(name: "train fraction", value: "0", reason: "must be > 0")
        }
        let sum = train + validation + test
        guard sum <= 1 + 1e-9 else {
            throw RecurrentError.invalidArgument(
                name: "split fractions", value: "\(train) + \(validation) + \(test) = \(sum)", reason: "must sum to ≤ 1")
        }
    }
}

/// One of the three chronological parts of a series.
public enum SeriesPart: String, Sendable, Codable, CaseIterable {
    /// The first part, on which the model and the normalisation are fitted.
    case train
    /// The second part, for early stopping and model choice.
    case validation
    /// The third part, for the final measure.
    case test
}

/// How a series is cut into windows: what ``SeriesDataset`` needs besides
/// the data, stored with a model (as JSON with snake-case keys) so the same
/// windows can be made again at forecast time.
public struct SeriesOptions: Sendable, Equatable, Codable {
    /// The columns a model reads at each input step, in order: F of them.
    public var features: [String]
    /// The columns it forecasts: K of them, which may also be features.
    public var targets: [String]
    /// L, the input steps of a window, ≥ 1: the command line's `--window`.
    public var window: Int
    /// h, the steps forecast at once (direct multi-step forecasting), ≥ 1.
    public var horizon: Int
    /// The rows between the ends of consecutive windows, ≥ 1.
    public var stride: Int
    /// The train/validation/test fractions.
    public var split: SplitFractions
    /// How the columns are scaled, fitted on the training part.
    public var normalization: Normalization.Method
    /// The calendar cycles derived from the time column (``CalendarFeature``):
    /// their columns (`hour_sin`, `hour_cos`, …) are among ``features``, and
    /// ``SeriesDataset`` computes them from ``NumericColumns/times`` when the
    /// series lacks them. Empty (the default, and what a file without the
    /// key reads back as) for none.
    public var calendar: [CalendarFeature] = []
    /// User columns known in advance for the h target steps (a holiday flag,
    /// a planned price), each also among ``features``. Empty by default.
    public var futureFeatures: [String] = []

    /// The known-future columns, in order: ``futureFeatures`` then the
    /// calendar's columns. A window carries them for its h target steps
    /// (``SeriesWindows/future``).
    public var knownFutureColumns: [String] { futureFeatures + calendar.flatMap(\.columnNames) }

    /// Options for a dataset; the defaults are one-step forecasts from every
    /// row, 70/15/15 split, z-score scaling.
    public init(
        features: [String], targets: [String], window: Int, horizon: Int = 1, stride: Int = 1,
        split: SplitFractions = SplitFractions(), normalization: Normalization.Method = .zScore
    ) {
        self.features = features
        self.targets = targets
        self.window = window
        self.horizon = horizon
        self.stride = stride
        self.split = split
        self.normalization = normalization
    }

    private enum CodingKeys: String, CodingKey {
        case features, targets, horizon, stride, split, normalization, calendar
        case window = "input_length"
        case futureFeatures = "future_features"
    }

    /// Decodes the record; `calendar` and `future_features` are optional
    /// (files written before them read back with none).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        features = try c.decode([String].self, forKey: .features)
        targets = try c.decode([String].self, forKey: .targets)
        window = try c.decode(Int.self, forKey: .window)
        horizon = try c.decode(Int.self, forKey: .horizon)
        stride = try c.decode(Int.self, forKey: .stride)
        split = try c.decode(SplitFractions.self, forKey: .split)
        normalization = try c.decode(Normalization.Method.self, forKey: .normalization)
        calendar = try c.decodeIfPresent([CalendarFeature].self, forKey: .calendar) ?? []
        futureFeatures = try c.decodeIfPresent([String].self, forKey: .futureFeatures) ?? []
    }

    /// Encodes the record, leaving out an empty `calendar` and `future_features`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(features, forKey: .features)
        try c.encode(targets, forKey: .targets)
        try c.encode(window, forKey: .window)
        try c.encode(horizon, forKey: .horizon)
        try c.encode(stride, forKey: .stride)
        try c.encode(split, forKey: .split)
        try c.encode(normalization, forKey: .normalization)
        if !calendar.isEmpty { try c.encode(calendar, forKey: .calendar) }
        if !futureFeatures.isEmpty { try c.encode(futureFeatures, forKey: .futureFeatures) }
    }

    /// The former name of ``window``.
    @available(*, deprecated, renamed: "window")
    public var inputLength: Int {
        get { window }
        set { window = newValue }
    }

    /// The former spelling of ``init(features:targets:window:horizon:stride:split:normalization:)``.
    @available(*, deprecated, renamed: "init(features:targets:window:horizon:stride:split:normalization:)")
    public init(
        features: [String], targets: [String], inputLength: Int, horizon: Int = 1, stride: Int = 1,
        split: SplitFractions = SplitFractions(), normalization: Normalization.Method = .zScore
    ) {
        self.init(
            features: features, targets: targets, window: inputLength, horizon: horizon, stride: stride, split: split,
            normalization: normalization)
    }
}
