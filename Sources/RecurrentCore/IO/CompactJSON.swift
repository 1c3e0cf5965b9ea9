import Foundation

// The one way the package writes JSON, for model-file metadata and for the
// command line's `--json` lines: compact, keys sorted, slashes unescaped, so
// the same value gives the same bytes in every process (Swift's dictionary
// order is not stable).

/// `value` as compact JSON with sorted keys: a metadata value.
package func metadataJSON(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// A JSON object of numbers, strings, Booleans, arrays and nested objects as
/// compact JSON with sorted keys on one line: figures for `--json`.
///
/// - Precondition: every value is one `JSONSerialization` writes (a
///   programming error otherwise, never a user's).
package func jsonLine(_ values: [String: Any]) -> String {
    precondition(JSONSerialization.isValidJSONObject(values), "jsonLine: a value JSON cannot hold")
    let data = try! JSONSerialization.data(withJSONObject: values, options: [.sortedKeys, .withoutEscapingSlashes])
    return String(decoding: data, as: UTF8.self)
}
