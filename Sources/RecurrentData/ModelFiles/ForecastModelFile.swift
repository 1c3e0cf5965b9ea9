import Foundation
import RecurrentCore

/// A series-forecasting model as one Recurrent model file: a
/// `SequenceModel` with numeric input and a many-to-one head, with the
/// ``SeriesOptions`` that cut its windows and the ``Normalization`` fitted
/// on its training part, so the same windows and units can be made again
/// from a CSV file at evaluation and forecast time.
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
///   with a skip;
/// - `missing`: the ``MissingValuePolicy`` used in training;
/// and any other keys in ``metadata`` (a training summary, for instance).
///
/// Reading checks that the pieces fit: the layer reads F = features.count
/// values, the head gives h·K outputs, and the normalisation knows every
/// feature and target. Every problem is a `SafetensorsError` naming the
/// file and the tensor or metadata key at fault.
public struct ForecastModelFile: Sendable {
    /// The network: recurrent layers and a dense head on the pooled output,
    /// or the MLP baseline on the flattened window.
    public var network: SequenceNetwork
    /// The columns, window and split the model was trained with.
    public var options: SeriesOptions
    /// The per-column scaling fitted on the training part.
    public var normalization: Normalization
    /// The missing-value policy used when reading the training data.
    public var missing: MissingValuePolicy
    /// Free metadata stored beside the reserved keys.
    public var metadata: [String: String]

    /// `series-forecast`, the value of the metadata key `task`.
    public static let task = "series-forecast"
    /// The metadata keys this type writes itself.
    public static let reservedKeys: Set<String> = ["task", "series_options", "normalization", "head", "missing"]

    /// A file holding `model` and what it needs to read a CSV file again.
    public init(
        model: SequenceModel, options: SeriesOptions, normalization: Normalization,
        missing: MissingValuePolicy = .error, metadata: [String: String] = [:]
    ) {
        self.init(
            network: .recurrent(model), options: options, normalization: normalization, missing: missing,
            metadata: metadata)
    }

    /// A file holding `network` (recurrent or MLP) and what it needs to read a CSV file again.
    public init(
        network: SequenceNetwork, options: SeriesOptions, normalization: Normalization,
        missing: MissingValuePolicy = .error, metadata: [String: String] = [:]
    ) {
        self.network = network
        self.options = options
        self.normalization = normalization
        self.missing = missing
        self.metadata = metadata
    }

    /// The metadata keys this type writes, beside ``metadata``.
    private func taskKeys() throws -> [String: String] {
        var keys = metadata.filter { !Self.reservedKeys.contains($0.key) }
        keys["task"] = Self.task
        keys["series_options"] = try metadataJSON(options)
        keys["normalization"] = try metadataJSON(normalization)
        keys["missing"] = missing.rawValue
        return keys
    }

    /// The model file's contents, for a recurrent network.
    ///
    /// - Throws: `SafetensorsError` for the MLP, which is not a `ModelFile`
    ///   (see ``write(to:)``).
    public func modelFile() throws -> ModelFile {
        try network.modelFile(metadata: try taskKeys())
    }

    /// Writes the file atomically: the old file or the new one, never a partial one.
    public func write(to url: URL) throws {
        try network.write(to: url, metadata: try taskKeys())
    }

    /// Reads and checks a forecasting model file.
    ///
    /// - Throws: `SafetensorsError` naming the file and the tensor or
    ///   metadata key at fault.
    public init(contentsOf url: URL) throws {
        let name = url.displayName
        let file = try SafetensorsFile(contentsOf: url)
        if WindowMLP.isMLPFile(file) {
            let mlp = try WindowMLP(file: file, name: name)
            let parsed = try Self.parse(file.metadata, name: name)
            guard case .features(let d) = mlp.input, d == parsed.options.features.count,
                mlp.steps == parsed.options.inputLength
            else {
                throw SafetensorsError(
                    file: name,
                    problem: "metadata \"architecture\": the MLP does not read windows of "
                        + "\(parsed.options.inputLength) steps of \(parsed.options.features.count) feature(s)")
            }
            let outputs = parsed.options.horizon * parsed.options.targets.count
            guard mlp.outputSize == outputs else {
                throw SafetensorsError(
                    file: name,
                    problem: "metadata \"architecture\": the MLP gives \(mlp.outputSize) outputs; "
                        + "horizon × targets is \(outputs)")
            }
            self.init(
                network: .mlp(mlp), options: parsed.options, normalization: parsed.normalization,
                missing: parsed.missing, metadata: file.metadata.filter { !Self.reservedKeys.contains($0.key) })
            self.metadata = self.metadata.filter { !ModelFile.reservedMetadataKeys.contains($0.key) }
            return
        }
        try self.init(ModelFile(checking: file, name: name, nonlinearity: nil), name: name)
    }

    /// The task's metadata, checked (the head's record is the network's: see
    /// `ModelFile/sequenceModel(name:)`).
    private static func parse(_ metadata: [String: String], name: String) throws -> (
        options: SeriesOptions, normalization: Normalization, missing: MissingValuePolicy
    ) {
        func fail(_ key: String, _ problem: String) -> SafetensorsError {
            SafetensorsError(file: name, problem: "metadata \"\(key)\": \(problem)")
        }
        guard metadata["task"] == Self.task else {
            throw fail(
                "task",
                "is \(metadata["task"].map { "\"\($0)\"" } ?? "missing"); "
                    + "not a series-forecasting model (a ForecastModelFile)")
        }
        func decode<T: Decodable>(_ type: T.Type, _ key: String) throws -> T {
            guard let text = metadata[key] else { throw fail(key, "is missing") }
            do {
                return try JSONDecoder().decode(type, from: Data(text.utf8))
            } catch {
                throw fail(key, "is not valid: \(error)".replacingOccurrences(of: "\n", with: " "))
            }
        }
        let options = try decode(SeriesOptions.self, "series_options")
        let normalization = try decode(Normalization.self, "normalization")
        guard let missingText = metadata["missing"], let missing = MissingValuePolicy(rawValue: missingText) else {
            throw fail("missing", "must name a missing-value policy")
        }
        guard !options.features.isEmpty, !options.targets.isEmpty, options.inputLength >= 1, options.horizon >= 1 else {
            throw fail("series_options", "needs features, targets, input_length ≥ 1 and horizon ≥ 1")
        }
        do {
            for (value, key) in [(options.inputLength, "input_length"), (options.horizon, "horizon"), (options.stride, "stride")] {
                try Limits.check(value, key, in: 1...Limits.windowSteps)
            }
            try options.split.check()
        } catch {
            throw fail("series_options", "\(error)")
        }
        for column in options.features + options.targets where !normalization.columns.contains(column) {
            throw fail("normalization", "has no statistics for column \"\(column)\"")
        }
        return (options, normalization, missing)
    }

    /// Checks the pieces of `file` fit together; errors name the file `name`.
    public init(_ file: ModelFile, name: String) throws {
        func fail(_ key: String, _ problem: String) -> SafetensorsError {
            SafetensorsError(file: name, problem: "metadata \"\(key)\": \(problem)")
        }
        let (options, normalization, missing) = try Self.parse(file.metadata, name: name)
        let model = try file.sequenceModel(name: name)
        guard model.embedding == nil, model.recurrent.inputSize == options.features.count else {
            throw fail(
                "series_options",
                "names \(options.features.count) feature(s), but the recurrent layer reads \(model.recurrent.inputSize)"
            )
        }
        let outputs = options.horizon * options.targets.count
        guard model.head.outputSize == outputs, model.head.pooling.isManyToOne else {
            throw fail("head", "must pool the sequence and give horizon × targets = \(outputs) outputs")
        }
        self.network = .recurrent(model)
        self.options = options
        self.normalization = normalization
        self.missing = missing
        self.metadata = file.metadata.filter { !Self.reservedKeys.contains($0.key) }
    }
}
