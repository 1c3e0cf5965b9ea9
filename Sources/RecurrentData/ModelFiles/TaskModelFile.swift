import Foundation
import RecurrentCore

/// What a task records beside its network in a model file, and what it
/// asks of the network: the part that makes a ``TaskModelFile`` a
/// forecaster (``SeriesForecastTask``), a classifier
/// (``SequenceClassificationTask``) or a text model (``TextModelTask``).
///
/// A task owns its metadata keys (``keys``): it writes them in
/// ``metadata()``, reads them back in ``init(reading:)`` and checks the
/// network in ``check(_:in:)``. Everything else — the `task` key, the
/// network's tensors and `head` record, the MLP variant, atomic writes and
/// the wording of every error — is ``TaskModelFile``'s, the same for each.
public protocol ModelFileTask: Sendable {
    /// The value of the metadata key `task`, such as `series-forecast`.
    static var name: String { get }
    /// What a file of the task holds, for messages: `a series-forecasting model`.
    static var summary: String { get }
    /// The metadata keys the task writes, beside `task` (and the network's `head`).
    static var keys: Set<String> { get }
    /// Whether the `WindowMLP` baseline may hold the task (true by default).
    static var allowsMLP: Bool { get }
    /// The task's metadata values, under ``keys``.
    func metadata() throws -> [String: String]
    /// The task as `reader`'s metadata records it.
    ///
    /// - Parameter reader: the file's metadata, with errors that name the file and key.
    /// - Throws: what `reader` makes: a `SafetensorsError` naming the file and key at fault.
    init(reading reader: TaskMetadataReader) throws
    /// Checks that `network` fits the task (what it reads, how many outputs,
    /// its pooling).
    ///
    /// - Parameters:
    ///   - network: the file's network.
    ///   - reader: makes the errors, naming the file and key or tensor.
    /// - Throws: a `SafetensorsError` from `reader`.
    func check(_ network: SequenceNetwork, in reader: TaskMetadataReader) throws
    /// The recurrent network of `file`; by default
    /// `ModelFile.sequenceModel(name:)`, the model its `head` record describes.
    ///
    /// - Parameters:
    ///   - file: the checked model file.
    ///   - reader: makes the errors, naming the file.
    /// - Throws: a `SafetensorsError` naming the file and the tensor or key at fault.
    func sequenceModel(from file: ModelFile, in reader: TaskMetadataReader) throws -> SequenceModel
}

extension ModelFileTask {
    /// True: the MLP baseline may hold the task.
    public static var allowsMLP: Bool { true }

    /// The model the file's `head` record describes.
    ///
    /// - Parameters:
    ///   - file: the checked model file.
    ///   - reader: makes the errors, naming the file.
    /// - Throws: a `SafetensorsError` naming the file and the tensor or key at fault.
    public func sequenceModel(from file: ModelFile, in reader: TaskMetadataReader) throws -> SequenceModel {
        try file.sequenceModel(name: reader.file)
    }
}

/// A model file's metadata as a task reads it, with errors that all read
/// `FILE: metadata "KEY": PROBLEM` (or name the tensor).
public struct TaskMetadataReader: Sendable {
    /// The file's metadata, every key.
    public let metadata: [String: String]
    /// What to call the file in errors, such as its path.
    public let file: String

    /// A reader of `metadata` from the file called `file`.
    ///
    /// - Parameters:
    ///   - metadata: the file's metadata.
    ///   - file: what to call the file in errors.
    public init(metadata: [String: String], file: String) {
        self.metadata = metadata
        self.file = file
    }

    /// The error for a bad metadata value.
    ///
    /// - Parameters:
    ///   - key: the metadata key.
    ///   - problem: what is wrong with its value.
    public func fail(_ key: String, _ problem: String) -> SafetensorsError {
        SafetensorsError(file: file, problem: "metadata \"\(key)\": \(problem)")
    }

    /// The error for a bad tensor.
    ///
    /// - Parameters:
    ///   - tensor: the tensor's name.
    ///   - problem: what is wrong with it.
    public func fail(tensor: String, _ problem: String) -> SafetensorsError {
        SafetensorsError(file: file, tensor: tensor, problem: problem)
    }

    /// The text of `key`.
    ///
    /// - Parameter key: the metadata key.
    /// - Throws: "is missing" when the file has no such key.
    public func text(_ key: String) throws -> String {
        guard let text = metadata[key] else { throw fail(key, "is missing") }
        return text
    }

    /// The value of `key`, decoded from JSON.
    ///
    /// - Parameters:
    ///   - type: what the JSON holds.
    ///   - key: the metadata key.
    /// - Throws: "is missing", or "is not valid: …" naming the JSON's fault.
    public func decode<T: Decodable>(_ type: T.Type, _ key: String) throws -> T {
        let text = try text(key)
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch let error as DecodingError {
            throw fail(key, "is not valid: " + ModelFile.describe(error))
        }
    }
}

/// A network and the task it was trained for, as one Recurrent model file:
/// the `SequenceNetwork` (recurrent, or the `WindowMLP` baseline where
/// the task allows it), the task's own record (``ModelFileTask``) and free
/// ``metadata`` such as a training summary.
///
/// ``ForecastModelFile``, ``SequenceClassifierFile`` and ``TextModelFile``
/// are this type for their tasks; the task's fields read through it
/// (`file.options`, `file.classes`, `file.vocabulary`).
///
/// ## Layout
/// A `ModelFile` of the recurrent network (its weights under PyTorch's
/// names, the `head` record), or the MLP's tensors and `architecture`;
/// the metadata key `task` = ``ModelFileTask/name``; the task's
/// ``ModelFileTask/keys``; and any other keys of ``metadata``.
///
/// Reading checks the `task` key first, then the task's record, then that
/// the network fits it: every problem is one `SafetensorsError` naming the
/// file and the tensor or metadata key at fault.
@dynamicMemberLookup
public struct TaskModelFile<Task: ModelFileTask>: Sendable {
    /// The network: recurrent layers and head, or the MLP baseline.
    public var network: SequenceNetwork
    /// What the task records: columns and normalisation, classes, vocabulary.
    public var task: Task
    /// Free metadata stored beside the reserved keys.
    public var metadata: [String: String]

    /// The task's fields, read and written through the file: `file.options`.
    public subscript<Value>(dynamicMember keyPath: WritableKeyPath<Task, Value>) -> Value {
        get { task[keyPath: keyPath] }
        set { task[keyPath: keyPath] = newValue }
    }

    /// The value of the metadata key `task` for this kind of file.
    public static var taskName: String { Task.name }
    /// The metadata keys the file writes itself: `task`, `head` and the task's.
    public static var reservedKeys: Set<String> { Task.keys.union(["task", "head"]) }

    /// A file of `network` trained for `task`.
    ///
    /// - Parameters:
    ///   - network: the trained network.
    ///   - task: what the task records.
    ///   - metadata: free keys beside the reserved ones (these are dropped from it).
    public init(network: SequenceNetwork, task: Task, metadata: [String: String] = [:]) {
        self.network = network
        self.task = task
        self.metadata = metadata
    }

    /// The metadata keys written beside the network's: the free ones, `task`
    /// and the task's, after checking the network fits the task (a file that
    /// would not read back is never written).
    private func keys() throws -> [String: String] {
        try task.check(network, in: TaskMetadataReader(metadata: [:], file: "model data"))
        var keys = metadata.filter { !Self.reservedKeys.contains($0.key) }
        for (key, value) in try task.metadata() { keys[key] = value }
        keys["task"] = Task.name
        return keys
    }

    /// The model file's contents, for a recurrent network.
    ///
    /// - Throws: `SafetensorsError` for a network that does not fit the
    ///   task, or for the MLP, which is not a `ModelFile` (see ``write(to:)``).
    public func modelFile() throws -> ModelFile {
        try network.modelFile(metadata: try keys())
    }

    /// Writes the file atomically: the old file or the new one, never a partial one.
    ///
    /// - Parameter url: a file URL in an existing folder.
    /// - Throws: `SafetensorsError` for a network that is not finite,
    ///   `AtomicFileError` naming the file.
    public func write(to url: URL) throws {
        try network.write(to: url, metadata: try keys())
    }

    /// Reads and checks a file of this task.
    ///
    /// - Parameter url: the file.
    /// - Throws: `SafetensorsError` naming the file and the tensor or
    ///   metadata key at fault.
    public init(contentsOf url: URL) throws {
        let name = url.displayName
        let file = try SafetensorsFile(contentsOf: url)
        if Task.allowsMLP, WindowMLP.isMLPFile(file) {
            let reader = TaskMetadataReader(metadata: file.metadata, file: name)
            let task = try Self.readTask(reader)
            let network = SequenceNetwork.mlp(try WindowMLP(file: file, name: name))
            try task.check(network, in: reader)
            self.init(network: network, task: task, metadata: Self.freeKeys(of: file.metadata))
            return
        }
        try self.init(ModelFile(checking: file, name: name, nonlinearity: nil), name: name)
    }

    /// Checks the pieces of a recurrent model file fit the task.
    ///
    /// - Parameters:
    ///   - file: a checked model file.
    ///   - name: what to call the file in errors, such as its path.
    /// - Throws: `SafetensorsError` naming the file and the tensor or
    ///   metadata key at fault.
    public init(_ file: ModelFile, name: String) throws {
        let reader = TaskMetadataReader(metadata: file.metadata, file: name)
        let task = try Self.readTask(reader)
        let network = SequenceNetwork.recurrent(try task.sequenceModel(from: file, in: reader))
        try task.check(network, in: reader)
        self.init(network: network, task: task, metadata: Self.freeKeys(of: file.metadata))
    }

    /// The task's record, after the `task` key says the file is one of these.
    private static func readTask(_ reader: TaskMetadataReader) throws -> Task {
        guard reader.metadata["task"] == Task.name else {
            throw reader.fail(
                "task",
                "is \(reader.metadata["task"].map { "\"\($0)\"" } ?? "missing"); not \(Task.summary)")
        }
        return try Task(reading: reader)
    }

    /// The keys of `metadata` that neither the task nor the file format writes.
    private static func freeKeys(of metadata: [String: String]) -> [String: String] {
        metadata.filter { !reservedKeys.contains($0.key) && !ModelFile.reservedMetadataKeys.contains($0.key) }
    }
}

/// The task model files as ONNX graphs: what a task puts around its network
/// so that the graph reads and writes the units a user has.
package protocol ONNXModelFileTask {
    /// The export options of `network` trained for this task.
    func onnxOptions() throws -> ONNXExportOptions
}

extension TaskModelFile: ONNXExportable {
    /// The network with what its task puts around it (see each task's
    /// `onnxOptions`): normalisation inside a forecaster's graph,
    /// probabilities beside a classifier's logits, the vocabulary of a text model.
    ///
    /// - Throws: `ONNXExportError` saying what ONNX cannot carry, or that the
    ///   task has no ONNX form.
    public func onnxData() throws -> Data {
        guard let task = task as? any ONNXModelFileTask else {
            throw ONNXExportError(problem: "the task \(Task.name) has no ONNX form")
        }
        return try network.onnxModel(try task.onnxOptions()).serialized()
    }
}

extension Normalization {
    /// Offsets and scales of `names`, in that order, as an ONNX graph applies them.
    func onnxScaling(_ names: [String]) -> ONNXScaling {
        let indices = names.map { columns.firstIndex(of: $0)! }
        return ONNXScaling(offsets: indices.map { Float(offsets[$0]) }, scales: indices.map { Float(scales[$0]) })
    }
}
