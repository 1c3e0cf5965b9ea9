import CRecurrentKernels

// The weights of RecurrentLayer packed for the GEMM kernels: per call from
// the scratch pool in training, kept in the layer's cache in inference, and
// prepared once for streaming.

extension RecurrentLayer {
    /// Steps whose input product a thread makes at once when the threads
    /// split the batch: W_ih streams from L3 once per span instead of once
    /// per step, and the span's gx (span·rows·G·H) stays in L2. Measured on
    /// LSTM B64 T100 D256 H256 forward: spans of 1, 2, 4, 8, 16 steps take
    /// 17.4, 17.1, 16.4, 16.2, 16.2 ms, one product before the loop 16.4.
    static let inputSpan = 8

    /// Input weights of at most this many floats (256 KiB) stay in a core's
    /// cache, so their product is made step by step (a span of one, nothing
    /// gathered): LSTM B32 T100 D32 H128 forward 1.26 ms, against 1.30 in
    /// spans of 8.
    static let smallInputWeights = 1 << 16

    /// W [N, K] packed as op(B) = Wᵀ, the packing split between the threads.
    /// For inference (`keep`) the packing stays in the layer's cache while
    /// the weights are unchanged; otherwise it is taken from the scratch
    /// pool, for the caller to give back.
    func packed(_ weight: Tensor, slot: Int, key: String, keep: Bool, isa: ISA) -> [Float] {
        let (n, k) = (weight.shape[0], weight.shape[1])
        return packing(
            of: weight, slot: slot, key: key, count: rc_sgemm_packed_b_size(isa.rawValue, k, n), keep: keep
        ) { packed in
            let nr = Int(rc_gemm_nr(isa.rawValue))
            let kcMax = Int(rc_gemm_kc())
            let paddedN = (n + nr - 1) / nr * nr
            let parts = n * k >= 1 << 16 ? ThreadPool.shared.threadCount : 1
            weight.withUnsafeBufferPointer { w in
                packed.withUnsafeMutableBufferPointer { packed in
                    ThreadPool.shared.parallelFor(parts) { part in
                        let panels = paddedN / nr
                        let (j0, j1) = (panels * part / parts * nr, min(panels * (part + 1) / parts * nr, n))
                        for pc in stride(from: 0, to: k, by: kcMax) {
                            rc_sgemm_pack_b_block(
                                isa.rawValue, 1, min(kcMax, k - pc), n, w.baseAddress, k, pc, 0, j0, j1,
                                packed.baseAddress! + pc * paddedN)
                        }
                    }
                }
            }
        }
    }

    /// `count` floats that `pack` fills from `weight`: for inference (`keep`)
    /// kept in the layer's cache under `slot` and `key` while the weights are
    /// unchanged; otherwise taken from the scratch pool, for the caller to
    /// give back.
    func packing(
        of weight: Tensor, slot: Int, key: String, count: Int, keep: Bool, pack: (inout [Float]) -> Void
    ) -> [Float] {
        if keep {
            return packedCache.packed(slot: slot, weights: weight.scalars, key: key) {
                var fresh = uninitializedFloats(count)
                pack(&fresh)
                return fresh
            }
        }
        var buffer = scratch.take(count)
        pack(&buffer)
        return buffer
    }
}

extension RecurrentLayer {
    /// Where the bf16 packings of layer and direction `index` live in the
    /// layer's cache: `which` 0 W_hhᵀ, 1 W_ihᵀ (forward), 2 W_hh, 3 W_ih (backward).
    func bf16Slot(_ index: Int, _ which: Int) -> Int { (1 << 20) + 4 * index + which }

    /// W [N, K] rounded to bf16 and packed for the bf16 kernels, as
    /// op(B) = Wᵀ [K, N] when `transposed`, else as op(B) = W: kept in the
    /// layer's cache while the weights are unchanged, so it is made once per
    /// version of the weights (once per optimiser update in training),
    /// whatever the number of steps and calls in between.
    func packedBF16(_ weight: Tensor, transposed: Bool, slot: Int, isa: ISA) -> [Float] {
        let (rows, columns) = (weight.shape[0], weight.shape[1])
        let (k, n) = transposed ? (columns, rows) : (rows, columns)
        return packedCache.packed(slot: slot, weights: weight.scalars, key: "bf16 \(transposed) \(isa.rawValue)") {
            weight.withUnsafeBufferPointer { w in
                GEMM.packBF16(
                    transB: transposed ? .transposed : .none, k: k, n: n, b: w.baseAddress!, ldb: columns, isa: isa)
            }
        }
    }
}

/// `C = α·op(A)·packed[:, n0 ..< n0 + N] + β·C` against a B packed for
/// `precision`'s kernels: `rc_sgemm_prepacked` or `rc_bgemm_prepacked`.
@inline(__always)
func prepackedProduct(
    _ precision: Precision, _ isa: ISA, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
    packed: UnsafePointer<Float>?, packedN: Int, n0: Int = 0, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
) {
    if precision == .bf16 {
        rc_bgemm_prepacked(isa.rawValue, 0, m, n, k, 1, a, lda, packed, packedN, n0, beta, c, ldc)
    } else {
        rc_sgemm_prepacked(isa.rawValue, 0, m, n, k, 1, a, lda, packed, packedN, n0, beta, c, ldc)
    }
}

/// A layer's weights packed for the GEMM kernels of one ISA and the layer's
/// precision, made once and reused over many calls (streaming).
struct PreparedWeights: Sendable {
    let isa: ISA
    let precision: Precision
    /// Per layer and direction: W_ihᵀ [D, G·H], packed.
    let inputWeights: [[Float]]
    /// Per layer and direction: W_hhᵀ [H, G·H], packed.
    let recurrentWeights: [[Float]]

    init(_ layer: RecurrentLayer, isa: ISA = .active) {
        self.isa = isa
        precision = layer.precision
        if layer.precision == .bf16 {
            inputWeights = layer.weights.indices.map {
                layer.packedBF16(layer.weights[$0].weightIH, transposed: true, slot: layer.bf16Slot($0, 1), isa: isa)
            }
            recurrentWeights = layer.weights.indices.map {
                layer.packedBF16(layer.weights[$0].weightHH, transposed: true, slot: layer.bf16Slot($0, 0), isa: isa)
            }
        } else {
            inputWeights = layer.weights.map { packTransposed($0.weightIH, isa: isa) }
            recurrentWeights = layer.weights.map { packTransposed($0.weightHH, isa: isa) }
        }
    }
}

/// Packs `width` rows of a weight (each `length` long) as columns
/// `columnOffset ..< columnOffset + width` of a packed op(B) = [length, totalColumns],
/// whose other columns are packed by other calls. `columnOffset` and `width`
/// are multiples of the ISA's panel width, so panels do not straddle calls.
func packGateBlock(
    rows: UnsafePointer<Float>, width: Int, length h: Int, columnOffset: Int, totalColumns: Int,
    into packed: UnsafeMutablePointer<Float>, isa: ISA
) {
    let kc = Int(rc_gemm_kc())
    for pc in stride(from: 0, to: h, by: kc) {
        let rowsInBlock = min(kc, h - pc)
        let paddedColumns =
            (totalColumns + Int(rc_gemm_nr(isa.rawValue)) - 1) / Int(rc_gemm_nr(isa.rawValue))
            * Int(rc_gemm_nr(isa.rawValue))
        rc_sgemm_pack_b_block(
            isa.rawValue, 1, rowsInBlock, width, rows, h, pc, 0, 0, width,
            packed + pc * paddedColumns + columnOffset * rowsInBlock)
    }
}

/// A weight W [N, K] packed as the GEMM operand op(B) = Wᵀ [K, N].
func packTransposed(_ weight: Tensor, isa: ISA, forRows: Bool = false) -> [Float] {
    let (n, k) = (weight.shape[0], weight.shape[1])
    var packed = uninitializedFloats(rc_sgemm_packed_b_size(isa.rawValue, k, n))  // packing writes every entry
    weight.withUnsafeBufferPointer { w in
        packed.withUnsafeMutableBufferPointer { p in
            if forRows {
                rc_sgemm_pack_b_rows(isa.rawValue, 1, k, n, w.baseAddress, k, p.baseAddress)
            } else {
                rc_sgemm_pack_b(isa.rawValue, 1, k, n, w.baseAddress, k, p.baseAddress)
            }
        }
    }
    return packed
}
