import Recurrent
import RecurrentTestSupport
import Testing

/// Matrix products against a triple loop in Double written here.
@Suite struct TensorMatMulTests {
    /// op(a)·op(b) by the definition, in Double.
    private func naive(_ a: Tensor, _ ta: Bool, _ b: Tensor, _ tb: Bool) -> [Double] {
        let (m, k) = ta ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let n = tb ? b.shape[0] : b.shape[1]
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                for p in 0..<k {
                    let aip = ta ? a[p, i] : a[i, p]
                    let bpj = tb ? b[j, p] : b[p, j]
                    c[i * n + j] += Double(aip) * Double(bpj)
                }
            }
        }
        return c
    }

    // Tolerance 1e-5 · max(1, |expected|): the products have k ≤ 37 terms of
    // size ≤ 1, so Float32 accumulation errs by far less than 1e-5.

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func everyTransposeAgainstTheDefinition(transposeA: Bool, transposeB: Bool) {
        var generator = RandomGenerator(seed: 5)
        for (m, k, n) in [(1, 1, 1), (3, 7, 5), (17, 37, 2), (33, 1, 9)] {
            let a = Tensor.uniform(transposeA ? [k, m] : [m, k], low: -1, high: 1, using: &generator)
            let b = Tensor.uniform(transposeB ? [n, k] : [k, n], low: -1, high: 1, using: &generator)
            let c = a.matmul(b, transposeSelf: transposeA, transposeOther: transposeB)
            #expect(c.shape == [m, n])
            let expected = naive(a, transposeA, b, transposeB)
            #expect(mismatch(c, expected, absolute: 1e-5, relative: 1e-5) == nil, "m \(m) k \(k) n \(n)")
        }
    }

    @Test func accumulateWithAlphaAndBeta() {
        var generator = RandomGenerator(seed: 6)
        let a = Tensor.uniform([4, 3], low: -1, high: 1, using: &generator)
        let b = Tensor.uniform([5, 3], low: -1, high: 1, using: &generator)
        let c0 = Tensor.uniform([4, 5], low: -1, high: 1, using: &generator)
        var c = c0
        c.addMatmul(a, b, transposeB: true, alpha: 2, beta: 0.5)
        let product = naive(a, false, b, true)
        let expected = zip(product, c0.scalars).map { 2 * $0 + 0.5 * Double($1) }
        #expect(mismatch(c, expected, absolute: 1e-5, relative: 1e-5) == nil)
    }

    @Test func emptyInnerDimensionGivesZeros() {
        let c = Tensor.zeros([3, 0]).matmul(Tensor.zeros([0, 2]))
        #expect(c == Tensor.zeros([3, 2]))
    }

    @Test func transposeTwoDimensions() {
        let x = Tensor(rows: [[1, 2, 3], [4, 5, 6]])
        #expect(x.transposed() == Tensor(rows: [[1, 4], [2, 5], [3, 6]]))
        #expect(x.transposed().transposed() == x)
    }
}
