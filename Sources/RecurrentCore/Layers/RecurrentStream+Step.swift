import CRecurrentKernels

// One streaming step of a unidirectional layer, straight onto the kernels:
// per layer, gx = x·W_ihᵀ and gh = h·W_hhᵀ against weights packed when the
// stream was made, then the cell, with no per-step set-up above them. A layer
// whose weights are larger than a core's share of its L2 splits its hidden
// units between two threads, each reading its own slice of the weights (a
// batch-1 step is bound by reading the weights, not by arithmetic). A step
// of one sequence reads its own copy of the weights, packed so that each
// group of four panels is one stream (rc_sgemm_pack_b_rows): 1.4× faster
// from L2 than the four streams of the shared packing, the same bits.

/// A unidirectional layer's weights packed for single steps, whole or in
/// parts of the hidden units, and the step that reads them.
struct StreamStep: Sendable {
    let cell: Cell
    let layers: Int
    let inputSize: Int
    let hiddenSize: Int
    let isa: ISA
    /// Unit boundaries of the parts, multiples of 16: [0, H] for one part.
    let bounds: [Int]
    /// Per layer, then per part: W_ih,kᵀ [D_l, G·width_k] packed (its units of every gate).
    let inputWeights: [[[Float]]]
    /// Per layer, then per part: W_hh,kᵀ [H, G·width_k] packed.
    let recurrentWeights: [[[Float]]]
    /// The same weights packed for one-row products (a step of batch 1).
    let rowInputWeights: [[[Float]]]
    let rowRecurrentWeights: [[[Float]]]
    let inputBiases: [[Float]?]
    let recurrentBiases: [[Float]?]

    /// Weights (W_ih and W_hh of one layer, in bytes) from which a step
    /// splits its hidden units between two threads. A batch-1 step reads
    /// every weight once, so two cores, each reading its slice from its own
    /// L2 (or both from L3), cut the time; below this the threads' meeting
    /// costs what it saves. Measured (batch 1, D = H/2 … H/4), LSTM step split
    /// against one thread: H128 (320 KiB) 2.3–2.7 against 2.8 µs, H256
    /// 8.1 against 12.3, H512 38 against 66, H1024 150 against 368; GRU H128
    /// (240 KiB) 1.8–2.1 against 1.9.
    static let splitBytes = 512 << 10

    /// The packing for `layer`, or nil when the layer runs both directions
    /// or in bf16 (these kernels are fp32's).
    /// One part shares `prepared`'s packing (the same layout) when given;
    /// parts have their own, as much memory again as the weights.
    init?(_ layer: RecurrentLayer, isa: ISA = .active, parts requested: Int? = nil, sharing prepared: PreparedWeights? = nil) {
        guard !layer.bidirectional, layer.precision == .fp32 else { return nil }
        let (h, g) = (layer.hiddenSize, layer.cell.gateCount)
        cell = layer.cell
        layers = layer.layers
        inputSize = layer.inputSize
        hiddenSize = h
        self.isa = isa
        let largest = layer.weights.map { ($0.weightIH.count + $0.weightHH.count) * 4 }.max() ?? 0
        let automatic = ThreadPool.shared.threadCount > 1 && largest >= Self.splitBytes && h >= 64 ? 2 : 1
        let parts = max(1, min(requested ?? automatic, h / 16))
        bounds = (0...parts).map { $0 == parts ? h : (h * $0 / parts) / 16 * 16 }
        let bounds = self.bounds
        func pack(_ weight: Tensor, forRows: Bool = false) -> [[Float]] {
            (0..<parts).map { part in
                let rows = (0..<g).flatMap { gate in (bounds[part]..<bounds[part + 1]).map { gate * h + $0 } }
                return packTransposed(parts == 1 ? weight : weight.gatheringRows(rows), isa: isa, forRows: forRows)
            }
        }
        if parts == 1, let prepared, prepared.isa == isa {
            inputWeights = prepared.inputWeights.map { [$0] }
            recurrentWeights = prepared.recurrentWeights.map { [$0] }
        } else {
            inputWeights = layer.weights.map { pack($0.weightIH) }
            recurrentWeights = layer.weights.map { pack($0.weightHH) }
        }
        rowInputWeights = layer.weights.map { pack($0.weightIH, forRows: true) }
        rowRecurrentWeights = layer.weights.map { pack($0.weightHH, forRows: true) }
        inputBiases = layer.weights.map { $0.biasIH?.scalars }
        recurrentBiases = layer.weights.map { $0.biasHH?.scalars }
    }

    var parts: Int { bounds.count - 1 }

    /// Advances B sequences by one step: x [B, D], state h [L, B, H] (and
    /// c) updated in place; the last layer's new h is the step's output.
    func step(_ input: Tensor, state: inout RecurrentState) throws -> Tensor {
        let b = input.shape.first ?? 0
        let (h, g, l) = (hiddenSize, cell.gateCount, layers)
        guard input.rank == 2, input.shape[1] == inputSize, b > 0 else {
            throw RecurrentError.invalidArgument(
                name: "input", value: "of shape \(input.shape)", reason: "a step is [B, \(inputSize)], B ≥ 1")
        }
        try state.check(shape: [l, b, h], withCell: cell.hasCellState, named: "state")
        var output = Tensor(uninitializedShape: [b, h])
        var cells = state.c?.scalars ?? []
        // gx and gh of every part, [B, G·width_k] one part after another, and h_t beside h_{t−1}.
        var buffers = uninitializedFloats(2 * b * g * h + (parts > 1 ? b * h : 0))
        state.h.scalars.withUnsafeMutableBufferPointer { hState in
            cells.withUnsafeMutableBufferPointer { cState in
                buffers.withUnsafeMutableBufferPointer { buffers in
                    input.withUnsafeBufferPointer { x in
                        let buffers = buffers.baseAddress!
                        var (layerInput, d) = (x.baseAddress!, inputSize)
                        for layer in 0..<l {
                            let hLayer = hState.baseAddress! + layer * b * h
                            run(
                                layer: layer, rows: b, x: layerInput, d: d, h: hLayer,
                                c: cState.baseAddress.map { $0 + layer * b * h }, buffers: buffers,
                                hNext: buffers + 2 * b * g * h)
                            (layerInput, d) = (UnsafePointer(hLayer), h)
                        }
                        output.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: layerInput, count: b * h) }
                    }
                }
            }
        }
        if cell.hasCellState { state.c = Tensor(shape: [l, b, h], scalars: cells) }
        return output
    }

    /// One layer's step: h (and c) replaced by the state after it.
    private func run(
        layer: Int, rows b: Int, x: UnsafePointer<Float>, d: Int, h hState: UnsafeMutablePointer<Float>,
        c cState: UnsafeMutablePointer<Float>?, buffers: UnsafeMutablePointer<Float>, hNext: UnsafeMutablePointer<Float>
    ) {
        withOptionalPointer(inputBiases[layer]) { biasIH in
            withOptionalPointer(recurrentBiases[layer]) { biasHH in
                // One part calls straight in: no closure context to allocate per step.
                if parts == 1 {
                    runPart(
                        0, layer: layer, rows: b, x: x, d: d, h: hState, c: cState, buffers: buffers, hNext: hNext,
                        biasIH: biasIH, biasHH: biasHH)
                } else {
                    ThreadPool.shared.parallelFor(parts) { part in
                        runPart(
                            part, layer: layer, rows: b, x: x, d: d, h: hState, c: cState, buffers: buffers,
                            hNext: hNext, biasIH: biasIH, biasHH: biasHH)
                    }
                    hState.update(from: hNext, count: b * hiddenSize)
                }
            }
        }
    }

    /// One part's products and cell pass: its units of h_t (and c_t).
    private func runPart(
        _ part: Int, layer: Int, rows b: Int, x: UnsafePointer<Float>, d: Int, h hState: UnsafeMutablePointer<Float>,
        c cState: UnsafeMutablePointer<Float>?, buffers: UnsafeMutablePointer<Float>,
        hNext: UnsafeMutablePointer<Float>, biasIH: UnsafePointer<Float>?, biasHH: UnsafePointer<Float>?
    ) {
        let (h, g, parts, isa) = (hiddenSize, cell.gateCount, parts, isa)
        let j0 = bounds[part]
        let width = bounds[part + 1] - j0
        let gx = buffers + 2 * b * g * j0
        let gh = gx + b * g * width
        if b == 1 {
            rowInputWeights[layer][part].withUnsafeBufferPointer { w in
                rc_sgemv_rows(isa.rawValue, g * width, d, 1, x, w.baseAddress, 0, gx)
            }
            rowRecurrentWeights[layer][part].withUnsafeBufferPointer { w in
                rc_sgemv_rows(isa.rawValue, g * width, h, 1, hState, w.baseAddress, 0, gh)
            }
        } else {
            inputWeights[layer][part].withUnsafeBufferPointer { w in
                rc_sgemm_prepacked(isa.rawValue, 0, b, g * width, d, 1, x, d, w.baseAddress, g * width, 0, 0, gx, g * width)
            }
            recurrentWeights[layer][part].withUnsafeBufferPointer { w in
                rc_sgemm_prepacked(
                    isa.rawValue, 0, b, g * width, h, 1, hState, h, w.baseAddress, g * width, 0, 0, gh, g * width)
            }
        }
        var step = rc_cell_forward()
        step.rows = b
        step.hidden = width
        step.gx = UnsafePointer(gx)
        step.ldgx = g * width
        step.gx_gate_stride = width
        step.gh = UnsafePointer(gh)
        step.ldgh = g * width
        step.gh_gate_stride = width
        step.gate_stride = h
        step.bias_ih = biasIH.map { $0 + j0 }
        step.bias_hh = biasHH.map { $0 + j0 }
        step.h = hState + j0
        step.ldh = h
        // Two parts read all of h_{t−1} while writing h_t: into hNext.
        step.h_out = parts > 1 ? hNext + j0 : nil
        step.c = cState.map { $0 + j0 }
        step.ldc = h
        step.out = (parts > 1 ? hNext : hState) + j0
        step.ldout = h
        cell.forwardStep(&step, isa: isa)
    }
}
