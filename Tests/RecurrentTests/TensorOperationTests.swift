import Recurrent
import Testing

/// Element-wise arithmetic, broadcasting a row, slicing and joining, checked
/// against small hand-computed examples.
@Suite struct TensorOperationTests {
    let a = Tensor(rows: [[1, 2, 3], [4, 5, 6]])
    let b = Tensor(rows: [[0.5, -1, 2], [8, 0.25, -3]])

    @Test func elementWiseArithmetic() {
        #expect((a + b).scalars == [1.5, 1, 5, 12, 5.25, 3])
        #expect((a - b).scalars == [0.5, 3, 1, -4, 4.75, 9])
        #expect((a * b).scalars == [0.5, -2, 6, 32, 1.25, -18])
        #expect((a / b).scalars == [2, -2, 1.5, 0.5, 20, -2])
        #expect((-a).scalars == [-1, -2, -3, -4, -5, -6])
        #expect((a + b).shape == [2, 3])
    }

    @Test func scalarArithmetic() {
        #expect((a + 1).scalars == [2, 3, 4, 5, 6, 7])
        #expect((1 + a).scalars == [2, 3, 4, 5, 6, 7])
        #expect((a - 1).scalars == [0, 1, 2, 3, 4, 5])
        #expect((10 - a).scalars == [9, 8, 7, 6, 5, 4])
        #expect((a * 2).scalars == [2, 4, 6, 8, 10, 12])
        #expect((2 * a).scalars == [2, 4, 6, 8, 10, 12])
        #expect((a / 2).scalars == [0.5, 1, 1.5, 2, 2.5, 3])
    }

    @Test func inPlaceArithmetic() {
        var x = a
        x += b
        #expect(x == a + b)
        x -= b
        #expect(x == a)
        x *= b
        #expect(x == a * b)
        x = a
        x += 1
        x *= 2
        #expect(x.scalars == [4, 6, 8, 10, 12, 14])
        x = a
        x.addScaled(b, by: 2)
        #expect(x.scalars == [2, 0, 7, 20, 5.5, 0])
    }

    @Test func inPlaceWriteDoesNotTouchACopy() {
        var x = a
        let copy = x
        x += b
        #expect(copy == a)
    }

    @Test func mapAndZipMap() {
        #expect(a.map { $0 * $0 }.scalars == [1, 4, 9, 16, 25, 36])
        #expect(a.zipMap(b) { max($0, $1) }.scalars == [1, 2, 3, 8, 5, 6])
    }

    @Test func rowBroadcastAndItsAdjoint() {
        let row = Tensor([10, 20, 30])
        #expect(a.addingRow(row).scalars == [11, 22, 33, 14, 25, 36])
        let sequence = Tensor(shape: [2, 2, 3], scalars: (0..<12).map(Float.init))
        #expect(sequence.addingRow(row).scalars == (0..<12).map { Float($0) + [10, 20, 30][$0 % 3] })
        #expect(a.sumRows().scalars == [5, 7, 9])
        #expect(sequence.sumRows().scalars == [18, 22, 26])
    }

    @Test func finiteness() {
        #expect(a.isFinite)
        #expect(!(a / Tensor.zeros([2, 3])).isFinite)
        var x = a
        x[1, 1] = .nan
        #expect(!x.isFinite)
    }

    @Test func rowsAndGathering() {
        let x = Tensor(shape: [3, 2, 2], scalars: (0..<12).map(Float.init))
        #expect(x.rows(1..<3) == Tensor(shape: [2, 2, 2], scalars: (4..<12).map(Float.init)))
        #expect(x.rows(1..<1).shape == [0, 2, 2])
        #expect(x.gatheringRows([2, 0, 2]).scalars == [8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11])
    }

    @Test func timeStepsOfASequence() {
        // [B=2, T=3, D=2]: element [b, t, d] = 100b + 10t + d
        var x = Tensor.zeros([2, 3, 2])
        for b in 0..<2 { for t in 0..<3 { for d in 0..<2 { x[b, t, d] = Float(100 * b + 10 * t + d) } } }
        #expect(x.timeStep(1) == Tensor(rows: [[10, 11], [110, 111]]))
        x.setTimeStep(2, to: Tensor(rows: [[-1, -2], [-3, -4]]))
        #expect(x[0, 2, 1] == -2 && x[1, 2, 0] == -3 && x[1, 1, 1] == 111)
        #expect(x.slice(at: 1, alongAxis: 0).shape == [3, 2])
        #expect(x.slice(at: 0, alongAxis: -1).scalars == [0, 10, -1, 100, 110, -3])
    }

    @Test func concatenateAndStack() {
        let left = Tensor(rows: [[1, 2], [3, 4]])
        let right = Tensor(rows: [[5], [6]])
        #expect(Tensor.concatenated([left, right], alongAxis: -1) == Tensor(rows: [[1, 2, 5], [3, 4, 6]]))
        #expect(Tensor.concatenated([left, left], alongAxis: 0).shape == [4, 2])
        let steps = [Tensor(rows: [[1, 2], [3, 4]]), Tensor(rows: [[5, 6], [7, 8]])]
        let stacked = Tensor.stacked(steps, alongAxis: 1)  // T tensors [B, D] → [B, T, D]
        #expect(stacked.shape == [2, 2, 2])
        #expect(stacked.timeStep(0) == steps[0] && stacked.timeStep(1) == steps[1])
    }
}
