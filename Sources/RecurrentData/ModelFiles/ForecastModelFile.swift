import Foundation
import RecurrentCore

/// A series-forecasting model as one Recurrent model file: a
/// `SequenceModel` with numeric input and a many-to-one head (or the MLP
/// baseline), with the ``SeriesOptions`` that cut its windows and the
/// ``Normalization`` fitted on its training part, so the same windows and
/// units can be made again from a CSV file at evaluation and forecast time.
///
/// ## Layout
/// A `ModelFile`: the recurrent layer's weights under PyTorch's names,
/// `head.weight` [h·K, F·directions] and `head.bias` [h·K], with a
/// `LinearSkip` `skip.weight` [h·K, p·D] and `skip.bias` [h·K], and the
/// metadata keys
/// - `task` = `series-forecast`;
/// - `series_options`: the ``SeriesOptions`` as JSON (snake-case keys);
/// - `normalization`: the ``Normalization`` as JSON;
/// - `head`: `{"pooling":"last","output_size":h·K}`, plus `"skip_steps":p`
///   with a skip, and `"distribution"` for a probabilistic forecaster (whose
///   head gives h·K·P values: `ForecastDistribution`);
/// - `missing`: the ``MissingValuePolicy`` used in training;
/// - `training_options`: the ``SeriesTrainingOptions`` as JSON (optional:
///   a file without it reads back with the defaults);
/// - `many_series`: for a global model over many series, the
///   ``ManySeriesRecord`` as JSON (ids, id column or series columns, each
///   series' normalisation, the embedding); `normalization` is then the first series';
/// and any other keys in ``TaskModelFile/metadata`` (a training summary, for instance).
///
/// Reading checks that the pieces fit: the network reads F =
/// features.count values (an MLP, windows of the input length), gives h·K
/// outputs, and the normalisation knows every feature and target.
public typealias ForecastModelFile = TaskModelFile<SeriesForecastTask>

/// What a forecaster's model file records beside its network: see ``ForecastModelFile``.
public struct SeriesForecastTask: ModelFileTask, Equatable {
    /// The columns, window and split the model was trained with.
    public var options: SeriesOptions
    /// The per-column scaling fitted on the training part.
    public var normalization: Normalization
    /// The missing-value policy used when reading the training data.
    public var missing: MissingValuePolicy
    /// How the network was trained: what a refit repeats.
    public var training: SeriesTrainingOptions
    /// For a global model over many series, their ids and normalisations; nil for one series.
    public var manySeries: ManySeriesRecord?

    /// A forecaster's record.
    ///
    /// - Parameters:
    ///   - options: the columns, window and split.
    ///   - normalization: the scaling fitted on the training part.
    ///   - missing: the missing-value policy of the training data.
    ///   - training: how the network was trained (the defaults when unknown).
    public init(
        options: SeriesOptions, normalization: Normalization, missing: MissingValuePolicy = .error,
        training: SeriesTrainingOptions = SeriesTrainingOptions()
    ) {
        self.options = options
        self.normalization = normalization
        self.missing = missing
        self.training = training
    }

    /// `series-forecast`.
    public static let name = "series-forecast"
    /// What such a file holds, for messages.
    public static let summary = "a series-forecasting model (a ForecastModelFile)"
    /// `series_options`, `normalization`, `missing` and `training_options`.
    public static let keys: Set<String> = ["series_options", "normalization", "missing", "training_options", "many_series"]

    /// The record as metadata values.
    public func metadata() throws -> [String: String] {
        var keys = [
            "series_options": try metadataJSON(options), "normalization": try metadataJSON(normalization),
            "missing": missing.rawValue, "training_options": try metadataJSON(training),
        ]
        if let manySeries { keys["many_series"] = try metadataJSON(manySeries) }
        return keys
    }

    /// F + E: the features and, for a global model with a one-hot embedding, one column per series.
    public var inputWidth: Int { options.features.count + (manySeries?.identityWidth ?? 0) }

    /// Reads and checks the record: sizes within `Limits`, a valid split,
    /// statistics for every column.
    ///
    /// - Parameter reader: the file's metadata.
    /// - Throws: a `SafetensorsError` naming the file and key.
    public init(reading reader: TaskMetadataReader) throws {
        let options = try reader.decode(SeriesOptions.self, "series_options")
        let normalization = try reader.decode(Normalization.self, "normalization")
        guard let missing = MissingValuePolicy(rawValue: try reader.text("missing")) else {
            throw reader.fail("missing", "must name a missing-value policy")
        }
        guard !options.features.isEmpty, !options.targets.isEmpty, options.window >= 1, options.horizon >= 1 else {
            throw reader.fail("series_options", "needs features, targets, input_length ≥ 1 and horizon ≥ 1")
        }
        do {
            for (value, key) in [(options.window, "input_length"), (options.horizon, "horizon"), (options.stride, "stride")] {
                try Limits.check(value, key, in: 1...Limits.windowSteps)
            }
            try options.split.check()
        } catch {
            throw reader.fail("series_options", "\(error)")
        }
        for column in options.features + options.targets where !normalization.columns.contains(column) {
            throw reader.fail("normalization", "has no statistics for column \"\(column)\"")
        }
        var training = SeriesTrainingOptions()
        if reader.metadata["training_options"] != nil {  // older files have none: the defaults
            training = try reader.decode(SeriesTrainingOptions.self, "training_options")
            do { try training.check() } catch { throw reader.fail("training_options", "\(error)") }
        }
        self.init(options: options, normalization: normalization, missing: missing, training: training)
        if reader.metadata["many_series"] != nil {
            let record = try reader.decode(ManySeriesRecord.self, "many_series")
            do { try record.check(columns: options.features + options.targets) } catch {
                throw reader.fail("many_series", "\(error)")
            }
            manySeries = record
        }
    }

    /// Checks the network reads the features and gives horizon × targets outputs.
    ///
    /// - Parameters:
    ///   - network: the file's network.
    ///   - reader: makes the errors.
    /// - Throws: a `SafetensorsError` naming the file and key.
    public func check(_ network: SequenceNetwork, in reader: TaskMetadataReader) throws {
        let outputs = options.horizon * options.targets.count
        switch network {
        case .mlp(let mlp):
            guard mlp.input == .features(inputWidth), mlp.steps == options.window else {
                throw reader.fail(
                    "architecture",
                    "the MLP does not read windows of \(options.window) steps of \(inputWidth) feature(s)")
            }
            guard options.knownFutureColumns.isEmpty else {
                throw reader.fail("series_options", "names known-future columns, which an MLP does not read")
            }
            guard mlp.outputSize == outputs else {
                throw reader.fail("architecture", "the MLP gives \(mlp.outputSize) outputs; horizon × targets is \(outputs)")
            }
        case .recurrent(let model):
            guard model.embedding == nil, model.recurrent.inputSize == inputWidth else {
                throw reader.fail(
                    "series_options",
                    "names \(inputWidth) input column(s), but the recurrent layer reads \(model.recurrent.inputSize)")
            }
            guard model.pointOutputSize == outputs, model.head.pooling.isManyToOne else {
                throw reader.fail("head", "must pool the sequence and give horizon × targets = \(outputs) outputs")
            }
            let known = options.knownFutureColumns.compactMap { options.features.firstIndex(of: $0) }
            let reads = model.future.map { "\($0.steps) step(s) of features \($0.featureIndices)" } ?? "none"
            guard known.count == options.knownFutureColumns.count,
                model.future.map({ $0.featureIndices == known && $0.steps == options.horizon }) ?? known.isEmpty
            else {
                throw reader.fail(
                    "head", "reads future covariates \(reads), but series_options makes \(options.horizon) step(s) of features \(known) known")
            }
        }
    }
}

extension SeriesForecastTask: ONNXModelFileTask {
    /// The normalisation inside the graph: `input` [B, T, F] in the CSV's
    /// units (the feature columns in ``SeriesOptions/features`` order),
    /// `forecast` [B, h·K] in the CSV's units, the horizon's steps in order
    /// with the K targets innermost.
    package func onnxOptions() throws -> ONNXExportOptions {
        if let manySeries {  // one graph holds one normalisation
            throw ONNXExportError(
                problem: "a global model of \(manySeries.ids.count) series scales each with its own statistics, "
                    + "which one graph does not hold; ONNX export covers a model of one series")
        }
        var onnx = ONNXExportOptions()
        onnx.inputScaling = normalization.onnxScaling(options.features)
        let targets = normalization.onnxScaling(options.targets)
        onnx.outputScaling = ONNXScaling(
            offsets: Array((0..<options.horizon).map { _ in targets.offsets }.joined()),
            scales: Array((0..<options.horizon).map { _ in targets.scales }.joined()))
        onnx.outputName = "forecast"
        onnx.documentation =
            "Recurrent forecaster: features \(options.features) → targets \(options.targets) "
            + "for \(options.horizon) step(s), in the CSV's units"
        onnx.metadata = [
            "task": Self.name, "features": try metadataJSON(options.features),
            "targets": try metadataJSON(options.targets), "horizon": String(options.horizon),
            "input_length": String(options.window),
        ]
        return onnx
    }
}

extension TaskModelFile where Task == SeriesForecastTask {
    /// A file holding `model` and what it needs to read a CSV file again.
    ///
    /// - Parameters:
    ///   - model: the trained recurrent model.
    ///   - options: the columns, window and split.
    ///   - normalization: the scaling fitted on the training part.
    ///   - missing: the missing-value policy of the training data.
    ///   - training: how the network was trained.
    ///   - metadata: free keys, such as a training summary.
    public init(
        model: SequenceModel, options: SeriesOptions, normalization: Normalization,
        missing: MissingValuePolicy = .error, training: SeriesTrainingOptions = SeriesTrainingOptions(),
        metadata: [String: String] = [:]
    ) {
        self.init(
            network: .recurrent(model), options: options, normalization: normalization, missing: missing,
            training: training, metadata: metadata)
    }

    /// A file holding `network` (recurrent or MLP) and what it needs to read a CSV file again.
    ///
    /// - Parameters:
    ///   - network: the trained network.
    ///   - options: the columns, window and split.
    ///   - normalization: the scaling fitted on the training part.
    ///   - missing: the missing-value policy of the training data.
    ///   - training: how the network was trained.
    ///   - metadata: free keys, such as a training summary.
    public init(
        network: SequenceNetwork, options: SeriesOptions, normalization: Normalization,
        missing: MissingValuePolicy = .error, training: SeriesTrainingOptions = SeriesTrainingOptions(),
        metadata: [String: String] = [:]
    ) {
        self.init(
            network: network,
            task: SeriesForecastTask(options: options, normalization: normalization, missing: missing, training: training),
            metadata: metadata)
    }
}
