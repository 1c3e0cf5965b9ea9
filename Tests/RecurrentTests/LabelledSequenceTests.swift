import Foundation
import Recurrent
import Testing

// Reading labelled sequences in their three layouts, the seeded split, the
// encodings and the sequence-classifier model file; every error names the
// file and the line and column, or the tensor, at fault.

@Suite struct LabelledSequenceTests {
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "LabelledSequences-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func write(_ text: String, _ name: String) throws -> URL {
        let url = try folder().appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    static let symbols = LabelledSequenceLayout.symbols(sequenceColumn: "seq", labelColumn: "class")

    /// The description of the error `body` throws.
    static func message(_ body: () throws -> Void) -> String {
        do {
            try body()
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func classNamesSortNumbersByValueAndOtherLabelsByBytes() {
        #expect(LabelledSequences.classNames(["10", "2", "1", "2"]) == ["1", "2", "10"])
        #expect(LabelledSequences.classNames(["b", "a", "B", "10"]) == ["10", "B", "a", "b"])
    }

    @Test func readsASymbolTSVAndEncodesThePaddedBatch() throws {
        let url = try Self.write("id\tseq\tclass\n1\tACGT\tyes\n2\tGA\tno\n3\t\"TT\"\tyes\n", "s.tsv")
        let data = try LabelledSequences(contentsOf: url, layout: Self.symbols)
        #expect(data.steps == .symbols([["A", "C", "G", "T"], ["G", "A"], ["T", "T"]]))
        #expect(data.labels == ["yes", "no", "yes"] && data.lines == [2, 3, 4] && data.count == 3)
        #expect(data.classNames == ["no", "yes"])
        let encoding = try data.fittedEncoding(on: [1, 2])
        #expect(encoding == .symbols(alphabet: ["A", "G", "T"]))
        let batch = try data.batch([2, 1], encoding: encoding, classes: data.classNames)
        #expect(batch.input == Tensor(rows: [[2, 2], [1, 0]]))  // TT, GA
        #expect(batch.lengths == [2, 2] && batch.targets == Tensor([1, 0]))

        // C is not in the alphabet of sequences 1 and 2.
        let text = Self.message { _ = try data.batch([0], encoding: encoding, classes: data.classNames) }
        #expect(
            text.hasPrefix("\(url.path):2: column \"seq\": symbol \"C\" at position 2 is not in the model's alphabet"))
        #expect(text.contains("\"A\", \"G\", \"T\""), "\(text)")
        let label = Self.message {
            _ = try data.batch([0], encoding: .symbols(alphabet: ["A", "C", "G", "T"]), classes: ["no"])
        }
        #expect(label == "\(url.path):2: column \"class\": label \"yes\" is not one of the model's classes: \"no\"")
    }

    @Test func symbolFileErrorsNameLineAndColumn() throws {
        let cases: [(String, String, String)] = [
            ("seq,label\nAC,x\n", "a.csv", ":1: column \"class\": no such column"),
            ("seq,class\nAC,x\nAG\n", "b.csv", ":3: expected 2 fields"),
            ("seq,class\nAC,x\n,y\n", "c.csv", ":3: column \"seq\": the sequence is empty"),
            ("seq,class\nAC,x\nAG, \n", "d.csv", ":3: column \"class\": the label is missing"),
            ("", "e.csv", "the file is empty"),
            ("seq\tclass\nAC,x\n", "f.tsv", ":2: expected 2 fields, as in the header, found 1"),
        ]
        for (text, name, expected) in cases {
            let url = try Self.write(text, name)
            let message = Self.message { _ = try LabelledSequences(contentsOf: url, layout: Self.symbols) }
            #expect(message.hasPrefix(url.path) && message.contains(expected), "\(name): \(message)")
        }
    }

    static let longForm = LabelledSequenceLayout.longForm(
        idColumn: "id", stepColumn: "t", featureColumns: ["x", "y"], labelColumn: "label")

    @Test func readsLongFormRowsGroupedByIdSortedByStepAndNormalisesWithTrainingStatistics() throws {
        let url = try Self.write(
            "id,t,x,y,label\nb,2,5,0,up\na,1,1,10,down\nb,1,4,0,up\na,0,0,20,down\nc,0,9,9,up\n", "long.csv")
        let data = try LabelledSequences(contentsOf: url, layout: Self.longForm)
        #expect(data.labels == ["up", "down", "up"] && data.lines == [2, 3, 6])
        #expect(data.steps == .features(names: ["x", "y"], values: [[4, 0, 5, 0], [0, 20, 1, 10], [9, 9]]))
        let encoding = try data.fittedEncoding(on: [0, 1])
        // x over training rows: 4, 5, 0, 1 → mean 2.5, σ √4.25; y: 0, 0, 20, 10 → mean 7.5, σ √68.75.
        guard case .features(2, let normalization?) = encoding else {
            Issue.record("expected two normalised features, got \(encoding)")
            return
        }
        #expect(normalization.offsets == [2.5, 7.5])
        #expect(abs(normalization.scales[0] - 4.25.squareRoot()) < 1e-12)
        #expect(abs(normalization.scales[1] - 68.75.squareRoot()) < 1e-12)
        let batch = try data.batch([2, 0], encoding: encoding, classes: ["down", "up"])
        #expect(batch.input.shape == [2, 2, 2] && batch.lengths == [1, 2] && batch.targets == Tensor([1, 1]))
        #expect(abs(batch.input.scalars[0] - Float((9 - 2.5) / 4.25.squareRoot())) < 1e-6)
        #expect(batch.input.scalars[2] == 0 && batch.input.scalars[3] == 0, "padding")

        // Without --features, every other column is a feature; without a step column, file order.
        let all = try LabelledSequences(
            contentsOf: url,
            layout: .longForm(idColumn: "id", stepColumn: nil, featureColumns: nil, labelColumn: "label"))
        #expect(
            all.steps
                == .features(names: ["t", "x", "y"], values: [[2, 5, 0, 1, 4, 0], [1, 1, 10, 0, 0, 20], [0, 9, 9]]))
    }

    @Test func longFormErrorsNameLineAndColumn() throws {
        let cases: [(String, String)] = [
            (
                "id,t,x,y,label\na,0,1,2,up\na,1,1,2,down\n",
                ":3: column \"label\": the label of sequence \"a\" changes from \"up\" (line 2) to \"down\""
            ),
            (
                "id,t,x,y,label\na,0,1,2,up\na,0,1,2,up\n",
                ":3: column \"t\": sequence \"a\" has step \"0\" twice (first on line 2)"
            ),
            ("id,t,x,y,label\na,0,1,z,up\n", ":2: column \"y\": cell \"z\" is not a number"),
            ("id,t,x,y,label\na,0,1,NA,up\n", ":2: column \"y\": cell \"NA\" is not a number"),
            ("id,t,x,label\na,0,1,up\n", ":1: column \"y\": no such column"),
        ]
        for (i, (text, expected)) in cases.enumerated() {
            let url = try Self.write(text, "bad\(i).csv")
            let message = Self.message { _ = try LabelledSequences(contentsOf: url, layout: Self.longForm) }
            #expect(message == url.path + expected || message.hasPrefix(url.path + expected), "\(message)")
        }
    }

    static func safetensors(_ file: SafetensorsFile) throws -> URL {
        let url = try folder().appendingPathComponent("seq.safetensors")
        try file.write(to: url)
        return url
    }

    @Test func readsSafetensorsWithLengthsAndClassesUpToTheLargestLabel() throws {
        let input = Tensor(shape: [3, 2, 1], scalars: [1, 2, 3, 99, 5, 6])
        let url = try Self.safetensors(
            SafetensorsFile(
                tensors: ["input": input],
                integerTensors: ["labels": IntegerTensor([2, 0, 2]), "lengths": IntegerTensor([2, 1, 2])]))
        let data = try LabelledSequences(contentsOf: url, layout: .safetensors)
        #expect(data.steps == .features(names: ["input[0]"], values: [[1, 2], [3], [5, 6]]))
        #expect(data.classNames == ["0", "1", "2"])
        // z-scored by default, as a long-form CSV's features are: over the real steps 1, 2, 3 of [0, 1].
        guard case .features(1, let fitted?) = try data.fittedEncoding(on: [0, 1]) else {
            Issue.record("expected a z-score normalisation")
            return
        }
        #expect(fitted.columns == ["input[0]"] && fitted.offsets == [2])
        #expect(abs(fitted.scales[0] - (2.0 / 3).squareRoot()) < 1e-12, "\(fitted.scales)")
        let encoding = try data.fittedEncoding(on: [0, 1], scaling: .none)
        #expect(encoding == .features(count: 1, normalization: nil))
        let batch = try data.batch([1, 2], encoding: encoding, classes: data.classNames)
        #expect(batch.input == Tensor(shape: [2, 2, 1], scalars: [3, 0, 5, 6]) && batch.targets == Tensor([0, 2]))
        let unknown = Self.message { _ = try data.batch([0], encoding: encoding, classes: ["0", "1"]) }
        #expect(unknown == "\(url.path): tensor \"labels\": labels[0] = 2 is out of range; the model knows classes 0…1")
    }

    @Test func safetensorsErrorsNameTheTensor() throws {
        let input = Tensor(shape: [2, 3, 1], scalars: [1, 2, 3, 4, 5, 6])
        let cases: [(SafetensorsFile, String)] = [
            (SafetensorsFile(tensors: ["input": input]), "tensor \"labels\": is missing"),
            (SafetensorsFile(tensors: ["input": input, "labels": Tensor([0, 1])]), "tensor \"labels\": holds floats"),
            (SafetensorsFile(integerTensors: ["labels": IntegerTensor([0, 1])]), "tensor \"input\": is missing"),
            (
                SafetensorsFile(tensors: ["input": input], integerTensors: ["labels": IntegerTensor([0, -1])]),
                "tensor \"labels\": labels[1] = -1 is out of range"
            ),
            (
                SafetensorsFile(tensors: ["input": input], integerTensors: ["labels": IntegerTensor([0, 1, 1])]),
                "tensor \"labels\": has shape [3]; the input's N needs [2]"
            ),
            (
                SafetensorsFile(
                    tensors: ["input": input],
                    integerTensors: ["labels": IntegerTensor([0, 1]), "lengths": IntegerTensor([3, 4])]),
                "tensor \"lengths\": lengths[1] = 4 must lie in 1…3"
            ),
            (
                SafetensorsFile(
                    tensors: ["input": Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])],
                    integerTensors: ["labels": IntegerTensor([0, 1])]),
                "tensor \"input\": has shape [2, 3]"
            ),
        ]
        for (file, expected) in cases {
            let url = try Self.safetensors(file)
            let message = Self.message { _ = try LabelledSequences(contentsOf: url, layout: .safetensors) }
            #expect(message.hasPrefix(url.path + ": " + expected), "\(message)")
        }
    }

    @Test func splitIsSeededDisjointAndSeventyFifteenFifteen() throws {
        let parts = try SequenceSplit(seed: 9).parts(count: 100)
        #expect(parts.train.count == 70 && parts.validation.count == 15 && parts.test.count == 15)
        #expect(Set(parts.train + parts.validation + parts.test) == Set(0..<100))
        #expect(try SequenceSplit(seed: 9).parts(count: 100) == parts)
        #expect(try SequenceSplit(seed: 10).parts(count: 100) != parts)
        #expect(throws: RecurrentError.self) { try SequenceSplit(seed: 1).parts(count: 4) }
        let split = SequenceSplit(seed: .max, sequences: 100)
        let decoded = try JSONDecoder().decode(SequenceSplit.self, from: JSONEncoder().encode(split))
        #expect(decoded == split)
    }

    // MARK: - The model file

    static func classifier(
        input: SequenceInput, embeddingSize: Int = 5, encoding: SequenceEncoding, layout: LabelledSequenceLayout
    ) throws -> SequenceClassifierFile {
        var generator = RandomGenerator(seed: 3)
        let model = try SequenceModel(
            input: input, embeddingSize: embeddingSize, cell: .lstm, hiddenSize: 4, bidirectional: true, outputSize: 3, pooling: .mean,
            generator: &generator)
        return SequenceClassifierFile(
            model: model, layout: layout, encoding: encoding, classes: ["a", "b", "c"],
            split: SequenceSplit(seed: 77, sequences: 40), metadata: ["training": "test"])
    }

    @Test func modelFileRoundTripsEveryPiece() throws {
        let normalization = try Normalization(method: .zScore, columns: ["x", "y"], offsets: [1, 2], scales: [3, 4])
        let files = [
            try Self.classifier(
                input: .tokens(vocabularySize: 4), embeddingSize: 5,
                encoding: .symbols(alphabet: ["A", "C", "G", "T"]),
                layout: Self.symbols),
            try Self.classifier(
                input: .features(2), encoding: .features(count: 2, normalization: normalization), layout: Self.longForm),
            try Self.classifier(
                input: .features(2), encoding: .features(count: 2, normalization: nil), layout: .safetensors),
        ]
        for original in files {
            let data = try original.modelFile().serialized()
            let read = try SequenceClassifierFile(ModelFile(data: data, name: "m.safetensors"), name: "m.safetensors")
            #expect(read.layout == original.layout && read.encoding == original.encoding)
            #expect(
                read.classes == ["a", "b", "c"] && read.split == original.split && read.metadata == ["training": "test"]
            )
            #expect(read.network.sequenceModel?.head.pooling == .mean)
            var generator = RandomGenerator(seed: 1)
            let x: Tensor =
                original.network.sequenceModel?.embedding == nil
                ? Tensor.normal([2, 3, 2], using: &generator) : Tensor(rows: [[0, 3, 1], [2, 2, 0]])
            #expect(try read.network(x, lengths: [3, 2]) == original.network(x, lengths: [3, 2]))
        }
    }

    @Test func badModelFilesNameTheKeyOrTensor() throws {
        let good = try Self.classifier(
            input: .tokens(vocabularySize: 4), embeddingSize: 5, encoding: .symbols(alphabet: ["A", "C", "G", "T"]),
            layout: Self.symbols
        ).modelFile()
        var generator = RandomGenerator(seed: 2)
        let edits: [(String, (inout ModelFile) -> Void)] = [
            ("metadata \"task\": is \"series-forecast\"", { $0.metadata["task"] = "series-forecast" }),
            ("metadata \"classes\": is missing", { $0.metadata["classes"] = nil }),
            ("metadata \"head\": must pool the sequence", { $0.metadata["classes"] = #"["a","b"]"# }),
            ("metadata \"classes\": must name one or more distinct", { $0.metadata["classes"] = #"["a","a","b"]"# }),
            ("metadata \"layout\": is not valid", { $0.metadata["layout"] = #"{"kind":"symbols"}"# }),
            ("metadata \"encoding\": does not fit the layout", { $0.metadata["layout"] = #"{"kind":"safetensors"}"# }),
            (
                "metadata \"split\": is not valid",
                { $0.metadata["split"] = #"{"seed":"-1","train":0.7,"validation":0.15}"# }
            ),
            (
                "tensor \"embedding.weight\": has shape [3, 5]",
                { $0.tensors["embedding.weight"] = Tensor.normal([3, 5], using: &generator) }
            ),
            ("tensor \"embedding.weight\": is missing", { $0.tensors["embedding.weight"] = nil }),
            ("tensor \"head.bias\": has shape [2]", { $0.tensors["head.bias"] = Tensor([0, 0]) }),
        ]
        for (expected, edit) in edits {
            var file = good
            edit(&file)
            let message = Self.message { _ = try SequenceClassifierFile(file, name: "m.safetensors") }
            #expect(message.hasPrefix("m.safetensors: " + expected), "\(message)")
        }
    }
}
