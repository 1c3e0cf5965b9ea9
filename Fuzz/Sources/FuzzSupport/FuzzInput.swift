import Foundation

/// What every fuzz target needs beside its reader: the input as text, and a
/// file of its own to put the input in, for readers that take only a URL.
public enum FuzzInput {
    /// The input as UTF-8 text (invalid sequences become U+FFFD).
    ///
    /// - Parameter data: The fuzzer's bytes.
    public static func text(_ data: Data) -> String { String(decoding: data, as: UTF8.self) }

    /// The fuzzer's bytes, copied out of its buffer.
    ///
    /// - Parameters:
    ///   - bytes: libFuzzer's input pointer.
    ///   - count: Its length.
    public static func data(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Data {
        guard let bytes, count > 0 else { return Data() }
        return Data(bytes: bytes, count: count)
    }

    /// Writes `data` to this process's file ending in `name` and returns its URL.
    ///
    /// - Parameters:
    ///   - data: The bytes.
    ///   - name: The file's name, with the extension the reader looks at.
    public static func file(_ data: Data, named name: String) -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("recurrent-fuzz-\(ProcessInfo.processInfo.processIdentifier)-\(name)")
        try! data.write(to: url)
        return url
    }
}
