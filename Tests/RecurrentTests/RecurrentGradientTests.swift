import Recurrent
import RecurrentTestSupport
import Testing

/// Backpropagation through time against central finite differences, for
/// every cell and every option (layers, directions, lengths, initial states,
/// bias), dropout off.
///
/// For each parameter tensor, the input and the initial states, a random
/// direction v is drawn and the directional derivative ⟨∇L, v⟩ from backward
/// is compared with ``GradientCheck``'s five-point difference
/// (−L(θ+2εv) + 8L(θ+εv) − 8L(θ−εv) + L(θ−2εv)) / 12ε, where
/// L = Σ output ⊙ W_out + Σ h_n ⊙ W_h (+ Σ c_n ⊙ W_c) is summed in Double.
/// With ε = 1e-2 the truncation error is O(ε⁴) ≈ 1e-8 relative, and float32
/// rounding in the forward pass (about 1e-7·|L| per evaluation) contributes
/// about 1e-7·|L|/ε. The tolerance, 1e-3·Σ|∂L/∂θᵢ·vᵢ| + 1e-6·|L|/ε, leaves
/// room for that and still fails a dropped term or a wrong sign, whose error
/// is of the order of the derivative itself. relu's kink at 0 would be
/// crossed by steps of 1e-2, so relu uses ε = 1e-3 (PyTorch's gradients, in
/// RecurrentReferenceTests, check the same code to 1e-4 independently).
struct RecurrentGradientTests {
    struct Config: CustomStringConvertible, Sendable {
        var cell: Cell
        var layers: Int
        var bidirectional: Bool
        var ragged: Bool
        var bias = true
        var description: String {
            "\(cell) layers \(layers) \(bidirectional ? "bi" : "uni") \(ragged ? "ragged" : "equal")\(bias ? "" : " nobias")"
        }
    }

    static let configs: [Config] = {
        var result: [Config] = []
        for cell in [Cell.elman(.tanh), .elman(.sigmoid), .elman(.relu), .lstm, .gru] {
            for layers in [1, 2] {
                for bidirectional in [false, true] {
                    result.append(Config(cell: cell, layers: layers, bidirectional: bidirectional, ragged: layers == 2))
                }
            }
        }
        result.append(Config(cell: .lstm, layers: 1, bidirectional: true, ragged: true, bias: false))
        result.append(Config(cell: .gru, layers: 1, bidirectional: false, ragged: true, bias: false))
        return result
    }()

    @Test("finite differences", arguments: configs)
    func gradientsMatchFiniteDifferences(config: Config) throws {
        var generator = RandomGenerator(seed: 11)
        let (b, t, d, h) = (3, 4, 3, 4)
        let layer = try RecurrentLayer(
            cell: config.cell, inputSize: d, hiddenSize: h, layers: config.layers,
            bidirectional: config.bidirectional, bias: config.bias, generator: &generator)
        let input = Tensor.normal([b, t, d], using: &generator)
        let lengths = config.ragged ? [4, 1, 3] : nil
        let stateShape = [config.layers * layer.directions, b, h]
        let initial = RecurrentState(
            h: Tensor.normal(stateShape, standardDeviation: 0.5, using: &generator),
            c: config.cell == .lstm ? Tensor.normal(stateShape, standardDeviation: 0.5, using: &generator) : nil)
        let wOut = Tensor.normal([b, t, layer.outputSize], using: &generator)
        let wH = Tensor.normal(stateShape, using: &generator)
        let wC = Tensor.normal(stateShape, using: &generator)

        func loss(_ layer: RecurrentLayer, _ input: Tensor, _ initial: RecurrentState) throws -> Double {
            let (output, state) = try layer(input, lengths: lengths, initialState: initial)
            var total = zip(output.scalars, wOut.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            total += zip(state.h.scalars, wH.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            if let c = state.c { total += zip(c.scalars, wC.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } }
            return total
        }

        var noise = RandomGenerator(seed: 3)
        let (_, _, cache) = try layer.forward(input, lengths: lengths, initialState: initial, generator: &noise)
        let dFinal = RecurrentState(h: wH, c: config.cell == .lstm ? wC : nil)
        let (dInput, dInitial, gradients) = layer.backward(wOut, finalStateGradient: dFinal, cache: cache)
        let base = try loss(layer, input, initial)
        let epsilon: Float = config.cell == .elman(.relu) ? 1e-3 : 1e-2

        /// ⟨∇L, v⟩ from backward against ``GradientCheck``'s five-point difference along a random v.
        func check(_ what: String, at point: Tensor, analytic: Tensor, _ loss: (Tensor) throws -> Double) throws {
            let v = Tensor.normal(analytic.shape, using: &generator)
            let result = try GradientCheck.compare(
                what, at: point, gradient: analytic, direction: v, step: epsilon, loss)
            let tolerance = 1e-3 * result.scale + 1e-6 * abs(base) / Double(epsilon)
            #expect(mismatch(result.observed, result.expected, absolute: tolerance) == nil, "\(config) \(result)")
        }

        for (name, gradient) in gradients {
            try check(name, at: layer.parameters[name]!, analytic: gradient) { perturbed in
                var moved = layer
                var parameters = layer.parameters
                parameters[name] = perturbed
                try moved.loadParameters(parameters)
                return try loss(moved, input, initial)
            }
        }
        try check("input", at: input, analytic: dInput) { try loss(layer, $0, initial) }
        try check("h0", at: initial.h, analytic: dInitial.h) {
            try loss(layer, input, RecurrentState(h: $0, c: initial.c))
        }
        if config.cell == .lstm {
            try check("c0", at: initial.c!, analytic: dInitial.c!) {
                try loss(layer, input, RecurrentState(h: initial.h, c: $0))
            }
        }
    }
}
