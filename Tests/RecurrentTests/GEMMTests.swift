import CRecurrentKernels
import Recurrent
import Testing

/// Fast SGEMM against the Double-accumulated triple loop.
///
/// Tolerance: the classical bound for a float32 dot product of length K is
/// |ĉ − c| ≤ γ_K · Σ|a||b| with γ_K = K·u/(1 − K·u), u = 2⁻²⁴. The α, β
/// scaling and fused updates add a few roundings, so each element must lie
/// within (K + 4)·u·(|α|·Σₚ|aᵢₚ||bₚⱼ| + |β|·|c₀ᵢⱼ|) + 1e-30 of the reference.
/// That bound is rigorous, not tuned, and scales with K, so it catches a
/// single wrong term in any position.
struct GEMMTests {
    struct Case: CustomStringConvertible {
        var m, n, k: Int
        var transA, transB: Transpose
        var alpha, beta: Float
        var padding = 0  // extra columns in each leading dimension
        var description: String {
            "m \(m) n \(n) k \(k) transA \(transA) transB \(transB) alpha \(alpha) beta \(beta) pad \(padding)"
        }
    }

    static let sizes = [1, 3, 7, 17, 33, 65, 257]
    static let scalings: [(Float, Float)] = [(1, 0), (-0.5, 1), (2, 0.25)]
    static let transposes: [(Transpose, Transpose)] = [
        (.none, .none), (.none, .transposed), (.transposed, .none), (.transposed, .transposed),
    ]

    /// Runs one case on `isa` and returns the worst ratio of error to bound
    /// (must be ≤ 1).
    static func check(_ c: Case, isa: ISA, pool: ThreadPool = ThreadPool(threads: 1), seed: UInt64) -> Double {
        var rng = SplitMix(seed)
        let (aRows, aCols) = c.transA == .none ? (c.m, c.k) : (c.k, c.m)
        let (bRows, bCols) = c.transB == .none ? (c.k, c.n) : (c.n, c.k)
        let lda = aCols + c.padding, ldb = bCols + c.padding, ldc = c.n + c.padding
        let a = (0..<max(1, aRows * lda)).map { _ in rng.nextSigned() }
        let b = (0..<max(1, bRows * ldb)).map { _ in rng.nextSigned() }
        let c0 = (0..<max(1, c.m * ldc)).map { _ in rng.nextSigned() }
        var fast = c0, reference = c0
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                fast.withUnsafeMutableBufferPointer { out in
                    GEMM.sgemm(
                        transA: c.transA, transB: c.transB, m: c.m, n: c.n, k: c.k,
                        alpha: c.alpha, a: a.baseAddress!, lda: lda, b: b.baseAddress!, ldb: ldb,
                        beta: c.beta, c: out.baseAddress!, ldc: ldc, isa: isa, pool: pool)
                }
                reference.withUnsafeMutableBufferPointer { out in
                    GEMM.gemmReference(
                        transA: c.transA, transB: c.transB, m: c.m, n: c.n, k: c.k,
                        alpha: c.alpha, a: a.baseAddress!, lda: lda, b: b.baseAddress!, ldb: ldb,
                        beta: c.beta, c: out.baseAddress!, ldc: ldc)
                }
            }
        }
        let u = 0x1p-24
        var worst = 0.0
        for i in 0..<c.m {
            for j in 0..<c.n {
                var magnitude = 0.0
                for p in 0..<c.k {
                    let aip = c.transA == .none ? a[i * lda + p] : a[p * lda + i]
                    let bpj = c.transB == .none ? b[p * ldb + j] : b[j * ldb + p]
                    magnitude += abs(Double(aip) * Double(bpj))
                }
                let bound =
                    Double(c.k + 4) * u * (abs(Double(c.alpha)) * magnitude + abs(Double(c.beta) * Double(c0[i * ldc + j])))
                    + 1e-30
                let error = abs(Double(fast[i * ldc + j]) - Double(reference[i * ldc + j]))
                if error > bound {
                    let message =
                        "\(isa) \(c): C[\(i), \(j)] expected \(reference[i * ldc + j]) observed \(fast[i * ldc + j]) error \(error) bound \(bound)"
                    Issue.record(Comment(rawValue: message))
                    return error / bound
                }
                worst = max(worst, error / bound)
            }
            for j in c.n..<ldc where fast[i * ldc + j] != c0[i * ldc + j] {
                Issue.record("\(isa) \(c): wrote outside C at [\(i), \(j)]")
                return .infinity
            }
        }
        return worst
    }

    @Test("every size in {1, 3, 7, 17, 33, 65, 257}³, every ISA", arguments: ISA.supported)
    func allSizes(isa: ISA) {
        var index = 0
        for m in Self.sizes {
            for n in Self.sizes {
                for k in Self.sizes {
                    let (ta, tb) = Self.transposes[index % 4]
                    let (alpha, beta) = Self.scalings[(index / 4) % 3]
                    let c = Case(m: m, n: n, k: k, transA: ta, transB: tb, alpha: alpha, beta: beta, padding: index % 3)
                    #expect(Self.check(c, isa: isa, seed: UInt64(index)) <= 1)
                    index += 1
                }
            }
        }
    }

    @Test("every transpose and α/β on odd shapes, every ISA", arguments: ISA.supported)
    func allCombinations(isa: ISA) {
        let shapes = [(17, 33, 65), (65, 17, 7), (9, 40, 3), (33, 65, 17)]
        var seed: UInt64 = 1000
        for (m, n, k) in shapes {
            for (ta, tb) in Self.transposes {
                for (alpha, beta) in Self.scalings {
                    let c = Case(m: m, n: n, k: k, transA: ta, transB: tb, alpha: alpha, beta: beta, padding: 1)
                    #expect(Self.check(c, isa: isa, seed: seed) <= 1)
                    seed += 1
                }
            }
        }
    }

    @Test("shapes that cross every cache block (K > 256, M > 192, N > 3072)", arguments: ISA.supported)
    func crossesBlocks(isa: ISA) {
        let cases = [
            Case(m: 9, n: 20, k: 600, transA: .none, transB: .transposed, alpha: 1, beta: 1),
            Case(m: 200, n: 33, k: 300, transA: .transposed, transB: .none, alpha: 1, beta: 0),
            Case(m: 3, n: 3100, k: 5, transA: .none, transB: .none, alpha: -1, beta: 0.5),
        ]
        for (index, c) in cases.enumerated() {
            #expect(Self.check(c, isa: isa, seed: 77 + UInt64(index)) <= 1)
        }
    }

    @Test("threads change no bit of the result")
    func threadsGiveSameBits() {
        let pool = ThreadPool(threads: 3)
        for (m, n, k) in [(64, 512, 128), (300, 40, 50), (5, 700, 33), (520, 70, 1000)] {  // the last: shared packing of B
            for (ta, tb) in Self.transposes {
                var rng = SplitMix(UInt64(m * n + k))
                let a = (0..<(m * k)).map { _ in rng.nextSigned() }
                let b = (0..<(k * n)).map { _ in rng.nextSigned() }
                func run(_ pool: ThreadPool) -> [Float] {
                    var c = [Float](repeating: .nan, count: m * n)
                    a.withUnsafeBufferPointer { a in
                        b.withUnsafeBufferPointer { b in
                            c.withUnsafeMutableBufferPointer { c in
                                GEMM.sgemm(
                                    transA: ta, transB: tb, m: m, n: n, k: k, alpha: 1,
                                    a: a.baseAddress!, lda: ta == .none ? k : m,
                                    b: b.baseAddress!, ldb: tb == .none ? n : k,
                                    beta: 0, c: c.baseAddress!, ldc: n, pool: pool)
                            }
                        }
                    }
                    return c
                }
                pool.threadCount = 1
                let one = run(pool)
                pool.threadCount = 3
                let three = run(pool)
                #expect(one == three, "m \(m) n \(n) k \(k) \(ta) \(tb)")
                #expect(!one.contains { $0.isNaN }, "beta = 0 must not read C")
            }
        }
    }

    @Test("prepacked B gives the same bits as sgemm, one row (read in place) or many", arguments: ISA.supported)
    func prepacked(isa: ISA) {
        for m in [13, 1] { prepacked(isa: isa, m: m, n: 70, k: 300) }
        prepacked(isa: isa, m: 1, n: 4 * Int(rc_gemm_nr(isa.rawValue)) + 3, k: 33)
    }

    func prepacked(isa: ISA, m: Int, n: Int, k: Int) {
        var rng = SplitMix(5)
        let a = (0..<(m * k)).map { _ in rng.nextSigned() }
        let b = (0..<(n * k)).map { _ in rng.nextSigned() }  // stored [N, K], used transposed
        var expected = [Float](repeating: 0, count: m * n)
        var observed = [Float](repeating: 0, count: m * n)
        let nr = Int(rc_gemm_nr(isa.rawValue))
        var packed = [Float](repeating: 0, count: rc_sgemm_packed_b_size(isa.rawValue, k, n))
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                expected.withUnsafeMutableBufferPointer { c in
                    rc_sgemm(isa.rawValue, 0, 1, m, n, k, 1, a.baseAddress, k, b.baseAddress, k, 0, c.baseAddress, n)
                }
                packed.withUnsafeMutableBufferPointer { p in
                    rc_sgemm_pack_b(isa.rawValue, 1, k, n, b.baseAddress, k, p.baseAddress)
                }
                packed.withUnsafeBufferPointer { p in
                    observed.withUnsafeMutableBufferPointer { c in
                        // two column blocks, the second starting at a tile boundary
                        let split = nr
                        rc_sgemm_prepacked(
                            isa.rawValue, 0, m, split, k, 1, a.baseAddress, k, p.baseAddress, n, 0, 0,
                            c.baseAddress, n)
                        rc_sgemm_prepacked(
                            isa.rawValue, 0, m, n - split, k, 1, a.baseAddress, k, p.baseAddress, n, split, 0,
                            c.baseAddress! + split, n)
                    }
                }
            }
        }
        #expect(expected.map(\.bitPattern) == observed.map(\.bitPattern), "m \(m) n \(n) k \(k)")
    }

    /// The one-row packing (groups of four panels interleaved by k, read as
    /// one stream by a batch-1 step) against rc_sgemm of the same row: the
    /// same bits for either layout of B, α, β over a filled C, N across whole
    /// groups, leftover panels and a partial panel, K across cache blocks.
    @Test("one-row products from the row packing have sgemm's bits", arguments: ISA.supported)
    func rowPacking(isa: ISA) {
        let nr = Int(rc_gemm_nr(isa.rawValue))
        var rng = SplitMix(9)
        for (n, k) in [(8 * nr, 300), (4 * nr + 3, 33), (nr - 1, 7), (3 * nr + 5, 600), (1, 1), (5 * nr, 256)] {
            for transB in [0, 1] as [Int32] {
                for (alpha, beta) in [(1, 0), (0.5, 1), (1, -0.75)] as [(Float, Float)] {
                    let a = (0..<k).map { _ in rng.nextSigned() }
                    let b = (0..<(n * k)).map { _ in rng.nextSigned() }  // [K, N], or [N, K] transposed
                    let start = (0..<n).map { _ in rng.nextSigned() }
                    var (expected, observed) = (start, start)
                    var packed = [Float](repeating: .nan, count: rc_sgemm_packed_b_size(isa.rawValue, k, n))
                    let ldb = transB == 1 ? k : n
                    a.withUnsafeBufferPointer { a in
                        b.withUnsafeBufferPointer { b in
                            rc_sgemm(
                                isa.rawValue, 0, transB, 1, n, k, alpha, a.baseAddress, k, b.baseAddress, ldb, beta,
                                &expected, n)
                            rc_sgemm_pack_b_rows(isa.rawValue, transB, k, n, b.baseAddress, ldb, &packed)
                        }
                        rc_sgemv_rows(isa.rawValue, n, k, alpha, a.baseAddress, packed, beta, &observed)
                    }
                    #expect(!packed.contains { $0.isNaN }, "every packed entry written: n \(n) k \(k)")
                    #expect(
                        expected.map(\.bitPattern) == observed.map(\.bitPattern),
                        "n \(n) k \(k) transB \(transB) α \(alpha) β \(beta)")
                }
            }
        }
    }

    /// A C of a few columns runs as its transpose (rc_sgemm's narrow path):
    /// its columns must have the bits of the same columns of a wide product,
    /// which takes the direct path, for every transpose, α and β, and K
    /// across a cache block.
    @Test("a narrow C has the bits of the same columns of a wide one", arguments: ISA.supported)
    func narrowMatchesWide(isa: ISA) {
        let wide = 40  // 4·40 > NR on every ISA: the direct path
        for (n, m, k) in [(1, 300, 70), (2, 257, 300), (3, 64, 9), (5, 100, 33), (8, 513, 257)] {
            for (transA, transB) in [(0, 0), (0, 1), (1, 0), (1, 1)] as [(Int32, Int32)] {
                for (alpha, beta) in [(Float(1), Float(0)), (0.75, 1), (-1.5, 0.5)] {
                    var rng = SplitMix(UInt64(n * 131 + m + Int(transA) * 7 + Int(transB)))
                    let a = (0..<(m * k)).map { _ in rng.nextSigned() }
                    // B's first n columns of op(B) random, the rest zero.
                    var bWide = [Float](repeating: 0, count: k * wide)
                    var bNarrow = [Float](repeating: 0, count: k * n)
                    for p in 0..<k {
                        for j in 0..<n {
                            let v = rng.nextSigned()
                            bWide[transB == 0 ? p * wide + j : j * k + p] = v
                            bNarrow[transB == 0 ? p * n + j : j * k + p] = v
                        }
                    }
                    let c0 = (0..<(m * wide)).map { _ in rng.nextSigned() }
                    var cWide = c0
                    var cNarrow = (0..<(m * n)).map { c0[($0 / n) * wide + $0 % n] }
                    let lda = transA == 0 ? k : m
                    rc_sgemm(
                        isa.rawValue, transA, transB, m, wide, k, alpha, a, lda, bWide, transB == 0 ? wide : k, beta,
                        &cWide, wide)
                    rc_sgemm(
                        isa.rawValue, transA, transB, m, n, k, alpha, a, lda, bNarrow, transB == 0 ? n : k, beta,
                        &cNarrow, n)
                    let expected = (0..<(m * n)).map { cWide[($0 / n) * wide + $0 % n] }
                    #expect(
                        cNarrow.map(\.bitPattern) == expected.map(\.bitPattern),
                        "n \(n) m \(m) k \(k) trans \(transA)\(transB) α \(alpha) β \(beta)")
                }
            }
        }
    }

    /// A row's numbers do not depend on which kernel computed it: a full
    /// register tile, a short last panel, or the one-row kernel that takes
    /// four panels of B at once. (Batch splits between threads rely on it.)
    @Test("every row has the same bits in any tile", arguments: ISA.supported)
    func rowsAgreeAcrossTiles(isa: ISA) {
        let (n, k) = (300, 70)
        var rng = SplitMix(21)
        let a = (0..<(13 * k)).map { _ in rng.nextSigned() }
        let b = (0..<(k * n)).map { _ in rng.nextSigned() }
        func product(rows: Range<Int>) -> [Float] {
            var c = [Float](repeating: 0, count: rows.count * n)
            a.withUnsafeBufferPointer { a in
                GEMM.sgemm(
                    transA: .none, transB: .none, m: rows.count, n: n, k: k, alpha: 1,
                    a: a.baseAddress! + rows.lowerBound * k, lda: k, b: b, ldb: n, beta: 0, c: &c, ldc: n,
                    isa: isa, pool: ThreadPool(threads: 1))
            }
            return c
        }
        let all = product(rows: 0..<13)
        for rows in [0..<1, 12..<13, 3..<5, 5..<8, 0..<4] {
            #expect(product(rows: rows) == Array(all[(rows.lowerBound * n)..<(rows.upperBound * n)]), "rows \(rows)")
        }
    }

    @Test("K = 0 scales C by β; β = 0 ignores NaN in C", arguments: ISA.supported)
    func edgeCases(isa: ISA) {
        var c: [Float] = [1, 2, 3, 4]
        let a: [Float] = [1], b: [Float] = [1]
        GEMM.sgemm(
            transA: .none, transB: .none, m: 2, n: 2, k: 0, alpha: 1, a: a, lda: 1, b: b, ldb: 2,
            beta: 0.5, c: &c, ldc: 2, isa: isa)
        #expect(c == [0.5, 1, 1.5, 2])
        var nan: [Float] = [.nan, .nan]
        GEMM.sgemm(
            transA: .none, transB: .none, m: 1, n: 2, k: 1, alpha: 1, a: [3], lda: 1, b: [1, 2], ldb: 2,
            beta: 0, c: &nan, ldc: 2, isa: isa)
        #expect(nan == [3, 6])
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): test data that is the same on
/// every platform, independent of the library's own generator.
struct SplitMix {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [−1, 1).
    mutating func nextSigned() -> Float { Float(next() >> 40) * 0x1p-23 - 1 }
}
