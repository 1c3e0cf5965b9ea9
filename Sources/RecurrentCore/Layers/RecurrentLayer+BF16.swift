import CRecurrentKernels

// The backward products of RecurrentLayer in bf16 (Precision.bf16): the
// weight gradients and the input gradient after the time loop, with bf16
// operands and fp32 sums. Letters: B batch, T time, D input, H hidden, G gates.

extension RecurrentLayer {
    /// dW_ih = Σ_t dgx_tᵀ·x_t, dW_hh = Σ_t dgh_tᵀ·h_{t−1} and dx_t += dgx_t·W_ih
    /// for layer and direction `index`, each one product over all B·T rows,
    /// the last against W_ih packed in bf16 once per version of the weights.
    func weightGradientsBF16(
        index: Int,
        dgx: [Float],  // [B·T, G·H]
        dgh: [Float],  // [B·T, G·H]
        input: Tensor,  // [B, T, D]
        hPrev: [Float],  // [B·T, H]
        dWih: inout Tensor,  // [G·H, D]
        dWhh: inout Tensor,  // [G·H, H]
        dInput: inout Tensor  // [B, T, D]
    ) {
        let isa = ISA.active
        let (rows, d) = (input.shape[0] * input.shape[1], input.shape[2])
        let gh = cell.gateCount * hiddenSize
        let h = hiddenSize
        // dW = dgᵀ·a over K = B·T rows: a [B·T, N] packed once (the threads
        // pack disjoint columns), then the threads split the rows of dW.
        var packed = scratch.take(rc_bgemm_packed_b_size(isa.rawValue, rows, max(d, h)))  // packing writes what is read
        defer { scratch.give(packed) }
        func weightGradient(_ dg: [Float], _ a: UnsafePointer<Float>, columns n: Int, into dW: inout Tensor) {
            packed.withUnsafeMutableBufferPointer { p in
                GEMM.packBF16(transB: .none, k: rows, n: n, b: a, ldb: n, isa: isa, into: p.baseAddress!)
                dg.withUnsafeBufferPointer { dg in
                    dW.withUnsafeMutableBufferPointer { dW in
                        GEMM.bgemmPrepacked(
                            transA: .transposed, m: gh, n: n, k: rows, alpha: 1, a: dg.baseAddress!, lda: gh,
                            packed: p.baseAddress!, beta: 0, c: dW.baseAddress!, ldc: n, isa: isa)
                    }
                }
            }
        }
        input.withUnsafeBufferPointer { x in weightGradient(dgx, x.baseAddress!, columns: d, into: &dWih) }  // dW_ih = Σ_t dgx_tᵀ·x_t
        hPrev.withUnsafeBufferPointer { hp in weightGradient(dgh, hp.baseAddress!, columns: h, into: &dWhh) }  // dW_hh = Σ_t dgh_tᵀ·h_{t−1}
        guard dInput.count > 0 else { return }  // not wanted
        let packedIH = packedBF16(weights[index].weightIH, transposed: false, slot: bf16Slot(index, 3), isa: isa)
        dgx.withUnsafeBufferPointer { dgx in
            packedIH.withUnsafeBufferPointer { p in
                dInput.withUnsafeMutableBufferPointer { dx in
                    // dx_t += dgx_t·W_ih
                    GEMM.bgemmPrepacked(
                        transA: .none, m: rows, n: d, k: gh, alpha: 1, a: dgx.baseAddress!, lda: gh,
                        packed: p.baseAddress!, beta: 1, c: dx.baseAddress!, ldc: d, isa: isa)
                }
            }
        }
    }
}
