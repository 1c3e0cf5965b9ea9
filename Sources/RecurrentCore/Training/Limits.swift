/// The largest sizes the command line accepts, and the same limits for values
/// that come from a file (a model file's metadata, a checkpoint's record), so
/// that a hand-edited file cannot ask for more than a command line could.
///
/// Each check throws ``RecurrentError/invalidArgument(name:value:reason:)``
/// naming the value; callers put the file or option in front of it.
///
/// ```swift
/// try Limits.check(spec.length, "length", in: 2...Limits.seriesLength)
/// ```
public enum Limits {
    /// Rows of a generated series.
    public static let seriesLength = 10_000_000
    /// Steps of a generated sequence task (the adding problem's T, the copy delay).
    public static let taskLength = 10_000
    /// Samples × steps of a generated sequence task.
    public static let taskElements = 200_000_000
    /// Units of a recurrent or dense layer, or of an embedding.
    public static let hiddenSize = 16_384
    /// Stacked recurrent layers.
    public static let layers = 64
    /// Sequences in one batch.
    public static let batchSize = 1 << 20
    /// Epochs of one run.
    public static let epochs = 1_000_000
    /// Steps of history in a window, steps ahead, rows between windows.
    public static let windowSteps = 10_000_000
    /// Characters one `generate` call writes.
    public static let generatedCharacters = 100_000_000

    /// Throws unless `value` lies in `range`.
    ///
    /// - Parameters:
    ///   - value: The value to check.
    ///   - name: How the error names it (`--hidden`, `"length"`).
    ///   - range: The values allowed.
    public static func check(_ value: Int, _ name: String, in range: ClosedRange<Int>) throws {
        guard range.contains(value) else {
            throw RecurrentError.invalidArgument(
                name: name, value: "\(value)", reason: "must lie in \(range.lowerBound)...\(range.upperBound)")
        }
    }

    /// Throws unless `value` is finite and lies in `range`.
    ///
    /// - Parameters:
    ///   - value: The value to check.
    ///   - name: How the error names it.
    ///   - range: The values allowed.
    public static func check(_ value: Double, _ name: String, in range: ClosedRange<Double>) throws {
        guard value.isFinite, range.contains(value) else {
            throw RecurrentError.invalidArgument(
                name: name, value: "\(value)", reason: "must lie in [\(range.lowerBound), \(range.upperBound)]")
        }
    }
}
