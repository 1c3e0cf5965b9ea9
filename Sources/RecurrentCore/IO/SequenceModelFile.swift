import Foundation

/// How a ``SequenceModel``'s head is recorded in a model file's metadata
/// key `head`: `{"output_size":O,"pooling":"last"}`, with `"skip_steps":p`
/// when the model has a ``LinearSkip``, `"steps":S` for a per-step head
/// (``SequenceHead/steps`` above 1), and `"instance_normalization":{…}`
/// (its features, output channels and ε) with an ``InstanceNormalization``,
/// and `"distribution":{"kind":"quantiles"|"gaussian","quantiles":[τ…]}`
/// with a ``ForecastDistribution``, `"future":{"steps":h,"feature_indices":[…]}`
/// with ``FutureCovariates`` and `"decoder":true` for an encoder–decoder
/// (its weights `decoder.weight_ih_l0`, …); files without them have none.
struct SequenceHeadRecord: Codable {
    var pooling: SequencePooling
    var outputSize: Int
    var skipSteps: Int?
    var steps: Int?
    var instanceNormalization: InstanceNormalization?
    var distribution: ForecastDistribution?
    var future: FutureCovariates?
    var decoder: Bool?
    enum CodingKeys: String, CodingKey {
        case pooling, steps, distribution, future, decoder
        case outputSize = "output_size"
        case skipSteps = "skip_steps"
        case instanceNormalization = "instance_normalization"
    }
}

extension ModelFile {
    /// A model file holding a whole ``SequenceModel``: the recurrent weights
    /// under PyTorch's names, `embedding.weight` [V, E] when the model reads
    /// tokens, `head.weight` [O, F] and `head.bias` [O], `skip.weight`
    /// [O, p·D] and `skip.bias` [O] when it has a ``LinearSkip`` (D its
    /// ``LinearSkip/features``, which may be fewer than the layer reads),
    /// `revin.level.weight` and `revin.level.bias` [O] for RevIN's level path, and the
    /// metadata key `head` recording the pooling, O and p, beside `metadata`.
    ///
    /// - Throws: ``SafetensorsError`` if `metadata` uses the key `head`.
    public init(sequenceModel model: SequenceModel, metadata: [String: String] = [:]) throws {
        guard metadata["head"] == nil else {
            throw SafetensorsError(file: "model data", problem: "metadata \"head\" is written by the model itself")
        }
        var tensors = NamedTensors()
        if let embedding = model.embedding { tensors["embedding.weight"] = embedding.weight }
        tensors["head.weight"] = model.head.dense.weight
        if let bias = model.head.dense.bias { tensors["head.bias"] = bias }
        if let skip = model.skip {
            tensors["skip.weight"] = skip.dense.weight
            if let bias = skip.dense.bias { tensors["skip.bias"] = bias }
        }
        if let decoder = model.decoder {
            for (name, tensor) in decoder.parameters { tensors["decoder." + name] = tensor }
        }
        model.instanceNormalization?.visitParameters { tensors["revin." + $0] = $1 }
        let head = SequenceHeadRecord(
            pooling: model.head.pooling, outputSize: model.head.outputSize, skipSteps: model.skip?.steps,
            steps: model.head.steps == 1 ? nil : model.head.steps, instanceNormalization: model.instanceNormalization,
            distribution: model.distribution, future: model.future, decoder: model.decoder == nil ? nil : true)
        var keys = metadata
        keys["head"] = try metadataJSON(head)
        self.init(layer: model.recurrent, tensors: tensors, metadata: keys)
    }

    /// The ``SequenceModel`` a file written by ``init(sequenceModel:metadata:)``
    /// holds, checked to fit together.
    ///
    /// - Parameter name: what to call the file in errors, such as its path.
    /// - Throws: ``SafetensorsError`` naming the file and the tensor or
    ///   metadata key at fault (a missing or malformed `head`, a missing
    ///   `head.weight`, an embedding or head of the wrong shape).
    public func sequenceModel(name: String) throws -> SequenceModel {
        guard let text = metadata["head"],
            let head = try? JSONDecoder().decode(SequenceHeadRecord.self, from: Data(text.utf8))
        else {
            throw SafetensorsError(file: name, problem: "metadata \"head\": is missing or not valid")
        }
        var decoder: RecurrentLayer?
        if head.decoder == true {
            guard let future = head.future else {
                throw SafetensorsError(file: name, problem: "metadata \"head\": a decoder needs \"future\"")
            }
            var architecture = layer.architecture
            architecture.inputSize = max(future.count, 1)
            architecture.layers = 1
            architecture.bidirectional = false
            architecture.dropout = 0
            let weights = NamedTensors(
                tensors.filter { $0.name.hasPrefix("decoder.") }.map { (String($0.name.dropFirst(8)), $0.tensor) })
            do { decoder = try RecurrentLayer(architecture: architecture, stateDict: weights) } catch {
                throw SafetensorsError(file: name, tensor: "decoder.weight_ih_l0", problem: "\(error)")
            }
        } else if let stray = tensors.names.first(where: { $0.hasPrefix("decoder.") }) {
            throw SafetensorsError(file: name, tensor: stray, problem: "is present, but metadata \"head\" has no decoder")
        }
        let covariateInputs =
            decoder != nil ? 0 : (head.future.map { (head.steps ?? 1) > 1 ? $0.count : $0.steps * $0.count } ?? 0)
        let inputs = (decoder?.outputSize ?? layer.outputSize) + covariateInputs
        guard let weight = tensors["head.weight"] else {
            throw SafetensorsError(file: name, tensor: "head.weight", problem: "is missing")
        }
        let steps = head.steps ?? 1
        guard steps >= 1, head.outputSize >= 1, head.outputSize % steps == 0 else {
            throw SafetensorsError(
                file: name, problem: "metadata \"head\": steps \(steps) must be at least 1 and divide output_size \(head.outputSize)")
        }
        let perStep = head.outputSize / steps
        guard weight.shape == [perStep, inputs] else {
            throw SafetensorsError(
                file: name, tensor: "head.weight",
                problem: "has shape \(weight.shape); the model needs [\(perStep), \(inputs)]")
        }
        let bias = tensors["head.bias"]
        if let bias, bias.shape != [perStep] {
            throw SafetensorsError(
                file: name, tensor: "head.bias",
                problem: "has shape \(bias.shape); the model needs [\(perStep)]")
        }
        var embedding: Embedding?
        if let table = tensors["embedding.weight"] {
            guard table.rank == 2, table.shape[1] == layer.inputSize, table.shape[0] >= 1 else {
                throw SafetensorsError(
                    file: name, tensor: "embedding.weight",
                    problem: "has shape \(table.shape); the model needs [V, \(layer.inputSize)]")
            }
            do { embedding = try Embedding(weight: table) } catch let error as RecurrentError {
                throw SafetensorsError(file: name, tensor: "embedding.weight", problem: error.description)
            }
        }
        let perOutput = head.distribution?.parametersPerOutput ?? 1
        guard head.outputSize % perOutput == 0 else {
            throw SafetensorsError(
                file: name,
                problem: "metadata \"head\": output_size \(head.outputSize) is not a multiple of the distribution's \(perOutput) values per output")
        }
        let points = head.outputSize / perOutput
        var skip: LinearSkip?
        if let steps = head.skipSteps {
            // The skip reads the leading F ≤ D features of each step: its weight is [O, p·F].
            let width = tensors["skip.weight"].map { $0.rank == 2 ? $0.shape[1] : 0 } ?? 0
            let features = steps >= 1 && width % steps == 0 ? width / steps : 0
            guard let skipWeight = tensors["skip.weight"], skipWeight.shape == [points, width],
                (1...layer.inputSize).contains(features)
            else {
                throw SafetensorsError(
                    file: name, tensor: "skip.weight",
                    problem: "is missing or not [\(points), \(steps) × F] (F in 1…\(layer.inputSize)) for skip_steps \(steps)")
            }
            let skipBias = tensors["skip.bias"]
            do {
                skip = try LinearSkip(
                    steps: steps, features: features, dense: Dense(weight: skipWeight, bias: skipBias))
            } catch let error as RecurrentError {
                throw SafetensorsError(file: name, tensor: "skip.bias", problem: error.description)
            }
        } else if tensors["skip.weight"] != nil {
            throw SafetensorsError(file: name, tensor: "skip.weight", problem: "is present, but metadata \"head\" has no skip_steps")
        }
        do {
            let dense = try Dense(weight: weight, bias: bias)
            let covariates = decoder == nil ? head.future : nil
            let sequenceHead = try SequenceHead(
                pooling: head.pooling, dense: dense, directions: layer.directions, steps: steps,
                covariateSteps: covariates?.count ?? 0 > 0 ? covariates!.steps : 0,
                covariatesPerStep: covariates?.count ?? 0)
            return try SequenceModel(
                embedding: embedding, recurrent: layer, head: sequenceHead, skip: skip,
                instanceNormalization: try levelPath(head.instanceNormalization, name: name), distribution: head.distribution,
                future: head.future, decoder: decoder)
        } catch let error as RecurrentError {
            throw SafetensorsError(file: name, tensor: "head.weight", problem: error.description)
        }
    }

    /// The record's normalisation with its level path's `revin.level.weight` and `revin.level.bias` (which a
    /// record with `level_path` needs and one without must not have).
    private func levelPath(_ norm: InstanceNormalization?, name: String) throws -> InstanceNormalization? {
        let names = ["revin.level.weight", "revin.level.bias"]
        guard let norm, norm.hasLevelPath else {
            if let stray = names.first(where: { tensors[$0] != nil }) {
                throw SafetensorsError(file: name, tensor: stray, problem: "is present, but metadata \"head\" has no level_path")
            }
            return norm
        }
        guard let weight = tensors[names[0]], let bias = tensors[names[1]] else {
            throw SafetensorsError(
                file: name, tensor: tensors[names[0]] == nil ? names[0] : names[1],
                problem: "is missing; metadata \"head\" has a level_path")
        }
        do { return try norm.withLevelPath(weight: weight, bias: bias) } catch let error as RecurrentError {
            throw SafetensorsError(file: name, tensor: names[0], problem: error.description)
        }
    }
}
