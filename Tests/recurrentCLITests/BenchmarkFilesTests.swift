import Foundation
import Recurrent
import Testing

// A labelled-sequence benchmark with its own train and test files, as the
// UCR/UEA archives come (Fixtures/sequences, written by
// scripts/make_ucr_like_sequences.py): `train` uses all of the training file,
// with a validation share or a validation file, and `evaluate` measures every
// sequence of a file that is not the training file, saying which part it
// measured; on the training file it measures the split's test part.

@Suite struct BenchmarkFilesTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("RecurrentTests/Fixtures/sequences")
    static let trainFile = fixtures.appendingPathComponent("ucr_train.csv").path
    static let testFile = fixtures.appendingPathComponent("ucr_test.csv").path
    static let layout = ["--id-column", "id", "--step-column", "t", "--features", "x,y"]
    static let small = ["--hidden", "4", "--epochs", "2", "--batch-size", "8", "--seed", "3"]

    /// The counts ucr_expected.json records.
    struct Expected: Decodable {
        var trainSequences: Int
        var testSequences: Int
        var trainClassCounts: [Int]
        var testClassCounts: [Int]
    }

    static func expected() throws -> Expected {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(
            Expected.self, from: Data(contentsOf: fixtures.appendingPathComponent("ucr_expected.json")))
    }

    /// Trains on the training file with `extra`; the first line printed.
    static func train(_ model: String, _ extra: [String]) throws -> String {
        let result = try runRecurrent(["train", "--sequences", trainFile, "-o", model] + layout + small + extra)
        try #require(result.status == 0, "stderr: \(result.stderr)")
        return String(result.stdout.split(separator: "\n").first ?? "")
    }

    /// `evaluate --json` on `file`: the figures and the text report's first line.
    static func evaluate(_ model: String, _ file: String, _ extra: [String] = []) throws -> ([String: Any], String) {
        let json = try runRecurrent(["evaluate", "-m", model, "--sequences", file, "--json"] + extra)
        try #require(json.status == 0, "stderr: \(json.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let text = try runRecurrent(["evaluate", "-m", model, "--sequences", file] + extra)
        try #require(text.status == 0, "stderr: \(text.stderr)")
        return (object, String(text.stdout.split(separator: "\n").first ?? ""))
    }

    /// Every sequence of the test file, each class's support its count there.
    static func expectAllOfTheTestFile(_ model: String) throws {
        let expected = try Self.expected()
        let (figures, first) = try evaluate(model, testFile)
        #expect(figures["measured"] as? String == "all" && figures["training_file"] as? Bool == false)
        #expect(figures["test_sequences"] as? Int == expected.testSequences, "\(figures)")
        let support = (figures["classes"] as? [[String: Any]])?.compactMap { $0["support"] as? Int }
        #expect(support == expected.testClassCounts, "\(figures)")
        #expect(first == "\(expected.testSequences) sequences of \(testFile) (not the training file): all measured")
    }

    @Test func theDefaultSplitMeasuresItsTestPartAndAnotherFileWhole() throws {
        let folder = try TemporaryFolder()
        let model = folder.path("m.safetensors")
        let first = try Self.train(model, [])
        // 24 sequences: round(0.7 · 24) = 17 training, round(0.15 · 24) = 4 validation, 3 test.
        #expect(first.hasPrefix("\(Self.trainFile): 17 training, 4 validation and 3 test sequences of "), "\(first)")
        let (figures, line) = try Self.evaluate(model, Self.trainFile)
        #expect(figures["measured"] as? String == "test" && figures["test_sequences"] as? Int == 3, "\(figures)")
        #expect(figures["training_file"] as? Bool == true && figures["file_sequences"] as? Int == 24)
        #expect(
            line
                == "3 test sequences of \(Self.trainFile) (the training file; the test part of the model's split, seed 3)"
        )
        try Self.expectAllOfTheTestFile(model)
        // --part overrides: the test file's own split, with a note.
        let part = try runRecurrent(["evaluate", "-m", model, "--sequences", Self.testFile, "--part", "test"])
        #expect(
            part.status == 0 && part.stdout.hasPrefix("3 test sequences of \(Self.testFile) (not the training file"))
        #expect(part.stderr.contains("is not the file the model was trained on"), "\(part.stderr)")
    }

    @Test func aValidationShareSummingToOneLeavesTheTestToTheTestFile() throws {
        let folder = try TemporaryFolder()
        let model = folder.path("m.safetensors")
        let first = try Self.train(model, ["--split", "0.85,0.15"])
        #expect(first.hasPrefix("\(Self.trainFile): 20 training and 4 validation sequences (no test part) of "))
        try Self.expectAllOfTheTestFile(model)
        // The training file has no test part left: say so, or measure all of it on request.
        try expectUsageFailure(
            "evaluate -m \(model) --sequences \(Self.trainFile)", in: folder.url, naming: "no test part", output: "out")
        let (figures, line) = try Self.evaluate(model, Self.trainFile, ["--part", "all"])
        #expect(figures["test_sequences"] as? Int == 24 && figures["measured"] as? String == "all")
        #expect(
            line
                == "24 sequences of \(Self.trainFile) (the training file, its training sequences included): all measured"
        )
    }

    @Test func aValidationFileMakesTheWholeFileTraining() throws {
        let folder = try TemporaryFolder()
        let model = folder.path("m.safetensors")
        let first = try Self.train(model, ["--validation", Self.testFile])
        #expect(
            first.hasPrefix(
                "\(Self.trainFile): 24 training sequences (all of the file) of 8–12 steps, 16 validation sequences from \(Self.testFile), no test part"
            ),
            "\(first)")
        let file = try SequenceClassifierFile(contentsOf: URL(fileURLWithPath: model))
        #expect(file.split.train == 1 && file.split.validation == 0 && file.split.sequences == 24)
        // The training class counts, recorded for the majority baseline.
        #expect(file.metadata["training_class_counts"] == "[12,12]")
        try Self.expectAllOfTheTestFile(model)
    }

    @Test(arguments: [
        ("--validation {train}", "is the --sequences file"),
        ("--validation {test} --split 0.8,0.2", "--split does not apply with --validation"),
        ("--split 0.9,0.2", "--split must be two fractions"),
        ("--split 1,0", "--split must be two fractions"),
        ("--validation {dir}/missing.csv", "missing.csv: no such file"),
    ])
    func badPartsAreOneLineAndAFailure(extra: String, expected: String) throws {
        let folder = try TemporaryFolder()
        let arguments =
            "train --sequences {train} -o {dir}/out " + Self.layout.joined(separator: " ") + " " + extra
        try expectUsageFailure(
            arguments.replacingOccurrences(of: "{train}", with: Self.trainFile)
                .replacingOccurrences(of: "{test}", with: Self.testFile),
            in: folder.url, naming: expected, output: "out")
    }

    @Test func partNeedsASequenceClassifier() throws {
        let folder = try TemporaryFolder()
        let model = folder.path("m.safetensors")
        _ = try Self.train(model, [])
        try expectUsageFailure(
            "evaluate -m \(model) --part all", in: folder.url, naming: "--part applies to a sequence classifier",
            output: "out")
        try expectUsageFailure(
            "evaluate -m \(model) --sequences \(Self.testFile) --part some", in: folder.url, naming: "--part",
            output: "out")
        try expectUsageFailure(
            "train --csv \(Self.testFile) --target x --validation \(Self.testFile) -o {dir}/out", in: folder.url,
            naming: "--validation does not apply to --csv", output: "out")
    }
}
