import Foundation
import Recurrent
import RecurrentTestSupport
import Testing

/// Fixtures and checks shared by the state_dict and model-file tests.
///
/// Fixtures: Fixtures/state_dict/*.safetensors, PyTorch `state_dict`s saved by
/// scripts/make_state_dict_fixtures.py (PyTorch 2.15) with an input and
/// PyTorch's outputs under `test.*` names. References are computed in float64
/// from the stored weights and rounded once, so the tolerance is the issue's
/// 1e-5, per tensor: max|observed − expected| / max|expected|.
enum StateDictFixtures {
    static let folder = TestFixtures.folder("state_dict")

    static func url(_ name: String) -> URL { folder.appendingPathComponent(name + ".safetensors") }

    static func file(_ name: String) throws -> SafetensorsFile { try SafetensorsFile(contentsOf: url(name)) }

    /// `observed` against the file's tensor `key`, to the tolerance above:
    /// max|observed − expected| ≤ 1e-5 · max|expected|.
    static func expectReference(_ observed: Tensor?, _ key: String, in file: SafetensorsFile, _ what: String) throws {
        let expected = try #require(file.tensors[key], "\(what): no \(key) in the fixture")
        let observed = try #require(observed, "\(what): none computed")
        #expect(mismatch(observed, expected, relativeToLargest: 1e-5) == nil, "\(what)")
    }

    /// The tensors of `file` whose names have no dot: the recurrent weights.
    static func recurrentTensors(_ file: SafetensorsFile) -> NamedTensors {
        NamedTensors(
            file.tensors.filter { !$0.key.contains(".") }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }

    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("StateDictTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The recurrent layer's output for the file's `test.input` (and
    /// `test.lengths`), with the state after each sequence.
    static func run(_ layer: RecurrentLayer, on file: SafetensorsFile) throws -> (Tensor, RecurrentState) {
        let lengths = file.integerTensors["test.lengths"].map { $0.values.map { Int($0) } }
        return try layer(file.tensors["test.input"]!, lengths: lengths)
    }
}

/// A PyTorch fixture and the architecture that its names and shapes imply.
struct StateDictCase: Sendable, CustomTestStringConvertible {
    var name: String
    var nonlinearity: Nonlinearity = .tanh
    var architecture: RecurrentArchitecture
    var testDescription: String { name }

    static let all: [StateDictCase] = [
        StateDictCase(
            name: "lstm_l2_bi",
            architecture: RecurrentArchitecture(
                cell: .lstm, inputSize: 5, hiddenSize: 7, layers: 2, bidirectional: true)),
        StateDictCase(name: "gru", architecture: RecurrentArchitecture(cell: .gru, inputSize: 3, hiddenSize: 4)),
        StateDictCase(
            name: "rnn_relu_nobias", nonlinearity: .relu,
            architecture: RecurrentArchitecture(cell: .elman(.relu), inputSize: 4, hiddenSize: 6, bias: false)),
        StateDictCase(
            name: "model_gru_head", architecture: RecurrentArchitecture(cell: .gru, inputSize: 3, hiddenSize: 5)),
        StateDictCase(name: "lstm_f16", architecture: RecurrentArchitecture(cell: .lstm, inputSize: 3, hiddenSize: 4)),
        StateDictCase(
            name: "gru_f64",
            architecture: RecurrentArchitecture(cell: .gru, inputSize: 2, hiddenSize: 3, layers: 2, bidirectional: true)
        ),
        StateDictCase(
            name: "rnn_tanh_bf16", architecture: RecurrentArchitecture(cell: .elman(.tanh), inputSize: 3, hiddenSize: 5)
        ),
    ]
}

@Suite struct StateDictTests {
    typealias Fixtures = StateDictFixtures

    @Test("PyTorch state_dict: architecture inferred, outputs match", arguments: StateDictCase.all)
    func inferredLayerMatchesPyTorch(_ testCase: StateDictCase) throws {
        let file = try Fixtures.file(testCase.name)
        let layer = try RecurrentLayer(stateDict: file.tensors, nonlinearity: testCase.nonlinearity)
        #expect(layer.architecture == testCase.architecture)
        let stored = Fixtures.recurrentTensors(file)
        #expect(Set(layer.parameters.names) == Set(stored.names))
        for (name, tensor) in layer.parameters { #expect(tensor == stored[name], "\(name)") }

        let (output, state) = try Fixtures.run(layer, on: file)
        let name = testCase.name
        if let head = file.tensors["head.weight"] {
            try Fixtures.expectReference(output, "test.recurrent_output", in: file, "\(name) recurrent output")
            let dense = try Dense(weight: head, bias: file.tensors["head.bias"])
            try Fixtures.expectReference(try dense(output), "test.output", in: file, "\(name) head output")
        } else {
            try Fixtures.expectReference(output, "test.output", in: file, "\(name) output")
        }
        try Fixtures.expectReference(state.h, "test.h_n", in: file, "\(name) h_n")
        if layer.cell == .lstm { try Fixtures.expectReference(state.c, "test.c_n", in: file, "\(name) c_n") }
    }

    @Test func fixturesArePresent() throws {
        for testCase in StateDictCase.all + [
            StateDictCase(name: "lstm_proj", architecture: .init(cell: .lstm, inputSize: 3, hiddenSize: 4))
        ] {
            #expect(FileManager.default.fileExists(atPath: Fixtures.url(testCase.name).path), "\(testCase.name)")
        }
    }

    @Test func dictionaryAndNamedTensorsGiveTheSameLayer() throws {
        let file = try Fixtures.file("lstm_l2_bi")
        let fromDictionary = try RecurrentLayer(stateDict: file.tensors)
        let fromNamed = try RecurrentLayer(stateDict: Fixtures.recurrentTensors(file))
        #expect(fromDictionary.parameters == fromNamed.parameters)
        #expect(fromDictionary.architecture == fromNamed.architecture)
    }

    @Test func elmanNonlinearityDefaultsToTanhAndIsIgnoredForGatedCells() throws {
        let relu = try Fixtures.file("rnn_relu_nobias")
        let guessed = try RecurrentLayer(stateDict: relu.tensors)
        #expect(guessed.cell == .elman(.tanh))
        let lstm = try RecurrentLayer(
            stateDict: try Fixtures.file("lstm_f16").tensors, nonlinearity: .sigmoid, dropout: 0.25)
        #expect(lstm.cell == .lstm)
        #expect(lstm.dropout == 0.25)
    }

    @Test func namesWithADotAreIgnored() throws {
        var tensors = Fixtures.recurrentTensors(try Fixtures.file("gru"))
        let bare = try RecurrentLayer(stateDict: tensors)
        tensors["embedding.weight"] = Tensor.zeros([10, 3])
        tensors["head.weight"] = Tensor.zeros([2, 99])
        tensors["a.weight_ih_l9"] = Tensor.zeros([1])
        let whole = try RecurrentLayer(stateDict: tensors)
        #expect(whole.parameters == bare.parameters)
    }

    // MARK: - Bad state_dicts

    static func lstm() throws -> NamedTensors { Fixtures.recurrentTensors(try Fixtures.file("lstm_l2_bi")) }

    static func expect(_ expected: RecurrentError, _ stateDict: NamedTensors, nonlinearity: Nonlinearity = .tanh) {
        #expect(throws: expected) { _ = try RecurrentLayer(stateDict: stateDict, nonlinearity: nonlinearity) }
    }

    /// Expects an `invalidArgument` naming `name` whose description contains every phrase.
    static func expectInvalid(_ stateDict: NamedTensors, name: String, containing phrases: [String]) {
        do {
            _ = try RecurrentLayer(stateDict: stateDict)
            Issue.record("expected an error naming \(name)")
        } catch {
            if case RecurrentError.invalidArgument(let argument, _, _) = error {
                #expect(argument == name)
            } else {
                Issue.record("expected invalidArgument naming \(name), got \(error)")
            }
            for phrase in phrases {
                #expect("\(error)".contains(phrase), "\"\(error)\" lacks \"\(phrase)\"")
            }
        }
    }

    @Test func missingTensorIsNamed() throws {
        var tensors = try Self.lstm()
        tensors["bias_hh_l1_reverse"] = nil
        Self.expect(.missingParameter(name: "bias_hh_l1_reverse"), tensors)
        tensors = try Self.lstm()
        tensors["weight_ih_l0"] = nil
        Self.expect(.missingParameter(name: "weight_ih_l0"), tensors)
        tensors = try Self.lstm()
        tensors["weight_hh_l0"] = nil
        Self.expect(.missingParameter(name: "weight_hh_l0"), tensors)
    }

    @Test func wrongShapeIsNamedWithBothShapes() throws {
        var tensors = try Self.lstm()
        tensors["weight_hh_l1"] = Tensor.zeros([28, 6])
        Self.expect(.parameterShapeMismatch(name: "weight_hh_l1", expected: [28, 7], actual: [28, 6]), tensors)
        tensors = try Self.lstm()
        tensors["bias_ih_l0_reverse"] = Tensor.zeros([27])
        Self.expect(.parameterShapeMismatch(name: "bias_ih_l0_reverse", expected: [28], actual: [27]), tensors)
        tensors = try Self.lstm()
        tensors["weight_ih_l1"] = Tensor.zeros([28, 7])
        Self.expect(.parameterShapeMismatch(name: "weight_ih_l1", expected: [28, 14], actual: [28, 7]), tensors)
    }

    @Test func gateCountOtherThanOneThreeOrFourIsRejected() throws {
        var tensors = NamedTensors()
        tensors["weight_ih_l0"] = Tensor.zeros([14, 3])
        tensors["weight_hh_l0"] = Tensor.zeros([14, 7])
        Self.expectInvalid(
            tensors, name: "weight_hh_l0",
            containing: ["weight_hh_l0", "[14, 7]", "is 2", "1 (RNN), 4 (LSTM) or 3 (GRU)"])
        tensors["weight_hh_l0"] = Tensor.zeros([10, 7])
        Self.expectInvalid(tensors, name: "weight_hh_l0", containing: ["[10, 7]", "not a whole number"])
        tensors["weight_hh_l0"] = Tensor.zeros([0, 7])
        Self.expectInvalid(tensors, name: "weight_hh_l0", containing: ["[0, 7]", "is 0"])
        tensors["weight_hh_l0"] = Tensor.zeros([28])
        Self.expectInvalid(tensors, name: "weight_hh_l0", containing: ["[28]", "matrix"])
    }

    @Test func lstmProjectionsAreRejected() throws {
        let tensors = Fixtures.recurrentTensors(try Fixtures.file("lstm_proj"))
        Self.expectInvalid(
            tensors, name: "weight_hr_l0", containing: ["weight_hr_l0", "[2, 4]", "LSTM projections", "proj_size"])
    }

    @Test func unexpectedRecurrentNamesAreRejected() throws {
        for extra in ["weight_xx_l7", "bias_ih_l2", "weight_hh_l2_reverse", "weight_ih_l01", "running_mean"] {
            var tensors = try Self.lstm()
            tensors[extra] = Tensor.zeros([28])
            Self.expect(.unexpectedParameter(name: extra), tensors)
        }
        var oneWay = Fixtures.recurrentTensors(try Fixtures.file("gru"))
        oneWay["bias_hh_l0_reverse"] = Tensor.zeros([12])
        Self.expect(.missingParameter(name: "weight_ih_l0_reverse"), oneWay)
    }

    @Test func nonFiniteWeightIsNamed() throws {
        var tensors = try Self.lstm()
        var weight = tensors["weight_hh_l1_reverse"]!
        weight[3, 2] = .infinity
        tensors["weight_hh_l1_reverse"] = weight
        Self.expectInvalid(tensors, name: "weight_hh_l1_reverse", containing: ["element 23 is inf", "finite"])
    }

    @Test func stateDictWithoutRecurrentWeightsSaysWhy() throws {
        let prefixed = NamedTensors(try Self.lstm().map { ("rnn." + $0.name, $0.tensor) })
        Self.expectInvalid(
            prefixed, name: "stateDict", containing: ["no recurrent weights", "strip the prefix \"rnn.\""])
        Self.expectInvalid(NamedTensors(), name: "stateDict", containing: ["no recurrent weights", "weight_ih_l0"])
    }

    @Test func badDropoutIsRejected() throws {
        #expect(throws: RecurrentError.self) { _ = try RecurrentLayer(stateDict: try Self.lstm(), dropout: 1) }
    }
}
