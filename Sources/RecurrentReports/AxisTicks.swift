import Foundation
import RecurrentCore

/// Tick values and labels for one axis, and the range the axis then spans.
///
/// Linear ticks are "nice" numbers: multiples of a step s = m·10ᵏ with
/// m ∈ {1, 2, 5}, the smallest such step that gives at most `count`
/// intervals. Logarithmic ticks are powers of ten, or 1-2-5 (and if needed
/// 1…9) multiples of them when the range spans two decades or less.
///
/// ```swift
/// let y = AxisTicks.linear(covering: 0...0.93)
/// y.values   // [0, 0.2, 0.4, 0.6, 0.8, 1]; y.upperBound == 1
/// y.labels   // ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]
/// AxisTicks.logarithmic(covering: 0.004...2.3).values   // [0.001, 0.01, 0.1, 1, 10]
/// ```
///
/// Tick values are the decimals they print as, rounded once to `Double`
/// (`0.6`, not `3 × 0.2 = 0.6000000000000001`). Labels use fixed decimals
/// (all ticks of a linear axis share the step's number of decimals), and
/// `m×10ᵏ` only when fixed notation would need more than 6 decimals or the
/// values reach 10⁷. Negative labels use the minus sign `−`.
///
/// A range of zero width (or narrower than 10⁻²⁸⁰) is widened first: by
/// 10 % of its magnitude on each side (by 1 if it is 0) on a linear axis, by a factor of 2 on each side on
/// a logarithmic one. Non-finite bounds give the ticks of `0...1` (linear)
/// or `1...10` (logarithmic), as do non-positive bounds on a logarithmic axis.
public struct AxisTicks: Sendable, Equatable {
    /// The value at the axis's start.
    public var lowerBound: Double
    /// The value at the axis's end.
    public var upperBound: Double
    /// The tick values, increasing, all within the bounds.
    public var values: [Double]
    /// One label per tick value.
    public var labels: [String]

    /// Nice ticks that cover `range`: the axis is widened to the nearest
    /// ticks at or beyond both ends. For the value axis of a plot, where
    /// the data should sit inside labelled ticks.
    ///
    /// - Parameters:
    ///   - range: The values to cover.
    ///   - count: The most intervals between ticks (at least 1).
    public static func linear(covering range: ClosedRange<Double>, count: Int = 5) -> AxisTicks {
        linear(range, count: count, covering: true)
    }

    /// Nice ticks inside `range`, which stays the axis's range. For an axis
    /// whose bounds are given, such as time or a fixed range.
    ///
    /// - Parameters:
    ///   - range: The axis's range.
    ///   - count: The most intervals between ticks (at least 1).
    public static func linear(within range: ClosedRange<Double>, count: Int = 5) -> AxisTicks {
        linear(range, count: count, covering: false)
    }

    /// Base-10 ticks that cover `range` (both bounds positive); the axis is
    /// widened to the nearest ticks at or beyond both ends.
    ///
    /// - Parameters:
    ///   - range: The values to cover, both positive.
    ///   - count: The most intervals between powers of ten when the range
    ///     spans more than two decades (at least 1).
    public static func logarithmic(covering range: ClosedRange<Double>, count: Int = 5) -> AxisTicks {
        var lower = range.lowerBound, upper = range.upperBound
        guard lower.isFinite, upper.isFinite, lower > 0, upper > 0 else { return logarithmic(covering: 1...10, count: count) }
        if upper <= lower * (1 + 1e-12) {
            lower /= 2
            upper *= 2
        }
        let first = decade(atOrBelow: lower), last = decade(atOrAbove: upper)
        let decades = last - first
        if decades > 2 {
            let stride = (decades + max(count, 1) - 1) / max(count, 1)
            let steps = (decades + stride - 1) / stride
            let exponents = (0...steps).map { first + $0 * stride }
            return AxisTicks(
                lowerBound: PlotNumberFormat.value(1, exponent: exponents[0]),
                upperBound: PlotNumberFormat.value(1, exponent: exponents[exponents.count - 1]),
                values: exponents.map { PlotNumberFormat.value(1, exponent: $0) },
                labels: exponents.map { logLabel(1, exponent: $0) })
        }
        for mantissas in [[1, 2, 5], Array(1...9)] {
            var candidates: [(mantissa: Int, exponent: Int)] = []
            for exponent in (first - 1)...(last + 1) {
                for mantissa in mantissas { candidates.append((mantissa, exponent)) }
            }
            let tolerance = 1e-12
            let start = candidates.lastIndex { PlotNumberFormat.value($0.mantissa, exponent: $0.exponent) <= lower * (1 + tolerance) }!
            let end = candidates.firstIndex { PlotNumberFormat.value($0.mantissa, exponent: $0.exponent) >= upper * (1 - tolerance) }!
            let chosen = candidates[start...end]
            if chosen.count >= 3 || mantissas.count == 9 {
                let values = chosen.map { PlotNumberFormat.value($0.mantissa, exponent: $0.exponent) }
                return AxisTicks(
                    lowerBound: values[0], upperBound: values[values.count - 1], values: values,
                    labels: chosen.map { logLabel($0.mantissa, exponent: $0.exponent) })
            }
        }
        fatalError("unreachable: 1…9 multiples always give ticks")
    }

    /// Base-10 ticks inside `range` (both bounds positive), which stays the
    /// axis's range.
    public static func logarithmic(within range: ClosedRange<Double>, count: Int = 5) -> AxisTicks {
        var ticks = logarithmic(covering: range, count: count)
        guard range.lowerBound.isFinite, range.upperBound.isFinite, range.lowerBound > 0,
              range.upperBound > range.lowerBound * (1 + 1e-12) else { return ticks }
        let lower = range.lowerBound * (1 - 1e-12), upper = range.upperBound * (1 + 1e-12)
        let kept = ticks.values.indices.filter { ticks.values[$0] >= lower && ticks.values[$0] <= upper }
        ticks.values = kept.map { ticks.values[$0] }
        ticks.labels = kept.map { ticks.labels[$0] }
        ticks.lowerBound = range.lowerBound
        ticks.upperBound = range.upperBound
        return ticks
    }

    private static func linear(_ range: ClosedRange<Double>, count: Int, covering: Bool) -> AxisTicks {
        var lower = range.lowerBound, upper = range.upperBound
        guard lower.isFinite, upper.isFinite else { return linear(0...1, count: count, covering: covering) }
        if upper - lower <= 1e-12 * max(abs(lower), abs(upper)) || upper - lower < 1e-280 {
            let pad = max(abs(lower) * 0.1, lower == 0 ? 1 : 1e-280)
            lower -= pad
            upper += pad
        }
        let span = upper - lower
        let intervals = max(count, 1)
        guard span.isFinite, max(abs(lower), abs(upper)) < 1e300 else {
            return AxisTicks(
                lowerBound: lower, upperBound: upper, values: [lower, upper],
                labels: [PlotNumberFormat.significant(lower), PlotNumberFormat.significant(upper)])
        }

        // The smallest step m·10ᵏ, m ∈ {1, 2, 5}, that gives at most `count` intervals.
        let slack = 1e-9
        var exponent = Int((log10(max(span / Double(intervals), 1e-300))).rounded(.down)) - 1
        var mantissaIndex = 0
        var first = 0.0, last = 0.0
        while true {
            let mantissa = [1, 2, 5][mantissaIndex]
            let step = PlotNumberFormat.value(mantissa, exponent: exponent)
            if covering {
                first = (lower / step + slack).rounded(.down)
                last = (upper / step - slack).rounded(.up)
            } else {
                first = (lower / step - slack).rounded(.up)
                last = (upper / step + slack).rounded(.down)
            }
            if last - first <= Double(intervals) { break }
            mantissaIndex += 1
            if mantissaIndex == 3 {
                mantissaIndex = 0
                exponent += 1
            }
        }
        if covering && last == first { last += 1 }
        let mantissa = [1, 2, 5][mantissaIndex]
        let multiples = Array(Int(first)...max(Int(first), Int(last)))
        let integers = multiples.map { $0 * mantissa }
        let values = integers.map { PlotNumberFormat.value($0, exponent: exponent) }
        let decimals = max(0, -exponent)
        let largest = values.map(abs).max() ?? 0
        let labels = integers.map { integer in
            decimals > 6 || largest >= 1e7
                ? PlotNumberFormat.scientific(integer, exponent: exponent)
                : PlotNumberFormat.decimal(integer, exponent: exponent, decimals: decimals)
        }
        return AxisTicks(
            lowerBound: covering ? values[0] : lower,
            upperBound: covering ? values[values.count - 1] : upper,
            values: values, labels: labels)
    }

    /// The largest k with 10ᵏ ≤ value.
    private static func decade(atOrBelow value: Double) -> Int {
        var exponent = Int(log10(value).rounded(.down))
        while PlotNumberFormat.value(1, exponent: exponent) > value * (1 + 1e-12) { exponent -= 1 }
        while PlotNumberFormat.value(1, exponent: exponent + 1) <= value * (1 + 1e-12) { exponent += 1 }
        return exponent
    }

    /// The smallest k with 10ᵏ ≥ value.
    private static func decade(atOrAbove value: Double) -> Int {
        var exponent = Int(log10(value).rounded(.up))
        while PlotNumberFormat.value(1, exponent: exponent) < value * (1 - 1e-12) { exponent += 1 }
        while PlotNumberFormat.value(1, exponent: exponent - 1) >= value * (1 - 1e-12) { exponent -= 1 }
        return exponent
    }

    /// `0.05`, `20`, or `10⁻⁸` / `2×10⁹` outside 10⁻⁴…10⁷.
    private static func logLabel(_ mantissa: Int, exponent: Int) -> String {
        exponent < -4 || exponent >= 7
            ? PlotNumberFormat.scientific(mantissa, exponent: exponent)
            : PlotNumberFormat.decimal(mantissa, exponent: exponent, decimals: max(0, -exponent))
    }
}
