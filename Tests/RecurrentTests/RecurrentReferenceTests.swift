import Foundation
import Recurrent
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
/// forward values and 1e-4 for gradients, the issue's figures. Measured per
/// tensor rather than per element because entries near zero carry relative
/// error of 1e-4 even in PyTorch's own float32 run (see the fixture README).
struct RecurrentReferenceTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/rnn")

    static var cases: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".safetensors") }.sorted()
    }

    /// Relative error of a whole tensor, normalised by its largest entry.
    static func relativeError(_ observed: Tensor, _ expected: Tensor) -> Double {
        guard observed.shape == expected.shape else { return .infinity }
        var worst = 0.0, scale = 0.0
        for (o, e) in zip(observed.scalars, expected.scalars) {
            worst = max(worst, abs(Double(o) - Double(e)))
            scale = max(scale, abs(Double(e)))
        }
        return scale == 0 ? worst : worst / scale
    }

    static func expectClose(_ observed: Tensor?, _ expected: Tensor?, _ tolerance: Double, _ what: String) {
        guard let observed, let expected else {
            Issue.record("\(what): missing (observed \(observed == nil ? "nil" : "present"), expected \(expected == nil ? "nil" : "present"))")
            return
        }
        let error = relativeError(observed, expected)
        #expect(
            error <= tolerance,
            "\(what): relative error \(error) > \(tolerance); expected \(expected), observed \(observed)")
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
        Self.expectClose(output, file.tensors["output"], 1e-5, "\(name) output")
        Self.expectClose(state.h, file.tensors["h_n"], 1e-5, "\(name) h_n")
        if layer.cell == .lstm { Self.expectClose(state.c, file.tensors["c_n"], 1e-5, "\(name) c_n") }

        let inference = try layer(input, lengths: lengths, initialState: initial)
        #expect(inference.output == output, "\(name): inference and training forward differ")

        let dFinal = RecurrentState(h: file.tensors["w_h_n"]!, c: file.tensors["w_c_n"])
        let (dInput, dInitial, gradients) = layer.backward(
            file.tensors["w_output"]!, finalStateGradient: dFinal, cache: cache)
        Self.expectClose(dInput, file.tensors["grad.input"], 1e-4, "\(name) grad.input")
        Self.expectClose(dInitial.h, file.tensors["grad.h0"], 1e-4, "\(name) grad.h0")
        if layer.cell == .lstm { Self.expectClose(dInitial.c, file.tensors["grad.c0"], 1e-4, "\(name) grad.c0") }
        #expect(gradients.names == layer.parameters.names)
        for (parameter, gradient) in gradients {
            Self.expectClose(gradient, file.tensors["grad." + parameter], 1e-4, "\(name) grad.\(parameter)")
        }
    }

    @Test func fixturesArePresent() {
        #expect(Self.cases.count >= 33, "found \(Self.cases.count) fixtures in \(Self.folder.path)")
    }
}
