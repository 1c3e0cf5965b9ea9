// Letters: T time, B batch, D input features, H hidden, G gates, L layers,
// dirs directions (1 or 2).
//
// Each stacked layer is one ONNX `RNN`, `LSTM` or `GRU` node (layout 0,
// time-major):
//   x [T, B, D] ─node→ Y [T, dirs, B, H], Y_h [dirs, B, H] (Y_c for the LSTM)
//   Y ─Squeeze axis 1 (dirs 1) or Transpose [0, 2, 1, 3] + Reshape [T, B, 2H]→ next layer's x
// once per layer, outside any loop. Final states of all layers are
// concatenated along axis 0: [L·dirs, B, H], indexed layer·dirs + direction
// as PyTorch's.
//
// Weights per layer, as the ONNX operators want them:
//   W [dirs, G·H, D], R [dirs, G·H, H], B [dirs, 2·G·H] = [Wb, Rb]
// with gate blocks reordered from PyTorch's (see `onnxGateOrder`).

extension Cell {
    /// The ONNX operator that runs the cell.
    var onnxOperator: String {
        switch self {
        case .elman: "RNN"
        case .lstm: "LSTM"
        case .gru: "GRU"
        }
    }

    /// For each ONNX gate block, the PyTorch block it is: ONNX's LSTM is
    /// i, o, f, c over PyTorch's i, f, g, o → [0, 3, 1, 2]; ONNX's GRU is
    /// z, r, h over PyTorch's r, z, n → [1, 0, 2].
    var onnxGateOrder: [Int] {
        switch self {
        case .elman: [0]
        case .lstm: [0, 3, 1, 2]
        case .gru: [1, 0, 2]
        }
    }

    /// The node's attributes beside `hidden_size` and `direction`.
    func onnxAttributes(directions: Int) -> [ONNXAttribute] {
        switch self {
        case .elman(let phi):
            let name =
                switch phi {
                case .tanh: "Tanh"
                case .relu: "Relu"
                case .sigmoid: "Sigmoid"
                }
            return [ONNXAttribute("activations", .strings(Array(repeating: name, count: directions)))]
        case .lstm:
            return []
        case .gru:
            // PyTorch's n = tanh(x·W_inᵀ + b_in + r ⊙ (h·W_hnᵀ + b_hn)): the
            // recurrent product is made before the reset gate multiplies it.
            return [ONNXAttribute("linear_before_reset", .int(1))]
        }
    }
}

/// Rows of a fused [G·H, n] weight (or [G·H] bias) with its gate blocks put
/// in `order`: block k of the result is block `order[k]` of `scalars`.
func reorderedGates(_ scalars: [Float], order: [Int], hidden h: Int) -> [Float] {
    let block = scalars.count / order.count
    precondition(block * order.count == scalars.count && block % h == 0, "reorderedGates: shape")
    var result: [Float] = []
    result.reserveCapacity(scalars.count)
    for source in order { result.append(contentsOf: scalars[(source * block)..<((source + 1) * block)]) }
    return result
}

/// The names of the recurrent part's values in a graph.
package struct ONNXRecurrentValues {
    /// [T, B, dirs·H]: the last layer's outputs, time-major.
    package var output: String
    /// [L·dirs, B, H].
    package var finalH: String
    /// [L·dirs, B, H], LSTM only.
    package var finalC: String?
    /// [dirs, B, H]: the last layer's final states, for ``SequencePooling/last``.
    package var lastLayerH: String
}

extension RecurrentLayer {
    /// Adds the stacked layers to `graph`.
    ///
    /// - Parameters:
    ///   - x: [T, B, D] float, time-major.
    ///   - lengths: [B] int32, each sequence's real steps (`sequence_lens`).
    ///   - initialH: [L·dirs, B, H]; `initialC` likewise, for an LSTM.
    package func addONNX(
        to graph: inout ONNXGraphBuilder, x: String, lengths: String, initialH: String, initialC: String?
    ) -> ONNXRecurrentValues {
        let (h, dirs) = (hiddenSize, directions)
        let order = cell.onnxGateOrder
        var input = x
        var finalH: [String] = [], finalC: [String] = []
        for layer in 0..<layers {
            let sets = (0..<dirs).map { weights[layer * dirs + $0] }
            let d = sets[0].weightIH.shape[1]
            let gh = cell.gateCount * h
            let w = graph.constant(
                "W_l\(layer)", shape: [dirs, gh, d],
                floats: sets.flatMap { reorderedGates($0.weightIH.scalars, order: order, hidden: h) })
            let r = graph.constant(
                "R_l\(layer)", shape: [dirs, gh, h],
                floats: sets.flatMap { reorderedGates($0.weightHH.scalars, order: order, hidden: h) })
            var b = ""  // optional input: omitted means zero biases
            if hasBias {
                b = graph.constant(
                    "B_l\(layer)", shape: [dirs, 2 * gh],
                    floats: sets.flatMap {
                        reorderedGates($0.biasIH!.scalars, order: order, hidden: h)
                            + reorderedGates($0.biasHH!.scalars, order: order, hidden: h)
                    })
            }
            let h0 = layers == 1 ? initialH : graph.slice(initialH, start: layer * dirs, end: (layer + 1) * dirs)
            var inputs = [input, w, r, b, lengths, h0]
            if let initialC {
                inputs.append(layers == 1 ? initialC : graph.slice(initialC, start: layer * dirs, end: (layer + 1) * dirs))
            }
            let attributes =
                [
                    ONNXAttribute("hidden_size", .int(h)),
                    ONNXAttribute("direction", .string(bidirectional ? "bidirectional" : "forward")),
                ] + cell.onnxAttributes(directions: dirs)
            let outputs = graph.node(cell.onnxOperator, inputs, attributes, outputs: initialC == nil ? 2 : 3)
            finalH.append(outputs[1])
            if initialC != nil { finalC.append(outputs[2]) }
            // Y [T, dirs, B, H] → [T, B, dirs·H], forward features first.
            input =
                dirs == 1
                ? graph.squeeze(outputs[0], axes: [1])
                : graph.reshape(graph.transpose(outputs[0], [0, 2, 1, 3]), [0, 0, -1])
        }
        func joined(_ states: [String]) -> String {
            states.count == 1 ? states[0] : graph.op("Concat", states, [ONNXAttribute("axis", .int(0))])
        }
        return ONNXRecurrentValues(
            output: input, finalH: joined(finalH), finalC: finalC.isEmpty ? nil : joined(finalC),
            lastLayerH: finalH.last!)
    }
}
