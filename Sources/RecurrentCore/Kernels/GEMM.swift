import CRecurrentKernels

/// Whether a matrix operand is used as stored or transposed.
public enum Transpose: Sendable {
    case none
    case transposed

    var flag: Int32 { self == .none ? 0 : 1 }
}

/// Single-precision matrix products, `C = α·op(A)·op(B) + β·C`, row-major.
///
/// Shapes: op(A) is [M, K], op(B) is [K, N], C is [M, N]. A stored
/// transposed is [K, M] with leading dimension `lda ≥ M`; otherwise [M, K]
/// with `lda ≥ K`; likewise B. When `β = 0`, C is not read.
///
/// The product runs on the packed, register-blocked kernels of
/// ``ISA/active`` and is split across the threads of a ``ThreadPool`` when it
/// is large enough to gain. The split never changes the order in which any
/// element of C is summed, so the result has the same bits on any number of
/// threads.
public enum GEMM {
    /// Below this many multiply-adds (M·N·K) a product stays on one thread:
    /// waking a worker costs more than it saves. Measured with
    /// `RecurrentBench gemm-threshold` on a 2-core Zen 5: at 65 536 one
    /// thread takes 0.9 µs, at 131 072 two threads take 1.5 µs against 1.7.
    public static let parallelThreshold = 96 * 1024

    /// `C = α·op(A)·op(B) + β·C` on raw row-major buffers.
    ///
    /// - Parameters:
    ///   - transA: Whether A is stored transposed.
    ///   - transB: Whether B is stored transposed.
    ///   - m: Rows of op(A) and of C.
    ///   - n: Columns of op(B) and of C.
    ///   - k: Columns of op(A), rows of op(B).
    ///   - alpha: The product's scale, α.
    ///   - a: op(A) [M, K], row-major.
    ///   - lda: A's leading dimension (row stride in floats).
    ///   - b: op(B) [K, N], row-major.
    ///   - ldb: B's leading dimension.
    ///   - beta: C's scale, β; at 0, C is not read (NaN in it does not propagate).
    ///   - c: C [M, N], overwritten with the result.
    ///   - ldc: C's leading dimension.
    ///   - isa: the kernel set; ``ISA/active`` by default.
    ///   - pool: threads to split over; ``ThreadPool/shared`` by default.
    public static func sgemm(
        transA: Transpose, transB: Transpose,
        m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int,
        isa: ISA = .active, pool: ThreadPool = .shared
    ) {
        splitProduct(
            rc_sgemm, name: "sgemm", mr: Int(rc_gemm_mr(isa.rawValue)), nr: Int(rc_gemm_nr(isa.rawValue)),
            transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
            beta: beta, c: c, ldc: ldc, isa: isa, pool: pool
        ) { chunks in
            cooperativeProduct(
                transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                beta: beta, c: c, ldc: ldc, isa: isa, pool: pool, parts: chunks)
        }
    }

    /// A product kernel of the C interface's shape (`rc_sgemm`, `rc_bgemm`):
    /// isa, transA, transB, M, N, K, α, A, lda, B, ldb, β, C, ldc.
    typealias ProductKernel = @convention(c) (
        Int32, Int32, Int32, Int, Int, Int, Float, UnsafePointer<Float>?, Int, UnsafePointer<Float>?, Int, Float,
        UnsafeMutablePointer<Float>?, Int
    ) -> Void

    /// `kernel`'s product with its arguments checked and, when it is large
    /// enough, the larger of M and N split between the threads in whole
    /// register tiles (mr × nr): each element is summed in the same order
    /// however the split falls. `cooperative(chunks)`, when given, takes a
    /// row split of at least ``cooperativeThreshold`` multiply-adds instead.
    static func splitProduct(
        _ kernel: ProductKernel, name: String, mr: Int, nr: Int,
        transA: Transpose, transB: Transpose, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, isa: ISA, pool: ThreadPool,
        cooperative: ((_ chunks: Int) -> Void)? = nil
    ) {
        require(m >= 0 && n >= 0 && k >= 0, "\(name): negative dimension (m \(m), n \(n), k \(k))")
        require(lda >= max(1, transA == .none ? k : m), "\(name): lda \(lda) too small for op(A) [\(m), \(k)]")
        require(ldb >= max(1, transB == .none ? n : k), "\(name): ldb \(ldb) too small for op(B) [\(k), \(n)]")
        require(ldc >= max(1, n), "\(name): ldc \(ldc) too small for C [\(m), \(n)]")
        if m == 0 || n == 0 { return }
        let parts = pool.threadCount > 1 && m * n * k >= parallelThreshold ? pool.threadCount : 1
        // Split the larger dimension, in whole register tiles.
        let splitN = (n + nr - 1) / nr >= (m + mr - 1) / mr
        let tile = splitN ? nr : mr
        let tiles = ((splitN ? n : m) + tile - 1) / tile
        let chunks = min(parts, tiles)
        if chunks <= 1 {
            kernel(isa.rawValue, transA.flag, transB.flag, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        }
        if let cooperative, !splitN && m * n * k >= cooperativeThreshold {
            cooperative(chunks)
            return
        }
        let (aAddress, bAddress, cAddress) = (UInt(bitPattern: a), UInt(bitPattern: b), UInt(bitPattern: c))
        pool.parallelFor(chunks) { part in
            let first = tiles * part / chunks * tile
            let last = min(tiles * (part + 1) / chunks * tile, splitN ? n : m)
            guard first < last else { return }
            let a = UnsafePointer<Float>(bitPattern: aAddress)!
            let b = UnsafePointer<Float>(bitPattern: bAddress)!
            let c = UnsafeMutablePointer<Float>(bitPattern: cAddress)!
            if splitN {
                let bPart = transB == .none ? b + first : b + first * ldb
                kernel(
                    isa.rawValue, transA.flag, transB.flag, m, last - first, k,
                    alpha, a, lda, bPart, ldb, beta, c + first, ldc)
            } else {
                let aPart = transA == .none ? a + first * lda : a + first
                kernel(
                    isa.rawValue, transA.flag, transB.flag, last - first, n, k,
                    alpha, aPart, lda, b, ldb, beta, c + first * ldc, ldc)
            }
        }
    }

    /// From this many multiply-adds on, a product split by rows packs each
    /// block of B once, shared by the threads (each packs a part), instead of
    /// once per thread.
    static let cooperativeThreshold = 1 << 25

    /// The blocked loops with the packing of B shared: per block of B, the
    /// threads pack disjoint column ranges, then each multiplies its rows by
    /// the whole block. Every element is summed in the order of `rc_sgemm`.
    private static func cooperativeProduct(
        transA: Transpose, transB: Transpose, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, isa: ISA, pool: ThreadPool, parts: Int
    ) {
        let (kcMax, ncMax) = (rc_gemm_kc(), rc_gemm_nc())
        let (mr, nr) = (Int(rc_gemm_mr(isa.rawValue)), Int(rc_gemm_nr(isa.rawValue)))
        let packed = UnsafeMutablePointer<Float>.allocate(capacity: (min(n, ncMax) + nr - 1) / nr * nr * kcMax)
        defer { packed.deallocate() }
        let rowTiles = (m + mr - 1) / mr
        for jc in stride(from: 0, to: n, by: ncMax) {
            let nc = min(ncMax, n - jc)
            let columnTiles = (nc + nr - 1) / nr
            for pc in stride(from: 0, to: k, by: kcMax) {
                let kc = min(kcMax, k - pc)
                pool.parallelFor(parts) { part in
                    let j0 = columnTiles * part / parts * nr, j1 = min(columnTiles * (part + 1) / parts * nr, nc)
                    rc_sgemm_pack_b_block(isa.rawValue, transB.flag, kc, nc, b, ldb, pc, jc, j0, j1, packed)
                }
                pool.parallelFor(parts) { part in
                    let i0 = rowTiles * part / parts * mr, i1 = min(rowTiles * (part + 1) / parts * mr, m)
                    rc_sgemm_block(
                        isa.rawValue, transA.flag, i0, i1, nc, kc, alpha, a, lda, pc, packed,
                        pc == 0 ? beta : 1, c, ldc, jc)
                }
            }
        }
    }

    /// The textbook triple loop, accumulated in `Double`: the reference that
    /// tests hold ``sgemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:isa:pool:)`` to.
    public static func gemmReference(
        transA: Transpose, transB: Transpose,
        m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let aip = transA == .none ? a[i * lda + p] : a[p * lda + i]
                    let bpj = transB == .none ? b[p * ldb + j] : b[j * ldb + p]
                    sum += Double(aip) * Double(bpj)
                }
                let scaled = Double(alpha) * sum
                c[i * ldc + j] = beta == 0 ? Float(scaled) : Float(scaled + Double(beta) * Double(c[i * ldc + j]))
            }
        }
    }
}
