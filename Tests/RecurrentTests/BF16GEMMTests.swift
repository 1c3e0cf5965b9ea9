import CRecurrentKernels
import Recurrent
import Testing

/// bf16 GEMM (operands rounded to bf16, fp32 sums) against the plain triple
/// loop on the same rounded operands, every ISA (avx512 on vdpbf16ps where the
/// CPU has AVX512_BF16, neon on BFMMLA where it has Arm FEAT_BF16, the others
/// on the fallback).
///
/// Tolerance: the products of two bf16 values are exact in fp32, so kernel
/// and reference differ only in the order of K fp32 additions (and in
/// vdpbf16ps and BFMMLA flushing subnormals, which these operands never
/// make): each element within (K + 4)·u·(|α|·Σₚ|âᵢₚ·b̂ₚⱼ| + |β|·|c₀ᵢⱼ|),
/// u = 2⁻²⁴, where â, b̂ are the rounded operands — the bound of GEMMTests;
/// u = 2⁻²³ for BFMMLA, whose additions round to odd (an error below one ulp,
/// not half of one).
struct BF16GEMMTests {
    struct Case: CustomStringConvertible {
        var m, n, k: Int
        var transA, transB: Transpose
        var alpha: Float = 1, beta: Float = 0
        var padding = 0
        var description: String { "m \(m) n \(n) k \(k) \(transA) \(transB) α \(alpha) β \(beta) pad \(padding)" }
    }

    static let transposes: [(Transpose, Transpose)] = [
        (.none, .none), (.none, .transposed), (.transposed, .none), (.transposed, .transposed),
    ]

    /// The worst ratio of error to bound (≤ 1 passes); records the first failure.
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
                    GEMM.bgemm(
                        transA: c.transA, transB: c.transB, m: c.m, n: c.n, k: c.k, alpha: c.alpha,
                        a: a.baseAddress!, lda: lda, b: b.baseAddress!, ldb: ldb, beta: c.beta,
                        c: out.baseAddress!, ldc: ldc, isa: isa, pool: pool)
                }
                reference.withUnsafeMutableBufferPointer { out in
                    GEMM.bgemmReference(
                        transA: c.transA, transB: c.transB, m: c.m, n: c.n, k: c.k, alpha: c.alpha,
                        a: a.baseAddress!, lda: lda, b: b.baseAddress!, ldb: ldb, beta: c.beta,
                        c: out.baseAddress!, ldc: ldc)
                }
            }
        }
        let unit = isa == .neon && isa.hasNativeBF16 ? 0x1p-23 : 0x1p-24
        var worst = 0.0
        for i in 0..<c.m {
            for j in 0..<c.n {
                var magnitude = 0.0
                for p in 0..<c.k {
                    let aip = c.transA == .none ? a[i * lda + p] : a[p * lda + i]
                    let bpj = c.transB == .none ? b[p * ldb + j] : b[j * ldb + p]
                    magnitude += abs(Double(Float.bf16Rounded(aip)) * Double(Float.bf16Rounded(bpj)))
                }
                let bound =
                    Double(c.k + 4) * unit
                    * (abs(Double(c.alpha)) * magnitude + abs(Double(c.beta) * Double(c0[i * ldc + j]))) + 1e-30
                let error = abs(Double(fast[i * ldc + j]) - Double(reference[i * ldc + j]))
                if !(error <= bound) {
                    Issue.record(
                        "\(isa) \(c): C[\(i), \(j)] expected \(reference[i * ldc + j]) observed \(fast[i * ldc + j])")
                    return .infinity
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

    @Test("odd sizes, 1×1, tails and every transpose, every ISA", arguments: ISA.supported)
    func shapes(isa: ISA) {
        let sizes = [1, 2, 3, 8, 17, 33, 65]
        var index = 0
        for m in sizes {
            for n in sizes {
                for k in sizes {
                    let (ta, tb) = Self.transposes[index % 4]
                    let scaling: [(Float, Float)] = [(1, 0), (-0.5, 1), (2, 0.25)]
                    let (alpha, beta) = scaling[(index / 4) % 3]
                    let c = Case(
                        m: m, n: n, k: k, transA: ta, transB: tb, alpha: alpha, beta: beta, padding: index % 3)
                    #expect(Self.check(c, isa: isa, seed: UInt64(index)) <= 1)
                    index += 1
                }
            }
        }
    }

    @Test("the layers' products and shapes past a cache block (K > 256, M > 192)", arguments: ISA.supported)
    func layerShapes(isa: ISA) {
        let cases = [
            Case(m: 64, n: 1024, k: 256, transA: .none, transB: .transposed),  // gh = h·W_hhᵀ
            Case(m: 200, n: 96, k: 33, transA: .none, transB: .transposed),  // gx = x·W_ihᵀ over B·T rows
            Case(m: 13, n: 40, k: 96, transA: .none, transB: .none, beta: 1),  // dh += dgh·W_hh
            Case(m: 96, n: 40, k: 300, transA: .transposed, transB: .none),  // dW = dgxᵀ·x
            Case(m: 1, n: 131, k: 513, transA: .none, transB: .transposed),  // one row (streaming)
        ]
        for (index, c) in cases.enumerated() { #expect(Self.check(c, isa: isa, seed: 90 + UInt64(index)) <= 1) }
    }

    @Test("threads change no bit; prepacked B gives the bits of bgemm", arguments: ISA.supported)
    func threadsAndPrepacked(isa: ISA) {
        let (m, n, k) = (70, 300, 129)
        var rng = SplitMix(3)
        let a = (0..<(m * k)).map { _ in rng.nextSigned() }
        let w = (0..<(n * k)).map { _ in rng.nextSigned() }  // [N, K], used transposed
        func direct(_ threads: Int) -> [Float] {
            var c = [Float](repeating: .nan, count: m * n)
            a.withUnsafeBufferPointer { a in
                w.withUnsafeBufferPointer { w in
                    c.withUnsafeMutableBufferPointer { c in
                        GEMM.bgemm(
                            transA: .none, transB: .transposed, m: m, n: n, k: k, alpha: 1, a: a.baseAddress!,
                            lda: k, b: w.baseAddress!, ldb: k, beta: 0, c: c.baseAddress!, ldc: n, isa: isa,
                            pool: ThreadPool(threads: threads))
                    }
                }
            }
            return c
        }
        let one = direct(1)
        #expect(one.map(\.bitPattern) == direct(3).map(\.bitPattern))
        #expect(!one.contains { $0.isNaN }, "beta = 0 must not read C")
        var packed = [Float](repeating: 0, count: rc_bgemm_packed_b_size(isa.rawValue, k, n))
        var split = [Float](repeating: 0, count: m * n)
        let nr = Int(rc_bgemm_nr(isa.rawValue))
        w.withUnsafeBufferPointer { w in
            packed.withUnsafeMutableBufferPointer { p in
                // two threads' column ranges, packed by separate calls
                rc_bgemm_pack_b_columns(isa.rawValue, 1, k, n, w.baseAddress, k, 0, nr, p.baseAddress)
                rc_bgemm_pack_b_columns(isa.rawValue, 1, k, n, w.baseAddress, k, nr, n, p.baseAddress)
            }
        }
        a.withUnsafeBufferPointer { a in
            packed.withUnsafeBufferPointer { p in
                split.withUnsafeMutableBufferPointer { c in
                    rc_bgemm_prepacked(isa.rawValue, 0, m, nr, k, 1, a.baseAddress, k, p.baseAddress, n, 0, 0,
                                       c.baseAddress, n)
                    rc_bgemm_prepacked(isa.rawValue, 0, m, n - nr, k, 1, a.baseAddress, k, p.baseAddress, n, nr, 0,
                                       c.baseAddress! + nr, n)
                }
            }
        }
        #expect(one.map(\.bitPattern) == split.map(\.bitPattern))
    }

    @Test("rounding: nearest, ties to even, NaN kept; the kernels round both operands", arguments: ISA.supported)
    func rounding(isa: ISA) {
        // 1 + 2⁻⁸ is a tie between 1 and 1 + 2⁻⁷: to even, 1. 1 + 3·2⁻⁸ ties up to 1 + 2⁻⁶.
        let inputs: [Float] = [1 + 0x1p-8, 1 + 3 * 0x1p-8, 1 + 0x1p-8 + 0x1p-20, -2.5, .infinity, -.infinity,
                               .greatestFiniteMagnitude, 0x1p-130, .nan]
        let expected: [Float] = [1, 1 + 0x1p-6, 1 + 0x1p-7, -2.5, .infinity, -.infinity, .infinity,
                                 0x1p-130, .nan]
        var c = [Float](repeating: 0, count: inputs.count)
        rc_bf16_round(inputs, &c, inputs.count)
        for (i, x) in inputs.enumerated() {
            let swift = Float.bf16Rounded(x)
            #expect(swift.bitPattern == c[i].bitPattern, "\(x)")
            #expect(swift == expected[i] || (swift.isNaN && expected[i].isNaN), "\(x) → \(swift)")
        }
        // (1 + 2⁻⁸ + 2⁻²⁰)·(1 + 2⁻⁹): bf16 makes it (1 + 2⁻⁷)·1, fp32 would not.
        let a: [Float] = [1 + 0x1p-8 + 0x1p-20], b: [Float] = [1 + 0x1p-9]
        var product: [Float] = [0]
        GEMM.bgemm(
            transA: .none, transB: .none, m: 1, n: 1, k: 1, alpha: 1, a: a, lda: 1, b: b, ldb: 1, beta: 0,
            c: &product, ldc: 1, isa: isa)
        #expect(product[0] == 1 + 0x1p-7)
        let nan: [Float] = [.nan]
        GEMM.bgemm(
            transA: .none, transB: .none, m: 1, n: 1, k: 1, alpha: 1, a: nan, lda: 1, b: b, ldb: 1, beta: 0,
            c: &product, ldc: 1, isa: isa)
        #expect(product[0].isNaN)
    }

    @Test("the native kernel is used exactly where the CPU has AVX512_BF16 or Arm FEAT_BF16")
    func detection() {
        let native = rc_bf16_native_supported() != 0
        #expect(ISA.avx512.hasNativeBF16 == (native && ISA.avx512.isSupported))
        #expect(ISA.neon.hasNativeBF16 == (native && ISA.neon.isSupported))
        #expect(!ISA.avx2.hasNativeBF16 && !ISA.portable.hasNativeBF16)
    }
}
