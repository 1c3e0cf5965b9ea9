import Recurrent
import RecurrentTestSupport
import Testing

/// The tests' approximate equality, `mismatch`, against its documented rule:
/// |o − e| ≤ max(absolute, relative·|e|, relativeToLargest·max|e|), with
/// values on both sides of each bound worked out by hand.
@Suite struct ApproximateEqualityTests {
    @Test func eachTermOfTheBound() {
        #expect(mismatch(1.5, 1.0, absolute: 0.5) == nil)
        #expect(mismatch(1.5, 1.0, absolute: 0.25) != nil)
        #expect(mismatch(-7.0, -8.0, relative: 0.125) == nil)
        #expect(mismatch(-6.5, -8.0, relative: 0.125) != nil)
        // absolute and relative together: 1e-3 · max(1, |e|).
        #expect(mismatch([0.0009, 1000.9], [0.0, 1000.0], absolute: 1e-3, relative: 1e-3) == nil)
        #expect(mismatch([0.0011, 1000.9], [0.0, 1000.0], absolute: 1e-3, relative: 1e-3) != nil)
        // Per tensor: the small entry may be off by 1e-3 of the largest one, 4.
        let expected = Tensor([4, 0.001])
        #expect(mismatch(Tensor([4, 0.004]), expected, relativeToLargest: 1e-3) == nil)
        #expect(mismatch(Tensor([4, 0.006]), expected, relativeToLargest: 1e-3) != nil)
        #expect(mismatch(Tensor([4, 0.004]), expected, relative: 1e-3) != nil)
        #expect(mismatch(Float(0.1), 0.1) != nil, "no tolerance is exact equality in Double")
        #expect(mismatch(Float(0.5), 0.5) == nil)
    }

    @Test func theDescriptionNamesTheFirstBadElement() throws {
        let observed = Tensor(shape: [2, 3], scalars: [0, 1, 2, 3, 4.5, 9])
        let expected = Tensor(shape: [2, 3], scalars: [0, 1, 2, 3, 4, 5])
        let text = try #require(mismatch(observed, expected, absolute: 0.1))
        #expect(
            text == "element 4 [1, 1]: observed 4.5, expected 4.0, difference 0.5 > bound 0.1;"
                + " 2 of 6 elements out of tolerance, largest difference 4.0 at element 5 [1, 2]")
        let column = Tensor(shape: [2, 1], scalars: [1, 2])
        #expect(mismatch(Tensor([1, 2]), column, absolute: 1) == "shape [2], expected [2, 1]")
        #expect(mismatch([1.0, 2], [1.0], absolute: 1) == "2 values, expected 1")
    }

    @Test func nonFiniteValues() {
        #expect(mismatch(Double.nan, Double.nan, absolute: 1) != nil)
        #expect(mismatch(Double.nan, Double.nan, nanMatchesNaN: true) == nil)
        #expect(mismatch([Float.nan, 1], [0.0, 1], absolute: 1e30, nanMatchesNaN: true) != nil)
        #expect(mismatch(Double.infinity, Double.infinity) == nil)
        #expect(mismatch(Double.infinity, -Double.infinity, absolute: 1e300) != nil)
        #expect(mismatch(1e300, Double.infinity, relative: 1) != nil, "a finite value never matches an infinity")
        // An infinity among the expected values does not make the per-tensor bound infinite.
        #expect(mismatch([1, 5, Double.infinity], [1, 4, Double.infinity], relativeToLargest: 0.1) != nil)
    }
}
