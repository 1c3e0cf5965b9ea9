import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes files so that a reader, or a run interrupted at any moment, sees
/// either the old contents or the new ones, never a mix or a truncated file.
///
/// ``write(_:to:)`` writes a temporary file with a unique name in the target's
/// folder, flushes it to the disk (`fsync`), renames it over the target (an
/// atomic step on POSIX file systems), and then flushes the folder so the
/// rename itself survives a power cut (best effort: some file systems do not
/// allow it). On any failure the temporary file is removed and the target is
/// left as it was.
///
/// ```swift
/// try AtomicFile.write(Array(csv.utf8), to: URL(fileURLWithPath: "forecast.csv"))
/// ```
///
/// A file that replaces an existing one keeps that file's permission bits;
/// a new file gets `0666` less the process's umask, as `open` would give it.
/// A symbolic link at the target is followed: the file it points to is
/// replaced and the link stays (a dangling link is refused). A target that
/// is not a regular file — a device such as `/dev/stdout`, a pipe — is
/// written in place, since it cannot be replaced. A
/// process killed between creating and renaming the temporary file leaves it
/// behind, named `.NAME.PID.RANDOM.tmp`; it never takes the target's name.
public enum AtomicFile {
    /// Replaces the file at `url` with `bytes`, atomically.
    ///
    /// - Parameters:
    ///   - bytes: The complete new contents (`Data` or `[UInt8]`).
    ///   - url: A file URL; its folder must exist.
    /// - Throws: ``AtomicFileError`` naming the file and the failing step.
    public static func write(_ bytes: some ContiguousBytes, to url: URL) throws {
        guard url.isFileURL else {
            throw AtomicFileError(file: url.absoluteString, problem: "not a file URL")
        }
        var path = url.path
        var link = stat()
        if lstat(path, &link) == 0, link.st_mode & mode_t(S_IFMT) == mode_t(S_IFLNK) {
            guard let resolved = realpath(path, nil) else {
                throw AtomicFileError(file: path, problem: "is a symbolic link to nothing: \(lastErrorText())")
            }
            path = String(cString: resolved)
            free(resolved)
        }
        var existing = stat()
        if stat(path, &existing) == 0,
            [mode_t(S_IFCHR), mode_t(S_IFIFO), mode_t(S_IFSOCK)].contains(existing.st_mode & mode_t(S_IFMT))
        {
            try writeInPlace(bytes, to: path)
            return
        }
        let folder = (path as NSString).deletingLastPathComponent
        let base = (path as NSString).lastPathComponent
        try removeStaleTemporaries(of: base, in: folder)

        var descriptor: Int32 = -1
        var temporaryPath = ""
        for _ in 0..<16 {
            let random = UInt64.random(in: .min ... .max)
            temporaryPath = folder + "/." + base + ".\(getpid()).\(String(random, radix: 16)).tmp"
            descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            if descriptor >= 0 || errno != EEXIST { break }
        }
        guard descriptor >= 0 else {
            throw AtomicFileError(
                file: path, problem: "cannot create a temporary file in \(folder): \(lastErrorText())")
        }

        func fail(_ step: String) -> AtomicFileError {
            let error = AtomicFileError(file: path, problem: "\(step): \(lastErrorText())")
            if descriptor >= 0 { close(descriptor) }
            unlink(temporaryPath)
            return error
        }

        if stat(path, &existing) == 0, existing.st_mode & mode_t(S_IFMT) == mode_t(S_IFREG) {
            guard fchmod(descriptor, existing.st_mode & 0o7777) == 0 else { throw fail("cannot set permissions") }
        }
        guard writeAll(bytes, to: descriptor) else { throw fail("cannot write") }
        guard flush(descriptor) else { throw fail("cannot flush to disk") }
        let closed = close(descriptor)
        descriptor = -1
        guard closed == 0 else { throw fail("cannot close") }
        guard rename(temporaryPath, path) == 0 else { throw fail("cannot replace the file") }

        let folderDescriptor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folderDescriptor >= 0 {
            _ = flush(folderDescriptor)
            close(folderDescriptor)
        }
    }

    /// Writes to a device or pipe, which cannot be replaced by a rename.
    private static func writeInPlace(_ bytes: some ContiguousBytes, to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw AtomicFileError(file: path, problem: "cannot open: \(lastErrorText())") }
        defer { close(descriptor) }
        guard writeAll(bytes, to: descriptor) else {
            throw AtomicFileError(file: path, problem: "cannot write: \(lastErrorText())")
        }
    }

    /// Removes `.BASE.PID.RANDOM.tmp` files left in `folder` by killed runs
    /// (their process no longer exists) that were writing the same file.
    private static func removeStaleTemporaries(of base: String, in folder: String) throws {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        let prefix = "." + base + "."
        for name in names where name.hasPrefix(prefix) && name.hasSuffix(".tmp") {
            let middle = name.dropFirst(prefix.count).dropLast(4).split(separator: ".")
            guard middle.count == 2, let pid = Int32(middle[0]), UInt64(middle[1], radix: 16) != nil else { continue }
            if pid == getpid() { continue }
            if kill(pid, 0) == 0 || errno == EPERM { continue }  // still running
            unlink(folder + "/" + name)
        }
    }

    /// Writes every byte, resuming after partial writes and interrupts.
    private static func writeAll(_ bytes: some ContiguousBytes, to descriptor: Int32) -> Bool {
        bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return true }
            var offset = 0
            while offset < buffer.count {
                let written = systemWrite(descriptor, base + offset, min(buffer.count - offset, 1 << 30))
                if written < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += written
            }
            return true
        }
    }

    /// Flushes a file's data to the storage device.
    private static func flush(_ descriptor: Int32) -> Bool {
        #if canImport(Darwin)
            if fcntl(descriptor, F_FULLFSYNC) == 0 { return true }
        #endif
        while fsync(descriptor) != 0 {
            if errno != EINTR { return false }
        }
        return true
    }

    private static func lastErrorText() -> String {
        String(cString: strerror(errno))
    }
}

/// `write(2)`, out of reach of ``AtomicFile/write(_:to:)``'s name.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}

/// A file that ``AtomicFile`` could not write; the target was left unchanged.
public struct AtomicFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The path of the file that was to be written.
    public var file: String
    /// The step that failed and the system's reason.
    public var problem: String

    /// An error about writing `file`.
    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }

    /// `file: problem`, on one line.
    public var description: String { "\(file): \(problem)" }
}

extension URL {
    /// How errors name a file: the path as the caller gave it (relative paths
    /// stay relative), or the whole URL for one that is not a file URL.
    package var displayName: String { isFileURL ? relativePath : absoluteString }
}
