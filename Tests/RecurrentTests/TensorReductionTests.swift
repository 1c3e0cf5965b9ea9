import Recurrent
import Testing

/// Sums, means, maxima and norms, checked against hand-computed values.
@Suite struct TensorReductionTests {
    // [2, 3, 2]: element [i, j, k] = 6i + 2j + k
    let x = Tensor(shape: [2, 3, 2], scalars: (0..<12).map(Float.init))

    @Test func wholeTensor() {
        #expect(x.sum() == 66)
        #expect(x.mean() == 5.5)
        #expect(x.squaredNorm() == 506)
        #expect(Tensor.zeros([0]).sum() == 0)
    }

    @Test func alongEachAxis() {
        #expect(x.sum(alongAxis: 0) == Tensor(shape: [3, 2], scalars: [6, 8, 10, 12, 14, 16]))
        #expect(x.sum(alongAxis: 1) == Tensor(shape: [2, 2], scalars: [6, 9, 24, 27]))
        #expect(x.sum(alongAxis: 2) == Tensor(shape: [2, 3], scalars: [1, 5, 9, 13, 17, 21]))
        #expect(x.sum(alongAxis: -1) == x.sum(alongAxis: 2))
        #expect(x.mean(alongAxis: 1) == Tensor(shape: [2, 2], scalars: [2, 3, 8, 9]))
    }

    @Test func sumIsAccumulatedInDouble() {
        // 2²⁴ + 1 + 1 + … is stuck at 2²⁴ in Float; in Double it is exact.
        let values = [Float(16_777_216)] + Array(repeating: 1, count: 1000)
        #expect(Tensor(values).sum() == 16_778_216)
    }

    @Test func maxAndArgmax() {
        let scores = Tensor(rows: [[0.1, 0.7, 0.2], [0.5, 0.5, 0], [-3, -2, -1]])
        #expect(scores.argmax(alongAxis: -1) == [1, 0, 2])
        #expect(scores.max(alongAxis: -1).scalars == [0.7, 0.5, -1])
        #expect(scores.argmax(alongAxis: 0) == [1, 0, 0])
        #expect(x.argmax(alongAxis: 1) == [2, 2, 2, 2])
        #expect(x.max(alongAxis: 1) == Tensor(shape: [2, 2], scalars: [4, 5, 10, 11]))
    }
}
