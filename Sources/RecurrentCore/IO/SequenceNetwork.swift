import Foundation

/// A trained network as a model file holds it: a recurrent ``SequenceModel``,
/// or the ``WindowMLP`` baseline.
public enum SequenceNetwork: Sendable {
    /// Embedding, recurrent layers and head.
    case recurrent(SequenceModel)
    /// A fixed window flattened through dense layers.
    case mlp(WindowMLP)

    /// The outputs for `input` [B, T, D] (or token ids [B, T]): for a model
    /// with a ``SequenceModel/distribution``, its point forecast (the median
    /// or anchor quantile, or the Gaussian's mean), [B, O / P]; see
    /// ``quantileForecast(_:lengths:)`` for the levels.
    ///
    /// - Throws: what ``SequenceModel/callAsFunction(_:lengths:initialState:)`` throws.
    public func callAsFunction(_ input: Tensor, lengths: [Int]? = nil) throws -> Tensor {
        switch self {
        case .recurrent(let model):
            let output = try model(input, lengths: lengths)
            return model.distribution?.pointForecast(output) ?? output
        case .mlp(let mlp): return try mlp(input, lengths: lengths)
        }
    }

    /// The forecast at each level of the model's ``SequenceModel/distribution``,
    /// or nil for a network without one.
    ///
    /// - Parameters:
    ///   - input: [B, T, D].
    ///   - lengths: each sequence's length in 1…T; nil means all are T.
    /// - Returns: [B, O·Q], point output o's Q levels (non-decreasing) at `o·Q ..< (o + 1)·Q`.
    /// - Throws: what ``SequenceModel/callAsFunction(_:lengths:initialState:)`` throws.
    public func quantileForecast(_ input: Tensor, lengths: [Int]? = nil) throws -> Tensor? {
        guard case .recurrent(let model) = self, let distribution = model.distribution else { return nil }
        return distribution.quantileForecast(try model(input, lengths: lengths))
    }

    /// The model's ``SequenceModel/distribution``, or nil (always for the MLP).
    public var distribution: ForecastDistribution? { sequenceModel?.distribution }

    /// The precision of a recurrent network's products
    /// (``SequenceModel/precision``); always ``Precision/fp32`` for the MLP,
    /// which setting leaves unchanged.
    public var precision: Precision {
        get { sequenceModel?.precision ?? .fp32 }
        set {
            if case .recurrent(var model) = self {
                model.precision = newValue
                self = .recurrent(model)
            }
        }
    }

    /// The recurrent model, or nil for the MLP.
    public var sequenceModel: SequenceModel? {
        if case .recurrent(let model) = self { return model }
        return nil
    }

    /// O, the outputs per sequence (or per step) of ``callAsFunction(_:lengths:)``:
    /// the point outputs of a model with a distribution.
    public var outputSize: Int {
        switch self {
        case .recurrent(let model): model.pointOutputSize
        case .mlp(let mlp): mlp.outputSize
        }
    }

    /// The model file of a recurrent network, with `metadata` beside its
    /// architecture.
    ///
    /// - Throws: ``SafetensorsError`` for the MLP, which is not a
    ///   ``ModelFile`` (see ``write(to:metadata:)``).
    public func modelFile(metadata: [String: String]) throws -> ModelFile {
        guard case .recurrent(let model) = self else {
            throw SafetensorsError(file: "model data", problem: "holds an MLP, which a ModelFile cannot")
        }
        return try ModelFile(sequenceModel: model, metadata: metadata)
    }

    /// Writes the network and `metadata` as a Recurrent model file,
    /// atomically: the old file or the new one, never a partial one.
    public func write(to url: URL, metadata: [String: String]) throws {
        switch self {
        case .recurrent: try modelFile(metadata: metadata).write(to: url)
        case .mlp(let mlp): try mlp.safetensorsFile(metadata: metadata).write(to: url)
        }
    }

    /// The class with the largest output for each sequence of `batch`.
    public func predictedClasses(_ batch: SequenceBatch) throws -> [Int] {
        switch self {
        case .recurrent(let model): return try model.predictedClasses(batch)
        case .mlp(let mlp): return largestPerRow(try mlp(batch.input, lengths: batch.lengths))
        }
    }
}

/// The architecture of a ``WindowMLP`` as its model file records it, in the
/// metadata key `architecture`: `{"activation":"tanh","input":{"features":D}
/// (or {"tokens":V}),"kind":"mlp","layers":[H,…,O],"steps":T}`.
struct WindowMLPArchitecture: Codable, Equatable {
    var kind: String
    var input: SequenceInput
    var steps: Int
    var layers: [Int]
    var activation: String
}

extension WindowMLP {
    /// Whether `file` holds an MLP written by ``safetensorsFile(metadata:)``.
    public static func isMLPFile(_ file: SafetensorsFile) -> Bool {
        guard let text = file.metadata["architecture"] else { return false }
        return (try? JSONDecoder().decode(WindowMLPArchitecture.self, from: Data(text.utf8)))?.kind == "mlp"
    }

    /// The MLP as a Recurrent model file: tensors `mlp.0.weight`, `mlp.0.bias`,
    /// …, metadata `format` = `recurrent`, `format_version` = 1,
    /// `architecture` (see ``isMLPFile(_:)``) and `metadata`.
    public func safetensorsFile(metadata: [String: String]) throws -> SafetensorsFile {
        let sizes = network.layers.compactMap { ($0 as? Dense)?.outputSize }
        let architecture = WindowMLPArchitecture(
            kind: "mlp", input: input, steps: steps, layers: sizes, activation: "tanh")
        var keys = metadata
        keys["format"] = ModelFile.format
        keys["format_version"] = String(ModelFile.formatVersion)
        keys["architecture"] = try metadataJSON(architecture)
        var tensors: [String: Tensor] = [:]
        for (name, tensor) in parameters {
            guard tensor.isFinite else {
                throw SafetensorsError(file: "model data", tensor: name, problem: "holds NaN or infinity")
            }
            tensors[name] = tensor
        }
        return SafetensorsFile(tensors: tensors, metadata: keys)
    }

    /// The MLP in `file`, checked: every layer's weight and bias present,
    /// finite and of the shapes the architecture gives.
    ///
    /// - Throws: ``SafetensorsError`` naming the file `name` and the tensor or
    ///   metadata key at fault.
    public init(file: SafetensorsFile, name: String) throws {
        guard let text = file.metadata["architecture"],
            let architecture = try? JSONDecoder().decode(WindowMLPArchitecture.self, from: Data(text.utf8)),
            architecture.kind == "mlp", architecture.activation == "tanh",
            (1...WindowMLP.maximumWidth).contains(architecture.steps), !architecture.layers.isEmpty,
            architecture.layers.allSatisfy({ (1...WindowMLP.maximumWidth).contains($0) }),
            let windowWidth = architecture.input.width(steps: architecture.steps)
        else {
            throw SafetensorsError(file: name, problem: "metadata \"architecture\": is not a valid MLP architecture")
        }
        var layers: [Dense] = []
        var width = windowWidth
        for (index, size) in architecture.layers.enumerated() {
            func tensor(_ part: String, _ shape: [Int]) throws -> Tensor {
                let key = "mlp.\(index).\(part)"
                guard let tensor = file.tensors[key] else {
                    throw SafetensorsError(file: name, tensor: key, problem: "is missing")
                }
                guard tensor.shape == shape else {
                    throw SafetensorsError(
                        file: name, tensor: key, problem: "has shape \(tensor.shape); the architecture needs \(shape)")
                }
                guard tensor.isFinite else {
                    throw SafetensorsError(file: name, tensor: key, problem: "holds NaN or infinity")
                }
                return tensor
            }
            let last = index == architecture.layers.count - 1
            layers.append(
                try Dense(
                    weight: tensor("weight", [size, width]), bias: tensor("bias", [size]),
                    activation: last ? .identity : .tanh))
            width = size
        }
        do {
            try self.init(input: architecture.input, steps: architecture.steps, layers: layers)
        } catch let error as RecurrentError {
            throw SafetensorsError(file: name, tensor: "mlp.0.weight", problem: error.description)
        }
    }
}
