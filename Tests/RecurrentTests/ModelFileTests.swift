import Foundation
import Recurrent
import Testing

/// Recurrent model files: round trips, PyTorch state_dicts imported through
/// a file, and every way a file can be wrong, each a ``SafetensorsError``
/// naming the file and the tensor or metadata key.
@Suite struct ModelFileTests {
    typealias Fixtures = StateDictFixtures

    static func randomLayer(
        _ cell: Cell, inputSize: Int, hiddenSize: Int, layers: Int = 1, bidirectional: Bool = false,
        bias: Bool = true, dropout: Float = 0, seed: UInt64
    ) throws -> RecurrentLayer {
        var generator = RandomGenerator(seed: seed)
        return try RecurrentLayer(
            cell: cell, inputSize: inputSize, hiddenSize: hiddenSize, layers: layers,
            bidirectional: bidirectional, bias: bias, dropout: dropout, generator: &generator)
    }

    static let layers: [(Cell, Int, Int, Int, Bool, Bool, Float)] = [
        (.lstm, 5, 7, 2, true, true, 0),
        (.gru, 3, 4, 1, false, false, 0.25),
        (.elman(.sigmoid), 2, 3, 3, true, true, 0.5),
        (.elman(.relu), 4, 6, 1, false, true, 0),
    ]

    /// Same names in the same order, and the same bits.
    static func expectIdentical(_ a: NamedTensors, _ b: NamedTensors, _ what: String) {
        #expect(a.names == b.names, "\(what): names \(a.names) vs \(b.names)")
        for (name, tensor) in a {
            let other = b[name]
            #expect(
                other?.shape == tensor.shape && other?.scalars.map(\.bitPattern) == tensor.scalars.map(\.bitPattern),
                "\(what): \(name) differs")
        }
    }

    @Test(arguments: 0..<layers.count)
    func roundTripKeepsEverything(_ index: Int) throws {
        let (cell, d, h, l, bi, bias, dropout) = Self.layers[index]
        let layer = try Self.randomLayer(
            cell, inputSize: d, hiddenSize: h, layers: l, bidirectional: bi, bias: bias, dropout: dropout,
            seed: UInt64(index))
        var generator = RandomGenerator(seed: 100)
        var file = ModelFile(
            layer: layer, metadata: ["normalization": #"{"mean":[0.5],"std":[2]}"#, "note": "ünïcode ✓"])
        file.tensors["head.weight"] = Tensor.normal([2, layer.outputSize], using: &generator)
        file.tensors["head.bias"] = Tensor([Float.nan, -0.0])
        file.integerTensors["vocabulary.ids"] = IntegerTensor([3, 1, 4])

        let folder = try Fixtures.temporaryFolder()
        let url = folder.appendingPathComponent("model.safetensors")
        try file.write(to: url)
        let loaded = try ModelFile(contentsOf: url)

        #expect(loaded.layer.architecture == layer.architecture)
        Self.expectIdentical(loaded.layer.parameters, layer.parameters, "parameters")
        Self.expectIdentical(loaded.tensors, file.tensors.sortedByName(), "other tensors")
        #expect(loaded.integerTensors == file.integerTensors)
        #expect(loaded.metadata == file.metadata)

        let input = Tensor.normal([3, 4, d], using: &generator)
        let lengths = [4, 1, 3]
        let (before, stateBefore) = try layer(input, lengths: lengths)
        let (after, stateAfter) = try loaded.layer(input, lengths: lengths)
        #expect(before == after)
        #expect(stateBefore == stateAfter)

        let bytes = try Data(contentsOf: url)
        #expect(try file.serialized() == bytes, "the same contents give the same bytes")
        try loaded.write(to: url)
        #expect(try Data(contentsOf: url) == bytes, "a loaded file writes back byte for byte")
    }

    @Test func headerRecordsTheFormatAndArchitecture() throws {
        let layer = try Self.randomLayer(
            .elman(.relu), inputSize: 4, hiddenSize: 6, bias: false, dropout: 0.125, seed: 7)
        let data = try ModelFile(layer: layer, metadata: ["trained_on": "mackey-glass"]).serialized()
        let raw = try SafetensorsFile(data: data, name: "model")
        #expect(
            raw.metadata == [
                "format": "recurrent", "format_version": "1", "trained_on": "mackey-glass",
                "architecture":
                    #"{"bias":false,"bidirectional":false,"cell":"rnn","dropout":0.125,"hidden_size":6,"input_size":4,"nonlinearity":"relu","num_layers":1}"#,
            ])
        #expect(Set(raw.tensors.keys) == ["weight_ih_l0", "weight_hh_l0"])
    }

    @Test func layerSaveAndLoad() throws {
        let layer = try Self.randomLayer(.elman(.sigmoid), inputSize: 2, hiddenSize: 5, layers: 2, seed: 3)
        let url = try Fixtures.temporaryFolder().appendingPathComponent("rnn.safetensors")
        try layer.save(to: url, metadata: ["epochs": "12"])
        let loaded = try RecurrentLayer(contentsOf: url)
        #expect(loaded.cell == .elman(.sigmoid), "the nonlinearity comes from the metadata")
        Self.expectIdentical(loaded.parameters, layer.parameters, "parameters")
        #expect(try ModelFile(contentsOf: url).metadata == ["epochs": "12"])
    }

    /// A PyTorch file read as a model, written as a Recurrent file, read
    /// again by its metadata: still PyTorch's outputs.
    @Test(arguments: StateDictCase.all)
    func importedStateDictKeepsPyTorchOutputs(_ testCase: StateDictCase) throws {
        let source = try Fixtures.file(testCase.name)
        let imported = try ModelFile(contentsOf: Fixtures.url(testCase.name), nonlinearity: testCase.nonlinearity)
        #expect(imported.layer.architecture == testCase.architecture)
        #expect(imported.metadata.isEmpty, "a state_dict's own format key is dropped")
        #expect(Set(imported.tensors.names) == Set(source.tensors.keys.filter { $0.contains(".") }))
        #expect(imported.integerTensors == source.integerTensors)

        let url = try Fixtures.temporaryFolder().appendingPathComponent("imported.safetensors")
        try imported.write(to: url)
        let reloaded = try ModelFile(contentsOf: url)
        #expect(reloaded.layer.architecture == testCase.architecture)
        let (output, state) = try Fixtures.run(reloaded.layer, on: source)
        let outputKey = source.tensors["test.recurrent_output"] == nil ? "test.output" : "test.recurrent_output"
        try Fixtures.expectReference(output, outputKey, in: source, "\(testCase.name) output after import")
        try Fixtures.expectReference(state.h, "test.h_n", in: source, "\(testCase.name) h_n after import")
    }

    @Test func bytesLoadLikeAFile() throws {
        let layer = try Self.randomLayer(.gru, inputSize: 2, hiddenSize: 3, seed: 9)
        let loaded = try ModelFile(data: try ModelFile(layer: layer).serialized(), name: "in memory")
        Self.expectIdentical(loaded.layer.parameters, layer.parameters, "parameters")
    }

    // MARK: - Bad files

    /// A model file's header and tensors, ready to be spoiled.
    static func recurrentFile() throws -> SafetensorsFile {
        let layer = try randomLayer(.lstm, inputSize: 5, hiddenSize: 7, layers: 2, seed: 11)
        var file = ModelFile(layer: layer)
        file.tensors["head.weight"] = Tensor.zeros([1, 7])
        return try SafetensorsFile(data: try file.serialized(), name: "model")
    }

    /// Writes `file` and expects reading it to fail with one line naming the
    /// file, `tensor`, and containing `phrase`.
    static func expectRejected(
        _ file: SafetensorsFile, tensor: String?, _ phrase: String, nonlinearity: Nonlinearity? = nil
    ) throws {
        let url = try Fixtures.temporaryFolder().appendingPathComponent("bad.safetensors")
        try file.write(to: url)
        expectRejected(url, tensor: tensor, phrase, nonlinearity: nonlinearity)
    }

    static func expectRejected(_ url: URL, tensor: String?, _ phrase: String, nonlinearity: Nonlinearity? = nil) {
        do {
            _ = try ModelFile(contentsOf: url, nonlinearity: nonlinearity)
            Issue.record("\(url.lastPathComponent) loaded; expected an error about \(tensor ?? "the file"): \(phrase)")
        } catch let error as SafetensorsError {
            #expect(error.file == url.path)
            #expect(error.tensor == tensor, "\(error)")
            #expect(error.description.contains(phrase), "\"\(error)\" lacks \"\(phrase)\"")
            #expect(!error.description.contains("\n"))
        } catch {
            Issue.record("expected a SafetensorsError, got \(error)")
        }
    }

    @Test func missingTensorInAStateDict() throws {
        var file = try Fixtures.file("lstm_l2_bi")
        file.tensors["bias_hh_l1_reverse"] = nil
        try Self.expectRejected(
            file, tensor: "bias_hh_l1_reverse",
            "missing; the architecture inferred from weight_ih_l0 and weight_hh_l0, "
                + "LSTM(input 5, hidden 7, 2 layers, bidirectional), needs it")
    }

    @Test func wrongShapeInAStateDict() throws {
        var file = try Fixtures.file("gru")
        file.tensors["bias_ih_l0"] = Tensor.zeros([11])
        try Self.expectRejected(file, tensor: "bias_ih_l0", "has shape [11]; the architecture inferred")
        try Self.expectRejected(file, tensor: "bias_ih_l0", "needs [12]")
    }

    @Test func gateCountTwoInAStateDict() throws {
        var file = try Fixtures.file("gru")
        file.tensors["weight_hh_l0"] = Tensor.zeros([8, 4])
        try Self.expectRejected(
            file, tensor: "weight_hh_l0",
            "shape [8, 4]: rows / columns (the gate count G) is 2; expected 1 (RNN), 4 (LSTM) or 3 (GRU)")
    }

    @Test func lstmProjectionFromPyTorch() throws {
        Self.expectRejected(
            Fixtures.url("lstm_proj"), tensor: "weight_hr_l0",
            "shape [2, 4]: LSTM projections (PyTorch's proj_size) are not supported")
    }

    @Test func unexpectedRecurrentName() throws {
        var file = try Fixtures.file("gru")
        file.tensors["weight_xx_l7"] = Tensor.zeros([1])
        try Self.expectRejected(file, tensor: "weight_xx_l7", "unexpected: not a weight of the architecture inferred")
        var recurrent = try Self.recurrentFile()
        recurrent.tensors["bias_ih_l2"] = Tensor.zeros([28])
        try Self.expectRejected(
            recurrent, tensor: "bias_ih_l2", "unexpected: not a weight of the architecture in the metadata")
    }

    @Test func integerTensorUnderARecurrentName() throws {
        var file = try Fixtures.file("gru")
        file.tensors["bias_hh_l0"] = nil
        file.integerTensors["bias_hh_l0"] = IntegerTensor(Array(repeating: 0, count: 12))
        try Self.expectRejected(file, tensor: "bias_hh_l0", "is an integer tensor")
    }

    @Test func nonFiniteWeight() throws {
        var file = try Self.recurrentFile()
        var weight = file.tensors["bias_hh_l1"]!
        weight[5] = .nan
        file.tensors["bias_hh_l1"] = weight
        try Self.expectRejected(file, tensor: "bias_hh_l1", "shape [28]: element 5 is nan; weights must be finite")
    }

    @Test func metadataThatLiesAboutTheShapes() throws {
        var file = try Self.recurrentFile()
        file.metadata["architecture"] = file.metadata["architecture"]!.replacingOccurrences(
            of: "\"hidden_size\":7", with: "\"hidden_size\":8")
        try Self.expectRejected(
            file, tensor: "weight_ih_l0",
            "has shape [28, 5]; the architecture in the metadata, LSTM(input 5, hidden 8, 2 layers), needs [32, 5]")
        file = try Self.recurrentFile()
        file.metadata["architecture"] = file.metadata["architecture"]!.replacingOccurrences(
            of: "\"num_layers\":2", with: "\"num_layers\":2000000")
        try Self.expectRejected(file, tensor: "weight_ih_l2", "missing; the architecture in the metadata")
        file = try Self.recurrentFile()
        file.tensors["weight_hh_l1"] = nil
        try Self.expectRejected(file, tensor: "weight_hh_l1", "missing; the architecture in the metadata")
    }

    @Test func badArchitectureMetadata() throws {
        let written = try Self.recurrentFile().metadata["architecture"]!
        #expect(
            written
                == #"{"bias":true,"bidirectional":false,"cell":"lstm","dropout":0,"hidden_size":7,"input_size":5,"num_layers":2}"#
        )
        func edited(_ original: String, _ replacement: String) -> String {
            written.replacingOccurrences(of: original, with: replacement)
        }
        let cases: [(json: String?, phrase: String)] = [
            (nil, "missing"),
            ("{not json", "not valid JSON ("),
            ("[1, 2]", "expected a JSON object"),
            (edited(#""hidden_size":7"#, #""hidden_size":"7""#), #"key "hidden_size": expected a number"#),
            (edited(#""hidden_size":7"#, #""hidden_size":null"#), #"key "hidden_size": expected a number"#),
            (edited(#","num_layers":2"#, ""), #"key "num_layers" is missing"#),
            (edited(#""lstm""#, #""transformer""#), #"key "cell": "transformer" is not rnn, lstm or gru"#),
            (edited(#""lstm""#, #""rnn""#), #"key "nonlinearity" is missing"#),
            (
                edited(#""lstm""#, #""rnn","nonlinearity":"gelu""#),
                #"key "nonlinearity": "gelu" is not tanh, relu or sigmoid"#
            ),
            (
                edited(#""hidden_size":7"#, #""hidden_size":0"#),
                #"key "hidden_size": must be a whole number in 1 … 2147483647, not 0"#
            ),
            (
                edited(#""input_size":5"#, #""input_size":5.5"#),
                #"key "input_size": must be a whole number in 1 … 2147483647, not 5.5"#
            ),
            (edited(#""input_size":5"#, #""input_size":1e400"#), "not valid JSON ("),
            (edited(#""bidirectional":false"#, #""bidirectional":1"#), #"key "bidirectional": expected true or false"#),
            (edited(#""dropout":0"#, #""dropout":1.5"#), #"key "dropout": must lie in [0, 1), not 1.5"#),
        ]
        for (json, phrase) in cases {
            var file = try Self.recurrentFile()
            file.metadata["architecture"] = json
            try Self.expectRejected(file, tensor: nil, #"metadata "architecture": "# + phrase)
        }
    }

    @Test func unsupportedOrMissingFormatVersion() throws {
        var file = try Self.recurrentFile()
        file.metadata["format_version"] = "2"
        try Self.expectRejected(
            file, tensor: nil,
            #"metadata "format_version": unsupported version "2"; this build of Recurrent reads version 1"#)
        file.metadata["format_version"] = nil
        try Self.expectRejected(file, tensor: nil, #"metadata "format_version": missing"#)
    }

    @Test func nonlinearityThatContradictsTheMetadata() throws {
        let layer = try Self.randomLayer(.elman(.relu), inputSize: 2, hiddenSize: 3, seed: 4)
        let url = try Fixtures.temporaryFolder().appendingPathComponent("relu.safetensors")
        try layer.save(to: url)
        Self.expectRejected(
            url, tensor: nil, #"metadata "architecture": records nonlinearity relu, but tanh was asked for"#,
            nonlinearity: .tanh)
        #expect(try ModelFile(contentsOf: url, nonlinearity: .relu).layer.cell == .elman(.relu))
    }

    @Test func truncatedFileIsNamed() throws {
        let url = try Fixtures.temporaryFolder().appendingPathComponent("short.safetensors")
        let bytes = try Data(contentsOf: Fixtures.url("lstm_l2_bi"))
        try bytes.dropLast(10).write(to: url)
        do {
            _ = try ModelFile(contentsOf: url)
            Issue.record("a truncated file loaded")
        } catch let error as SafetensorsError {
            #expect(error.file == url.path)
        }
    }

    @Test func writingRefusesWhatCouldNotBeReadBack() throws {
        let layer = try Self.randomLayer(.gru, inputSize: 2, hiddenSize: 3, seed: 5)
        let url = try Fixtures.temporaryFolder().appendingPathComponent("model.safetensors")
        try ModelFile(layer: layer).write(to: url)
        let good = try Data(contentsOf: url)

        func expectRefused(_ file: ModelFile, tensor: String?, _ phrase: String) {
            do {
                try file.write(to: url)
                Issue.record("written; expected an error about \(tensor ?? "the file"): \(phrase)")
            } catch let error as SafetensorsError {
                #expect(error.file == url.path)
                #expect(error.tensor == tensor, "\(error)")
                #expect(error.description.contains(phrase), "\"\(error)\" lacks \"\(phrase)\"")
            } catch {
                Issue.record("unexpected error \(error)")
            }
            #expect((try? Data(contentsOf: url)) == good, "the previous file is left as it was")
        }

        expectRefused(ModelFile(layer: layer, metadata: ["format": "pt"]), tensor: nil, #"metadata "format": reserved"#)
        expectRefused(
            ModelFile(layer: layer, metadata: ["architecture": "{}"]), tensor: nil,
            #"metadata "architecture": reserved"#)
        expectRefused(
            ModelFile(layer: layer, tensors: NamedTensors([("scale", Tensor([1]))])), tensor: "scale",
            "has no dot in its name")
        expectRefused(
            ModelFile(layer: layer, integerTensors: ["lengths": IntegerTensor([1])]), tensor: "lengths",
            "has no dot in its name")
        expectRefused(
            ModelFile(
                layer: layer, tensors: NamedTensors([("x.y", Tensor([1]))]), integerTensors: ["x.y": IntegerTensor([1])]
            ),
            tensor: "x.y", "both a float tensor and an integer tensor")
        var poisoned = layer
        poisoned.weights[0].weightHH[1, 2] = -.infinity
        expectRefused(ModelFile(layer: poisoned), tensor: "weight_hh_l0", "element 5 is -inf; weights must be finite")
    }
}

extension NamedTensors {
    /// The same tensors ordered by name (by UTF-8 bytes), as a model file returns them.
    fileprivate func sortedByName() -> NamedTensors {
        NamedTensors(names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map { ($0, self[$0]!) })
    }
}
