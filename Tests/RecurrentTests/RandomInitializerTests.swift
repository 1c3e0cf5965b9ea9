import Recurrent
import RecurrentTestSupport
import Testing

/// The weight initialisers: ranges, scales, orthogonality and PyTorch's sign
/// convention for the orthogonal one.
@Suite struct RandomInitializerTests {
    @Test func uniformAndPyTorchDefaultStayInRange() {
        var generator = RandomGenerator(seed: 1)
        let u = Tensor.uniform([1000], low: -0.5, high: 2, using: &generator)
        #expect(u.scalars.allSatisfy { $0 >= -0.5 && $0 < 2 })
        let w = Tensor.pytorchDefault([64, 16], fanIn: 16, using: &generator)
        #expect(w.scalars.allSatisfy { abs($0) <= 0.25 })
        #expect(w.scalars.contains { abs($0) > 0.24 })
    }

    @Test func normalHasTheRequestedMeanAndDeviation() {
        // 40 000 draws: the mean's standard deviation is 0.5/200 = 0.0025.
        var generator = RandomGenerator(seed: 2)
        let x = Tensor.normal([200, 200], mean: 3, standardDeviation: 0.5, using: &generator)
        let mean = x.mean()
        let deviation = ((x - mean).squaredNorm() / Float(x.count)).squareRoot()
        #expect(abs(mean - 3) < 5 * 0.0025)
        #expect(abs(deviation - 0.5) < 0.01)
    }

    @Test func glorotUsesKerasAndPyTorchFans() {
        // [out 30, in 20]: bound √(6/50) ≈ 0.3464, variance bound²/3 = 0.04.
        var generator = RandomGenerator(seed: 3)
        let w = Tensor.glorotUniform([30, 20], using: &generator)
        let bound: Float = (6.0 / 50).squareRoot()
        #expect(w.scalars.allSatisfy { abs($0) <= bound })
        #expect(abs(w.squaredNorm() / Float(w.count) - 0.04) < 0.006)
        #expect(Tensor.fans(of: [30, 20]) == (20, 30))
        #expect(Tensor.fans(of: [8, 4, 3, 3]) == (36, 72))
    }

    /// Why MᵀM, accumulated in Double, is not the identity to 1e-5 (absolute), or nil.
    private func orthogonalityMismatch(_ m: Tensor) -> String? {
        let (rows, columns) = (m.shape[0], m.shape[1])
        var gram: [Double] = []
        var identity: [Double] = []
        for i in 0..<columns {
            for j in 0..<columns {
                var dot = 0.0
                for r in 0..<rows { dot += Double(m[r, i]) * Double(m[r, j]) }
                gram.append(dot)
                identity.append(i == j ? 1 : 0)
            }
        }
        return mismatch(gram, identity, absolute: 1e-5)
    }

    /// Columns orthonormal for tall and square shapes, rows for wide ones, to
    /// 1e-5: Q is exact in Double to ~1e-15 and rounding to Float adds at most
    /// k·2⁻²⁴ ≈ 3e-6 to a dot product of length k ≤ 48.
    @Test(arguments: [[5, 5], [48, 12], [7, 20], [16, 4]])
    func orthogonalHasOrthonormalColumnsOrRows(shape: [Int]) {
        var generator = RandomGenerator(seed: 4)
        let q = Tensor.orthogonal(shape, using: &generator)
        #expect(orthogonalityMismatch(shape[0] >= shape[1] ? q : q.transposed()) == nil, "shape \(shape)")
    }

    @Test func orthogonalOfMoreDimensionsAndGain() {
        var generator = RandomGenerator(seed: 4)
        let q = Tensor.orthogonal([6, 2, 3], gain: 2, using: &generator)
        #expect(q.shape == [6, 2, 3])
        #expect(orthogonalityMismatch(q.reshaped([6, 6]) / 2) == nil)
    }

    /// PyTorch's sign fix makes R = QᵀA upper triangular with a positive
    /// diagonal, A being the normal matrix drawn from the same seed.
    @Test func orthogonalFollowsPyTorchsSignConvention() {
        var drawQ = RandomGenerator(seed: 8)
        var drawA = drawQ
        let q = Tensor.orthogonal([9, 4], using: &drawQ)
        let a = Tensor.normal([9, 4], using: &drawA)
        let r = q.matmul(a, transposeSelf: true)  // [4, 4]
        for i in 0..<4 { #expect(r[i, i] > 0, "R[\(i), \(i)] = \(r[i, i])") }
        let belowDiagonal = (0..<4).flatMap { i in (0..<i).map { j in r[i, j] } }
        #expect(mismatch(belowDiagonal, [Float](repeating: 0, count: 6), absolute: 1e-5) == nil, "R below its diagonal")
    }

    @Test func sameSeedGivesTheSameWeights() {
        var first = RandomGenerator(seed: 77)
        var second = RandomGenerator(seed: 77)
        #expect(Tensor.orthogonal([6, 3], using: &first) == Tensor.orthogonal([6, 3], using: &second))
        #expect(Tensor.glorotUniform([6, 3], using: &first) == Tensor.glorotUniform([6, 3], using: &second))
    }
}
