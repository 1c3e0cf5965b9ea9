import Foundation
import Testing

/// The folder holding the built products: the test bundle's folder, as in
/// swift-argument-parser's `Examples` tests.
var productsDirectory: URL {
    #if os(macOS)
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            return bundle.bundleURL.deletingLastPathComponent()
        }
        fatalError("couldn't find the products directory")
    #else
        let main = Bundle.main.bundleURL
        let candidates = [main, main.deletingLastPathComponent()]
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("recurrent").path) }
            ?? main
    #endif
}

/// Runs the built `recurrent` with `arguments`; its exit status and output.
func runRecurrent(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = productsDirectory.appendingPathComponent("recurrent")
    process.arguments = arguments
    let output = Pipe()
    let error = Pipe()
    process.standardOutput = output
    process.standardError = error
    try process.run()
    // Read before waiting, so a full pipe cannot block the child.
    let outData = output.fileHandleForReading.readDataToEndOfFile()
    let errData = error.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (
        process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self)
    )
}

/// Runs `recurrent` with `arguments` (`{dir}` standing for `folder`) and
/// expects a usage failure: exit 64, a first stderr line `Error: …` that
/// contains `expected`, nothing after it but ArgumentParser's usage and help
/// lines, no crash, and no file at `output` in the folder.
func expectUsageFailure(_ arguments: String, in folder: URL, naming expected: String, output: String) throws {
    let result = try runRecurrent(
        arguments.replacingOccurrences(of: "{dir}", with: folder.path).split(separator: " ").map(String.init))
    #expect(result.status == 64, "exit status \(result.status), expected 64 (EX_USAGE); stderr: \(result.stderr)")
    let lines = result.stderr.split(separator: "\n")
    #expect(
        lines.first?.hasPrefix("Error: ") == true && lines.first?.contains(expected) == true,
        "stderr: \(result.stderr)")
    // One line; for a usage error found while parsing or in validate(),
    // ArgumentParser adds the option's help and the usage.
    let usage = ["Help:", "Usage:", "  See "]
    #expect(lines.dropFirst().allSatisfy { line in usage.contains { line.hasPrefix($0) } }, "stderr: \(result.stderr)")
    #expect(!result.stderr.contains("Fatal error"), "stderr: \(result.stderr)")
    #expect(
        !FileManager.default.fileExists(atPath: folder.appendingPathComponent(output).path), "an output was written")
}
