import Foundation
import Recurrent
import Testing

// End-to-end tests of `recurrent train --text`, `evaluate --text` and
// `generate` on a small text written by the tests: a few KB of a repeating
// rhyme, which a small LSTM learns well below its unigram entropy in a few
// epochs.

@Suite struct TextCommandTests {
    /// 3600 characters of English with an alphabet of 16.
    static let rhyme = String(
        repeating: "the cat sat on the mat.\nthe dog sat on the log.\nthe hen sat on the pen.\n", count: 50)

    static let trainArguments = [
        "--window", "24", "--hidden", "24", "--embedding", "8", "--epochs", "6", "--batch-size", "16",
        "--learning-rate", "0.02", "--seed", "1",
    ]

    /// A folder holding `rhyme.txt` and, trained on it, `model.safetensors`.
    static func trainedFolder(extra: [String] = []) throws -> (TemporaryFolder, String, String, String) {
        let folder = try TemporaryFolder()
        let text = folder.path("rhyme.txt")
        try rhyme.write(toFile: text, atomically: true, encoding: .utf8)
        let model = folder.path("model.safetensors")
        let result = try runRecurrent(["train", "--text", text, "-o", model] + trainArguments + extra)
        try #require(result.status == 0, "stderr: \(result.stderr)")
        return (folder, text, model, result.stdout)
    }

    @Test func trainEvaluateGenerate() throws {
        let (folder, text, model, stdout) = try Self.trainedFolder()
        defer { withExtendedLifetime(folder) {} }
        let lines = stdout.split(separator: "\n").map(String.init)
        // 3600 characters: 2520 for training (2519 // 24 = 104 windows of 24), 540 validation (22), 540 test (22).
        #expect(
            lines.first
                == "\(text): 3600 characters, a vocabulary of 16 characters; 104 training, 22 validation and 22 test "
                + "windows of 24 characters", "\(stdout)")
        #expect(lines.filter { $0.hasPrefix("epoch ") }.count == 6, "\(stdout)")
        let summary = try #require(lines.first { $0.hasPrefix("validation ") && $0.contains(" bits per character") })
        #expect(lines.last == "model written to \(model)")

        let file = try TextModelFile(contentsOf: URL(fileURLWithPath: model))
        #expect(file.vocabulary.symbols == Set(Self.rhyme.unicodeScalars.map(\.value)).sorted())
        #expect(file.window == 24)
        #expect(file.metadata["training"]?.contains("validation_bits_per_character") == true)

        // evaluate: figures in JSON, and the model beats the unigram entropy by far on so regular a text.
        let json = try runRecurrent(["evaluate", "--model", model, "--text", text, "--json"])
        #expect(json.status == 0, "stderr: \(json.stderr)")
        let figures = try #require(
            try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Double], "\(json.stdout)")
        let bits = try #require(figures["test_bits_per_character"])
        let entropy = try #require(figures["unigram_entropy_bits"])
        #expect(abs(bits - figures["test_loss_nats"]! / log(2)) < 1e-9)
        #expect(abs(entropy - file.unigramEntropy) < 1e-12 && figures["test_windows"] == 22)
        #expect(bits < 0.6 * entropy, "test \(bits) bits per character, unigram entropy \(entropy)\n\(summary)")
        let plain = try runRecurrent(["evaluate", "--model", model, "--text", text])
        #expect(plain.status == 0)
        #expect(plain.stdout.hasPrefix("test part of \(text): 22 windows of 24 characters\nloss "), "\(plain.stdout)")
        #expect(plain.stdout.contains(" bits per character (unigram entropy of the training text "))

        // generate: the prime, then --length characters, a final line break; same seed, same text.
        let arguments = ["generate", "-m", model, "--prime", "the cat", "--length", "60", "--seed", "3"]
        let first = try runRecurrent(arguments)
        #expect(first.status == 0, "stderr: \(first.stderr)")
        #expect(first.stdout.hasPrefix("the cat"))
        let generated = first.stdout.unicodeScalars.count - "the cat".count
        #expect(generated == 60 || generated == 61, "\(first.stdout)")
        #expect(first.stdout.unicodeScalars.allSatisfy { Self.rhyme.unicodeScalars.contains($0) })
        #expect(try runRecurrent(arguments).stdout == first.stdout)
        // Greedy decoding of so regular a text continues the rhyme.
        let greedy = try runRecurrent([
            "generate", "-m", model, "--prime", "the dog sat on", "--length", "8", "--top-k", "1",
        ])
        #expect(greedy.stdout.hasPrefix("the dog sat on the"), "\(greedy.stdout)")
        // No prime: starts after a line break; the output is --length characters and a line break at most.
        let unprimed = try runRecurrent(["generate", "-m", model, "--length", "30", "--temperature", "0.5"])
        #expect(unprimed.status == 0 && (30...31).contains(unprimed.stdout.unicodeScalars.count), "\(unprimed.stdout)")
    }

    @Test func byteVocabularyTrainsOnAnyBytes() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("bytes.bin")
        var bytes = Data()
        for i in 0..<1500 { bytes.append(UInt8((i * 7) % 256)) }  // not UTF-8
        try bytes.write(to: URL(fileURLWithPath: path))
        let model = folder.path("model.safetensors")
        let result = try runRecurrent([
            "train", "--text", path, "--vocabulary", "byte", "--window", "16", "--hidden", "8", "--epochs", "1",
            "--quiet", "-o", model,
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("bits per byte"), "\(result.stdout)")
        let file = try TextModelFile(contentsOf: URL(fileURLWithPath: model))
        #expect(file.vocabulary == .bytes)
        let evaluation = try runRecurrent(["evaluate", "-m", model, "--text", path])
        #expect(evaluation.status == 0 && evaluation.stdout.contains("bits per byte"), "\(evaluation.stderr)")
        let generated = try runRecurrent(["generate", "-m", model, "--prime", "é", "--length", "10"])
        #expect(generated.status == 0, "\(generated.stderr)")
    }

    @Test func generateHelpShowsTheDefaults() throws {
        let result = try runRecurrent(["generate", "--help"])
        #expect(result.status == 0)
        for text in [
            "--prime <prime>", "--length <length>", "(default: 500)", "--temperature <temperature>", "(default: 1.0)",
            "--top-k <top-k>", "(default: 0)", "--seed <seed>", "(default: 42)",
        ] {
            #expect(result.stdout.contains(text), "no \(text) in\n\(result.stdout)")
        }
    }

    /// A bad input: arguments (`{dir}` is the folder holding rhyme.txt,
    /// model.safetensors and the files below) and a text the first line of
    /// stderr must contain. Exit 64, one line, no output file.
    @Test(arguments: [
        ("train --text {dir}/empty.txt -o {dir}/out", "empty.txt: the text is empty"),
        ("train --text {dir}/latin1.txt -o {dir}/out", "latin1.txt:2:4: byte 0xE9 at offset 7 is not UTF-8"),
        ("train --text {dir}/short.txt --window 24 -o {dir}/out", "--window 24: {dir}/short.txt has 60 characters"),
        ("train --text {dir}/rhyme.txt --window 600 -o {dir}/out", "--window 600"),
        ("train --text {dir}/rhyme.txt --window 24 --bidirectional -o {dir}/out", "--bidirectional"),
        ("train --text {dir}/rhyme.txt --vocabulary word -o {dir}/out", "--vocabulary"),
        ("train --text {dir}/missing.txt -o {dir}/out", "missing.txt"),
        ("evaluate -m {dir}/model.safetensors --text {dir}/unknown.txt", "unknown.txt:3:9: character \"Z\" (U+005A)"),
        ("evaluate -m {dir}/model.safetensors --text {dir}/short.txt", "short.txt: 60 characters"),
        ("evaluate -m {dir}/model.safetensors --text {dir}/latin1.txt", "latin1.txt:2:4: byte 0xE9"),
        ("evaluate -m {dir}/sine.safetensors --text {dir}/rhyme.txt", "is a forecasting model"),
        ("generate -m {dir}/sine.safetensors", "metadata \"task\": is \"series-forecast\"; not a text model"),
        ("generate -m {dir}/bidirectional.safetensors", "bidirectional model cannot generate"),
        ("generate -m {dir}/model.safetensors --prime theQ", "--prime:1:4: character \"Q\" (U+0051)"),
        ("generate -m {dir}/model.safetensors --temperature 0", "--temperature"),
        ("generate -m {dir}/model.safetensors --temperature=-1", "--temperature"),
        ("generate -m {dir}/model.safetensors --temperature nan", "--temperature"),
        ("generate -m {dir}/model.safetensors --top-k=-1", "--top-k"),
        ("generate -m {dir}/model.safetensors --length 0", "--length"),
        ("generate -m {dir}/missing.safetensors", "missing.safetensors"),
    ])
    func badInputIsOneLineAndAFailure(arguments: String, expected: String) throws {
        let (folder, _, _, _) = try Self.trainedFolder(extra: ["--epochs", "1", "--quiet"])
        let files = [
            "empty.txt": Data(),
            "latin1.txt": Data("the\ncat".utf8) + Data([0xE9]) + Data("\n".utf8),
            "short.txt": Data(String(Self.rhyme.prefix(60)).utf8),
            "unknown.txt": Data((String(Self.rhyme.prefix(48)) + "the cat Zat\n").utf8),
        ]
        for (name, data) in files { try data.write(to: URL(fileURLWithPath: folder.path(name))) }
        var generator = RandomGenerator(seed: 1)
        let sine = try SequenceModel(
            input: .features(1), cell: .gru, hiddenSize: 3, outputSize: 1, pooling: .last, generator: &generator)
        try ForecastModelFile(
            model: sine, options: SeriesOptions(features: ["value"], targets: ["value"], window: 4),
            normalization: try Normalization(fitting: [[1, 2, 3]], columns: ["value"], method: .zScore)
        ).write(to: URL(fileURLWithPath: folder.path("sine.safetensors")))
        let vocabulary = try Vocabulary(characters: "ab".unicodeScalars)
        let bidirectional = try SequenceModel(
            input: .tokens(vocabularySize: 2), embeddingSize: 3, cell: .lstm, hiddenSize: 3, bidirectional: true,
            outputSize: 2, pooling: .everyStep, generator: &generator)
        try TextModelFile(model: bidirectional, vocabulary: vocabulary, window: 4, unigramEntropy: 1)
            .write(to: URL(fileURLWithPath: folder.path("bidirectional.safetensors")))

        try expectUsageFailure(
            arguments, in: folder.url, naming: expected.replacingOccurrences(of: "{dir}", with: folder.url.path),
            output: "out")
    }
}
