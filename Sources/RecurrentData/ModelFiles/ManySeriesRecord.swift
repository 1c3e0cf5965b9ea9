import RecurrentCore

// Letters as in SeriesDataset.swift: N windows, L input steps, F features,
// h horizon, K targets; S series.

/// What a global model's file records about its series: where their ids
/// come from, the ids in order, each series' normalisation and the
/// embedding. Stored as the metadata key `many_series` (JSON, snake-case keys).
///
/// Exactly one of ``idColumn`` (long form) and ``seriesColumns`` (wide form) is set.
public struct ManySeriesRecord: Sendable, Equatable, Codable {
    /// The long-form file's id column, or nil for a wide file.
    public var idColumn: String?
    /// The wide file's series columns, or nil for a long-form file.
    public var seriesColumns: [String]?
    /// The series' ids, in the order of ``normalizations`` and of the one-hot columns.
    public var ids: [String]
    /// Each series' normalisation, fitted on its own training part.
    public var normalizations: [Normalization]
    /// How the model tells the series apart.
    public var embedding: SeriesEmbedding

    /// A record of `data`'s series, read from a long-form file's `idColumn` or a wide file's `seriesColumns`.
    public init(idColumn: String?, seriesColumns: [String]?, data: ManySeriesDataset) {
        self.idColumn = idColumn
        self.seriesColumns = seriesColumns
        self.ids = data.ids
        self.normalizations = data.normalizations
        self.embedding = data.embedding
    }

    private enum CodingKeys: String, CodingKey {
        case ids, normalizations, embedding
        case idColumn = "id_column"
        case seriesColumns = "series_columns"
    }

    /// E, the one-hot columns appended to the F features: S with ``SeriesEmbedding/oneHot``, else 0.
    public var identityWidth: Int { embedding == .oneHot ? ids.count : 0 }

    /// The position of series `id` among ``ids``.
    ///
    /// - Throws: `RecurrentError/invalidArgument(name:value:reason:)` for an
    ///   id the model was not trained on, listing the ones it was.
    public func index(of id: String) throws -> Int {
        guard let s = ids.firstIndex(of: id) else {
            let known = ids.prefix(20).map { "\"\($0)\"" }.joined(separator: ", ") + (ids.count > 20 ? ", …" : "")
            throw RecurrentError.invalidArgument(
                name: "series", value: "\"\(id)\"", reason: "is not one the model was trained on (\(known))")
        }
        return s
    }

    /// Throws unless the record is whole: one id source, distinct ids, one
    /// normalisation per id knowing `columns`.
    func check(columns: [String]) throws {
        guard (idColumn == nil) != (seriesColumns == nil) else {
            throw RecurrentError.invalidArgument(
                name: "many_series", value: "id_column and series_columns", reason: "needs exactly one of them")
        }
        guard !ids.isEmpty, Set(ids).count == ids.count, normalizations.count == ids.count else {
            throw RecurrentError.invalidArgument(
                name: "many_series", value: "\(ids.count) ids", reason: "needs distinct ids, one normalisation each")
        }
        if let seriesColumns, seriesColumns != ids {
            throw RecurrentError.invalidArgument(
                name: "many_series", value: "series_columns", reason: "must be the ids of a wide file")
        }
        for (id, normalization) in zip(ids, normalizations) {
            if let column = columns.first(where: { !normalization.columns.contains($0) }) {
                throw RecurrentError.invalidArgument(
                    name: "many_series", value: "series \"\(id)\"", reason: "has no statistics for column \"\(column)\"")
            }
        }
    }
}

/// A global model's forecasts of one of its series.
extension TaskModelFile where Task == SeriesForecastTask {
    /// The series' record, or nil for a model of one series.
    public var manySeries: ManySeriesRecord? { task.manySeries }

    /// What the network reads for series `s`: `windows` normalised with the
    /// series' statistics, the one-hot columns appended.
    ///
    /// - Parameters:
    ///   - windows: [N, L, F] (or [N, L + h, F] with known-future columns) in the file's units.
    ///   - s: The series' index in ``ManySeriesRecord/ids``.
    /// - Returns: [N, L, F + E] (or [N, L + h, F + E]).
    /// - Throws: `RecurrentError/invalidArgument(name:value:reason:)` for a
    ///   model of one series or an index out of range.
    public func modelInput(_ windows: Tensor, series s: Int) throws -> Tensor {
        guard let record = task.manySeries, record.ids.indices.contains(s) else {
            throw RecurrentError.invalidArgument(
                name: "series", value: "\(s)", reason: "the model has \(task.manySeries?.ids.count ?? 0) series")
        }
        let input = try record.normalizations[s].normalizing(windows, columns: task.options.features)
        return ManySeriesDataset.appendingIdentity(input, series: s, width: record.identityWidth)
    }

    /// The network's forecasts of series `s`'s windows, in the file's units.
    ///
    /// - Parameters:
    ///   - windows: as ``modelInput(_:series:)`` reads them.
    ///   - s: The series' index in ``ManySeriesRecord/ids``.
    /// - Returns: [N, h·K] (a probabilistic model's point forecast).
    /// - Throws: what ``modelInput(_:series:)`` throws; when the windows do not fit the network.
    public func forecast(_ windows: Tensor, series s: Int) throws -> Tensor {
        let output = try network(modelInput(windows, series: s))
        return try task.manySeries!.normalizations[s].denormalizing(output, columns: task.options.targets)
    }

    /// Series `s` of a global model as a forecaster of its own, for ``Backtest``.
    ///
    /// - Throws: `RecurrentError/invalidArgument(name:value:reason:)` for an
    ///   index out of range or a model of one series.
    public func forecaster(ofSeries s: Int) throws -> GlobalModelSeries {
        guard let record = task.manySeries, record.ids.indices.contains(s) else {
            throw RecurrentError.invalidArgument(
                name: "series", value: "\(s)", reason: "the model has \(task.manySeries?.ids.count ?? 0) series")
        }
        return GlobalModelSeries(file: self, series: s)
    }
}

/// One series of a global model (``ManySeriesRecord``), forecast in its own units:
/// what ``Backtest`` rolls over a series of a many-series file. It is not
/// refitted: a refit would retrain the global model on one series.
public struct GlobalModelSeries: SeriesForecaster {
    /// The global model.
    public let file: ForecastModelFile
    /// The series' index in the model's ids.
    public let series: Int

    /// The model's options.
    public var seriesOptions: SeriesOptions { file.task.options }

    /// The model's forecasts of `windows` of this series, in its units.
    public func forecast(_ windows: Tensor) throws -> Tensor { try file.forecast(windows, series: series) }
}
