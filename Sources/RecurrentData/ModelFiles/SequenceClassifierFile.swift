import Foundation
import RecurrentCore

/// A sequence classifier as one Recurrent model file: a `SequenceModel`
/// with a many-to-one head of K logits, with everything needed to read
/// labelled sequences again — the file's layout, the alphabet or the
/// features' normalisation, the class names — and the seeded split, so
/// evaluation finds the training run's test part.
///
/// ## Layout
/// A `ModelFile`: `embedding.weight` [V, E] for symbol input, the
/// recurrent layer's weights under PyTorch's names, `head.weight` [K, F] and
/// `head.bias` [K], and the metadata keys
/// - `task` = `sequence-classification`;
/// - `layout`: the ``LabelledSequenceLayout`` as JSON (columns, or safetensors);
/// - `encoding`: the ``SequenceEncoding`` as JSON (alphabet, or feature count and normalisation);
/// - `classes`: the K class names as a JSON array, in class-id order;
/// - `head`: `{"pooling":"last","output_size":K}`;
/// - `split`: the ``SequenceSplit`` as JSON;
/// and any other keys in ``metadata`` (a training summary, for instance).
///
/// Reading checks that the pieces fit: the layout's kind matches the
/// encoding's (symbols with an alphabet, long-form with a normalisation of
/// its feature columns, safetensors with raw features); the embedding has
/// one row per symbol and the recurrent layer's input width; the head pools
/// the sequence and gives one logit per class. Every problem is a
/// `SafetensorsError` naming the file and the tensor or metadata key at fault.
public struct SequenceClassifierFile: Sendable {
    /// The network: embedding (symbol input), recurrent layers and a dense
    /// head on the pooled output; or the MLP baseline on the flattened window.
    public var network: SequenceNetwork
    /// How a file of labelled sequences is read.
    public var layout: LabelledSequenceLayout
    /// How steps become the network's input.
    public var encoding: SequenceEncoding
    /// The K class names, in class-id order.
    public var classes: [String]
    /// The split the model was trained with.
    public var split: SequenceSplit
    /// Free metadata stored beside the reserved keys.
    public var metadata: [String: String]

    /// `sequence-classification`, the value of the metadata key `task`.
    public static let task = "sequence-classification"
    /// The metadata keys this type writes itself.
    public static let reservedKeys: Set<String> = ["task", "layout", "encoding", "classes", "head", "split"]

    /// A file holding `model` and what it needs to read labelled sequences again.
    public init(
        model: SequenceModel, layout: LabelledSequenceLayout, encoding: SequenceEncoding, classes: [String],
        split: SequenceSplit, metadata: [String: String] = [:]
    ) {
        self.init(
            network: .recurrent(model), layout: layout, encoding: encoding, classes: classes, split: split,
            metadata: metadata)
    }

    /// A file holding `network` (recurrent or MLP) and what it needs to read labelled sequences again.
    public init(
        network: SequenceNetwork, layout: LabelledSequenceLayout, encoding: SequenceEncoding, classes: [String],
        split: SequenceSplit, metadata: [String: String] = [:]
    ) {
        self.network = network
        self.layout = layout
        self.encoding = encoding
        self.classes = classes
        self.split = split
        self.metadata = metadata
    }

    /// The metadata keys this type writes, beside ``metadata``.
    private func taskKeys() throws -> [String: String] {
        var keys = metadata.filter { !Self.reservedKeys.contains($0.key) }
        keys["task"] = Self.task
        keys["layout"] = try metadataJSON(layout)
        keys["encoding"] = try metadataJSON(encoding)
        keys["classes"] = try metadataJSON(classes)
        keys["split"] = try metadataJSON(split)
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

    /// Reads and checks a sequence-classifier file.
    ///
    /// - Throws: `SafetensorsError` naming the file and the tensor or
    ///   metadata key at fault.
    public init(contentsOf url: URL) throws {
        let name = url.displayName
        let file = try SafetensorsFile(contentsOf: url)
        if WindowMLP.isMLPFile(file) {
            let mlp = try WindowMLP(file: file, name: name)
            let parsed = try Self.parse(file.metadata, name: name)
            let expected: SequenceInput =
                switch parsed.encoding {
                case .symbols(let alphabet): .tokens(vocabularySize: alphabet.count)
                case .features(let d, _): .features(d)
                }
            guard mlp.input == expected, mlp.outputSize == parsed.classes.count else {
                throw SafetensorsError(
                    file: name,
                    problem: "metadata \"architecture\": the MLP does not read the encoding's input "
                        + "or does not give one output per class (\(parsed.classes.count))")
            }
            self.init(
                network: .mlp(mlp), layout: parsed.layout, encoding: parsed.encoding, classes: parsed.classes,
                split: parsed.split,
                metadata: file.metadata.filter {
                    !Self.reservedKeys.contains($0.key) && !ModelFile.reservedMetadataKeys.contains($0.key)
                })
            return
        }
        try self.init(ModelFile(checking: file, name: name, nonlinearity: nil), name: name)
    }

    /// The task's metadata, checked (the head's record is the network's: see
    /// `ModelFile/sequenceModel(name:)`).
    private static func parse(_ metadata: [String: String], name: String) throws -> (
        layout: LabelledSequenceLayout, encoding: SequenceEncoding, classes: [String], split: SequenceSplit
    ) {
        func fail(_ key: String, _ problem: String) -> SafetensorsError {
            SafetensorsError(file: name, problem: "metadata \"\(key)\": \(problem)")
        }
        guard metadata["task"] == Self.task else {
            throw fail(
                "task",
                "is \(metadata["task"].map { "\"\($0)\"" } ?? "missing"); "
                    + "not a sequence classifier (a SequenceClassifierFile)")
        }
        func decode<T: Decodable>(_ type: T.Type, _ key: String) throws -> T {
            guard let text = metadata[key] else { throw fail(key, "is missing") }
            do {
                return try JSONDecoder().decode(type, from: Data(text.utf8))
            } catch let error as DecodingError {
                throw fail(key, "is not valid: " + ModelFile.describe(error))
            }
        }
        let layout = try decode(LabelledSequenceLayout.self, "layout")
        let encoding = try decode(SequenceEncoding.self, "encoding")
        let classes = try decode([String].self, "classes")
        let split = try decode(SequenceSplit.self, "split")
        guard !classes.isEmpty, Set(classes).count == classes.count else {
            throw fail("classes", "must name one or more distinct classes")
        }
        switch (layout, encoding) {
        case (.symbols, .symbols), (.safetensors, .features(_, nil)): break
        case (.longForm(_, _, let features?, _), .features(let d, let normalization?))
        where features == normalization.columns && d == features.count:
            break
        default:
            throw fail("encoding", "does not fit the layout \(metadata["layout"]!)")
        }
        return (layout, encoding, classes, split)
    }

    /// Checks the pieces of `file` fit together; errors name the file `name`.
    public init(_ file: ModelFile, name: String) throws {
        func fail(_ key: String, _ problem: String) -> SafetensorsError {
            SafetensorsError(file: name, problem: "metadata \"\(key)\": \(problem)")
        }
        func failTensor(_ tensor: String, _ problem: String) -> SafetensorsError {
            SafetensorsError(file: name, tensor: tensor, problem: problem)
        }
        let (layout, encoding, classes, split) = try Self.parse(file.metadata, name: name)
        let embedding = file.tensors["embedding.weight"]
        switch encoding {
        case .symbols(let alphabet):
            guard let embedding else { throw failTensor("embedding.weight", "is missing; symbol input needs it") }
            let shape = [alphabet.count, file.layer.inputSize]
            guard embedding.shape == shape else {
                throw failTensor(
                    "embedding.weight",
                    "has shape \(embedding.shape); \(alphabet.count) symbols read by the recurrent layer need \(shape)")
            }
        case .features(let d, _):
            if embedding != nil { throw failTensor("embedding.weight", "is unexpected: the input is numeric") }
            guard file.layer.inputSize == d else {
                throw fail("encoding", "names \(d) feature(s), but the recurrent layer reads \(file.layer.inputSize)")
            }
        }
        let model = try file.sequenceModel(name: name)
        let k = classes.count
        guard model.head.outputSize == k, model.head.pooling.isManyToOne else {
            throw fail("head", "must pool the sequence (last, mean or max) and give one output per class (\(k))")
        }
        self.network = .recurrent(model)
        self.layout = layout
        self.encoding = encoding
        self.classes = classes
        self.split = split
        self.metadata = file.metadata.filter { !Self.reservedKeys.contains($0.key) }
    }
}
