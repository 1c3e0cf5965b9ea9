import Foundation
import RecurrentCore

/// A sequence classifier as one Recurrent model file: a `SequenceModel`
/// with a many-to-one head of K logits (or the MLP baseline), with
/// everything needed to read labelled sequences again — the file's layout,
/// the alphabet or the features' normalisation, the class names — and the
/// seeded split, so evaluation finds the training run's test part.
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
/// and any other keys in ``TaskModelFile/metadata`` (a training summary, for instance).
///
/// Reading checks that the pieces fit: the layout's kind matches the
/// encoding's (symbols with an alphabet; long-form or safetensors features
/// with a normalisation of their own columns — `input[0]`, `input[1]`, … for
/// a safetensors input — or none); the embedding has
/// one row per symbol and the recurrent layer's input width; the head pools
/// the sequence and gives one logit per class.
public typealias SequenceClassifierFile = TaskModelFile<SequenceClassificationTask>

/// What a classifier's model file records beside its network: see ``SequenceClassifierFile``.
public struct SequenceClassificationTask: ModelFileTask, Equatable {
    /// How a file of labelled sequences is read.
    public var layout: LabelledSequenceLayout
    /// How steps become the network's input.
    public var encoding: SequenceEncoding
    /// The K class names, in class-id order.
    public var classes: [String]
    /// The split the model was trained with.
    public var split: SequenceSplit

    /// A classifier's record.
    ///
    /// - Parameters:
    ///   - layout: how the labelled-sequence file is read.
    ///   - encoding: how steps become input.
    ///   - classes: the class names, in class-id order.
    ///   - split: the seeded split of training.
    public init(layout: LabelledSequenceLayout, encoding: SequenceEncoding, classes: [String], split: SequenceSplit) {
        self.layout = layout
        self.encoding = encoding
        self.classes = classes
        self.split = split
    }

    /// `sequence-classification`.
    public static let name = "sequence-classification"
    /// What such a file holds, for messages.
    public static let summary = "a sequence classifier (a SequenceClassifierFile)"
    /// `layout`, `encoding`, `classes` and `split`.
    public static let keys: Set<String> = ["layout", "encoding", "classes", "split"]

    /// What the network reads: symbols as tokens, or D features.
    public var input: SequenceInput {
        switch encoding {
        case .symbols(let alphabet): .tokens(vocabularySize: alphabet.count)
        case .features(let d, _): .features(d)
        }
    }

    /// The record as metadata values.
    public func metadata() throws -> [String: String] {
        [
            "layout": try metadataJSON(layout), "encoding": try metadataJSON(encoding),
            "classes": try metadataJSON(classes), "split": try metadataJSON(split),
        ]
    }

    /// Reads and checks the record: distinct classes, an encoding that fits the layout.
    ///
    /// - Parameter reader: the file's metadata.
    /// - Throws: a `SafetensorsError` naming the file and key.
    public init(reading reader: TaskMetadataReader) throws {
        let layout = try reader.decode(LabelledSequenceLayout.self, "layout")
        let encoding = try reader.decode(SequenceEncoding.self, "encoding")
        let classes = try reader.decode([String].self, "classes")
        let split = try reader.decode(SequenceSplit.self, "split")
        guard !classes.isEmpty, Set(classes).count == classes.count else {
            throw reader.fail("classes", "must name one or more distinct classes")
        }
        // Features are scaled by statistics of their own columns, or used as they are.
        func fits(_ normalization: Normalization?, _ columns: [String]) -> Bool {
            normalization.map { $0.columns == columns } ?? true
        }
        switch (layout, encoding) {
        case (.symbols, .symbols): break
        case (.safetensors, .features(let d, let normalization))
        where fits(normalization, LabelledSequences.safetensorsFeatureNames(d)):
            break
        case (.longForm(_, _, let features?, _), .features(let d, let normalization))
        where d == features.count && fits(normalization, features):
            break
        default:
            throw reader.fail("encoding", "does not fit the layout \(reader.metadata["layout"]!)")
        }
        self.init(layout: layout, encoding: encoding, classes: classes, split: split)
    }

    /// Checks the network reads the encoding's input and gives one pooled output per class.
    ///
    /// - Parameters:
    ///   - network: the file's network.
    ///   - reader: makes the errors.
    /// - Throws: a `SafetensorsError` naming the file and the key or tensor.
    public func check(_ network: SequenceNetwork, in reader: TaskMetadataReader) throws {
        let k = classes.count
        switch network {
        case .mlp(let mlp):
            guard mlp.input == input, mlp.outputSize == k else {
                throw reader.fail(
                    "architecture",
                    "the MLP does not read the encoding's input or does not give one output per class (\(k))")
            }
        case .recurrent(let model):
            switch (encoding, model.embedding) {
            case (.symbols(let alphabet), let embedding?):
                let shape = [alphabet.count, model.recurrent.inputSize]
                guard embedding.weight.shape == shape else {
                    throw reader.fail(
                        tensor: "embedding.weight",
                        "has shape \(embedding.weight.shape); \(alphabet.count) symbols read by the recurrent layer need \(shape)")
                }
            case (.symbols, nil):
                throw reader.fail(tensor: "embedding.weight", "is missing; symbol input needs it")
            case (.features, _?):
                throw reader.fail(tensor: "embedding.weight", "is unexpected: the input is numeric")
            case (.features(let d, _), nil):
                guard model.recurrent.inputSize == d else {
                    throw reader.fail(
                        "encoding", "names \(d) feature(s), but the recurrent layer reads \(model.recurrent.inputSize)")
                }
            }
            guard model.head.outputSize == k, model.head.pooling.isManyToOne else {
                throw reader.fail("head", "must pool the sequence (last, mean or max) and give one output per class (\(k))")
            }
        }
    }
}

extension SequenceClassificationTask: ONNXModelFileTask {
    /// `input` [B, T] int64 symbol ids (the alphabet's order, recorded in the
    /// metadata) or [B, T, D] raw features (normalised inside the graph);
    /// `logits` [B, K] and `probabilities` [B, K] (their softmax), classes in
    /// the metadata's order.
    package func onnxOptions() throws -> ONNXExportOptions {
        var onnx = ONNXExportOptions()
        onnx.outputName = "logits"
        onnx.probabilities = true
        onnx.metadata = ["task": Self.name, "classes": try metadataJSON(classes)]
        switch encoding {
        case .symbols(let alphabet):
            onnx.metadata["alphabet"] = try metadataJSON(alphabet)
        case .features(_, let normalization?):
            onnx.inputScaling = normalization.onnxScaling(normalization.columns)
        case .features(_, nil):
            break
        }
        onnx.documentation = "Recurrent sequence classifier over classes \(classes)"
        return onnx
    }
}

extension TaskModelFile where Task == SequenceClassificationTask {
    /// A file holding `model` and what it needs to read labelled sequences again.
    ///
    /// - Parameters:
    ///   - model: the trained recurrent model.
    ///   - layout: how the labelled-sequence file is read.
    ///   - encoding: how steps become input.
    ///   - classes: the class names, in class-id order.
    ///   - split: the seeded split of training.
    ///   - metadata: free keys, such as a training summary.
    public init(
        model: SequenceModel, layout: LabelledSequenceLayout, encoding: SequenceEncoding, classes: [String],
        split: SequenceSplit, metadata: [String: String] = [:]
    ) {
        self.init(
            network: .recurrent(model), layout: layout, encoding: encoding, classes: classes, split: split,
            metadata: metadata)
    }

    /// A file holding `network` (recurrent or MLP) and what it needs to read labelled sequences again.
    ///
    /// - Parameters:
    ///   - network: the trained network.
    ///   - layout: how the labelled-sequence file is read.
    ///   - encoding: how steps become input.
    ///   - classes: the class names, in class-id order.
    ///   - split: the seeded split of training.
    ///   - metadata: free keys, such as a training summary.
    public init(
        network: SequenceNetwork, layout: LabelledSequenceLayout, encoding: SequenceEncoding, classes: [String],
        split: SequenceSplit, metadata: [String: String] = [:]
    ) {
        self.init(
            network: network,
            task: SequenceClassificationTask(layout: layout, encoding: encoding, classes: classes, split: split),
            metadata: metadata)
    }
}
