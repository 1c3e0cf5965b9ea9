import Foundation
import RecurrentCore

/// One axis of a plot: what it measures, in which unit, on which scale and,
/// if fixed, over which range.
///
/// The axis title reads `label (unit)`, so units are always on the page:
///
/// ```swift
/// let loss = PlotAxis("Loss", unit: "MSE", scale: .logarithmic)   // "Loss (MSE)"
/// let time = PlotAxis("Time", unit: "steps")
/// let fixed = PlotAxis("Error", unit: "°C", range: 0...2)
/// ```
///
/// With `range` nil the plot chooses the range from its data (see each plot
/// for how). A fixed range is drawn exactly; data outside it are clipped.
///
/// With `ticks` nil the plot chooses nice ticks; given ticks are drawn
/// instead, at their values with their labels (dates along a time axis,
/// characters along a sequence), where they fall inside the axis's range.
/// On a horizontal axis a label that would overlap the one before it is left
/// out with its tick, so crowded ticks thin themselves rather than collide.
///
/// ```swift
/// let time = PlotAxis("date", ticks: [AxisTick(value: 0, label: "2024-01-01"),
///                                     AxisTick(value: 31, label: "2024-02-01")])
/// ```
public struct PlotAxis: Sendable, Equatable {
    /// What the axis measures (`Epoch`, `Loss`, `Hidden unit`).
    public var label: String
    /// The unit of the values, printed in parentheses after the label; empty
    /// for none.
    public var unit: String
    /// Linear or logarithmic.
    public var scale: AxisScale
    /// A fixed range for the axis, or nil to fit the data. On a logarithmic
    /// axis both bounds must be positive; a range that is not is ignored.
    public var range: ClosedRange<Double>?
    /// Ticks to draw instead of the automatic ones, or nil for automatic
    /// ticks. ``BarChart`` ignores them on its value axis.
    public var ticks: [AxisTick]?

    /// An axis titled `label (unit)`.
    ///
    /// - Parameters:
    ///   - label: What the axis measures.
    ///   - unit: The unit, or empty for a pure number.
    ///   - scale: ``AxisScale/linear`` unless given.
    ///   - range: Fixed bounds, or nil (the default) to fit the data.
    ///   - ticks: Ticks with their own labels, or nil (the default) for nice
    ///     automatic ones.
    public init(
        _ label: String, unit: String = "", scale: AxisScale = .linear, range: ClosedRange<Double>? = nil,
        ticks: [AxisTick]? = nil
    ) {
        self.label = label
        self.unit = unit
        self.scale = scale
        self.range = range
        self.ticks = ticks
    }

    /// The text written along the axis: `label (unit)`, or `label` alone.
    public var title: String {
        unit.isEmpty ? label : label.isEmpty ? "(\(unit))" : "\(label) (\(unit))"
    }

    /// The fixed range if it suits the scale, else nil.
    var usableRange: ClosedRange<Double>? {
        guard let range, range.lowerBound.isFinite, range.upperBound.isFinite else { return nil }
        if scale == .logarithmic && range.lowerBound <= 0 { return nil }
        return range
    }
}

/// One tick of an axis with its own label: a date at a row, a character at
/// a time step.
public struct AxisTick: Sendable, Equatable {
    /// Where the tick stands, in the axis's units (a row index, a column).
    public var value: Double
    /// The text under (or beside) the tick, drawn as given (XML-escaped).
    public var label: String

    /// A tick at `value` labelled `label`.
    ///
    /// - Parameters:
    ///   - value: The position in the axis's units.
    ///   - label: The text to show there.
    public init(value: Double, label: String) {
        self.value = value
        self.label = label
    }
}

/// How values map to distance along an axis.
public enum AxisScale: Sendable, Equatable {
    /// Equal differences, equal distances.
    case linear
    /// Equal ratios, equal distances (base-10 ticks). Values ≤ 0 cannot be
    /// placed and are skipped like NaN.
    case logarithmic
}

/// Maps values along one axis to pixel positions.
struct AxisMapping {
    let lower: Double
    let upper: Double
    let scale: AxisScale
    /// The pixel position of `lower`.
    let start: Double
    /// The pixel position of `upper` (less than `start` for a vertical axis).
    let end: Double

    /// The pixel position of `value`, or nil when it cannot be placed: NaN,
    /// ±∞, or ≤ 0 on a logarithmic axis.
    func position(_ value: Double) -> Double? {
        guard value.isFinite else { return nil }
        let fraction: Double
        switch scale {
        case .linear:
            fraction = (value - lower) / (upper - lower)
        case .logarithmic:
            guard value > 0 else { return nil }
            fraction = (log10(value) - log10(lower)) / (log10(upper) - log10(lower))
        }
        guard fraction.isFinite else { return nil }
        return start + fraction * (end - start)
    }
}

/// The ticks for an axis of `scale` over `data` (the finite values drawn),
/// or over the axis's fixed range when it has one.
func axisTicks(for axis: PlotAxis, data: [Double], count: Int, covering: Bool) -> AxisTicks {
    var ticks = automaticTicks(for: axis, data: data, count: count, covering: covering)
    if let given = axis.ticks {
        let lower = min(ticks.lowerBound, ticks.upperBound), upper = max(ticks.lowerBound, ticks.upperBound)
        let inside = given.filter { $0.value.isFinite && $0.value >= lower && $0.value <= upper }
            .sorted { $0.value < $1.value }
        ticks.values = inside.map(\.value)
        ticks.labels = inside.map(\.label)
    }
    return ticks
}

private func automaticTicks(for axis: PlotAxis, data: [Double], count: Int, covering: Bool) -> AxisTicks {
    if let range = axis.usableRange {
        return axis.scale == .linear ? .linear(within: range, count: count) : .logarithmic(within: range, count: count)
    }
    let usable = axis.scale == .linear ? data.filter(\.isFinite) : data.filter { $0.isFinite && $0 > 0 }
    guard let lower = usable.min(), let upper = usable.max() else {
        return axis.scale == .linear ? .linear(covering: 0...1, count: count) : .logarithmic(covering: 1...10, count: count)
    }
    switch (axis.scale, covering) {
    case (.linear, true): return .linear(covering: lower...upper, count: count)
    case (.linear, false): return .linear(within: lower...upper, count: count)
    case (.logarithmic, true): return .logarithmic(covering: lower...upper, count: count)
    case (.logarithmic, false): return .logarithmic(within: lower...upper, count: count)
    }
}
