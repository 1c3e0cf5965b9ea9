import Foundation
import RecurrentTestSupport
import Testing

@testable import Recurrent
@testable import RecurrentCore
@testable import RecurrentData

/// ONNX export, checked against ONNX Runtime without Python: the models below
/// (seeded, every cell, 1–2 layers, both directions, every head) must export
/// to the bytes of `Fixtures/onnx/NAME.onnx`, which `scripts/verify_onnx.py`
/// checked with `onnx.checker.check_model(full_check=True)` and ran in ONNX
/// Runtime; the library's outputs on the script's inputs must match ONNX
/// Runtime's outputs stored in `NAME.ort.safetensors` to 1e-5 · max(1, max |ref|).
///
/// `RECURRENT_WRITE_ONNX_FIXTURES=1 swift test --filter ONNXExportTests`
/// writes the `.onnx` files and `manifest.json` instead of comparing bytes
/// (the script does this first), and with `RECURRENT_ONNX_MODELS=FOLDER` the
/// models' `.safetensors` files there.
@Suite struct ONNXExportTests {
    static let folder = TestFixtures.folder("onnx")
    static let writing = ProcessInfo.processInfo.environment["RECURRENT_WRITE_ONNX_FIXTURES"] == "1"

    /// A model to export, and how the library computes what its graph gives.
    struct Case {
        var name: String
        var exportable: any ONNXExportable
        /// V for token input, nil for features.
        var vocabulary: Int?
        /// Fixed T (the MLP), or nil.
        var steps: Int?
        /// The library's outputs by the graph's output names, for the graph's inputs.
        var run: (_ inputs: [String: Tensor], _ lengths: [Int]?) throws -> [String: Tensor]
    }

    static func layerCase(_ name: String, _ cell: Cell, layers: Int, bidirectional: Bool, bias: Bool = true, seed: UInt64)
        throws -> Case
    {
        var generator = RandomGenerator(seed: seed)
        let layer = try RecurrentLayer(
            cell: cell, inputSize: 3, hiddenSize: 4, layers: layers, bidirectional: bidirectional, bias: bias,
            generator: &generator)
        return Case(name: name, exportable: layer, vocabulary: nil, steps: nil) { inputs, lengths in
            let (y, state) = try layer(inputs["input"]!, lengths: lengths, initialState: initialState(inputs, layer))
            return ["output": y, "h_n": state.h].merging(state.c.map { ["c_n": $0] } ?? [:]) { a, _ in a }
        }
    }

    static func initialState(_ inputs: [String: Tensor], _ layer: RecurrentLayer) -> RecurrentState? {
        guard let h = inputs["h0"] else { return nil }
        return RecurrentState(h: h, c: layer.cell.hasCellState ? inputs["c0"]! : nil)
    }

    /// A sequence model's outputs through its parts, so that the state comes out too.
    static func sequenceOutputs(
        _ model: SequenceModel, _ x: Tensor, _ inputs: [String: Tensor], _ lengths: [Int]?, outputName: String
    ) throws -> [String: Tensor] {
        let features = try model.embedding.map { try $0(x, lengths: lengths) } ?? x
        let (h, state) = try model.recurrent(features, lengths: lengths, initialState: initialState(inputs, model.recurrent))
        var result = [outputName: try model.head(h, lengths: lengths), "h_n": state.h]
        result["c_n"] = state.c
        return result
    }

    static func model(
        _ input: SequenceInput, embeddingSize: Int = 3, _ cell: Cell, layers: Int = 1, bidirectional: Bool = false, outputs: Int,
        pooling: SequencePooling, seed: UInt64
    ) throws -> SequenceModel {
        var generator = RandomGenerator(seed: seed)
        var model = try SequenceModel(
            input: input, embeddingSize: embeddingSize, cell: cell, hiddenSize: 4, layers: layers, bidirectional: bidirectional, outputSize: outputs,
            pooling: pooling, generator: &generator)
        if let embedding = model.embedding {
            // Uniform rather than N(0, 1): no libm in the weights, the same bits on every platform.
            let table = Tensor.uniform(embedding.weight.shape, low: -1, high: 1, using: &generator)
            model.embedding = try Embedding(weight: table)
        }
        return model
    }

    static func cases() throws -> [Case] {
        var cases = [
            try layerCase("layer_rnn_tanh_l2_bi", .elman(.tanh), layers: 2, bidirectional: true, seed: 1),
            try layerCase("layer_rnn_relu_l1", .elman(.relu), layers: 1, bidirectional: false, seed: 2),
            try layerCase("layer_rnn_sigmoid_l1_nobias", .elman(.sigmoid), layers: 1, bidirectional: false, bias: false, seed: 3),
            try layerCase("layer_lstm_l2", .lstm, layers: 2, bidirectional: false, seed: 4),
            try layerCase("layer_lstm_l1_bi", .lstm, layers: 1, bidirectional: true, seed: 5),
            try layerCase("layer_gru_l2_bi", .gru, layers: 2, bidirectional: true, seed: 6),
        ]
        // Forecasters: the CSV's units in and out.
        let normalization = try Normalization(
            method: .zScore, columns: ["load", "temp"], offsets: [120, 15], scales: [30, 5])
        let options = SeriesOptions(features: ["load", "temp"], targets: ["load"], window: 6, horizon: 3)
        let lstm = try model(.features(2), .lstm, layers: 2, outputs: 3, pooling: .last, seed: 7)
        let forecaster = ForecastModelFile(model: lstm, options: options, normalization: normalization)
        func forecast(_ network: SequenceNetwork) -> (_ inputs: [String: Tensor], _ lengths: [Int]?) throws -> [String: Tensor] {
            { inputs, lengths in
                let x = try normalization.normalizing(inputs["input"]!, columns: options.features)
                var result: [String: Tensor]
                if case .recurrent(let model) = network {
                    result = try sequenceOutputs(model, x, inputs, lengths, outputName: "forecast")
                } else {
                    result = ["forecast": try network(x, lengths: lengths)]
                }
                result["forecast"] = try normalization.denormalizing(result["forecast"]!, columns: options.targets)
                return result
            }
        }
        cases.append(Case(name: "forecast_lstm_l2_last", exportable: forecaster, vocabulary: nil, steps: nil, run: forecast(.recurrent(lstm))))
        var generator = RandomGenerator(seed: 8)
        let mlp = try WindowMLP(input: .features(2), steps: 6, hiddenSizes: [8], outputSize: 3, generator: &generator)
        let mlpForecaster = ForecastModelFile(network: .mlp(mlp), options: options, normalization: normalization)
        cases.append(Case(name: "forecast_mlp", exportable: mlpForecaster, vocabulary: nil, steps: 6, run: forecast(.mlp(mlp))))

        // Classifiers: logits and probabilities.
        let split = SequenceSplit(seed: 1)
        func classify(_ network: SequenceNetwork, _ scaling: Normalization?, tokens: Bool)
            -> (_ inputs: [String: Tensor], _ lengths: [Int]?) throws -> [String: Tensor]
        {
            { inputs, lengths in
                var x = inputs["input"]!
                if let scaling { x = try scaling.normalizing(x, columns: scaling.columns) }
                var result: [String: Tensor]
                if case .recurrent(let model) = network {
                    result = try sequenceOutputs(model, x, inputs, lengths, outputName: "logits")
                } else {
                    result = ["logits": try network(x, lengths: lengths)]
                }
                result["probabilities"] = Activation.softmax.apply(result["logits"]!)
                return result
            }
        }
        let dna = SequenceEncoding.symbols(alphabet: ["A", "C", "G", "T"])
        let layout = LabelledSequenceLayout.symbols(sequenceColumn: "sequence", labelColumn: "label")
        for (name, cell, bidirectional, pooling, seed) in [
            ("classifier_gru_bi_mean_tokens", Cell.gru, true, SequencePooling.mean, UInt64(9)),
            ("classifier_lstm_bi_last_tokens", .lstm, true, .last, 10),
        ] {
            let network = SequenceNetwork.recurrent(
                try model(.tokens(vocabularySize: 4), embeddingSize: 3, cell, bidirectional: bidirectional, outputs: 3, pooling: pooling, seed: seed))
            let file = SequenceClassifierFile(
                network: network, layout: layout, encoding: dna, classes: ["x", "y", "z"], split: split)
            cases.append(Case(name: name, exportable: file, vocabulary: 4, steps: nil, run: classify(network, nil, tokens: true)))
        }
        let accelerometer = try Normalization(method: .zScore, columns: ["ax", "ay"], offsets: [0.5, -1], scales: [2, 0.25])
        let longForm = LabelledSequenceLayout.longForm(idColumn: "id", stepColumn: nil, featureColumns: ["ax", "ay"], labelColumn: "label")
        let relu = SequenceNetwork.recurrent(try model(.features(2), .elman(.relu), layers: 2, outputs: 2, pooling: .max, seed: 11))
        cases.append(
            Case(
                name: "classifier_rnn_relu_l2_max_features",
                exportable: SequenceClassifierFile(
                    network: relu, layout: longForm, encoding: .features(count: 2, normalization: accelerometer),
                    classes: ["walk", "run"], split: split),
                vocabulary: nil, steps: nil, run: classify(relu, accelerometer, tokens: false)))
        generator = RandomGenerator(seed: 12)
        let tokenMLP = SequenceNetwork.mlp(
            try WindowMLP(input: .tokens(vocabularySize: 4), steps: 5, hiddenSizes: [6], outputSize: 3, generator: &generator))
        cases.append(
            Case(
                name: "classifier_mlp_tokens",
                exportable: SequenceClassifierFile(network: tokenMLP, layout: layout, encoding: dna, classes: ["x", "y", "z"], split: split),
                vocabulary: 4, steps: 5, run: classify(tokenMLP, nil, tokens: true)))

        // Character models: logits at every step, state in and out.
        let vocabulary = try Vocabulary(characters: "abcde".unicodeScalars)
        for (name, cell, layers, seed) in [("text_lstm_l2", Cell.lstm, 2, UInt64(13)), ("text_gru_l1", .gru, 1, 14)] {
            let text = try model(.tokens(vocabularySize: 5), embeddingSize: 3, cell, layers: layers, outputs: 5, pooling: .everyStep, seed: seed)
            cases.append(
                Case(
                    name: name, exportable: TextModelFile(model: text, vocabulary: vocabulary, window: 8, unigramEntropy: 2),
                    vocabulary: 5, steps: nil
                ) { inputs, lengths in try sequenceOutputs(text, inputs["input"]!, inputs, lengths, outputName: "logits") })
        }
        return cases
    }

    @Test func exportsGiveTheCheckedBytesAndONNXRuntimesOutputs() throws {
        var manifest: [String: [String: Int]] = [:]
        for test in try Self.cases() {
            let data = try test.exportable.onnxData()
            let url = Self.folder.appendingPathComponent(test.name + ".onnx")
            if Self.writing {
                try data.write(to: url)
                manifest[test.name] = ["vocabulary": test.vocabulary ?? 0, "steps": test.steps ?? 0]
                if let models = ProcessInfo.processInfo.environment["RECURRENT_ONNX_MODELS"] {
                    try Self.save(test.exportable, to: URL(fileURLWithPath: models).appendingPathComponent(test.name + ".safetensors"))
                }
                continue
            }
            let expected = try Data(contentsOf: url)
            #expect(data == expected, "\(test.name): the export's \(data.count) bytes differ from the checked \(expected.count)")
            try compareWithONNXRuntime(test)
        }
        if Self.writing {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            try encoder.encode(manifest).write(to: Self.folder.appendingPathComponent("manifest.json"))
        }
    }

    /// The model file `recurrent export` reads, for the script's check that
    /// the command gives the library's bytes and `recurrent predict` its outputs.
    static func save(_ model: any ONNXExportable, to url: URL) throws {
        switch model {
        case let layer as RecurrentLayer: try layer.save(to: url)
        case let file as ForecastModelFile: try file.write(to: url)
        case let file as SequenceClassifierFile: try file.write(to: url)
        case let file as TextModelFile: try file.write(to: url)
        default: Issue.record("no model file for \(type(of: model))")
        }
    }

    /// Runs the library on every run of `NAME.ort.safetensors` (inputs
    /// `runK.input`, `runK.lengths`, `runK.h0`, `runK.c0`) and compares with
    /// ONNX Runtime's outputs stored beside them (`runK.out.NAME`).
    func compareWithONNXRuntime(_ test: Case) throws {
        let file = try SafetensorsFile(contentsOf: Self.folder.appendingPathComponent(test.name + ".ort.safetensors"))
        let runs = Set(file.tensors.keys.compactMap { $0.hasSuffix(".input") ? String($0.dropLast(6)) : nil })
            .union(file.integerTensors.keys.compactMap { $0.hasSuffix(".input") ? String($0.dropLast(6)) : nil })
        #expect(runs.count >= 3, "\(test.name): expected several runs")
        for run in runs.sorted() {
            var inputs: [String: Tensor] = [:]
            if let ids = file.integerTensors[run + ".input"] {
                inputs["input"] = Tensor(shape: ids.shape, scalars: ids.values.map { Float($0) })
            } else {
                inputs["input"] = file.tensors[run + ".input"]
            }
            inputs["h0"] = file.tensors[run + ".h0"]
            inputs["c0"] = file.tensors[run + ".c0"]
            let lengths = file.integerTensors[run + ".lengths"]?.values.map { Int($0) }
            let outputs = try test.run(inputs, lengths)
            let stored = file.tensors.keys.filter { $0.hasPrefix(run + ".out.") }
            #expect(stored.count == outputs.count, "\(test.name) \(run): outputs \(stored.sorted()) vs \(outputs.keys.sorted())")
            for key in stored.sorted() {
                let name = String(key.dropFirst(run.count + 5))
                let reference = file.tensors[key]!
                guard let observed = outputs[name] else {
                    Issue.record("\(test.name) \(run): the library gives no \(name)")
                    continue
                }
                #expect(
                    mismatch(observed, reference, absolute: 1e-5, relativeToLargest: 1e-5) == nil,
                    "\(test.name) \(run) \(name): Recurrent against ONNX Runtime")
                guard observed.shape == reference.shape else { continue }
                // For scripts/verify_onnx.py, which reports each output's largest difference.
                let difference = zip(observed.scalars, reference.scalars).map { abs($0 - $1) }.max() ?? 0
                print("onnx-compare \(test.name) \(run) \(name) shape \(reference.shape) max-abs-diff \(difference)")
            }
        }
    }

    @Test func aModelFileWithUnknownTensorsAndNoHeadIsNotExpressible() throws {
        var generator = RandomGenerator(seed: 1)
        let layer = try RecurrentLayer(cell: .gru, inputSize: 2, hiddenSize: 3, generator: &generator)
        var file = ModelFile(layer: layer)
        file.tensors["decoder.weight"] = Tensor.zeros([2, 3])
        #expect(throws: ONNXExportError.self) { try file.onnxData() }
        file.tensors = NamedTensors()
        #expect(try file.onnxData() == (try layer.onnxData()))
    }

    @Test func gateBlocksAreReorderedForONNX() {
        // Blocks of 2 rows of 1 column: PyTorch LSTM i, f, g, o → ONNX i, o, f, c.
        let pytorch: [Float] = [1, 1, 2, 2, 3, 3, 4, 4]
        #expect(reorderedGates(pytorch, order: Cell.lstm.onnxGateOrder, hidden: 2) == [1, 1, 4, 4, 2, 2, 3, 3])
        // GRU r, z, n → z, r, h.
        #expect(reorderedGates([1, 2, 3], order: Cell.gru.onnxGateOrder, hidden: 1) == [2, 1, 3])
    }
}
