import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes a TensorBoard event file: scalars and Markdown texts that
/// `tensorboard --logdir DIR` shows as they are written.
///
/// The file is `DIR/events.out.tfevents.<seconds>.<host>.<pid>.<n>`, the
/// name TensorBoard's own writer gives (`n` counts up from 0 until the name
/// is free, so two writers never share a file). It is a sequence of TFRecords
/// (each a length, its masked CRC-32C, an `Event` message, the message's
/// masked CRC-32C), the first event naming the format, `brain.Event:2`.
/// Scalars are `simple_value` summaries, which the scalars dashboard plots;
/// texts are string tensors for the text dashboard.
///
/// Events are kept in memory and written to the file by ``flush()``, which
/// the writer also calls itself for an event that comes ``flushInterval``
/// seconds or more after its last such write, or when 64 KiB are waiting,
/// and by ``close()``; so a running job can be watched live, a little behind.
///
/// ```swift
/// let log = try TensorBoardWriter(directory: URL(fileURLWithPath: "runs/lstm"))
/// try log.addText("options", "hidden 64, Adam 0.001", step: 0)
/// for step in 1...100 { try log.addScalar("train/loss", loss(step), step: step) }
/// try log.close()
/// ```
///
/// Not thread-safe: use a writer from one thread at a time.
public final class TensorBoardWriter {
    /// The event file.
    public let url: URL
    /// Seconds between automatic writes to the file.
    public let flushInterval: Double
    private let clock: () -> Double
    private var descriptor: Int32
    private var pending: [UInt8] = []
    private var lastFlush: Double

    /// Creates `directory` (and its parents) if missing and a new event file
    /// in it, holding the file-version event.
    ///
    /// - Parameters:
    ///   - directory: The log folder, one per run (`tensorboard --logdir`
    ///     shows each sub-folder of its folder as a run).
    ///   - flushInterval: At most this many seconds of events, by `clock`,
    ///     wait in memory before they are written to the file.
    ///   - clock: Each event's wall time, in seconds since 1970 (by default
    ///     the system clock); a fixed sequence gives the same bytes on every
    ///     run. Its first reading also names the file.
    /// - Throws: ``EventFileError`` if the folder or the file cannot be made.
    public init(
        directory: URL, flushInterval: Double = 30, clock: @escaping () -> Double = { Date().timeIntervalSince1970 }
    ) throws {
        let folder = directory.path
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw EventFileError(file: folder, problem: "the folder cannot be created (\(error.localizedDescription))")
        }
        let start = clock()
        let stem = "events.out.tfevents.\(Self.tenDigits(start)).\(Self.hostName()).\(getpid())."
        var path = ""
        var opened: Int32 = -1
        for n in 0..<1000 {
            path = folder + "/" + stem + "\(n)"
            opened = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            if opened >= 0 || errno != EEXIST { break }
        }
        guard opened >= 0 else {
            throw EventFileError(file: path, problem: "cannot create: \(String(cString: strerror(errno)))")
        }
        self.url = URL(fileURLWithPath: path)
        self.descriptor = opened
        self.flushInterval = flushInterval
        self.clock = clock
        self.lastFlush = start
        pending = TensorBoardEvent.record(TensorBoardEvent.fileVersion(wallTime: start))
        try flush()
    }

    deinit {
        try? close()
    }

    /// Logs `value` under `tag` at `step`: one point of a scalars-dashboard chart.
    ///
    /// - Parameters:
    ///   - tag: The chart's name; a `/` groups charts (`train/loss`).
    ///   - value: The point's value (stored as a 32-bit float, as TensorBoard does).
    ///   - step: The point's position on the chart's step axis.
    /// - Throws: ``EventFileError`` if the writer is closed or an automatic write to the file fails.
    public func addScalar(_ tag: String, _ value: Float, step: Int) throws {
        let now = clock()
        try add(TensorBoardEvent.scalar(tag, value, step: step, wallTime: now), at: now)
    }

    /// Logs `markdown` under `tag` at `step`, for the text dashboard.
    ///
    /// - Parameters:
    ///   - tag: The text's name.
    ///   - markdown: The text, which TensorBoard renders as Markdown.
    ///   - step: The step the text belongs to.
    /// - Throws: ``EventFileError`` if the writer is closed or an automatic write to the file fails.
    public func addText(_ tag: String, _ markdown: String, step: Int) throws {
        let now = clock()
        try add(TensorBoardEvent.text(tag, markdown, step: step, wallTime: now), at: now)
    }

    /// Marks a session start at `step`. TensorBoard reads the first one in a
    /// folder as the start of the run; at every later one it drops the points
    /// at `step` and later that it read before (in this file or earlier files
    /// of the folder), so a run resumed from a checkpoint replaces what the
    /// interrupted run logged past it.
    ///
    /// - Parameter step: The first step of the resumed run.
    /// - Throws: ``EventFileError`` if the writer is closed or an automatic write to the file fails.
    public func addSessionStart(step: Int) throws {
        let now = clock()
        try add(TensorBoardEvent.sessionStart(step: step, wallTime: now), at: now)
    }

    /// Writes the events still in memory to the file.
    ///
    /// - Throws: ``EventFileError`` if the file cannot be written, or was closed.
    public func flush() throws {
        guard descriptor >= 0 else { throw EventFileError(file: url.path, problem: "is closed") }
        var offset = 0
        while offset < pending.count {
            let written = pending.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                pending.removeFirst(offset)
                throw EventFileError(file: url.path, problem: "cannot write: \(String(cString: strerror(errno)))")
            }
            offset += written
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// Writes what is in memory and closes the file; later calls do nothing.
    ///
    /// - Throws: ``EventFileError`` if the file cannot be written or closed.
    public func close() throws {
        guard descriptor >= 0 else { return }
        defer {
            closeDescriptor(descriptor)
            descriptor = -1
        }
        try flush()
    }

    private func add(_ event: [UInt8], at now: Double) throws {
        guard descriptor >= 0 else { throw EventFileError(file: url.path, problem: "is closed") }
        pending += TensorBoardEvent.record(event)
        if pending.count >= 1 << 16 || now - lastFlush >= flushInterval {
            lastFlush = now
            try flush()
        }
    }

    /// Whole seconds, ten digits wide, as TensorBoard's `%010d`.
    private static func tenDigits(_ seconds: Double) -> String {
        let whole = String(Int64(max(0, min(seconds, 9e15)).rounded(.down)))
        return String(repeating: "0", count: max(0, 10 - whole.count)) + whole
    }

    /// The machine's name, from `gethostname` (no network look-up); "localhost" without one.
    private static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        let name = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "/", with: "_")
        return name.isEmpty ? "localhost" : name
    }
}

/// `close(2)`, out of reach of ``TensorBoardWriter/close()``'s name.
private func closeDescriptor(_ descriptor: Int32) {
    _ = close(descriptor)
}

/// An event file that ``TensorBoardWriter`` could not create or write.
public struct EventFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The path of the folder or file.
    public var file: String
    /// What failed, and the system's reason.
    public var problem: String

    /// An error about `file`.
    ///
    /// - Parameters:
    ///   - file: The path of the folder or file.
    ///   - problem: What failed, and the system's reason.
    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }

    /// `file: problem`, on one line.
    public var description: String { "\(file): \(problem)" }
}
