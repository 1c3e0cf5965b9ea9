import Recurrent
import Testing

/// Nice ticks against values worked out by hand: the smallest step m·10ᵏ,
/// m ∈ {1, 2, 5}, that gives at most `count` intervals. Values are compared
/// exactly: a tick is the decimal it prints as, rounded once to Double.
@Suite struct SVGAxisTicksTests {
    private func expectTicks(
        _ ticks: AxisTicks, _ values: [Double], _ labels: [String], bounds: ClosedRange<Double>,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(ticks.values == values, "expected \(values), observed \(ticks.values)", sourceLocation: sourceLocation)
        #expect(ticks.labels == labels, "expected \(labels), observed \(ticks.labels)", sourceLocation: sourceLocation)
        #expect(ticks.lowerBound == bounds.lowerBound && ticks.upperBound == bounds.upperBound,
                "expected bounds \(bounds), observed \(ticks.lowerBound)...\(ticks.upperBound)",
                sourceLocation: sourceLocation)
    }

    @Test func coveringWidensToNiceTicks() {
        // 0.93 / 5 = 0.186: step 0.1 needs 10 intervals, 0.2 needs 5.
        expectTicks(.linear(covering: 0...0.93), [0, 0.2, 0.4, 0.6, 0.8, 1.0],
                    ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"], bounds: 0...1)
        // Step 5 gives 10 intervals, 10 gives 5.
        expectTicks(.linear(covering: 0...47), [0, 10, 20, 30, 40, 50], ["0", "10", "20", "30", "40", "50"], bounds: 0...50)
        // Step 2 needs −4…8 (6 intervals), step 5 needs −5…10 (3).
        expectTicks(.linear(covering: -3.2...7.9), [-5, 0, 5, 10], ["−5", "0", "5", "10"], bounds: -5...10)
        // Step 5·10⁻⁴ needs 2…9 (7 intervals), 10⁻³ needs 1…5 (4).
        expectTicks(.linear(covering: 0.001...0.0042), [0.001, 0.002, 0.003, 0.004, 0.005],
                    ["0.001", "0.002", "0.003", "0.004", "0.005"], bounds: 0.001...0.005)
        // Losses between 0.0113 and 0.0187 on 4 intervals: step 0.002 (0.010…0.020 is 5), 0.005 → 0.010…0.020.
        expectTicks(.linear(covering: 0.0113...0.0187, count: 4), [0.01, 0.015, 0.02],
                    ["0.010", "0.015", "0.020"], bounds: 0.01...0.02)
    }

    @Test func withinKeepsTheRange() {
        // Epochs 1…50 on at most 6 intervals: step 5 gives 5…50 (9), step 10 gives 10…50 (4).
        expectTicks(.linear(within: 1...50, count: 6), [10, 20, 30, 40, 50], ["10", "20", "30", "40", "50"], bounds: 1...50)
        // 0.95…1.05 on 5: step 0.01 gives 10 intervals, 0.02 gives 0.96…1.04 (4).
        expectTicks(.linear(within: 0.95...1.05), [0.96, 0.98, 1.0, 1.02, 1.04],
                    ["0.96", "0.98", "1.00", "1.02", "1.04"], bounds: 0.95...1.05)
    }

    @Test func degenerateRangesArePadded() {
        // 5 ± 0.5; steps 0.1 and 0.2 need 10 and 6 intervals, 0.5 needs 2.
        expectTicks(.linear(covering: 5...5), [4.5, 5, 5.5], ["4.5", "5.0", "5.5"], bounds: 4.5...5.5)
        // 0 ± 1; step 0.2 needs 10 intervals, 0.5 needs 4.
        expectTicks(.linear(covering: 0...0), [-1, -0.5, 0, 0.5, 1], ["−1.0", "−0.5", "0.0", "0.5", "1.0"], bounds: -1...1)
        expectTicks(.linear(covering: -Double.infinity...0), [0, 0.2, 0.4, 0.6, 0.8, 1.0],
                    ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"], bounds: 0...1)
        // A constant loss on a log axis: 0.3 / 2 … 0.3 × 2 → 0.1, 0.2, 0.5, 1.
        expectTicks(.logarithmic(covering: 0.3...0.3), [0.1, 0.2, 0.5, 1], ["0.1", "0.2", "0.5", "1"], bounds: 0.1...1)
        #expect(AxisTicks.logarithmic(covering: 0...5) == AxisTicks.logarithmic(covering: 1...10))
        // Subnormal and enormous spans end in ticks, not a trap.
        #expect(AxisTicks.linear(covering: 0...Double.leastNonzeroMagnitude).values.count >= 2)
        #expect(AxisTicks.linear(covering: -1e308...1e308).values.count >= 2)
    }

    @Test func largeAndSmallValuesUseScientificLabels() {
        // 3.2·10⁷ on 5 intervals: step 5·10⁶ needs 7, 10⁷ needs 4.
        expectTicks(.linear(covering: 0...3.2e7), [0, 1e7, 2e7, 3e7, 4e7], ["0", "10⁷", "2×10⁷", "3×10⁷", "4×10⁷"],
                    bounds: 0...4e7)
        // 10⁻⁶ on 4 intervals: step 2·10⁻⁷ needs 5, 5·10⁻⁷ needs 2; 7 decimals would be too many.
        expectTicks(.linear(covering: 0...1e-6, count: 4), [0, 5e-7, 1e-6], ["0", "5×10⁻⁷", "10⁻⁶"], bounds: 0...1e-6)
    }

    @Test func logarithmicTicks() {
        // Losses from 2.3 down to 0.004: decades 10⁻³…10¹, one tick each.
        expectTicks(.logarithmic(covering: 0.004...2.3), [0.001, 0.01, 0.1, 1, 10],
                    ["0.001", "0.01", "0.1", "1", "10"], bounds: 0.001...10)
        // Within one decade: 1-2-5 multiples around the data.
        expectTicks(.logarithmic(covering: 0.2...0.9), [0.2, 0.5, 1], ["0.2", "0.5", "1"], bounds: 0.2...1)
        // Too few 1-2-5 ticks (0.5, 1): every multiple 1…9.
        expectTicks(.logarithmic(covering: 0.5...0.9), [0.5, 0.6, 0.7, 0.8, 0.9],
                    ["0.5", "0.6", "0.7", "0.8", "0.9"], bounds: 0.5...0.9)
        // Ten decades on 5 intervals: every second power of ten.
        expectTicks(.logarithmic(covering: 1e-9...1), [1e-9, 1e-7, 1e-5, 1e-3, 1e-1, 10],
                    ["10⁻⁹", "10⁻⁷", "10⁻⁵", "0.001", "0.1", "10"], bounds: 1e-9...10)
        expectTicks(.logarithmic(within: 0.003...40), [0.01, 0.1, 1, 10], ["0.01", "0.1", "1", "10"], bounds: 0.003...40)
    }
}
