import ArgumentParser
import Foundation
import Recurrent

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sample text from a character model trained with `recurrent train --text`.",
        discussion: """
            Reads --prime one character at a time through the model, then draws \
            --length characters, each from the model's prediction: the logits are \
            divided by --temperature, only the --top-k most likely characters are \
            kept (0 keeps all; 1 always takes the most likely), and one is drawn \
            from their softmax with the --seed generator, so the same model, options \
            and seed give the same text. Writes the prime followed by the sample to \
            stdout, ending with a line break. Without --prime the model starts as \
            after a line break (or after its first symbol if its text had none), \
            which is not printed. A character of --prime that the model's \
            vocabulary lacks is an error naming its position and code point; a byte \
            model (`--vocabulary byte`) reads any prime and writes raw bytes. A \
            bidirectional model cannot generate.
            """)

    @Option(name: .shortAndLong, help: "The text model file written by `recurrent train --text`.")
    var model: String

    @Option(help: "Text for the sample to continue, printed first.")
    var prime = ""

    @Option(parsing: .unconditional, help: "Characters to generate (≥ 1).")
    var length = 500

    @Option(
        parsing: .unconditional,
        help: "Softmax temperature (finite, > 0): below 1 is more conservative, above 1 more varied.")
    var temperature: Float = 1

    @Option(parsing: .unconditional, help: "Draw among the k most likely characters only (≥ 0; 0 = all).")
    var topK = 0

    @Option(parsing: .unconditional, help: "Seed of the draws.")
    var seed: UInt64 = 42

    @OptionGroup var precision: PrecisionOption

    func validate() throws {
        guard (1...Limits.generatedCharacters).contains(length) else {
            throw ValidationError("--length must lie in 1...\(Limits.generatedCharacters), got \(length)")
        }
        try validateExistingFile(model, "--model")
        guard temperature.isFinite, temperature > 0 else {
            throw ValidationError("--temperature must be finite and > 0, got \(temperature)")
        }
        guard topK >= 0 else { throw ValidationError("--top-k must be at least 0 (0 = all), got \(topK)") }
    }

    func run() throws {
        let file = try reportingDataErrors { try TextModelFile(contentsOf: URL(fileURLWithPath: model)) }
        if file.model.recurrent.bidirectional {
            throw usageFailure(
                "\(model): a bidirectional model cannot generate: its backward direction reads the whole text, "
                    + "future included; train one without --bidirectional")
        }
        // The ids (8 bytes each), the decoded text (≤ 4 bytes a character) and its copy with the prime.
        try MemoryCheck(parts: [("generated text", 16 * Double(length + prime.utf8.count))]).check()
        let vocabulary = file.vocabulary
        let primeIDs = try reportingTextErrors { try vocabulary.encode(prime, source: "--prime") }
        let sample = try reportingDataErrors {
            var model = file.model
            model.precision = precision.precision
            var sampler = try TextSampler(model: model)
            var generator = RandomGenerator(seed: seed)
            return try sampler.generate(
                after: primeIDs.isEmpty ? [vocabulary.lineFeedID ?? 0] : primeIDs, count: length,
                temperature: temperature, topK: topK, generator: &generator)
        }
        var output = Data(prime.utf8) + vocabulary.decode(sample)
        if output.last != 0x0A { output.append(0x0A) }
        FileHandle.standardOutput.write(output)
    }
}
