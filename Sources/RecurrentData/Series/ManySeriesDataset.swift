import RecurrentCore

// Letters as in SeriesDataset.swift (N windows, L input steps, F features,
// h horizon, K targets), and S series.

/// How a global model tells the series apart.
public enum SeriesEmbedding: String, Sendable, Codable, CaseIterable {
    /// Not at all: every series is read the same way.
    case none
    /// S one-hot columns appended to every input step, the window's series
    /// set to 1: through the first layer's `W_ih` a learned vector per
    /// series (an embedding) added to the gates at every step.
    case oneHot = "onehot"
}

/// The windows of one part of every series, pooled: the batch a global model trains on.
///
/// Window n comes from series `seriesIndices[n]`, its `windowIndices[n]`-th
/// window of the part, in series order.
public struct PooledWindows: Sendable {
    /// Which part.
    public let part: SeriesPart
    /// For each window, the series it comes from (an index into ``ManySeriesDataset/ids``).
    public let seriesIndices: [Int]
    /// For each window, its position among its series' windows of the part.
    public let windowIndices: [Int]
    /// [N, L, F + E] or [N, L + h, F + E] with known-future columns: each
    /// series' ``SeriesWindows/modelInput`` (normalised with its own
    /// statistics), then E = S one-hot columns with ``SeriesEmbedding/oneHot`` (else E = 0).
    public let input: Tensor
    /// [N, h·K], each normalised with its series' statistics.
    public let targets: Tensor
    /// [N, h·K], in the file's units.
    public let targetsInOriginalUnits: Tensor

    /// N, the number of windows.
    public var count: Int { seriesIndices.count }

    /// The windows as a many-to-one regression batch.
    public var batch: SequenceBatch { SequenceBatch(unchecked: input, lengths: nil, targets: targets) }
}

/// Many series cut into windows for one global model.
///
/// Each series is a ``SeriesDataset`` of its own: split in time by the
/// options' fractions of its own rows, normalised with its own training
/// part's statistics (``normalizations``); its windows are then pooled
/// (``train``, ``validation``, ``test``), each remembering its series, so a
/// model trains on all of them and is measured per series.
///
/// ```swift
/// let table = try CSVTable(contentsOf: URL(fileURLWithPath: "stores.csv"))
/// let series = try table.longFormSeries(idColumn: "store", columns: ["sales"], time: "date")
/// let options = SeriesOptions(features: ["sales"], targets: ["sales"], window: 28, horizon: 7)
/// let data = try ManySeriesDataset(series, options: options, embedding: .oneHot)
/// data.train.batch            // input [N, 28, 1 + S], every store's training windows
/// data.datasets[0].test       // the first store's test windows
/// ```
public struct ManySeriesDataset: Sendable {
    /// The series' ids, in order, each once.
    public let ids: [String]
    /// Each series' own windows, split and normalisation.
    public let datasets: [SeriesDataset]
    /// How the series are told apart in the input.
    public let embedding: SeriesEmbedding
    /// Every series' training windows.
    public let train: PooledWindows
    /// Every series' validation windows.
    public let validation: PooledWindows
    /// Every series' test windows.
    public let test: PooledWindows

    /// The options every series was cut with.
    public var options: SeriesOptions { datasets[0].options }
    /// Each series' normalisation, fitted on its own training part.
    public var normalizations: [Normalization] { datasets.map(\.normalization) }
    /// F + E, the values a model reads at each step.
    public var inputSize: Int { options.features.count + (embedding == .oneHot ? ids.count : 0) }

    /// Cuts every series into windows with the same options.
    ///
    /// - Parameters:
    ///   - series: At least one, with distinct ids, each with the options' columns.
    ///   - options: Columns, window, split and scaling, for every series.
    ///   - embedding: Whether one-hot id columns are appended.
    /// - Throws: `RecurrentError/invalidArgument(name:value:reason:)` naming
    ///   the series (`series "b"`) whose rows cannot hold a training window
    ///   and a horizon in each part, with its length; what
    ///   ``SeriesDataset/init(_:options:)`` throws.
    public init(_ series: [NamedSeries], options: SeriesOptions, embedding: SeriesEmbedding = .none) throws {
        guard !series.isEmpty else {
            throw RecurrentError.invalidArgument(name: "series", value: "[]", reason: "need at least one")
        }
        let ids = series.map(\.id)
        if let twice = ids.enumerated().first(where: { ids[..<$0.offset].contains($0.element) }) {
            throw RecurrentError.invalidArgument(name: "series", value: "\"\(twice.element)\"", reason: "named twice")
        }
        let (l, h) = (options.window, options.horizon)
        var datasets: [SeriesDataset] = []
        for s in series {
            let n = s.columns.rowCount
            let cuts = SeriesDataset.cuts(rows: n, split: options.split)
            let test = options.split.test > 0 ? n - cuts.validationEnd : h
            let validation = options.split.validation > 0 ? cuts.validationEnd - cuts.trainEnd : h
            guard l + h <= cuts.trainEnd, h <= min(test, validation) else {
                throw RecurrentError.invalidArgument(
                    name: "series", value: "\"\(s.id)\"",
                    reason: "has \(n) rows, too few: its training part (\(cuts.trainEnd) rows) must hold a window "
                        + "and its horizon (\(l) + \(h)), and its validation and test parts \(h) rows each")
            }
            datasets.append(try SeriesDataset(s.columns, options: options))
        }
        self.ids = ids
        self.datasets = datasets
        self.embedding = embedding
        func pooled(_ part: SeriesPart) -> PooledWindows {
            let parts = datasets.map { $0[part] }
            let extra = embedding == .oneHot ? ids.count : 0
            let inputs = parts.enumerated().map { s, windows in
                ManySeriesDataset.appendingIdentity(windows.modelInput, series: s, width: extra)
            }
            return PooledWindows(
                part: part,
                seriesIndices: parts.enumerated().flatMap { s, w in Array(repeating: s, count: w.count) },
                windowIndices: parts.flatMap { Array(0..<$0.count) },
                input: Tensor.concatenated(inputs, alongAxis: 0),
                targets: Tensor.concatenated(parts.map(\.targets), alongAxis: 0),
                targetsInOriginalUnits: Tensor.concatenated(parts.map(\.targetsInOriginalUnits), alongAxis: 0))
        }
        self.train = pooled(.train)
        self.validation = pooled(.validation)
        self.test = pooled(.test)
    }

    /// The windows of one part.
    public subscript(part: SeriesPart) -> PooledWindows {
        switch part {
        case .train: train
        case .validation: validation
        case .test: test
        }
    }

    /// `input` [N, T, F] with `width` columns appended at every step, column
    /// `series` set to 1 and the others 0: [N, T, F + width]. `width` 0
    /// gives `input` unchanged.
    public static func appendingIdentity(_ input: Tensor, series: Int, width: Int) -> Tensor {
        guard width > 0 else { return input }
        let (n, t, f) = (input.shape[0], input.shape[1], input.shape[2])
        var scalars = [Float]()
        scalars.reserveCapacity(n * t * (f + width))
        var identity = [Float](repeating: 0, count: width)
        identity[series] = 1
        for row in 0..<(n * t) {
            scalars += input.scalars[(row * f)..<((row + 1) * f)]
            scalars += identity
        }
        return Tensor(shape: [n, t, f + width], scalars: scalars)
    }

    /// A model's normalised forecasts of `part`'s pooled windows in each series' own units.
    ///
    /// - Parameters:
    ///   - prediction: [N, h·K] (or any row length that is a multiple of K),
    ///     window n scaled as series `seriesIndices[n]` of `part`.
    ///   - part: Which part's pooled windows `prediction` forecasts.
    /// - Returns: The same shape, denormalised window by window.
    /// - Throws: `RecurrentError/invalidArgument(name:value:reason:)` when
    ///   `prediction` is not one row per window.
    public func targetsInOriginalUnits(_ prediction: Tensor, part: SeriesPart) throws -> Tensor {
        let windows = self[part]
        guard prediction.rank == 2, prediction.shape[0] == windows.count else {
            throw RecurrentError.invalidArgument(
                name: "prediction", value: "of shape \(prediction.shape)", reason: "needs one row per window (\(windows.count))")
        }
        let rows = try (0..<windows.count).map { n in
            try datasets[windows.seriesIndices[n]].targetsInOriginalUnits(prediction.rows(n..<(n + 1)))
        }
        return Tensor.concatenated(rows, alongAxis: 0)
    }

    /// The persistence forecast of every pooled window of `part`, in original units: [N, h·K].
    public func persistenceForecast(for part: SeriesPart) -> Tensor {
        Tensor.concatenated(datasets.map { $0.persistenceForecast(for: part) }, alongAxis: 0)
    }
}

extension SeriesDataset {
    /// The rows where the training part and the validation part end, by the
    /// fractions of `rows` that ``init(_:options:)`` cuts at.
    static func cuts(rows n: Int, split: SplitFractions) -> (trainEnd: Int, validationEnd: Int) {
        let a = min(n, Int((split.train * Double(n)).rounded()))
        let b = min(n, Int(((split.train + split.validation) * Double(n)).rounded()))
        return (a, b)
    }
}
