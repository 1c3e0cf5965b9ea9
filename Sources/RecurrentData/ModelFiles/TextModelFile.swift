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
/// - `head`: `{"pooling":"every_step","output_size":V}` (files without it read too);
///
/// and any other keys in ``TaskModelFile/metadata`` (a training summary, for instance).
///
/// Reading checks that the pieces fit: the embedding has one row per
/// symbol and as many columns as the recurrent layer reads, the head reads
/// the layer's output and gives one logit per symbol, every weight is
/// finite, and the entropy lies in [0, log₂ V]. A text model is always
/// recurrent: the MLP baseline does not hold one.
public typealias TextModelFile = TaskModelFile<TextModelTask>

/// What a text model's file records beside its network: see ``TextModelFile``.
public struct TextModelTask: ModelFileTask, Equatable {
    /// The symbols the model reads and predicts.
    public var vocabulary: Vocabulary
    /// T, the symbols per training window.
    public var window: Int
    /// The training part's unigram entropy in bits per symbol (the baseline to beat).
    public var unigramEntropy: Double

    /// A text model's record.
    ///
    /// - Parameters:
    ///   - vocabulary: the symbols read and predicted.
    ///   - window: the symbols per training window.
    ///   - unigramEntropy: the training part's unigram entropy in bits per symbol.
    public init(vocabulary: Vocabulary, window: Int, unigramEntropy: Double) {
        self.vocabulary = vocabulary
        self.window = window
        self.unigramEntropy = unigramEntropy
    }

    /// `text-model`.
    public static let name = "text-model"
    /// What such a file holds, for messages.
    public static let summary = "a text model (a TextModelFile)"
    /// `vocabulary`, `window` and `unigram_entropy_bits`.
    public static let keys: Set<String> = ["vocabulary", "window", "unigram_entropy_bits"]
    /// False: a text model is recurrent.
    public static var allowsMLP: Bool { false }

    /// The record as metadata values.
    public func metadata() throws -> [String: String] {
        [
            "vocabulary": try metadataJSON(vocabulary), "window": String(window),
            "unigram_entropy_bits": String(unigramEntropy),
        ]
    }

    /// Reads and checks the record: a window ≥ 1, an entropy in [0, log₂ V].
    ///
    /// - Parameter reader: the file's metadata.
    /// - Throws: a `SafetensorsError` naming the file and key.
    public init(reading reader: TaskMetadataReader) throws {
        let vocabulary = try reader.decode(Vocabulary.self, "vocabulary")
        guard let window = Int(try reader.text("window")), window >= 1 else {
            throw reader.fail("window", "must be a whole number ≥ 1")
        }
        let v = vocabulary.count
        guard let entropy = Double(try reader.text("unigram_entropy_bits")), entropy >= 0,
            entropy <= log2(Double(v)) + 1e-9
        else {
            throw reader.fail("unigram_entropy_bits", "must be a number of bits in [0, log₂ \(v)]")
        }
        self.init(vocabulary: vocabulary, window: window, unigramEntropy: entropy)
    }

    /// The model from the tensors: `embedding.weight` [V, E], `head.weight`
    /// [V, F], `head.bias` [V], each present, of its shape and finite.
    ///
    /// - Parameters:
    ///   - file: the checked model file.
    ///   - reader: makes the errors.
    /// - Throws: a `SafetensorsError` naming the file and tensor.
    public func sequenceModel(from file: ModelFile, in reader: TaskMetadataReader) throws -> SequenceModel {
        let v = vocabulary.count
        func tensor(_ name: String, _ shape: [Int]) throws -> Tensor {
            guard let tensor = file.tensors[name] else { throw reader.fail(tensor: name, "is missing; a text model needs it") }
            guard tensor.shape == shape else {
                throw reader.fail(
                    tensor: name, "has shape \(tensor.shape); the model needs \(shape) for a vocabulary of \(vocabulary)")
            }
            guard tensor.scalars.allSatisfy(\.isFinite) else { throw reader.fail(tensor: name, "holds a value that is not finite") }
            return tensor
        }
        let layer = file.layer
        let embeddingWeight = try tensor("embedding.weight", [v, layer.inputSize])
        let headWeight = try tensor("head.weight", [v, layer.outputSize])
        let headBias = try file.tensors["head.bias"].map { _ in try tensor("head.bias", [v]) }
        do {
            let head = try SequenceHead(
                pooling: .everyStep, dense: try Dense(weight: headWeight, bias: headBias), directions: layer.directions)
            return try SequenceModel(embedding: try Embedding(weight: embeddingWeight), recurrent: layer, head: head)
        } catch let error as RecurrentError {
            throw reader.fail(tensor: "head.weight", error.description)
        }
    }

    /// Checks the network reads the vocabulary and gives one logit per symbol at every step.
    ///
    /// - Parameters:
    ///   - network: the file's network.
    ///   - reader: makes the errors.
    /// - Throws: a `SafetensorsError` naming the file and key.
    public func check(_ network: SequenceNetwork, in reader: TaskMetadataReader) throws {
        let v = vocabulary.count
        guard let model = network.sequenceModel, model.embedding?.vocabularySize == v, model.head.outputSize == v,
            model.head.pooling == .everyStep
        else {
            throw reader.fail(
                "head", "a text model needs an embedding of \(v) rows and \(v) outputs at every step")
        }
    }
}

extension TextModelTask: ONNXModelFileTask {
    /// `input` [B, T] int64 symbol ids, `logits` [B, T, V] at every step and
    /// the state `h_n`, `c_n` — fed back as `h0`, `c0` to generate step by
    /// step; the vocabulary in the metadata (`vocabulary`, as in the model file).
    package func onnxOptions() throws -> ONNXExportOptions {
        var onnx = ONNXExportOptions()
        onnx.outputName = "logits"
        onnx.documentation = "Recurrent character model over \(vocabulary.count) symbols"
        onnx.metadata = ["task": Self.name, "vocabulary": try metadataJSON(vocabulary)]
        return onnx
    }
}

extension TaskModelFile where Task == TextModelTask {
    /// A file holding a text model and what it needs to read and write text.
    ///
    /// - Parameters:
    ///   - model: the trained model: an embedding of V rows, V logits at every step.
    ///   - vocabulary: the symbols read and predicted.
    ///   - window: the symbols per training window.
    ///   - unigramEntropy: the training part's unigram entropy in bits per symbol.
    ///   - metadata: free keys, such as a training summary.
    public init(
        model: SequenceModel, vocabulary: Vocabulary, window: Int, unigramEntropy: Double,
        metadata: [String: String] = [:]
    ) {
        self.init(
            network: .recurrent(model),
            task: TextModelTask(vocabulary: vocabulary, window: window, unigramEntropy: unigramEntropy),
            metadata: metadata)
    }

    /// The text model (a text model file's network is always recurrent).
    public var model: SequenceModel {
        get { network.sequenceModel! }
        set { network = .recurrent(newValue) }
    }
}
