import ArgumentParser
import Foundation
import Recurrent

extension Vocabulary.Kind: ExpressibleByArgument {}

/// Options of `recurrent train --text`.
struct TextDataOptions: ParsableArguments {
    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "The text's symbols: char (the distinct characters of the file, which must be UTF-8) or byte (all 256 bytes; any file).",
            valueName: "char|byte"))
    var vocabulary: Vocabulary.Kind = .characters
}

/// A character (or byte) language model: `recurrent train --text FILE`.
///
/// The file is split in order into 70% training, 15% validation and 15%
/// test; each part is cut into non-overlapping windows of `--window`
/// symbols (default 100), and the model — embedding, recurrent layers, a
/// dense head at every step — learns to predict each window's next symbol
/// at every step, on the softmax cross-entropy.
struct TextJob: TrainingJob {
    let corpus: TextCorpus
    let window: Int
    let train: SequenceBatch
    let validation: SequenceBatch

    init(path: String, window: Int?, options: TextDataOptions, model: ModelOptions) throws {
        if model.bidirectional {
            throw usageFailure(
                "--bidirectional: a text model predicts each next character, which a backward direction would "
                    + "already have read; train it without --bidirectional")
        }
        let window = window ?? 100
        let corpus = try reportingTextErrors {
            try TextCorpus(contentsOf: URL(fileURLWithPath: path), kind: options.vocabulary)
        }
        guard let train = corpus.windows(of: .train, length: window),
            let validation = corpus.windows(of: .validation, length: window)
        else {
            let unit = corpus.vocabulary.unit
            throw RecurrentError.invalidArgument(
                name: "--window", value: "\(window)",
                reason: "\(path) has \(corpus.count) \(unit)s, \(corpus.range(of: .train).count) of them for "
                    + "training and \(corpus.range(of: .validation).count) for validation; each part needs at least "
                    + "\(window + 1) for one window and the \(unit) after it")
        }
        self.corpus = corpus
        self.window = window
        self.train = train
        self.validation = validation
    }

    var description: String {
        let unit = corpus.vocabulary.unit
        let counts = [SeriesPart.train, .validation, .test].map { corpus.windowCount(of: $0, length: window) }
        return "\(corpus.source): \(corpus.count) \(unit)s, a vocabulary of \(corpus.vocabulary); "
            + "\(counts[0]) training, \(counts[1]) validation and \(counts[2]) test windows of \(window) \(unit)s"
    }
    var input: SequenceInput { .tokens(vocabularySize: corpus.vocabulary.count) }
    var outputSize: Int { corpus.vocabulary.count }
    var pooling: SequencePooling { .everyStep }
    var loss: Loss { .softmaxCrossEntropy }
    var lossMeaning: LossMeaning {
        .crossEntropy(of: "the next \(corpus.vocabulary.unit)", per: corpus.vocabulary.unit)
    }

    /// The first validation window's symbols: characters, or bytes as
    /// themselves when ASCII and as `\xHH` otherwise.
    var validationSymbols: [String]? {
        let vocabulary = corpus.vocabulary
        return (0..<validation.steps).map { t in
            let symbol = vocabulary.symbols[Int(validation.input[0, t])]
            if vocabulary.kind == .bytes && symbol >= 0x80 { return "\\x" + String(symbol, radix: 16, uppercase: true) }
            return Unicode.Scalar(symbol).map { String(Character($0)) } ?? "?"
        }
    }

    func summary(of model: TrainedModel) throws -> JobSummary {
        try summary(of: model, on: validation, part: "validation")
    }

    func testSummary(of model: TrainedModel) throws -> JobSummary? {
        guard let test = corpus.windows(of: .test, length: window) else { return nil }
        return try summary(of: model, on: test, part: "test")
    }

    /// Loss in nats and bits per symbol on one part, beside the unigram entropy.
    private func summary(of model: TrainedModel, on windows: SequenceBatch, part: String) throws -> JobSummary {
        guard let network = model.sequenceModel else {
            throw RecurrentError.invalidArgument(name: "--model", value: "mlp", reason: "cannot model text here")
        }
        let nats = try network.meanLoss(.softmaxCrossEntropy, on: windows)
        let bits = nats / log(2)
        let entropy = corpus.unigramEntropy
        let unit = corpus.vocabulary.unit
        return JobSummary(
            lines: [
                "\(part) \(format(Float(bits))) bits per \(unit) (unigram entropy \(format(Float(entropy)))), "
                    + "loss \(format(Float(nats))) nats, \(windows.count) windows"
            ],
            metrics: [
                "\(part)_bits_per_character": bits, "\(part)_loss_nats": nats, "unigram_entropy_bits": entropy,
            ])
    }

    func write(_ model: TrainedModel, metadata: [String: String], to url: URL) throws {
        guard let model = model.sequenceModel else {
            throw RecurrentError.invalidArgument(name: "--model", value: "mlp", reason: "cannot model text here")
        }
        try TextModelFile(
            model: model, vocabulary: corpus.vocabulary, window: window, unigramEntropy: corpus.unigramEntropy,
            metadata: metadata
        ).write(to: url)
    }
}

/// `recurrent evaluate --model M --text FILE` for a text model: the loss on
/// the test part (the last 15%) of FILE, cut into the model's windows as in
/// training, in nats and bits per symbol, beside the unigram entropy of the
/// training text stored in the model.
func evaluateText(model: ModelFile, modelPath: String, textPath: String, json: Bool) throws {
    let file = try reportingDataErrors { try TextModelFile(model, name: modelPath) }
    let corpus = try reportingTextErrors {
        try TextCorpus(contentsOf: URL(fileURLWithPath: textPath), vocabulary: file.vocabulary)
    }
    let unit = file.vocabulary.unit
    guard let test = corpus.windows(of: .test, length: file.window) else {
        throw usageFailure(
            "\(textPath): \(corpus.count) \(unit)s leave \(corpus.range(of: .test).count) for the test part "
                + "(the last 15%), too few for one of the model's windows of \(file.window) and the \(unit) after it")
    }
    let nats = try reportingDataErrors { try file.model.meanLoss(.softmaxCrossEntropy, on: test) }
    let bits = nats / log(2)
    if json {
        print(
            jsonLine([
                "test_loss_nats": nats, "test_bits_per_character": bits, "unigram_entropy_bits": file.unigramEntropy,
                "test_windows": test.count, "test_predictions": test.count * file.window,
            ]))
        return
    }
    print("test part of \(textPath): \(test.count) windows of \(file.window) \(unit)s")
    print(
        "loss \(format(Float(nats))) nats per \(unit), \(format(Float(bits))) bits per \(unit) "
            + "(unigram entropy of the training text \(format(Float(file.unigramEntropy))) bits per \(unit))")
}

/// Runs `body`; a ``TextError`` (a text that is empty, not UTF-8, or holds
/// an unknown character) becomes one line on stderr and the usage exit code.
func reportingTextErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as TextError {
        throw usageFailure(error.description)
    }
}

extension Vocabulary {
    /// `character` or `byte`: what one symbol is, for messages.
    var unit: String { kind == .bytes ? "byte" : "character" }
}
