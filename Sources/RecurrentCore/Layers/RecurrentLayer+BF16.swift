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
        let packedIH = packedBF16(weights[index].weightIH, transposed: false, slot: bf16Slot(index, 3), isa: isa)
        dgx.withUnsafeBufferPointer { dgx in
            input.withUnsafeBufferPointer { x in
                dWih.withUnsafeMutableBufferPointer { dW in
                    GEMM.bgemm(
                        transA: .transposed, transB: .none, m: gh, n: d, k: rows, alpha: 1,
                        a: dgx.baseAddress!, lda: gh, b: x.baseAddress!, ldb: d, beta: 0, c: dW.baseAddress!, ldc: d,
                        isa: isa)
                }
            }
            packedIH.withUnsafeBufferPointer { p in
                dInput.withUnsafeMutableBufferPointer { dx in
                    GEMM.bgemmPrepacked(
                        transA: .none, m: rows, n: d, k: gh, alpha: 1, a: dgx.baseAddress!, lda: gh,
                        packed: p.baseAddress!, beta: 1, c: dx.baseAddress!, ldc: d, isa: isa)
                }
            }
        }
        dgh.withUnsafeBufferPointer { dgh in
            hPrev.withUnsafeBufferPointer { hPrev in
                dWhh.withUnsafeMutableBufferPointer { dW in
                    GEMM.bgemm(
                        transA: .transposed, transB: .none, m: gh, n: h, k: rows, alpha: 1,
                        a: dgh.baseAddress!, lda: gh, b: hPrev.baseAddress!, ldb: h, beta: 0, c: dW.baseAddress!,
                        ldc: h, isa: isa)
                }
            }
        }
    }
}
