import Foundation
import Recurrent
import RecurrentTestSupport
import Testing

/// Every cell × {1, 2} layers × {1, 2} directions × {equal, ragged} lengths
/// (plus relu and sigmoid Elman RNNs and an LSTM without bias) against
/// PyTorch: outputs, final states, and the gradients of
/// L = Σ output ⊙ w_output + Σ h_n ⊙ w_h_n (+ Σ c_n ⊙ w_c_n) with respect to
/// every parameter, the input and the initial states.
///
/// Fixtures: Fixtures/rnn/*.safetensors, written by scripts/make_reference.py
/// (PyTorch 2.15, references computed in float64 from the float32 weights).
/// Tolerance, per tensor, max|observed − expected| / max|expected|: 1e-5 for
/// forward values and 1e-4 for gradients, the figures. Measured per
/// tensor rather than per element because entries near zero carry relative
/// error of 1e-4 even in PyTorch's own float32 run (see the fixture README).
struct RecurrentReferenceTests {
    static let folder = TestFixtures.folder("rnn")

    static var cases: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".safetensors") }.sorted()
    }

    static func layer(from file: SafetensorsFile) throws -> RecurrentLayer {
        let m = file.metadata
        let cell: Cell =
            switch m["cell"] {
            case "lstm": .lstm
            case "gru": .gru
            default: .elman(Nonlinearity(rawValue: m["nonlinearity"] ?? "tanh")!)
            }
        var generator = RandomGenerator(seed: 1)
        var layer = try RecurrentLayer(
            cell: cell, inputSize: Int(m["input_size"]!)!, hiddenSize: Int(m["hidden_size"]!)!,
            layers: Int(m["num_layers"]!)!, bidirectional: m["bidirectional"] == "true",
            bias: m["bias"] != "false", generator: &generator)
        var weights = NamedTensors()
        for name in layer.parameters.names { weights[name] = file.tensors[name] }
        try layer.loadParameters(weights)
        return layer
    }

    @Test("PyTorch reference", arguments: cases)
    func matchesPyTorch(name: String) throws {
        let file = try SafetensorsFile(contentsOf: Self.folder.appendingPathComponent(name))
        let layer = try Self.layer(from: file)
        let input = file.tensors["input"]!
        let lengths = file.integerTensors["lengths"]!.values.map { Int($0) }
        let initial = RecurrentState(h: file.tensors["h0"]!, c: file.tensors["c0"])
        var generator = RandomGenerator(seed: 2)
        let (output, state, cache) = try layer.forward(
            input, lengths: lengths, initialState: initial, generator: &generator)

        /// `observed` against the fixture's tensor `key`, to `tolerance` of its largest entry.
        func expectReference(_ observed: Tensor?, _ key: String, _ tolerance: Double) throws {
            let expected = try #require(file.tensors[key], "\(name): no \(key) in the fixture")
            let observed = try #require(observed, "\(name): no \(key) computed")
            #expect(mismatch(observed, expected, relativeToLargest: tolerance) == nil, "\(name) \(key)")
        }
        try expectReference(output, "output", 1e-5)
        try expectReference(state.h, "h_n", 1e-5)
        if layer.cell == .lstm { try expectReference(state.c, "c_n", 1e-5) }

        let inference = try layer(input, lengths: lengths, initialState: initial)
        #expect(inference.output == output, "\(name): inference and training forward differ")

        let dFinal = RecurrentState(h: file.tensors["w_h_n"]!, c: file.tensors["w_c_n"])
        let (dInput, dInitial, gradients) = layer.backward(
            file.tensors["w_output"]!, finalStateGradient: dFinal, cache: cache)
        try expectReference(dInput, "grad.input", 1e-4)
        try expectReference(dInitial.h, "grad.h0", 1e-4)
        if layer.cell == .lstm { try expectReference(dInitial.c, "grad.c0", 1e-4) }
        #expect(gradients.names == layer.parameters.names)
        for (parameter, gradient) in gradients { try expectReference(gradient, "grad." + parameter, 1e-4) }
    }

    @Test func fixturesArePresent() {
        #expect(Self.cases.count >= 33, "found \(Self.cases.count) fixtures in \(Self.folder.path)")
    }
}
