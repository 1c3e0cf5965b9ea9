import Foundation

// Letters: B batch, T time, D input features, V vocabulary, E embedding
// dimension, H hidden, F = dirs·H, O outputs, L·dirs the state's first axis.
//
// Every exported graph reads batch-first, as Recurrent does, with batch and
// time as dynamic axes (`dim_param` "batch" and "time"):
//   input   [B, T, D] float, or [B, T] int64 token ids
//   lengths [B] int64, optional: each sequence's real steps (default: all T)
//   h0, c0  [L·dirs, B, H] float, optional: the initial state (default: zeros)
// and works time-major inside ([T, B, …], the ONNX operators' layout 0).
// An optional input is an initializer under the input's own name (ONNX IR ≥ 4):
// ONNX Runtime lists it under `get_overridable_initializers()` and uses the
// default when the input is not fed.

/// An affine map per feature that an exported graph applies: to the input
/// `z = (x − offset) / scale` (the CSV's units into the network's), to the
/// output `y = z · scale + offset` (back into the CSV's units).
package struct ONNXScaling: Sendable, Equatable {
    package var offsets: [Float]
    package var scales: [Float]

    package init(offsets: [Float], scales: [Float]) {
        self.offsets = offsets
        self.scales = scales
    }
}

/// What a whole-model export puts around the network.
package struct ONNXExportOptions: Sendable {
    /// Applied to numeric input before the network, one entry per feature.
    package var inputScaling: ONNXScaling?
    /// Applied to the network's output, one entry per output.
    package var outputScaling: ONNXScaling?
    /// The name of the network's output.
    package var outputName = "output"
    /// Whether to add `probabilities`, the softmax of the output along its last axis.
    package var probabilities = false
    /// The model's `doc_string`.
    package var documentation = ""
    /// The model's `metadata_props`.
    package var metadata: [String: String] = [:]

    package init() {}
}

/// The graph's front: inputs, lengths and the mask of real steps.
struct ONNXFrame {
    /// B, as an int64 [1].
    let batch: String
    /// [B] int64: lengths, clipped to T.
    let lengths: String
    /// [B] int32, for `sequence_lens`.
    let lengths32: String
    /// [T, B, 1] bool and float: t < lengths[b].
    let mask: String
    let maskFloat: String

    /// Declares `lengths` (optional) and computes B, T and the mask from `input`.
    init(_ graph: inout ONNXGraphBuilder, input: String) {
        graph.addInput(
            ONNXValueInfo(
                name: "lengths", elementType: .int64, shape: ["batch"],
                documentation: "optional: each sequence's real steps, in 1…T; steps past it are padding"))
        // The default, 2⁶³ − 1 broadcast over the batch and clipped to T: every step is real.
        graph.defaultValue(ONNXTensor(name: "lengths", shape: [1], int64s: [Int64.max]))
        let b = graph.dimension(input, 0), t = graph.dimension(input, 1)
        batch = graph.unsqueeze(b, axes: [0])
        lengths = graph.op("Min", [graph.op("Expand", ["lengths", batch]), t])
        lengths32 = graph.cast(lengths, to: .int32)
        let steps = graph.op("Range", [graph.int64s("zero", [0], scalar: true), t, graph.int64s("one", [1], scalar: true)])
        let less = graph.op("Less", [graph.unsqueeze(steps, axes: [1]), lengths])  // [T, 1] < [B] → [T, B]
        mask = graph.unsqueeze(less, axes: [2])
        maskFloat = graph.cast(mask, to: .float)
    }

    /// Declares `h0` (and `c0`) with zero defaults, expanded to [L·dirs, B, H].
    func initialStates(_ graph: inout ONNXGraphBuilder, layer: RecurrentLayer) -> (h: String, c: String?) {
        let (l, h) = (layer.layers * layer.directions, layer.hiddenSize)
        let shape = graph.op(
            "Concat", [graph.int64s("states", [Int64(l)]), batch, graph.int64s("hidden", [Int64(h)])],
            [ONNXAttribute("axis", .int(0))])
        func state(_ name: String) -> String {
            graph.addInput(
                ONNXValueInfo(
                    name: name, shape: [.fixed(l), "batch", .fixed(h)],
                    documentation: "optional: the initial state [layers·directions, B, H] (default: zeros)"))
            graph.defaultValue(ONNXTensor(name: name, shape: [l, 1, h], floats: Array(repeating: 0, count: l * h)))
            return graph.op("Expand", [name, shape])
        }
        return (state("h0"), layer.cell.hasCellState ? state("c0") : nil)
    }

    /// Adds `h_n` (and `c_n`) as outputs.
    func finalStates(_ graph: inout ONNXGraphBuilder, _ values: ONNXRecurrentValues, layer: RecurrentLayer) {
        let shape: [ONNXDimension] = [.fixed(layer.layers * layer.directions), "batch", .fixed(layer.hiddenSize)]
        graph.addOutput(ONNXValueInfo(name: "h_n", shape: shape, documentation: "the state at each sequence's end"), from: values.finalH)
        if let c = values.finalC {
            graph.addOutput(ONNXValueInfo(name: "c_n", shape: shape, documentation: "the cell state at each sequence's end"), from: c)
        }
    }
}

extension ONNXGraphBuilder {
    /// `(x − offset) / scale` or `x · scale + offset` along the last axis.
    mutating func scaled(_ x: String, _ scaling: ONNXScaling?, inverse: Bool) -> String {
        guard let scaling else { return x }
        let n = scaling.offsets.count
        let offsets = constant(inverse ? "output_offsets" : "input_offsets", shape: [n], floats: scaling.offsets)
        let scales = constant(inverse ? "output_scales" : "input_scales", shape: [n], floats: scaling.scales)
        return inverse ? op("Add", [op("Mul", [x, scales]), offsets]) : op("Div", [op("Sub", [x, offsets]), scales])
    }

    /// The network's output named `options.outputName`, and `probabilities`.
    mutating func addOutputs(_ y: String, shape: [ONNXDimension], options: ONNXExportOptions, what: String) {
        let out = scaled(y, options.outputScaling, inverse: true)
        addOutput(ONNXValueInfo(name: options.outputName, shape: shape, documentation: what), from: out)
        if options.probabilities {
            let p = op("Softmax", [y], [ONNXAttribute("axis", .int(-1))])
            addOutput(ONNXValueInfo(name: "probabilities", shape: shape, documentation: "softmax of the logits"), from: p)
        }
    }
}

extension RecurrentLayer {
    /// The layer alone as an ONNX model: inputs `input` [B, T, D], `lengths`,
    /// `h0`, `c0`; outputs `output` [B, T, dirs·H] (zero past each length),
    /// `h_n`, `c_n` — the tensors of `recurrent predict`.
    package func onnxModel(documentation: String = "", metadata: [String: String] = [:]) throws -> ONNXModel {
        var graph = ONNXGraphBuilder(name: "recurrent")
        graph.addInput(ONNXValueInfo(name: "input", shape: ["batch", "time", .fixed(inputSize)], documentation: "[B, T, D]"))
        let frame = ONNXFrame(&graph, input: "input")
        let (h0, c0) = frame.initialStates(&graph, layer: self)
        let values = addONNX(
            to: &graph, x: graph.transpose("input", [1, 0, 2]), lengths: frame.lengths32, initialH: h0, initialC: c0)
        let y = graph.transpose(graph.op("Mul", [values.output, frame.maskFloat]), [1, 0, 2])
        graph.addOutput(
            ONNXValueInfo(name: "output", shape: ["batch", "time", .fixed(outputSize)], documentation: "[B, T, dirs·H]"),
            from: y)
        frame.finalStates(&graph, values, layer: self)
        return try graph.model(documentation: documentation, metadata: metadata)
    }
}

extension SequenceModel {
    /// The whole model as an ONNX graph (see the top of this file).
    package func onnxModel(_ options: ONNXExportOptions) throws -> ONNXModel {
        if let future {  // first: the fix is a different model, not a flag
            throw ONNXExportError(
                problem: decoder != nil
                    ? "the model's encoder–decoder head (decoder.weight_ih_l0) is not exported to ONNX yet"
                    : "the model's known-future covariates (\(future.count) feature(s) for \(future.steps) step(s)) "
                        + "are not exported to ONNX yet")
        }
        guard distribution == nil else {
            throw ONNXExportError(
                problem: "the model's probabilistic output (\(distribution!.kind.rawValue) at levels "
                    + "\(distribution!.quantiles.map { "\($0)" }.joined(separator: ", "))) is not exported to ONNX yet")
        }
        guard skip == nil else {
            throw ONNXExportError(problem: "the model's linear skip (skip.weight) is not exported to ONNX yet")
        }
        guard head.steps == 1 else {
            throw ONNXExportError(problem: "the model's per-step head (head steps \(head.steps)) is not exported to ONNX yet")
        }
        guard instanceNormalization == nil else {
            throw ONNXExportError(problem: "the model's instance normalisation (RevIN) is not exported to ONNX yet")
        }
        var graph = ONNXGraphBuilder(name: "recurrent")
        let x: String  // [T, B, D]
        let frame: ONNXFrame
        if let embedding {
            graph.addInput(
                ONNXValueInfo(
                    name: "input", elementType: .int64, shape: ["batch", "time"],
                    documentation: "[B, T] token ids in 0..<\(embedding.vocabularySize)"))
            frame = ONNXFrame(&graph, input: "input")
            // Padding ids are never read, as in Recurrent: masked to 0 before the lookup.
            let ids = graph.op("Mul", [graph.transpose("input", [1, 0]), graph.cast(graph.squeeze(frame.mask, axes: [2]), to: .int64)])
            let table = graph.constant("embedding.weight", shape: embedding.weight.shape, floats: embedding.weight.scalars)
            x = graph.op("Gather", [table, ids], [ONNXAttribute("axis", .int(0))])
        } else {
            graph.addInput(
                ONNXValueInfo(name: "input", shape: ["batch", "time", .fixed(recurrent.inputSize)], documentation: "[B, T, D]"))
            frame = ONNXFrame(&graph, input: "input")
            x = graph.transpose(graph.scaled("input", options.inputScaling, inverse: false), [1, 0, 2])
        }
        let (h0, c0) = frame.initialStates(&graph, layer: recurrent)
        let values = recurrent.addONNX(to: &graph, x: x, lengths: frame.lengths32, initialH: h0, initialC: c0)
        let o = head.outputSize
        switch head.pooling {
        case .everyStep:
            let y = graph.op("Mul", [graph.dense(values.output, head.dense, name: "head"), frame.maskFloat])
            graph.addOutputs(
                graph.transpose(y, [1, 0, 2]), shape: ["batch", "time", .fixed(o)], options: options,
                what: "[B, T, O] at every step, zero past each length")
        case .last, .mean, .max:
            let pooled: String  // [B, F]
            switch head.pooling {
            case .last:
                // Forward half at each sequence's last real step, backward half at step 0:
                // exactly the last layer's final states [dirs, B, H].
                pooled = graph.reshape(graph.transpose(values.lastLayerH, [1, 0, 2]), [0, -1])
            case .mean:
                let sum = graph.op(
                    "ReduceSum", [graph.op("Mul", [values.output, frame.maskFloat]), graph.int64s("axes", [0])],
                    [ONNXAttribute("keepdims", .int(0))])
                pooled = graph.op("Div", [sum, graph.unsqueeze(graph.cast(frame.lengths, to: .float), axes: [1])])
            default:
                let lowest = graph.constant("lowest", shape: [], floats: [-.infinity])
                pooled = graph.op(
                    "ReduceMax", [graph.op("Where", [frame.mask, values.output, lowest])],
                    [ONNXAttribute("axes", .ints([0])), ONNXAttribute("keepdims", .int(0))])
            }
            graph.addOutputs(
                graph.dense(pooled, head.dense, name: "head"), shape: ["batch", .fixed(o)], options: options,
                what: "[B, O], from the \(head.pooling.rawValue) pooling of each sequence's real steps")
        }
        frame.finalStates(&graph, values, layer: recurrent)
        return try graph.model(documentation: options.documentation, metadata: options.metadata)
    }
}

extension WindowMLP {
    /// The MLP as an ONNX graph: `input` [B, T, D] float (or [B, T] int64
    /// token ids, one-hot) with T fixed at ``steps``, optional `lengths`.
    package func onnxModel(_ options: ONNXExportOptions) throws -> ONNXModel {
        var graph = ONNXGraphBuilder(name: "recurrent-mlp")
        var x: String  // [B, T, D] or [B, T, V]
        let frame: ONNXFrame
        switch input {
        case .features(let d):
            graph.addInput(ONNXValueInfo(name: "input", shape: ["batch", .fixed(steps), .fixed(d)], documentation: "[B, T, D]"))
            frame = ONNXFrame(&graph, input: "input")
            x = graph.scaled("input", options.inputScaling, inverse: false)
        case .tokens(let v):
            graph.addInput(
                ONNXValueInfo(
                    name: "input", elementType: .int64, shape: ["batch", .fixed(steps)],
                    documentation: "[B, T] token ids in 0..<\(v), one-hot"))
            frame = ONNXFrame(&graph, input: "input")
            x = graph.op(
                "OneHot", ["input", graph.int64s("depth", [Int64(v)]), graph.constant("off_on", shape: [2], floats: [0, 1])],
                [ONNXAttribute("axis", .int(-1))])
        }
        // Steps past a sequence's length read as zeros.
        x = graph.op("Mul", [x, graph.transpose(frame.maskFloat, [1, 0, 2])])
        var y = graph.reshape(x, [0, -1])  // [B, T·D]
        for (index, layer) in network.layers.enumerated() {
            y = graph.dense(y, layer as! Dense, name: "mlp.\(index)")
        }
        graph.addOutputs(y, shape: ["batch", .fixed(outputSize)], options: options, what: "[B, O]")
        return try graph.model(documentation: options.documentation, metadata: options.metadata)
    }
}

extension SequenceNetwork {
    /// The network (recurrent or MLP) as an ONNX graph.
    package func onnxModel(_ options: ONNXExportOptions) throws -> ONNXModel {
        switch self {
        case .recurrent(let model): try model.onnxModel(options)
        case .mlp(let mlp): try mlp.onnxModel(options)
        }
    }
}
