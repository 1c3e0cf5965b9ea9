import Foundation

/// A model as one safetensors file: a recurrent layer's weights and
/// architecture, the tensors of the model's other modules, and metadata.
///
/// ## Layout
/// - The recurrent layer's weights carry PyTorch's `state_dict` names, with no
///   prefix: `weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`,
///   `weight_ih_l0_reverse`, … (see ``RecurrentLayer``). They are written as
///   F32.
/// - Every other tensor has a dot in its name: `head.weight`, `head.bias`,
///   `embedding.weight`. Those are ``tensors`` and ``integerTensors``, which
///   Recurrent stores and returns unchanged and which the layer ignores.
/// - The header's `__metadata__` holds `format` = `recurrent`,
///   `format_version` = `1`, and `architecture`, the layer's
///   ``RecurrentArchitecture`` as JSON, such as
///   `{"bias":true,"bidirectional":false,"cell":"rnn","dropout":0,"hidden_size":6,"input_size":4,"nonlinearity":"relu","num_layers":1}`.
///   The other keys are ``metadata``, free for normalisation statistics,
///   a vocabulary or a training summary, as strings (JSON, typically).
///
/// Such a file loads into PyTorch as it is: the tensors of
/// `safetensors.torch.load_file(path)` whose names have no dot are the
/// `state_dict` of the `nn.RNN`, `nn.LSTM` or `nn.GRU` (per `cell`) built
/// with `batch_first=True` and the architecture's other keys as arguments
/// (`scripts/check_export.py` does this). A sigmoid Elman RNN has no PyTorch
/// module; its weights load into a hand-written loop.
///
/// ## Reading
/// A file whose metadata has `format` = `recurrent` is read by its recorded
/// architecture: `format_version` must be `1`, `architecture` well-formed,
/// and the tensors must be exactly the ones that architecture needs, with its
/// shapes. Any other safetensors file — a PyTorch `state_dict` saved with
/// `safetensors.torch.save_file`, in any float dtype — is read by inferring
/// the architecture from names and shapes, as
/// ``RecurrentLayer/init(stateDict:nonlinearity:dropout:)-(NamedTensors,_,_)`` does. Either
/// way, weights must be finite, and a name without a dot that is not one of
/// the layer's weights is an error. A plain file's own `format` key (`pt`, for
/// instance) describes that file, not the model, and is dropped with the
/// other reserved keys.
///
/// Every error is a ``SafetensorsError`` naming the file and the tensor or
/// metadata key at fault, and nothing is partly loaded:
///
/// ```text
/// lstm.safetensors: tensor "weight_hh_l1": has shape [28, 6]; the architecture in the metadata, LSTM(input 5, hidden 7, 2 layers), needs [28, 7]
/// gru.safetensors: metadata "format_version": unsupported version "2"; this build of Recurrent reads version 1
/// ```
///
/// ## Example
/// ```swift
/// var generator = RandomGenerator(seed: 1)
/// let lstm = try RecurrentLayer(cell: .lstm, inputSize: 5, hiddenSize: 7, generator: &generator)
/// var file = ModelFile(layer: lstm, metadata: ["normalization": #"{"mean":[0.5],"std":[2]}"#])
/// file.tensors["head.weight"] = Tensor.normal([1, 7], using: &generator)
/// try file.write(to: URL(fileURLWithPath: "model.safetensors"))
///
/// let loaded = try ModelFile(contentsOf: URL(fileURLWithPath: "model.safetensors"))
/// print(loaded.layer.architecture)   // LSTM(input 5, hidden 7, 1 layer)
/// ```
public struct ModelFile: Sendable {
    /// The recurrent layer: its architecture and weights.
    public var layer: RecurrentLayer
    /// The other modules' float tensors, by names that contain a dot
    /// (`head.weight`), sorted by name when read from a file.
    public var tensors: NamedTensors
    /// The other modules' integer tensors, by names that contain a dot.
    public var integerTensors: [String: IntegerTensor]
    /// The header's metadata other than the keys the file format reserves
    /// (``reservedMetadataKeys``).
    public var metadata: [String: String]

    /// `recurrent`, the value of the metadata key `format` in a Recurrent model file.
    public static let format = "recurrent"
    /// The version of the layout that this build writes and reads: 1.
    public static let formatVersion = 1
    /// The metadata keys that the format writes itself: `format`,
    /// `format_version` and `architecture`.
    public static let reservedMetadataKeys: Set<String> = ["format", "format_version", "architecture"]

    /// A model file holding `layer` and, optionally, other modules' tensors
    /// and metadata; ``write(to:)`` checks them.
    public init(
        layer: RecurrentLayer, tensors: NamedTensors = NamedTensors(), integerTensors: [String: IntegerTensor] = [:],
        metadata: [String: String] = [:]
    ) {
        self.layer = layer
        self.tensors = tensors
        self.integerTensors = integerTensors
        self.metadata = metadata
    }

    /// Reads a Recurrent model file, or a PyTorch `state_dict` saved as
    /// safetensors, as described under "Reading" above.
    ///
    /// - Parameters:
    ///   - url: A file URL. Errors name the file by its path.
    ///   - nonlinearity: φ of an Elman RNN read from a `state_dict`, which
    ///     does not record it (nil means `tanh`, PyTorch's default). For a
    ///     Recurrent file the metadata records φ, and a different value here
    ///     is an error. Ignored for an LSTM or GRU.
    /// - Throws: ``SafetensorsError`` naming the file and the tensor or
    ///   metadata key at fault; nothing is partly loaded.
    public init(contentsOf url: URL, nonlinearity: Nonlinearity? = nil) throws {
        let name = url.displayName
        try self.init(checking: try SafetensorsFile(contentsOf: url), name: name, nonlinearity: nonlinearity)
    }

    /// Reads a model file from its bytes, as ``init(contentsOf:nonlinearity:)``
    /// reads it from disk.
    ///
    /// - Parameters:
    ///   - data: The whole file.
    ///   - name: What to call the file in errors, such as its path.
    ///   - nonlinearity: See ``init(contentsOf:nonlinearity:)``.
    public init(data: Data, name: String, nonlinearity: Nonlinearity? = nil) throws {
        try self.init(checking: try SafetensorsFile(data: data, name: name), name: name, nonlinearity: nonlinearity)
    }

    /// The file's bytes: the layer's weights, the other tensors, and the
    /// metadata with the format's keys added.
    ///
    /// The same contents always give the same bytes.
    ///
    /// - Throws: ``SafetensorsError`` if ``metadata`` uses a reserved key, a
    ///   name in ``tensors`` or ``integerTensors`` has no dot or is in both,
    ///   or a weight of the layer is not finite.
    public func serialized() throws -> Data {
        try safetensorsFile(name: "model data").serialized()
    }

    /// Writes the file atomically (see ``SafetensorsFile/write(to:)``): a
    /// reader, or a run interrupted at any moment, sees the old file or the
    /// new one, never a partial one.
    ///
    /// - Parameter url: A file URL in an existing folder.
    /// - Throws: ``SafetensorsError`` naming the file, for the problems listed
    ///   under ``serialized()`` or a failed write; the previous file at `url`,
    ///   if any, is then left unchanged.
    public func write(to url: URL) throws {
        try safetensorsFile(name: url.displayName).write(to: url)
    }
}

// MARK: - Reading and writing

extension ModelFile {
    /// The model in `file`, checked; errors name the file `name`.
    package init(checking file: SafetensorsFile, name: String, nonlinearity: Nonlinearity?) throws {
        for tensorName in file.integerTensors.keys.sorted(by: Self.byUTF8) where !tensorName.contains(".") {
            throw SafetensorsError(
                file: name, tensor: tensorName,
                problem: "is an integer tensor, but a name without a dot is a weight of the recurrent layer")
        }
        let all = NamedTensors(file.tensors.sorted { Self.byUTF8($0.key, $1.key) }.map { ($0.key, $0.value) })
        let architecture: RecurrentArchitecture
        let source: String
        if file.metadata["format"] == Self.format {
            architecture = try Self.recordedArchitecture(file.metadata, file: name, nonlinearity: nonlinearity)
            source = "the architecture in the metadata, \(architecture),"
        } else {
            do {
                architecture = try RecurrentArchitecture(
                    inferringFrom: all, nonlinearity: nonlinearity ?? .tanh, dropout: 0)
            } catch let error as RecurrentError {
                throw Self.fileError(error, file: name, source: "inferring the architecture")
            }
            source = "the architecture inferred from weight_ih_l0 and weight_hh_l0, \(architecture),"
        }
        do {
            layer = try RecurrentLayer(architecture: architecture, stateDict: all)
        } catch let error as RecurrentError {
            throw Self.fileError(error, file: name, source: source)
        }
        tensors = NamedTensors(all.filter { $0.name.contains(".") }.map { ($0.name, $0.tensor) })
        integerTensors = file.integerTensors
        metadata = file.metadata.filter { !Self.reservedMetadataKeys.contains($0.key) }
    }

    /// The safetensors file to write; errors name the file `name`.
    func safetensorsFile(name: String) throws -> SafetensorsFile {
        if let key = metadata.keys.sorted(by: Self.byUTF8).first(where: Self.reservedMetadataKeys.contains) {
            throw SafetensorsError(
                file: name,
                problem: "metadata \(SafetensorsJSON.quoted(key)): reserved; the model file writes it itself")
        }
        let otherNames = tensors.names + integerTensors.keys.sorted(by: Self.byUTF8)
        if let undotted = otherNames.first(where: { !$0.contains(".") }) {
            throw SafetensorsError(
                file: name, tensor: undotted,
                problem: "has no dot in its name, but such names are the recurrent layer's weights; "
                    + "prefix the module's name, as in head.weight")
        }
        let architecture = layer.architecture
        do {
            _ = try architecture.parameters(in: layer.parameters)
        } catch let error as RecurrentError {
            throw Self.fileError(error, file: name, source: "the layer's architecture, \(architecture),")
        }
        var floats: [String: Tensor] = [:]
        for (tensorName, tensor) in layer.parameters { floats[tensorName] = tensor }
        for (tensorName, tensor) in tensors { floats[tensorName] = tensor }
        var header = metadata
        header["format"] = Self.format
        header["format_version"] = String(Self.formatVersion)
        header["architecture"] = try metadataJSON(architecture)
        return SafetensorsFile(tensors: floats, integerTensors: integerTensors, metadata: header)
    }

    /// The architecture that a file of format `recurrent` records.
    static func recordedArchitecture(
        _ metadata: [String: String], file: String, nonlinearity: Nonlinearity?
    ) throws -> RecurrentArchitecture {
        func problem(_ key: String, _ text: String) -> SafetensorsError {
            SafetensorsError(file: file, problem: "metadata \(SafetensorsJSON.quoted(key)): \(text)")
        }
        guard let version = metadata["format_version"] else {
            throw problem("format_version", "missing; a file of format \"\(format)\" records its version")
        }
        guard version == String(formatVersion) else {
            let shown = version.count > 40 ? version.prefix(40) + "…" : version
            let quoted = SafetensorsJSON.quoted(String(shown))
            throw problem(
                "format_version",
                "unsupported version \(quoted); this build of Recurrent reads version \(formatVersion)")
        }
        guard let json = metadata["architecture"] else {
            throw problem("architecture", "missing; a file of format \"\(format)\" records its architecture")
        }
        let data = Data(json.utf8)
        do {
            _ = try JSONSerialization.jsonObject(with: data, options: .fragmentsAllowed)
        } catch {
            let detail = (error as NSError).userInfo["NSDebugDescription"] as? String ?? error.localizedDescription
            throw problem("architecture", "not valid JSON (\(detail))")
        }
        if (try? JSONDecoder().decode(WindowMLPArchitecture.self, from: data))?.kind == "mlp" {
            throw problem(
                "architecture",
                "holds an MLP (a WindowMLP), not a recurrent layer; read it as a SequenceNetwork")
        }
        let architecture: RecurrentArchitecture
        do {
            architecture = try JSONDecoder().decode(RecurrentArchitecture.self, from: data)
        } catch let error as DecodingError {
            throw problem("architecture", describe(error))
        }
        if let nonlinearity, case .elman(let recorded) = architecture.cell, recorded != nonlinearity {
            throw problem(
                "architecture",
                "records nonlinearity \(recorded.rawValue), but \(nonlinearity.rawValue) was asked for")
        }
        return architecture
    }

    /// `error`, from checking the tensors against the architecture that
    /// `source` names, as an error about the file.
    static func fileError(_ error: RecurrentError, file: String, source: String) -> SafetensorsError {
        switch error {
        case .missingParameter(let name):
            return SafetensorsError(file: file, tensor: name, problem: "missing; \(source) needs it")
        case .parameterShapeMismatch(let name, let expected, let actual):
            return SafetensorsError(
                file: file, tensor: name, problem: "has shape \(actual); \(source) needs \(expected)")
        case .unexpectedParameter(let name):
            return SafetensorsError(
                file: file, tensor: name,
                problem:
                    "unexpected: not a weight of \(source) and not another module's tensor (such names contain a dot)")
        case .invalidArgument(let name, let value, let reason) where name != "stateDict":
            let detail = value.hasPrefix("of ") ? String(value.dropFirst(3)) : value
            return SafetensorsError(file: file, tensor: name, problem: "\(detail): \(reason)")
        case .invalidArgument(_, _, let reason):
            return SafetensorsError(file: file, problem: reason)
        case .nonFinite:
            return SafetensorsError(file: file, problem: error.description)
        }
    }

    /// One phrase for a failure to decode the architecture's JSON.
    package static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            SafetensorsJSON.quoted(codingPath.map(\.stringValue).joined(separator: "."))
        }
        func kind(_ type: Any.Type) -> String {
            switch type {
            case is Int.Type: "an integer"
            case is Bool.Type: "true or false"
            case is String.Type: "a string"
            case is Float.Type, is Double.Type: "a number"
            default: "a JSON object"
            }
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "key \(path(context.codingPath + [key])) is missing"
        case .typeMismatch(let type, let context) where context.codingPath.isEmpty:
            return "expected \(kind(type)), found other JSON"
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            return "key \(path(context.codingPath)): expected \(kind(type))"
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return "not valid JSON"
        case .dataCorrupted(let context):
            return "key \(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "cannot be decoded: \(error)"
        }
    }

    static func byUTF8(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }
}

// MARK: - The architecture as JSON

extension RecurrentArchitecture: Codable {
    private enum CodingKeys: String, CodingKey {
        case cell, nonlinearity, bidirectional, bias, dropout
        case inputSize = "input_size"
        case hiddenSize = "hidden_size"
        case layers = "num_layers"
    }

    /// Decodes and checks an architecture written with PyTorch's argument
    /// names (see ``RecurrentArchitecture``).
    ///
    /// - Throws: `DecodingError` for a missing key, a value of the wrong
    ///   type, an unknown cell or nonlinearity, a size outside 1 … 2³¹ − 1
    ///   or a dropout outside [0, 1).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func fail(_ key: CodingKeys, _ text: String) -> DecodingError {
            .dataCorruptedError(forKey: key, in: container, debugDescription: text)
        }
        let cellName = try container.decode(String.self, forKey: .cell)
        switch cellName {
        case "rnn":
            let name = try container.decode(String.self, forKey: .nonlinearity)
            guard let phi = Nonlinearity(rawValue: name) else {
                throw fail(.nonlinearity, "\(SafetensorsJSON.quoted(name)) is not tanh, relu or sigmoid")
            }
            cell = .elman(phi)
        case "lstm": cell = .lstm
        case "gru": cell = .gru
        default: throw fail(.cell, "\(SafetensorsJSON.quoted(cellName)) is not rnn, lstm or gru")
        }
        func size(_ key: CodingKeys) throws -> Int {
            let value = try container.decode(Double.self, forKey: key)
            guard value >= 1, value <= Double(Int32.max), value == value.rounded() else {
                let shown = value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
                throw fail(key, "must be a whole number in 1 … 2147483647, not \(shown)")
            }
            return Int(value)
        }
        inputSize = try size(.inputSize)
        hiddenSize = try size(.hiddenSize)
        layers = try size(.layers)
        bidirectional = try container.decode(Bool.self, forKey: .bidirectional)
        bias = try container.decode(Bool.self, forKey: .bias)
        dropout = try container.decode(Float.self, forKey: .dropout)
        guard dropout >= 0, dropout < 1 else { throw fail(.dropout, "must lie in [0, 1), not \(dropout)") }
    }

    /// Encodes the architecture with PyTorch's argument names; `nonlinearity`
    /// only for an Elman RNN.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(cell.name, forKey: .cell)
        if case .elman(let phi) = cell { try container.encode(phi.rawValue, forKey: .nonlinearity) }
        try container.encode(inputSize, forKey: .inputSize)
        try container.encode(hiddenSize, forKey: .hiddenSize)
        try container.encode(layers, forKey: .layers)
        try container.encode(bidirectional, forKey: .bidirectional)
        try container.encode(bias, forKey: .bias)
        try container.encode(dropout, forKey: .dropout)
    }
}

// MARK: - The layer alone

extension RecurrentLayer {
    /// Writes the layer as a Recurrent model file (see ``ModelFile``), atomically.
    ///
    /// ```swift
    /// try lstm.save(to: URL(fileURLWithPath: "lstm.safetensors"), metadata: ["trained_on": "mackey-glass"])
    /// let same = try RecurrentLayer(contentsOf: URL(fileURLWithPath: "lstm.safetensors"))
    /// ```
    ///
    /// - Parameters:
    ///   - url: A file URL in an existing folder.
    ///   - metadata: Free-form annotations; the keys `format`,
    ///     `format_version` and `architecture` are reserved.
    /// - Throws: ``SafetensorsError`` naming the file, as ``ModelFile/write(to:)``.
    public func save(to url: URL, metadata: [String: String] = [:]) throws {
        try ModelFile(layer: self, metadata: metadata).write(to: url)
    }

    /// Reads the recurrent layer of a Recurrent model file or of a PyTorch
    /// `state_dict` saved as safetensors; tensors of other modules (names
    /// with a dot) are ignored.
    ///
    /// - Parameters:
    ///   - url: A file URL.
    ///   - nonlinearity: φ of an Elman RNN read from a `state_dict` (nil means
    ///     `tanh`); see ``ModelFile/init(contentsOf:nonlinearity:)``.
    /// - Throws: ``SafetensorsError`` naming the file and the tensor or
    ///   metadata key at fault.
    public init(contentsOf url: URL, nonlinearity: Nonlinearity? = nil) throws {
        self = try ModelFile(contentsOf: url, nonlinearity: nonlinearity).layer
    }
}
