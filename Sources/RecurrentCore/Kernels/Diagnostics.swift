#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes one line to standard error (file descriptor 2), unbuffered.
func writeStandardError(_ line: String) {
    var text = line
    if !text.hasSuffix("\n") { text += "\n" }
    text.utf8CString.withUnsafeBufferPointer { bytes in
        _ = write(2, bytes.baseAddress, bytes.count - 1)
    }
}

/// Stops with `message` unless `condition` holds — like `precondition`, but
/// the message survives optimised builds, where `precondition` stops without
/// one. For programming errors such as mismatched shapes; input from users
/// is checked before it gets here and reported as a thrown error.
@inline(__always)
package func require(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
    file: StaticString = #fileID, line: UInt = #line
) {
    if !condition() { fatalError(message(), file: file, line: line) }
}

/// Asks for transparent huge pages over the whole 2 MiB pages inside a buffer
/// that has not been touched yet. A hint: where the system lacks them,
/// nothing happens.
func adviseHugePages(_ base: UnsafeMutableRawPointer, bytes: Int) {
    #if os(Linux)
    let page = 1 << 21
    let start = (Int(bitPattern: base) + page - 1) / page * page
    let end = (Int(bitPattern: base) + bytes) / page * page
    if end > start, let aligned = UnsafeMutableRawPointer(bitPattern: start) {
        _ = madvise(aligned, end - start, 14)  // MADV_HUGEPAGE
    }
    #endif
}
