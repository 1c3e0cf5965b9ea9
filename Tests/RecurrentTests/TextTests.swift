import Foundation
import Recurrent
import RecurrentTestSupport
import Testing

// Character language models: the vocabulary, the corpus's windows and
// entropy, the model file, and the sampler. Expected values are worked out
// by hand in the comments beside them.

@Suite struct TextTests {
    // MARK: Vocabulary

    @Test func characterVocabularyIsSortedAndRoundTrips() throws {
        let text = "héllo ☃\nwörld\t!"
        let vocabulary = try Vocabulary(kind: .characters, of: Data(text.utf8), source: "t")
        let expected = Set(text.unicodeScalars.map(\.value)).sorted()
        #expect(vocabulary.kind == .characters && vocabulary.symbols == expected && vocabulary.count == 13)
        let ids = try vocabulary.encode(text, source: "t")
        #expect(ids.count == text.unicodeScalars.count)
        #expect(ids.map { vocabulary.symbols[$0] } == text.unicodeScalars.map(\.value))
        #expect(String(decoding: vocabulary.decode(ids), as: UTF8.self) == text)
        #expect(vocabulary.lineFeedID == 1)  // "\t" (U+0009) is id 0, "\n" (U+000A) id 1

        let json = try JSONEncoder().encode(vocabulary)
        #expect(try JSONDecoder().decode(Vocabulary.self, from: json) == vocabulary)
    }

    @Test func byteVocabularyReadsAnyBytes() throws {
        let bytes = Data([0x00, 0x41, 0xFF, 0xC3, 0x0A, 0x80])
        let vocabulary = try Vocabulary(kind: .bytes, of: bytes, source: "b")
        #expect(vocabulary == .bytes && vocabulary.count == 256 && vocabulary.description == "256 bytes")
        let ids = try vocabulary.encode(bytes, source: "b")
        #expect(ids == [0, 65, 255, 195, 10, 128])
        #expect(vocabulary.decode(ids) == bytes)
        let json = String(decoding: try JSONEncoder().encode(vocabulary), as: UTF8.self)
        #expect(json == #"{"kind":"byte"}"#)
        #expect(try JSONDecoder().decode(Vocabulary.self, from: Data(json.utf8)) == .bytes)
    }

    @Test func vocabularyJSONIsChecked() throws {
        for bad in [
            #"{"kind":"char","symbols":"ba"}"#, #"{"kind":"char","symbols":"aa"}"#, #"{"kind":"char","symbols":""}"#,
        ] {
            #expect(throws: DecodingError.self) { try JSONDecoder().decode(Vocabulary.self, from: Data(bad.utf8)) }
        }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(Vocabulary.self, from: Data(#"{"kind":"word"}"#.utf8))
        }
    }

    @Test func unknownCharacterNamesLineColumnAndCode() throws {
        let vocabulary = try Vocabulary(characters: "ab\nc".unicodeScalars)
        do {
            _ = try vocabulary.encode("ab\ncbé", source: "notes.txt")
            Issue.record("no error for é")
        } catch let error as TextError {
            #expect(error.line == 2 && error.column == 3)
            #expect(error.problem == .unknownCharacter("é", vocabularySize: 4))
            #expect(
                error.description
                    == "notes.txt:2:3: character \"é\" (U+00E9) is not in the model's vocabulary of 4 characters")
        }
        // A control character is escaped so the message stays one line.
        do {
            _ = try vocabulary.encode("a\r", source: "--prime")
            Issue.record("no error for \\r")
        } catch let error as TextError {
            #expect(error.description.hasPrefix(#"--prime:1:2: character "\r" (U+000D)"#), "\(error)")
        }
    }

    @Test func nonUTF8NamesTheByteOffsetAndLine() throws {
        let data = Data([0x61, 0x0A, 0x62, 0xC3, 0xA9, 0xFF, 0x63])  // "a\nbé" then 0xFF
        #expect(throws: TextError(source: "x.txt", line: 2, column: 3, problem: .notUTF8(byte: 0xFF, offset: 5))) {
            try Vocabulary(kind: .characters, of: data, source: "x.txt")
        }
        let error = TextError(source: "x.txt", line: 2, column: 3, problem: .notUTF8(byte: 0xFF, offset: 5))
        #expect(error.description.hasPrefix("x.txt:2:3: byte 0xFF at offset 5 is not UTF-8"))
        // A truncated sequence at the very end.
        #expect(throws: TextError(source: "y", line: 1, column: 2, problem: .notUTF8(byte: 0xE2, offset: 1))) {
            try Vocabulary(kind: .characters, of: Data([0x61, 0xE2, 0x98]), source: "y")
        }
    }

    @Test func emptyTextIsAnError() throws {
        #expect(throws: TextError(source: "e.txt", problem: .empty)) {
            try TextCorpus(data: Data(), source: "e.txt", kind: .characters)
        }
        #expect(throws: TextError(source: "e.txt", problem: .empty)) {
            try TextCorpus(data: Data(), source: "e.txt", vocabulary: .bytes)
        }
    }

    // MARK: Corpus

    @Test func windowsAndTargetsOfATinyText() throws {
        // 20 letters a…t, ids 0…19. Cuts at round(0.7·20) = 14 and round(0.85·20) = 17.
        let text = "abcdefghijklmnopqrst"
        let corpus = try TextCorpus(data: Data(text.utf8), source: "tiny", kind: .characters)
        #expect(corpus.ids == Array(0..<20))
        #expect(corpus.range(of: .train) == 0..<14 && corpus.range(of: .validation) == 14..<17)
        #expect(corpus.range(of: .test) == 17..<20)
        // Training, T = 4: (14 − 1) / 4 = 3 windows, "abcd" → "bcde", "efgh" → "fghi", "ijkl" → "jklm".
        let train = try #require(corpus.windows(of: .train, length: 4))
        #expect(train.input.shape == [3, 4] && train.targets.shape == [3, 4] && train.lengths == nil)
        #expect(train.input.scalars == (0..<12).map(Float.init))
        #expect(train.targets.scalars == (1..<13).map(Float.init))
        // Validation "opq" holds one window of 2, "op" → "pq", and none of 4.
        let validation = try #require(corpus.windows(of: .validation, length: 2))
        #expect(validation.input.scalars == [14, 15] && validation.targets.scalars == [15, 16])
        #expect(corpus.windows(of: .validation, length: 4) == nil)
        #expect(corpus.windowCount(of: .test, length: 2) == 1 && corpus.windowCount(of: .test, length: 3) == 0)
        // T = 13 fits training exactly (13 inputs and the 14th as the last target).
        #expect(corpus.windows(of: .train, length: 13)?.targets.scalars.last == 13)
    }

    @Test func unigramEntropyOfTheTrainingPart() throws {
        // Training part: the first 14 of 20, "aaaaaaaabbbbcc": p = 4/7, 2/7, 1/7, so
        // H = 4/7·log₂(7/4) + 2/7·log₂(7/2) + 1/7·log₂ 7 = log₂ 7 − 10/7 bits.
        let corpus = try TextCorpus(data: Data("aaaaaaaabbbbccddxxyz".utf8), source: "u", kind: .characters)
        #expect(abs(corpus.unigramEntropy - (log2(7.0) - 10.0 / 7)) < 1e-12)
        // Uniform over 4 symbols: exactly 2 bits.
        #expect(TextCorpus.unigramEntropy(of: [0, 1, 2, 3, 3, 2, 1, 0], vocabularySize: 5) == 2)
        #expect(TextCorpus.unigramEntropy(of: [Int](), vocabularySize: 5) == 0)
    }

    // MARK: Model file

    static func model(
        vocabularySize v: Int, cell: Cell = .lstm, bidirectional: Bool = false, seed: UInt64 = 5
    ) throws -> SequenceModel {
        var generator = RandomGenerator(seed: seed)
        return try SequenceModel(
            input: .tokens(vocabularySize: v), embeddingSize: 5, cell: cell, hiddenSize: 7, layers: 2,
            bidirectional: bidirectional, outputSize: v, pooling: .everyStep, generator: &generator)
    }

    static func textFile() throws -> TextModelFile {
        let vocabulary = try Vocabulary(characters: "the cat sat\n".unicodeScalars)
        return TextModelFile(
            model: try model(vocabularySize: vocabulary.count), vocabulary: vocabulary, window: 16,
            unigramEntropy: 2.5, metadata: ["training": "by hand"])
    }

    /// A model that does not fit the vocabulary is refused before anything is
    /// written, naming what it lacks (the file would not read back).
    @Test func aModelThatDoesNotFitTheVocabularyIsNotWritten() throws {
        let vocabulary = try Vocabulary(characters: "the cat sat\n".unicodeScalars)
        let file = TextModelFile(
            model: try Self.model(vocabularySize: vocabulary.count + 1), vocabulary: vocabulary, window: 16,
            unigramEntropy: 2.5)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("text-\(UUID().uuidString).safetensors")
        do {
            try file.write(to: url)
            Issue.record("a model of the wrong vocabulary was written")
        } catch let error as SafetensorsError {
            #expect(error.description.contains("embedding of \(vocabulary.count) rows"), "\(error)")
        }
        #expect(!FileManager.default.fileExists(atPath: url.path))
    }

    @Test func modelFileRoundTripGivesTheSameOutputs() throws {
        let original = try Self.textFile()
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("text-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try original.write(to: url)
        let read = try TextModelFile(contentsOf: url)
        #expect(read.vocabulary == original.vocabulary && read.window == 16 && read.unigramEntropy == 2.5)
        #expect(read.metadata == ["training": "by hand"])
        let ids = try original.vocabulary.encode("the cat\nsat", source: "t")
        let x = Tensor(shape: [1, ids.count], scalars: ids.map(Float.init))
        #expect(try read.model(x) == original.model(x))
        let plain = try ModelFile(contentsOf: url)
        #expect(plain.metadata["task"] == "text-model" && plain.metadata["window"] == "16")
        #expect(plain.tensors["embedding.weight"]?.shape == [original.vocabulary.count, 5])
    }

    @Test(
        arguments: [
            ("task", "series-forecast", nil, "metadata \"task\": is \"series-forecast\"; not a text model"),
            ("vocabulary", #"{"kind":"char","symbols":"ba"}"#, nil, "metadata \"vocabulary\": is not valid: key \"symbols\""),
            ("vocabulary", "[", nil, "metadata \"vocabulary\""),
            ("window", "0", nil, "metadata \"window\": must be a whole number ≥ 1"),
            ("unigram_entropy_bits", "9", nil, "metadata \"unigram_entropy_bits\""),
            ("unigram_entropy_bits", "nan", nil, "metadata \"unigram_entropy_bits\""),
            (nil, nil, "embedding.weight", "tensor \"embedding.weight\": is missing"),
            (nil, nil, "head.weight", "tensor \"head.weight\": is missing"),
        ] as [(String?, String?, String?, String)])
    func badModelFileNamesTheKeyOrTensor(key: String?, value: String?, drop: String?, expected: String) throws {
        var file = try Self.textFile().modelFile()
        if let key { file.metadata[key] = value }
        if let drop { file.tensors[drop] = nil }
        do {
            _ = try TextModelFile(ModelFile(data: try file.serialized(), name: "m.safetensors"), name: "m.safetensors")
            Issue.record("no error for \(expected)")
        } catch let error as SafetensorsError {
            #expect(error.description.hasPrefix("m.safetensors: ") && error.description.contains(expected), "\(error)")
        }
    }

    @Test func badTensorShapesAndValuesAreNamed() throws {
        let v = try Self.textFile().vocabulary.count
        var file = try Self.textFile().modelFile()
        file.tensors["head.weight"] = Tensor.zeros([v + 1, 7])
        #expect(throws: SafetensorsError.self) { try TextModelFile(file, name: "m") }
        do {
            _ = try TextModelFile(file, name: "m")
        } catch let error as SafetensorsError {
            #expect(error.tensor == "head.weight" && error.problem.contains("[\(v), 7]"), "\(error)")
        }
        file = try Self.textFile().modelFile()
        file.tensors["embedding.weight"] = Tensor.zeros([v, 4])
        #expect(
            throws: SafetensorsError(
                file: "m", tensor: "embedding.weight",
                problem: "has shape [\(v), 4]; the model needs [\(v), 5] for a vocabulary of \(v) characters")
        ) { try TextModelFile(file, name: "m") }
        file = try Self.textFile().modelFile()
        file.tensors["head.bias"] = Tensor(shape: [v], scalars: [.nan] + Array(repeating: 0, count: v - 1))
        #expect(throws: SafetensorsError(file: "m", tensor: "head.bias", problem: "holds a value that is not finite")) {
            try TextModelFile(file, name: "m")
        }
    }

    // MARK: Sampler

    @Test func steppingGivesTheWholeSequenceLogits() throws {
        for cell in [Cell.lstm, .gru, .elman(.tanh)] {
            let model = try Self.model(vocabularySize: 9, cell: cell)
            let ids = [3, 1, 4, 1, 5, 0, 2, 6, 8, 7]
            let whole = try model(Tensor(shape: [1, ids.count], scalars: ids.map(Float.init)))  // [1, T, V]
            var sampler = try TextSampler(model: model)
            var stepped: [Float] = []
            for id in ids { stepped += try sampler.read(id) }
            #expect(mismatch(stepped, whole.scalars) == nil, "\(cell): to the bit")
        }
    }

    @Test func samplingIsDeterministicForASeed() throws {
        let model = try Self.model(vocabularySize: 9)
        func draw(_ seed: UInt64, temperature: Float = 1, topK: Int = 0) throws -> [Int] {
            var sampler = try TextSampler(model: model)
            var generator = RandomGenerator(seed: seed)
            return try sampler.generate(
                after: [1, 2], count: 40, temperature: temperature, topK: topK, generator: &generator)
        }
        #expect(try draw(7) == draw(7))
        #expect(try draw(7, temperature: 0.5, topK: 3) == draw(7, temperature: 0.5, topK: 3))
        #expect(try draw(7) != draw(8))
        #expect(try draw(7).allSatisfy { (0..<9).contains($0) })
    }

    @Test func topKOneIsGreedyArgMax() throws {
        let model = try Self.model(vocabularySize: 9, seed: 11)
        var sampler = try TextSampler(model: model)
        var generator = RandomGenerator(seed: 3)
        let prime = [4, 2]
        let drawn = try sampler.generate(after: prime, count: 12, temperature: 1.7, topK: 1, generator: &generator)
        // Each drawn id is the arg max of the whole-sequence forward over everything before it.
        var sequence = prime
        for id in drawn {
            let logits = try model(Tensor(shape: [1, sequence.count], scalars: sequence.map(Float.init))).scalars
            let last = Array(logits.suffix(9))
            #expect(id == last.indices.max { last[$0] < last[$1] }!, "after \(sequence)")
            sequence.append(id)
        }
    }

    @Test func sampleFollowsSoftmaxOverTheTopK() throws {
        var generator = RandomGenerator(seed: 1)
        // logits [0, ln 3]: softmax (1/4, 3/4); at τ = 2, ∝ (1, √3): 1/(1 + √3) ≈ 0.366.
        for (temperature, expected) in [(Float(1), 0.25), (2, 1 / (1 + 3.0.squareRoot()))] {
            var zeros = 0
            let draws = 20_000
            for _ in 0..<draws {
                if try TextSampler.sample([0, log(3)], temperature: temperature, topK: 0, generator: &generator) == 0 {
                    zeros += 1
                }
            }
            // Binomial standard deviation ≈ √(p(1−p)/n) ≈ 0.0034; allow 4σ.
            #expect(abs(Double(zeros) / Double(draws) - expected) < 0.014, "τ \(temperature): \(zeros) of \(draws)")
        }
        // top-k 2 of [0, 5, 4, −1]: only ids 1 and 2; a tie at the cut goes to the smaller id.
        var seen = Set<Int>()
        for _ in 0..<500 {
            seen.insert(try TextSampler.sample([0, 5, 4, -1], temperature: 3, topK: 2, generator: &generator))
        }
        #expect(seen == [1, 2])
        #expect(try TextSampler.sample([2, 7, 7, 1], temperature: 1, topK: 1, generator: &generator) == 1)
    }

    @Test func badSamplingOptionsAndModelsAreErrors() throws {
        var generator = RandomGenerator(seed: 1)
        for temperature: Float in [0, -1, .nan, .infinity] {
            #expect(throws: RecurrentError.self) {
                try TextSampler.sample([0, 1], temperature: temperature, topK: 0, generator: &generator)
            }
        }
        #expect(throws: RecurrentError.self) {
            try TextSampler.sample([0, 1], temperature: 1, topK: -1, generator: &generator)
        }
        #expect(throws: RecurrentError.self) {
            try TextSampler(model: Self.model(vocabularySize: 9, bidirectional: true))
        }
        var sampler = try TextSampler(model: Self.model(vocabularySize: 9))
        #expect(throws: RecurrentError.self) { try sampler.generate(after: [], count: 3, generator: &generator) }
        #expect(throws: RecurrentError.self) { try sampler.generate(after: [9], count: 3, generator: &generator) }
    }

    @Test func meanLossInChunksEqualsTheWholeBatch() throws {
        let model = try Self.model(vocabularySize: 9)
        let corpus = try TextCorpus(
            data: Data(String(repeating: "abcdefghi", count: 12).utf8), source: "c", kind: .characters)
        let windows = try #require(corpus.windows(of: .train, length: 5))
        let whole = Loss.softmaxCrossEntropy(try model(windows.input), target: windows.targets).value
        let chunked = try model.meanLoss(.softmaxCrossEntropy, on: windows, batchSize: 4)
        #expect(abs(chunked - Double(whole)) < 1e-5, "chunked \(chunked), whole \(whole)")
    }
}
