import Foundation
import Testing

/// The README's and the DocC articles' Swift snippets: each stands, word for
/// word, in `Examples/DocumentationSnippets` (or `Examples/ForecastSeries`),
/// which the build compiles, and the program they stand in runs to the end.
@Suite struct DocumentationSnippetTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The documents whose ```swift blocks must compile: the README and every article.
    static func documents() throws -> [URL] {
        let sources = repository.appendingPathComponent("Sources")
        let catalogs = try FileManager.default.contentsOfDirectory(atPath: sources.path).flatMap { target in
            let folder = sources.appendingPathComponent(target)
            return try FileManager.default.contentsOfDirectory(atPath: folder.path)
                .filter { $0.hasSuffix(".docc") }.map { folder.appendingPathComponent($0) }
        }
        let articles = try catalogs.flatMap { catalog in
            try FileManager.default.contentsOfDirectory(atPath: catalog.path).filter { $0.hasSuffix(".md") }
                .map { catalog.appendingPathComponent($0) }
        }
        return [repository.appendingPathComponent("README.md")] + articles.sorted { $0.path < $1.path }
    }

    /// The ```swift blocks of a Markdown text, each as its lines with the
    /// indentation and trailing blanks trimmed; `import` lines left out.
    static func swiftBlocks(in text: String) -> [[String]] {
        var blocks = [[String]](), current: [String]? = nil
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if current == nil {
                if trimmed == "```swift" { current = [] }
            } else if trimmed.hasPrefix("```") {
                blocks.append(current!.filter { !$0.hasPrefix("import ") })
                current = nil
            } else {
                current!.append(trimmed)
            }
        }
        return blocks
    }

    /// Whether `block` stands as consecutive lines of `lines`.
    static func contains(_ lines: [String], _ block: [String]) -> Bool {
        let block = Array(block.drop { $0.isEmpty }.reversed().drop { $0.isEmpty }.reversed())
        guard !block.isEmpty, block.count <= lines.count else { return block.isEmpty }
        return (0...(lines.count - block.count)).contains { start in
            lines[start..<(start + block.count)].elementsEqual(block)
        }
    }

    static func compiledLines() throws -> [String] {
        try ["Examples/DocumentationSnippets", "Examples/ForecastSeries"].flatMap { folder in
            let url = repository.appendingPathComponent(folder)
            return try FileManager.default.contentsOfDirectory(atPath: url.path).filter { $0.hasSuffix(".swift") }
                .sorted().flatMap { file in
                    try String(contentsOf: url.appendingPathComponent(file), encoding: .utf8)
                        .split(separator: "\n", omittingEmptySubsequences: false)
                        .map { $0.trimmingCharacters(in: .whitespaces) } + [""]
                }
        }
    }

    @Test func everySwiftBlockIsCompiled() throws {
        let compiled = try Self.compiledLines()
        var blocks = 0
        for document in try Self.documents() {
            let text = try String(contentsOf: document, encoding: .utf8)
            for block in Self.swiftBlocks(in: text) {
                blocks += 1
                #expect(
                    Self.contains(compiled, block),
                    "\(document.lastPathComponent): this ```swift block is not in Examples/DocumentationSnippets:\n\(block.joined(separator: "\n"))"
                )
            }
        }
        #expect(blocks >= 14)
    }

    /// The check itself: a block with one word changed is not found.
    @Test func aChangedBlockIsNotFound() throws {
        let compiled = try Self.compiledLines()
        let readme = try String(contentsOf: Self.repository.appendingPathComponent("README.md"), encoding: .utf8)
        let block = try #require(Self.swiftBlocks(in: readme).first)
        #expect(Self.contains(compiled, block))
        var changed = block
        changed[changed.count / 2] += " "
        #expect(!Self.contains(compiled, changed))
    }

    @Test func theSnippetsRun() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("snippets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let process = Process()
        process.executableURL = productsDirectory.appendingPathComponent("DocumentationSnippets")
        process.arguments = [folder.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.components(separatedBy: "\nok: ").count - 1 + (text.hasPrefix("ok: ") ? 1 : 0) == 9, "\(text)")
    }
}
