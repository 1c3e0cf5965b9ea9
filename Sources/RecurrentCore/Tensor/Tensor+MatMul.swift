// Matrix products of 2-D tensors, all through GEMM.sgemm.
// Shapes: op(A) is [M, K], op(B) is [K, N], the product is [M, N].

extension Tensor {
    /// The matrix product `op(self) · op(other)` of two 2-D tensors, where
    /// `op` transposes when asked.
    ///
    /// ```swift
    /// let y = x.matmul(weight, transposeOther: true)   // x·Wᵀ: [N, in]·[out, in]ᵀ = [N, out]
    /// ```
    /// - Parameters:
    ///   - other: the right factor.
    ///   - transposeSelf: use `selfᵀ` as the left factor.
    ///   - transposeOther: use `otherᵀ` as the right factor.
    /// - Returns: a [M, N] tensor; zeros when the inner dimension K is 0.
    public func matmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false) -> Tensor {
        let (m, _, n) = Tensor.productShape(self, transposeSelf, other, transposeOther, "Tensor.matmul")
        var result = Tensor.zeros([m, n])
        result.addMatmul(self, other, transposeA: transposeSelf, transposeB: transposeOther, beta: 0)
        return result
    }

    /// Accumulates a matrix product into this [M, N] tensor:
    /// `self = α · op(a) · op(b) + β · self`.
    ///
    /// Gradients of weights gather over a batch this way without a temporary:
    /// `dW.addMatmul(dz, x, transposeA: true)` adds `dzᵀ·x`.
    ///
    /// - Parameters:
    ///   - a: the left factor, 2-D.
    ///   - b: the right factor, 2-D.
    ///   - transposeA: use `aᵀ` as the left factor.
    ///   - transposeB: use `bᵀ` as the right factor.
    ///   - alpha: scale of the product.
    ///   - beta: scale of the current contents; with 0 they are not read,
    ///     so NaN in them does not propagate.
    public mutating func addMatmul(
        _ a: Tensor, _ b: Tensor,
        transposeA: Bool = false, transposeB: Bool = false,
        alpha: Float = 1, beta: Float = 1
    ) {
        let (m, k, n) = Tensor.productShape(a, transposeA, b, transposeB, "Tensor.addMatmul")
        require(
            shape == [m, n],
            "Tensor.addMatmul: product of \(a.shape)\(transposeA ? "ᵀ" : "") and \(b.shape)\(transposeB ? "ᵀ" : "") "
                + "is [\(m), \(n)], but the accumulator has shape \(shape)")
        if m == 0 || n == 0 { return }
        if k == 0 {
            if beta == 0 { self = Tensor.zeros(shape) } else { self *= beta }
            return
        }
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                withUnsafeMutableBufferPointer { pc in
                    GEMM.sgemm(
                        transA: transposeA ? .transposed : .none, transB: transposeB ? .transposed : .none,
                        m: m, n: n, k: k,
                        alpha: alpha, a: pa.baseAddress!, lda: a.shape[1],
                        b: pb.baseAddress!, ldb: b.shape[1],
                        beta: beta, c: pc.baseAddress!, ldc: n)
                }
            }
        }
    }

    /// The transpose of a 2-D tensor: [R, C] becomes [C, R].
    public func transposed() -> Tensor {
        require(rank == 2, "Tensor.transposed: shape \(shape) is not 2-D")
        let (rows, columns) = (shape[0], shape[1])
        var result = Tensor.zeros([columns, rows])
        withUnsafeBufferPointer { x in
            result.withUnsafeMutableBufferPointer { y in
                for r in 0..<rows {
                    for c in 0..<columns { y[c * rows + r] = x[r * columns + c] }
                }
            }
        }
        return result
    }

    /// (M, K, N) of `op(a) · op(b)`, stopping with both shapes when they do not fit.
    static func productShape(
        _ a: Tensor, _ transposeA: Bool, _ b: Tensor, _ transposeB: Bool, _ what: String
    ) -> (m: Int, k: Int, n: Int) {
        require(
            a.rank == 2 && b.rank == 2, "\(what): shapes \(a.shape) and \(b.shape) are not both 2-D")
        let (m, ka) = transposeA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let (kb, n) = transposeB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
        require(
            ka == kb,
            "\(what): inner dimensions differ: \(a.shape)\(transposeA ? "ᵀ" : "") · \(b.shape)\(transposeB ? "ᵀ" : "")")
        return (m, ka, n)
    }
}
