import Foundation

/// Where the committed reference files live: `Tests/RecurrentTests/Fixtures`,
/// which both test targets read (each subfolder has a README naming the
/// script that wrote it).
public enum TestFixtures {
    /// The fixture root, found from this source file's path so that it does
    /// not depend on the working directory.
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("RecurrentTests/Fixtures")

    /// A subfolder of the fixture root.
    ///
    /// - Parameter name: the subfolder, such as `"state_dict"` or `"rnn"`.
    /// - Returns: its URL; whether it exists is for the caller to check.
    public static func folder(_ name: String) -> URL { root.appendingPathComponent(name) }
}
