import Foundation
import RecurrentCore

/// A character (or byte) language model as one Recurrent model file: a
/// `SequenceModel` with an embedding of the vocabulary's V symbols and a
/// head giving V logits at every step, with the ``Vocabulary``, the window
/// it was trained on and the unigram entropy of its training text.
///
/// ## Layout
/// A `ModelFile`: `embedding.weight` [V, E], the recurrent layer's weights
/// under PyTorch's names, `head.weight` [V, F] and `head.bias` [V] (F =
/// directions·H), and the metadata keys
/// - `task` = `text-model`;
/// - `vocabulary`: the ``Vocabulary`` as JSON, `{"kind":"char","symbols":"…"}` or `{"kind":"byte"}`;
/// - `window`: T, the symbols per training window, a whole number ≥ 1;
/// - `unigram_entropy_bits`: the training part's unigram entropy in bits per symbol;
///
/// and any other keys in ``metadata`` (a training summary, for instance).
///
/// Reading checks that the pieces fit: the embedding has one row per
/// symbol and as many columns as the recurrent layer reads, the head reads
/// the layer's output and gives one logit per symbol, every weight is
/// finite, and the entropy lies in [0, log₂ V]. Every problem is a
/// `SafetensorsError` naming the file and the tensor or metadata key at fault.
public struct TextModelFile: Sendable {
    /// The network: embedding, recurrent layers, a dense head at every step.
    public var model: SequenceModel
    /// The symbols the model reads and predicts.
    public var vocabulary: Vocabulary
    /// T, the symbols per training window.
    public var window: Int
    /// The training part's unigram entropy in bits per symbol (the baseline to beat).
    public var unigramEntropy: Double
    /// Free metadata stored beside the reserved keys.
    public var metadata: [String: String]

    /// `text-model`, the value of the metadata key `task`.
    public static let task = "text-model"
    /// The metadata keys this type writes itself.
    public static let reservedKeys: Set<String> = ["task", "vocabulary", "window", "unigram_entropy_bits"]

    /// A file holding a text model and what it needs to read and write text.
    public init(
        model: SequenceModel, vocabulary: Vocabulary, window: Int, unigramEntropy: Double,
        metadata: [String: String] = [:]
    ) {
        self.model = model
        self.vocabulary = vocabulary
        self.window = window
        self.unigramEntropy = unigramEntropy
        self.metadata = metadata
    }

    /// The model file's contents.
    ///
    /// - Throws: `RecurrentError/invalidArgument(name:value:reason:)` when
    ///   the model has no embedding or does not predict one logit per symbol at every step.
    public func modelFile() throws -> ModelFile {
        guard let embedding = model.embedding, embedding.vocabularySize == vocabulary.count,
            model.head.outputSize == vocabulary.count, model.head.pooling == .everyStep
        else {
            throw RecurrentError.invalidArgument(
                name: "model", value: "for a vocabulary of \(vocabulary)",
                reason: "a text model needs an embedding of \(vocabulary.count) rows and "
                    + "\(vocabulary.count) outputs at every step")
        }
        var keys = metadata.filter { !Self.reservedKeys.contains($0.key) }
        keys["task"] = Self.task
        keys["vocabulary"] = try metadataJSON(vocabulary)
        keys["window"] = String(window)
        keys["unigram_entropy_bits"] = String(unigramEntropy)
        var tensors = NamedTensors()
        tensors["embedding.weight"] = embedding.weight
        tensors["head.weight"] = model.head.dense.weight
        if let bias = model.head.dense.bias { tensors["head.bias"] = bias }
        return ModelFile(layer: model.recurrent, tensors: tensors, metadata: keys)
    }

    /// Writes the file atomically: the old file or the new one, never a partial one.
    public func write(to url: URL) throws {
        try modelFile().write(to: url)
    }

    /// Reads and checks a text model file.
    ///
    /// - Throws: `SafetensorsError` naming the file and the tensor or metadata key at fault.
    public init(contentsOf url: URL) throws {
        let name = url.displayName
        try self.init(ModelFile(contentsOf: url), name: name)
    }

    /// Checks the pieces of `file` fit together; errors name the file `name`.
    public init(_ file: ModelFile, name: String) throws {
        func fail(_ key: String, _ problem: String) -> SafetensorsError {
            SafetensorsError(file: name, problem: "metadata \"\(key)\": \(problem)")
        }
        guard file.metadata["task"] == Self.task else {
            throw fail(
                "task",
                "is \(file.metadata["task"].map { "\"\($0)\"" } ?? "missing"); "
                    + "not a text model (a TextModelFile)")
        }
        guard let vocabularyText = file.metadata["vocabulary"] else { throw fail("vocabulary", "is missing") }
        let vocabulary: Vocabulary
        do {
            vocabulary = try JSONDecoder().decode(Vocabulary.self, from: Data(vocabularyText.utf8))
        } catch let error as DecodingError {
            throw fail("vocabulary", ModelFile.describe(error))
        }
        guard let windowText = file.metadata["window"], let window = Int(windowText), window >= 1 else {
            throw fail("window", "must be a whole number ≥ 1")
        }
        let v = vocabulary.count
        guard let entropyText = file.metadata["unigram_entropy_bits"], let entropy = Double(entropyText),
            entropy >= 0, entropy <= log2(Double(v)) + 1e-9
        else {
            throw fail("unigram_entropy_bits", "must be a number of bits in [0, log₂ \(v)]")
        }
        func tensor(_ tensorName: String, _ shape: [Int]) throws -> Tensor {
            guard let tensor = file.tensors[tensorName] else {
                throw SafetensorsError(file: name, tensor: tensorName, problem: "is missing; a text model needs it")
            }
            guard tensor.shape == shape else {
                throw SafetensorsError(
                    file: name, tensor: tensorName,
                    problem: "has shape \(tensor.shape); the model needs \(shape) for a vocabulary of \(vocabulary)")
            }
            guard tensor.scalars.allSatisfy(\.isFinite) else {
                throw SafetensorsError(file: name, tensor: tensorName, problem: "holds a value that is not finite")
            }
            return tensor
        }
        let layer = file.layer
        let embeddingWeight = try tensor("embedding.weight", [v, layer.inputSize])
        let headWeight = try tensor("head.weight", [v, layer.outputSize])
        let headBias = try file.tensors["head.bias"].map { _ in try tensor("head.bias", [v]) }
        do {
            let head = try SequenceHead(
                pooling: .everyStep, dense: try Dense(weight: headWeight, bias: headBias), directions: layer.directions)
            self.model = try SequenceModel(
                embedding: try Embedding(weight: embeddingWeight), recurrent: layer, head: head)
        } catch let error as RecurrentError {
            throw SafetensorsError(file: name, tensor: "head.weight", problem: error.description)
        }
        self.vocabulary = vocabulary
        self.window = window
        self.unigramEntropy = entropy
        self.metadata = file.metadata.filter { !Self.reservedKeys.contains($0.key) }
    }
}
