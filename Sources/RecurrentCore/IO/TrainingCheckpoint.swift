import Foundation

/// Everything needed to continue training exactly where it stopped: the
/// model's parameters, the optimiser's state, the trainer's step count and
/// dropout generator, and the caller's own notes (epoch, shuffle generator,
/// loss history).
///
/// A trainer restored from a checkpoint takes the same steps, bit for bit, as
/// one that never stopped: parameters and optimiser tensors are stored as
/// F32, exactly.
///
/// ```swift
/// try trainer.checkpoint(metadata: ["epoch": "3"]).write(to: url)
/// // … later, in a new process, with a trainer built the same way:
/// let saved = try TrainingCheckpoint(contentsOf: url)
/// try trainer.restore(saved)
/// let epoch = Int(saved.metadata["epoch"] ?? "0") ?? 0
/// ```
///
/// ## Layout
/// One safetensors file (see ``SafetensorsFile``):
/// - tensors `model.NAME`, the parameters by their ``Module/parameters`` names,
///   `optimizer.KEY`, the optimiser's tensors as
///   ``Optimizer/exportState()`` names them (`optimizer.weight_ih_l0.exp_avg`),
///   and `user.NAME`, the caller's own tensors (``userTensors``);
/// - metadata `format` = `recurrent-checkpoint`, `format_version` = `1`,
///   `step` (decimal), `generator` (the ``RandomGenerator`` as JSON),
///   `parameters`, `optimizer_tensors` and `user_tensors` (the tensor names
///   in order, as JSON arrays), `optimizer.KEY` per optimiser value (`optimizer.type` = `Adam`,
///   `optimizer.weight_ih_l0.step` = `12`) and `user.KEY` per entry of
///   ``metadata``, so the caller's keys cannot collide with the format's.
///
/// ## Reading
/// The file is untrusted: beyond ``SafetensorsFile``'s checks, reading
/// requires every key above, the format and version, a step ≥ 0, a
/// well-formed generator, exactly the tensors that the name lists give (F32
/// as written; no integer tensors), finite parameters, and no other metadata
/// key. Each failure is a ``SafetensorsError`` naming the file and the tensor
/// or metadata key. Whether the contents fit a particular model and optimiser
/// is checked by the trainer's `restore(_:)`.
public struct TrainingCheckpoint: Sendable, Equatable {
    /// The model's parameters by name (``Module/parameters``).
    public var parameters: NamedTensors
    /// The optimiser's state tensors, such as `weight_ih_l0.exp_avg`.
    public var optimizerTensors: NamedTensors
    /// The optimiser's scalars, such as `weight_ih_l0.step` = `12` and `type` = `Adam`.
    public var optimizerValues: [String: String]
    /// The trainer's number of updates so far (≥ 0).
    public var step: Int
    /// The trainer's dropout generator, as it stands before the next step.
    public var generator: RandomGenerator
    /// The caller's own entries: epoch, shuffle generator, loss history, options.
    public var metadata: [String: String]
    /// The caller's own tensors, such as the best epoch's weights kept for
    /// early stopping; none by default.
    public var userTensors = NamedTensors()

    /// `recurrent-checkpoint`, the value of the metadata key `format`.
    public static let format = "recurrent-checkpoint"
    /// The version of the layout that this build writes and reads: 1.
    public static let formatVersion = 1

    /// A checkpoint of the given contents.
    ///
    /// - Parameters:
    ///   - parameters: the model's parameters by name.
    ///   - optimizerTensors: the optimiser's tensors (``Optimizer/exportState()``).
    ///   - optimizerValues: the optimiser's values (``Optimizer/exportState()``).
    ///   - step: the trainer's update count.
    ///   - generator: the trainer's dropout generator.
    ///   - metadata: the caller's own entries.
    public init(
        parameters: NamedTensors, optimizerTensors: NamedTensors, optimizerValues: [String: String], step: Int,
        generator: RandomGenerator, metadata: [String: String] = [:]
    ) {
        self.parameters = parameters
        self.optimizerTensors = optimizerTensors
        self.optimizerValues = optimizerValues
        self.step = step
        self.generator = generator
        self.metadata = metadata
    }

    /// Reads and checks the checkpoint at `url`, as described under "Reading".
    ///
    /// - Parameter url: A file URL. Errors name the file by its path.
    /// - Throws: ``SafetensorsError`` naming the file and the tensor or
    ///   metadata key at fault.
    public init(contentsOf url: URL) throws {
        let name = url.displayName
        try self.init(checking: try SafetensorsFile(contentsOf: url), name: name)
    }

    /// Reads a checkpoint from its bytes, as ``init(contentsOf:)`` reads it from disk.
    ///
    /// - Parameters:
    ///   - data: The whole file.
    ///   - name: What to call the file in errors.
    public init(data: Data, name: String) throws {
        try self.init(checking: try SafetensorsFile(data: data, name: name), name: name)
    }

    /// The file's bytes; the same checkpoint always gives the same bytes.
    ///
    /// - Throws: ``SafetensorsError`` for a negative step or a non-finite parameter.
    public func serialized() throws -> Data {
        try safetensorsFile(name: "checkpoint data").serialized()
    }

    /// Writes the checkpoint atomically (``AtomicFile``): a reader, or a run
    /// interrupted at any moment, finds the previous checkpoint or this one,
    /// never a partial file.
    ///
    /// - Parameter url: A file URL in an existing folder.
    /// - Throws: ``SafetensorsError`` naming the file, for the problems of
    ///   ``serialized()`` or a failed write; the previous file is then unchanged.
    public func write(to url: URL) throws {
        try safetensorsFile(name: url.displayName).write(to: url)
    }
}

// MARK: - Reading and writing

extension TrainingCheckpoint {
    private static let modelPrefix = "model."
    private static let optimizerPrefix = "optimizer."
    private static let userPrefix = "user."
    private static let formatKeys: Set<String> = [
        "format", "format_version", "step", "generator", "parameters", "optimizer_tensors", "user_tensors",
    ]

    /// The safetensors file to write; errors name the file `name`.
    func safetensorsFile(name: String) throws -> SafetensorsFile {
        guard step >= 0 else {
            throw SafetensorsError(file: name, problem: "step \(step) is negative")
        }
        if let bad = parameters.first(where: { !$0.tensor.isFinite }) {
            throw SafetensorsError(file: name, tensor: Self.modelPrefix + bad.name, problem: "holds NaN or infinity")
        }
        var tensors: [String: Tensor] = [:]
        for (key, tensor) in parameters { tensors[Self.modelPrefix + key] = tensor }
        for (key, tensor) in optimizerTensors { tensors[Self.optimizerPrefix + key] = tensor }
        for (key, tensor) in userTensors { tensors[Self.userPrefix + key] = tensor }
        var header: [String: String] = [
            "format": Self.format,
            "format_version": String(Self.formatVersion),
            "step": String(step),
            "generator": try metadataJSON(generator),
            "parameters": try metadataJSON(parameters.names),
            "optimizer_tensors": try metadataJSON(optimizerTensors.names),
            "user_tensors": try metadataJSON(userTensors.names),
        ]
        for (key, value) in optimizerValues { header[Self.optimizerPrefix + key] = value }
        for (key, value) in metadata { header[Self.userPrefix + key] = value }
        return SafetensorsFile(tensors: tensors, metadata: header)
    }

    /// The checkpoint in `file`, checked; errors name the file `name`.
    init(checking file: SafetensorsFile, name: String) throws {
        func problem(_ key: String, _ text: String) -> SafetensorsError {
            SafetensorsError(file: name, problem: "metadata \(SafetensorsJSON.quoted(key)): \(text)")
        }
        func shown(_ text: String) -> String { SafetensorsJSON.quoted(text.count > 40 ? text.prefix(40) + "…" : text) }
        let metadata = file.metadata
        guard let format = metadata["format"] else {
            throw problem("format", "missing; not a Recurrent training checkpoint (format \"\(Self.format)\")")
        }
        guard format == Self.format else {
            let what = format == ModelFile.format ? "a Recurrent model file" : "another kind of file"
            throw problem("format", "is \(shown(format)), \(what), not a training checkpoint (\"\(Self.format)\")")
        }
        func required(_ key: String) throws -> String {
            guard let value = metadata[key] else { throw problem(key, "missing; a training checkpoint records it") }
            return value
        }
        let version = try required("format_version")
        guard version == String(Self.formatVersion) else {
            throw problem(
                "format_version",
                "unsupported version \(shown(version)); this build of Recurrent reads version \(Self.formatVersion)")
        }
        let stepText = try required("step")
        guard let step = Int(stepText), step >= 0 else {
            throw problem("step", "is \(shown(stepText)), not a whole number ≥ 0")
        }
        let decoder = JSONDecoder()
        func decode<T: Decodable>(_ type: T.Type, _ key: String, _ expected: String) throws -> T {
            let text = try required(key)
            guard let value = try? decoder.decode(T.self, from: Data(text.utf8)) else {
                throw problem(key, "is \(shown(text)), not \(expected)")
            }
            return value
        }
        let generator = try decode(RandomGenerator.self, "generator", "a random generator's state as JSON")
        let parameterNames = try decode([String].self, "parameters", "a JSON array of tensor names")
        let optimizerNames = try decode([String].self, "optimizer_tensors", "a JSON array of tensor names")
        let userNames = try decode([String].self, "user_tensors", "a JSON array of tensor names")

        for key in metadata.keys.sorted(by: OptimizerState.byUTF8)
        where !Self.formatKeys.contains(key) && !key.hasPrefix(Self.optimizerPrefix) && !key.hasPrefix(Self.userPrefix)
        {
            throw problem(
                key, "not part of a version-\(Self.formatVersion) checkpoint (the caller's keys begin with user.)")
        }
        if let integer = file.integerTensors.keys.sorted(by: OptimizerState.byUTF8).first {
            throw SafetensorsError(
                file: name, tensor: integer, problem: "is an integer tensor; a checkpoint holds F32 tensors only")
        }
        var unlisted = Set(file.tensors.keys)
        func tensors(_ names: [String], prefix: String, list: String) throws -> NamedTensors {
            var result = NamedTensors()
            for key in names {
                let tensorName = prefix + key
                guard result[key] == nil else {
                    throw problem(list, "lists \(SafetensorsJSON.quoted(key)) twice")
                }
                guard let tensor = file.tensors[tensorName] else {
                    throw SafetensorsError(
                        file: name, tensor: tensorName, problem: "missing; the metadata \"\(list)\" lists it")
                }
                unlisted.remove(tensorName)
                result[key] = tensor
            }
            return result
        }
        let parameters = try tensors(parameterNames, prefix: Self.modelPrefix, list: "parameters")
        let optimizerTensors = try tensors(optimizerNames, prefix: Self.optimizerPrefix, list: "optimizer_tensors")
        let userTensors = try tensors(userNames, prefix: Self.userPrefix, list: "user_tensors")
        if let extra = unlisted.sorted(by: OptimizerState.byUTF8).first {
            throw SafetensorsError(
                file: name, tensor: extra,
                problem:
                    "is listed in none of \"parameters\" (as model.NAME), \"optimizer_tensors\" (as optimizer.KEY) "
                    + "and \"user_tensors\" (as user.NAME)")
        }
        if let bad = parameters.first(where: { !$0.tensor.isFinite }) {
            throw SafetensorsError(file: name, tensor: Self.modelPrefix + bad.name, problem: "holds NaN or infinity")
        }
        var optimizerValues: [String: String] = [:]
        var user: [String: String] = [:]
        for (key, value) in metadata {
            if key.hasPrefix(Self.optimizerPrefix) {
                optimizerValues[String(key.dropFirst(Self.optimizerPrefix.count))] = value
            }
            if key.hasPrefix(Self.userPrefix) { user[String(key.dropFirst(Self.userPrefix.count))] = value }
        }
        self.init(
            parameters: parameters, optimizerTensors: optimizerTensors, optimizerValues: optimizerValues, step: step,
            generator: generator, metadata: user)
        self.userTensors = userTensors
    }
}

// MARK: - Restoring a trainer

extension TrainingCheckpoint {
    /// The model and optimiser with this checkpoint's state, checked against
    /// the given ones; nothing is changed on error.
    ///
    /// - Throws: ``RecurrentError`` naming the parameter or optimiser key that
    ///   does not fit: ``RecurrentError/missingParameter(name:)``,
    ///   ``RecurrentError/unexpectedParameter(name:)``,
    ///   ``RecurrentError/parameterShapeMismatch(name:expected:actual:)``, or
    ///   ``RecurrentError/invalidArgument(name:value:reason:)`` for the step or
    ///   the optimiser state.
    func restored<Model: Module, Rule: Optimizer>(_ model: Model, _ optimizer: Rule) throws -> (Model, Rule) {
        guard step >= 0 else {
            throw RecurrentError.invalidArgument(name: "checkpoint step", value: "\(step)", reason: "must be ≥ 0")
        }
        var model = model
        try model.loadParameters(parameters)
        var optimizer = optimizer
        try optimizer.importState(tensors: optimizerTensors, values: optimizerValues, parameters: parameters)
        return (model, optimizer)
    }
}
