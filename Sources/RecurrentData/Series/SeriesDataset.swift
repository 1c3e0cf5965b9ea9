import RecurrentCore
// A numeric series cut into forecasting windows: a chronological
// train/validation/test split, a normalisation fitted on the training part,
// the naive baselines and the error measures to compare a model with them.
// Letters: N windows, L input steps, F features, h horizon, K targets; row e
// is a window's last input step, so its inputs are rows e−L+1 … e and its
// targets rows e+1 … e+h.

/// The windows of one part of a series, as tensors.
///
/// `input[n, t, f]` is feature f at row `endRows[n] − L + 1 + t`, normalised;
/// `targets[n, j·K + k]` is target k at row `endRows[n] + 1 + j`, normalised
/// (reshape to [N, h, K] to see steps and targets apart). With a time
/// column, `series.times?[endRows[n] + 1 + j]` labels step j of window n.
public struct SeriesWindows: Sendable, Equatable {
    /// Which part these windows belong to.
    public let part: SeriesPart
    /// The rows of the part: every window's targets lie in them.
    public let rows: Range<Int>
    /// Each window's last input row e.
    public let endRows: [Int]
    /// [N, L, F], normalised.
    public let input: Tensor
    /// [N, h·K], normalised.
    public let targets: Tensor
    /// [N, h·K], the targets in the file's units.
    public let targetsInOriginalUnits: Tensor
    /// [N, h, Fk], normalised: the known-future columns
    /// (``SeriesOptions/knownFutureColumns``) at the target rows
    /// `endRows[n] + 1 + j`; nil when there are none.
    public let future: Tensor?
    /// Fk's positions among the features: `future[n, j, i]` is feature
    /// `futureFeatureIndices[i]` at row `endRows[n] + 1 + j`.
    public let futureFeatureIndices: [Int]

    /// N, the number of windows.
    public var count: Int { endRows.count }

    /// What a model reads: ``input`` [N, L, F] without known-future columns;
    /// with them, [N, L + h, F], the window followed by its h target steps,
    /// in which only the known-future features are set (the others are 0),
    /// the layout a `SequenceModel` with `FutureCovariates` reads.
    public var modelInput: Tensor {
        guard let future else { return input }
        return FutureCovariates.packing(input, future: future, featureIndices: futureFeatureIndices)
    }

    /// The windows as a many-to-one regression batch: ``modelInput``,
    /// targets [N, h·K] (N = 0 for a part of fraction 0).
    public var batch: SequenceBatch { SequenceBatch(unchecked: modelInput, lengths: nil, targets: targets) }
}

/// A numeric series cut into windows for forecasting, split by time, with a
/// normalisation fitted on the training part only.
///
/// ## Windows and splits
/// A window ending at row e reads rows e−L+1 … e of the features and
/// forecasts rows e+1 … e+h of the targets (direct forecasting: all h steps
/// at once). A window belongs to the part that holds all of its targets; its
/// inputs may reach back into the part before, since that history is known
/// when the forecast is made. So no training window reads a validation or
/// test row, and no row is a target in two parts. In each part the windows
/// start at the first end row whose targets fit (L − 1 in the training part,
/// the row before the part's first row in the others) and step by `stride`.
///
/// ## Normalisation
/// Fitted on the training part's rows only, for the features and targets
/// together (``normalization``), and applied to every part. Forecasts come
/// back to the original units through ``targetsInOriginalUnits(_:)``.
///
/// ## Bad input
/// Every problem is a `RecurrentError/invalidArgument(name:value:reason:)`
/// naming the option: L, h or stride below 1, fractions out of range, an
/// unknown or repeated column, a window longer than the series or than the
/// training part, a validation or test part shorter than h.
///
/// ```swift
/// let table = try CSVTable(contentsOf: URL(fileURLWithPath: "load.csv"))
/// let options = SeriesOptions(features: ["load", "temperature"], targets: ["load"], window: 48, horizon: 24)
/// let data = try SeriesDataset(table: table, options: options, missing: .interpolate)
/// let batch = data.train.batch                         // input [N, 48, 2], targets [N, 24]
/// let naive = data.persistenceForecast(for: .test)     // [N, 24], original units
/// let errors = try ForecastErrors(prediction: naive, truth: data.test.targetsInOriginalUnits)
/// ```
public struct SeriesDataset: Sendable {
    /// The options the windows were cut with.
    public let options: SeriesOptions
    /// The whole series, in original units.
    public let series: NumericColumns
    /// The scaling fitted on the training part, for the features followed
    /// by the targets that are not features.
    public let normalization: Normalization
    /// The training windows.
    public let train: SeriesWindows
    /// The validation windows (none when the validation fraction is 0).
    public let validation: SeriesWindows
    /// The test windows (none when the test fraction is 0).
    public let test: SeriesWindows

    let featureColumns: [Int]  // F indices into series
    let targetColumns: [Int]  // K indices into series

    /// Reads the named columns of a CSV table and cuts them into windows.
    ///
    /// - Parameters:
    ///   - table: The file's table.
    ///   - options: Columns, window, split and scaling.
    ///   - time: A column kept as strings in ``series`` for output; nil for none.
    ///   - missing: What to do with missing cells.
    /// - Throws: ``CSVError`` for a column that is not there or a cell that
    ///   cannot be used; `RecurrentError` for options that do not fit.
    public init(
        table: CSVTable, options: SeriesOptions, time: String? = nil, missing: MissingValuePolicy = .error
    ) throws {
        try SeriesDataset.checkNames(options)
        var names = options.features
        for target in options.targets where !names.contains(target) { names.append(target) }
        try self.init(table.numericColumns(names, time: time, missing: missing), options: options)
    }

    /// Cuts columns already in memory into windows.
    ///
    /// - Parameters:
    ///   - series: The columns; it may hold more than the options name.
    ///   - options: Columns, window, split and scaling.
    /// - Throws: `RecurrentError/invalidArgument(name:value:reason:)`
    ///   naming the option at fault; ``CSVError`` naming the line and column
    ///   of a value that ``ExtremeValues`` finds too far from the rest.
    public init(_ series: NumericColumns, options: SeriesOptions) throws {
        try SeriesDataset.checkNames(options)
        var series = series
        let absent = options.calendar.filter { !$0.columnNames.allSatisfy(series.names.contains) }
        if !absent.isEmpty { series = try series.addingCalendarFeatures(absent, timeColumn: "time") }
        for name in options.knownFutureColumns where !options.features.contains(name) {
            throw RecurrentError.invalidArgument(
                name: "future feature", value: "\"\(name)\"", reason: "must also be among the features")
        }
        if let twice = options.futureFeatures.enumerated().first(where: { options.futureFeatures[..<$0.offset].contains($0.element) }) {
            throw RecurrentError.invalidArgument(name: "future features", value: "\"\(twice.element)\"", reason: "named twice")
        }
        try Check.positive(options.window, "window")
        try Check.positive(options.horizon, "horizon")
        try Check.positive(options.stride, "stride")
        try options.split.check()
        func column(_ name: String, _ role: String) throws -> Int {
            guard let c = series.names.firstIndex(of: name) else {
                throw RecurrentError.invalidArgument(
                    name: role, value: "\"\(name)\"",
                    reason: "no such column; the columns are \(series.names.map { "\"\($0)\"" }.joined(separator: ", "))")
            }
            return c
        }
        let features = try options.features.map { try column($0, "feature") }
        let targets = try options.targets.map { try column($0, "target") }
        let n = series.rowCount, (l, h) = (options.window, options.horizon)
        guard l + h <= n else {
            throw RecurrentError.invalidArgument(
                name: "window", value: "\(l)",
                reason: "with horizon \(h) a window spans \(l + h) rows, but the series has \(n)")
        }
        let split = options.split
        let cuts = [split.train, split.train + split.validation, split.train + split.validation + split.test]
            .map { min(n, Int(($0 * Double(n)).rounded())) }
        let parts = [0..<cuts[0], cuts[0]..<cuts[1], cuts[1]..<max(cuts[1], cuts[2])]
        guard l + h <= parts[0].count else {
            throw RecurrentError.invalidArgument(
                name: "window", value: "\(l)",
                reason: "with horizon \(h) a window spans \(l + h) rows, but the training part holds "
                    + "\(parts[0].count) (rows 0..<\(cuts[0]) of \(n))")
        }
        for (part, fraction, rows) in [(SeriesPart.validation, split.validation, parts[1]), (.test, split.test, parts[2])]
        where fraction > 0 && rows.count < h {
            throw RecurrentError.invalidArgument(
                name: "horizon", value: "\(h)",
                reason: "the \(part.rawValue) part holds \(rows.count) row\(rows.count == 1 ? "" : "s") (\(rows) of \(n)), "
                    + "too few for one window's targets")
        }
        let union = features + targets.filter { !features.contains($0) }
        for c in union {
            if let (r, deviations) = ExtremeValues.first(in: series.values[c], fittedOn: parts[0]) {
                throw CSVError(
                    file: series.source, line: series.lines[r], column: series.names[c],
                    problem: .extremeValue(value: series.values[c][r], deviations: deviations))
            }
        }
        let normalization = try Normalization(
            fitting: union.map { Array(series.values[$0][parts[0]]) }, columns: union.map { series.names[$0] },
            method: options.normalization)
        // scaled[c][r]: column c of the series normalised, for the columns in union;
        // rowsOfFeatures[r·F + f]: feature f at row r, normalised, so a window's
        // input is one contiguous run of it.
        var scaled = [[Float]](repeating: [], count: series.names.count)
        for (u, c) in union.enumerated() {
            scaled[c] = series.values[c].map { Float(normalization.normalize($0, column: u)) }
        }
        var rowsOfFeatures = [Float](repeating: 0, count: n * features.count)
        for (f, c) in features.enumerated() {
            for r in 0..<n { rowsOfFeatures[r * features.count + f] = scaled[c][r] }
        }

        let futureIndices = options.knownFutureColumns.map { options.features.firstIndex(of: $0)! }
        func windows(_ part: SeriesPart, _ rows: Range<Int>) -> SeriesWindows {
            let first = max(rows.lowerBound - 1, l - 1), last = rows.upperBound - 1 - h
            let ends = first <= last ? Array(Swift.stride(from: first, through: last, by: options.stride)) : []
            let (f, k) = (features.count, targets.count)
            var input = [Float](), target = [Float](), original = [Float](), future = [Float]()
            for e in ends {
                for r in (e + 1)...(e + h) {
                    for i in futureIndices { future.append(rowsOfFeatures[r * f + i]) }
                }
            }
            input.reserveCapacity(ends.count * l * f)
            target.reserveCapacity(ends.count * h * k)
            original.reserveCapacity(ends.count * h * k)
            for e in ends {
                input.append(contentsOf: rowsOfFeatures[((e - l + 1) * f)..<((e + 1) * f)])
                for r in (e + 1)...(e + h) {
                    for c in targets {
                        target.append(scaled[c][r])
                        original.append(Float(series.values[c][r]))
                    }
                }
            }
            return SeriesWindows(
                part: part, rows: rows, endRows: ends,
                input: Tensor(shape: [ends.count, l, f], scalars: input),
                targets: Tensor(shape: [ends.count, h * k], scalars: target),
                targetsInOriginalUnits: Tensor(shape: [ends.count, h * k], scalars: original),
                future: futureIndices.isEmpty ? nil : Tensor(shape: [ends.count, h, futureIndices.count], scalars: future),
                futureFeatureIndices: futureIndices)
        }

        self.options = options
        self.series = series
        self.normalization = normalization
        self.featureColumns = features
        self.targetColumns = targets
        self.train = windows(.train, parts[0])
        self.validation = windows(.validation, parts[1])
        self.test = windows(.test, parts[2])
    }

    private static func checkNames(_ options: SeriesOptions) throws {
        for (role, names) in [("features", options.features), ("targets", options.targets)] {
            guard !names.isEmpty else {
                throw RecurrentError.invalidArgument(name: role, value: "[]", reason: "need at least one column")
            }
            if let twice = names.enumerated().first(where: { names[..<$0.offset].contains($0.element) }) {
                throw RecurrentError.invalidArgument(name: role, value: "\"\(twice.element)\"", reason: "named twice")
            }
        }
    }

    /// The windows of one part.
    public subscript(part: SeriesPart) -> SeriesWindows {
        switch part {
        case .train: train
        case .validation: validation
        case .test: test
        }
    }

    /// The persistence forecast of each window of `part`: every target's
    /// last observed value, at row e, repeated for all h steps.
    ///
    /// - Returns: [N, h·K] in original units, laid out as the targets.
    public func persistenceForecast(for part: SeriesPart) -> Tensor {
        baseline(for: part) { e, _ in e }
    }

    /// The seasonal-naive forecast of each window of `part`: for step j
    /// (1 … h), the target's value at the latest observed row of the same
    /// season phase, `e + j − s·⌈j/s⌉` (one season ago when j ≤ s).
    ///
    /// - Parameters:
    ///   - part: Which windows.
    ///   - season: s, the season's length in rows, ≥ 1.
    /// - Returns: [N, h·K] in original units, laid out as the targets.
    /// - Throws: `RecurrentError/invalidArgument(name:value:reason:)` for
    ///   s < 1, or when a window of `part` ends before row s − 1 and so has
    ///   no full season of history.
    public func seasonalNaiveForecast(for part: SeriesPart, season: Int) throws -> Tensor {
        try Check.positive(season, "season")
        if let e = self[part].endRows.first, e + 1 < season {
            throw RecurrentError.invalidArgument(
                name: "season", value: "\(season)",
                reason: "the first \(part.rawValue) window ends at row \(e), so only \(e + 1) rows of history precede its forecast")
        }
        return baseline(for: part) { e, j in e + j - season * ((j + season - 1) / season) }
    }

    /// [N, h·K]: target k at step j (1 … h) taken from row `source(e, j)`.
    func baseline(for part: SeriesPart, source: (Int, Int) -> Int) -> Tensor {
        baseline(for: part) { y, e, j in y[source(e, j)] }
    }

    /// [N, h·K]: target k at step j (1 … h) of the window ending at row e is
    /// `value(y, e, j)`, y the target's column in original units.
    func baseline(for part: SeriesPart, value: ([Double], Int, Int) -> Double) -> Tensor {
        let windows = self[part]
        let (h, k) = (options.horizon, targetColumns.count)
        var scalars = [Float]()
        scalars.reserveCapacity(windows.count * h * k)
        for e in windows.endRows {
            for j in 1...h {
                for c in targetColumns { scalars.append(Float(value(series.values[c], e, j))) }
            }
        }
        return Tensor(shape: [windows.count, h * k], scalars: scalars)
    }

    /// A model's normalised forecasts in the original units.
    ///
    /// - Parameter prediction: [N, h·K], [N, h, K] or any shape whose last
    ///   dimension is a multiple of K, targets innermost.
    /// - Returns: The same shape, denormalised.
    /// - Throws: `RecurrentError/invalidArgument(name:value:reason:)` when
    ///   the last dimension does not fit K.
    public func targetsInOriginalUnits(_ prediction: Tensor) throws -> Tensor {
        try normalization.denormalizing(prediction, columns: options.targets)
    }

    /// [N, L, F]: the features at rows e−L+1 … e for each end row e, in the
    /// file's units — the windows a ``SeriesForecaster`` reads. For a part's
    /// ``SeriesWindows/endRows``, its ``SeriesWindows/input`` before normalisation.
    /// With known-future columns (``SeriesOptions/knownFutureColumns``),
    /// [N, L + h, F]: then rows e+1 … e+h, holding the known-future
    /// features and 0 for the others — ``SeriesWindows/modelInput`` before normalisation.
    ///
    /// - Parameter endRows: each window's last row, in L − 1 ..< n (..< n − h with known-future columns).
    public func windowsInOriginalUnits(endingAt endRows: [Int]) -> Tensor {
        let (l, f) = (options.window, featureColumns.count)
        let known = Set(options.knownFutureColumns.map { options.features.firstIndex(of: $0)! })
        let h = known.isEmpty ? 0 : options.horizon
        var scalars = [Float]()
        scalars.reserveCapacity(endRows.count * (l + h) * f)
        for e in endRows {
            precondition(
                e >= l - 1 && e + h < series.rowCount, "window end row \(e) outside \(l - 1)..<\(series.rowCount - h)")
            for r in (e - l + 1)...e {
                for c in featureColumns { scalars.append(Float(series.values[c][r])) }
            }
            for r in (e + 1)..<(e + 1 + h) {
                for (i, c) in featureColumns.enumerated() { scalars.append(known.contains(i) ? Float(series.values[c][r]) : 0) }
            }
        }
        return Tensor(shape: [endRows.count, l + h, f], scalars: scalars)
    }

    /// [1, L, F]: the series' last L rows of features, normalised — the
    /// input for forecasting the h rows after the end of the data.
    public func latestInput() -> Tensor {
        let (n, l) = (series.rowCount, options.window)
        var scalars = [Float]()
        for r in (n - l)..<n {
            for (f, c) in featureColumns.enumerated() {
                scalars.append(Float(normalization.normalize(series.values[c][r], column: f)))
            }
        }
        return Tensor(shape: [1, l, featureColumns.count], scalars: scalars)
    }
}
