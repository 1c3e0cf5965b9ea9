import CRecurrentKernels

// bf16 products with fp32 accumulation, the Swift face of gemm_bf16.c.

extension GEMM {
    /// `C = α·bf16(op(A))·bf16(op(B)) + β·C` on raw row-major fp32 buffers:
    /// both operands rounded to bf16 (nearest, ties to even, NaN kept), exact
    /// products, fp32 sums.
    ///
    /// Arguments as in ``sgemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:isa:pool:)``.
    /// The threads split the larger of M and N in whole register tiles; each
    /// element is summed in the same order however the split falls, so the
    /// bits do not depend on the thread count.
    public static func bgemm(
        transA: Transpose, transB: Transpose,
        m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int,
        isa: ISA = .active, pool: ThreadPool = .shared
    ) {
        splitProduct(
            rc_bgemm, name: "bgemm", mr: 8, nr: Int(rc_bgemm_nr(isa.rawValue)), transA: transA, transB: transB,
            m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, isa: isa,
            pool: pool)
    }

    /// `C = α·bf16(op(A))·packed + β·C` against a B packed once by
    /// ``packBF16(transB:k:n:b:ldb:isa:)``, the rows split between threads
    /// when the product is large enough to gain.
    static func bgemmPrepacked(
        transA: Transpose, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
        packed: UnsafePointer<Float>, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int,
        isa: ISA, pool: ThreadPool = .shared
    ) {
        if m == 0 || n == 0 { return }
        let rowTiles = (m + 7) / 8
        let chunks = pool.threadCount > 1 && m * n * k >= parallelThreshold ? min(pool.threadCount, rowTiles) : 1
        if chunks <= 1 {
            rc_bgemm_prepacked(isa.rawValue, transA.flag, m, n, k, alpha, a, lda, packed, n, 0, beta, c, ldc)
            return
        }
        let (aAddress, pAddress, cAddress) = (UInt(bitPattern: a), UInt(bitPattern: packed), UInt(bitPattern: c))
        pool.parallelFor(chunks) { part in
            let first = rowTiles * part / chunks * 8, last = min(rowTiles * (part + 1) / chunks * 8, m)
            guard first < last else { return }
            let a = UnsafePointer<Float>(bitPattern: aAddress)!
            rc_bgemm_prepacked(
                isa.rawValue, transA.flag, last - first, n, k, alpha,
                transA == .none ? a + first * lda : a + first, lda,
                UnsafePointer<Float>(bitPattern: pAddress)!, n, 0, beta,
                UnsafeMutablePointer<Float>(bitPattern: cAddress)! + first * ldc, ldc)
        }
    }

    /// op(B) [K, N] rounded to bf16 and packed for the bf16 kernels of `isa`,
    /// the packing split between threads for large matrices.
    static func packBF16(transB: Transpose, k: Int, n: Int, b: UnsafePointer<Float>, ldb: Int, isa: ISA) -> [Float] {
        var packed = uninitializedFloats(rc_bgemm_packed_b_size(isa.rawValue, k, n))  // packing writes every entry
        packed.withUnsafeMutableBufferPointer { p in
            packBF16(transB: transB, k: k, n: n, b: b, ldb: ldb, isa: isa, into: p.baseAddress!)
        }
        return packed
    }

    /// Packs op(B) [K, N] into `packed`, which holds
    /// `rc_bgemm_packed_b_size(isa, k, n)` floats.
    static func packBF16(
        transB: Transpose, k: Int, n: Int, b: UnsafePointer<Float>, ldb: Int, isa: ISA,
        into packed: UnsafeMutablePointer<Float>
    ) {
        let nr = Int(rc_bgemm_nr(isa.rawValue))
        let panels = (n + nr - 1) / nr
        let parts = n * k >= 1 << 16 ? min(ThreadPool.shared.threadCount, panels) : 1
        let (source, address) = (UInt(bitPattern: b), UInt(bitPattern: packed))
        ThreadPool.shared.parallelFor(parts) { part in
            let (j0, j1) = (panels * part / parts * nr, min(panels * (part + 1) / parts * nr, n))
            rc_bgemm_pack_b_columns(
                isa.rawValue, transB.flag, k, n, UnsafePointer(bitPattern: source), ldb, j0, j1,
                UnsafeMutablePointer(bitPattern: address))
        }
    }

    /// The textbook triple loop on operands rounded to bf16, summed in fp32
    /// in order of k: the reference that tests hold
    /// ``bgemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:isa:pool:)`` to.
    public static func bgemmReference(
        transA: Transpose, transB: Transpose,
        m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        for i in 0..<m {
            for j in 0..<n {
                var sum: Float = 0
                for p in 0..<k {
                    let aip = transA == .none ? a[i * lda + p] : a[p * lda + i]
                    let bpj = transB == .none ? b[p * ldb + j] : b[j * ldb + p]
                    sum += Float.bf16Rounded(aip) * Float.bf16Rounded(bpj)
                }
                c[i * ldc + j] = beta == 0 ? alpha * sum : alpha * sum + beta * c[i * ldc + j]
            }
        }
    }
}

extension Float {
    /// This value rounded to the nearest bfloat16 (ties to even; NaN stays
    /// NaN), as a `Float` whose low 16 bits are zero.
    public static func bf16Rounded(_ x: Float) -> Float {
        let u = x.bitPattern
        if x.isNaN { return Float(bitPattern: (u | 0x0040_0000) & 0xffff_0000) }
        return Float(bitPattern: (u &+ 0x7fff &+ ((u >> 16) & 1)) & 0xffff_0000)
    }
}
