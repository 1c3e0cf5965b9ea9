import RecurrentCore

/// A labelled horizontal line across a ``BarChart`` at one value: a
/// baseline's error (persistence, the majority class), which the bars are
/// read against.
///
/// ```swift
/// let persistence = ReferenceLine(value: 0.184, label: "persistence, validation: 0.184", series: 0)
/// ```
public struct ReferenceLine: Sendable, Equatable {
    /// Where the line stands, in the value axis's units. A value that is not
    /// finite, or that the axis cannot place, draws nothing.
    public var value: Double
    /// The text beside the line; empty for none.
    public var label: String
    /// The index of the series whose colour the line takes, or nil for dark grey.
    public var series: Int?

    /// A reference line at `value`.
    ///
    /// - Parameters:
    ///   - value: The value it marks.
    ///   - label: The text beside it.
    ///   - series: The series whose colour it takes; nil (the default) for dark grey.
    public init(value: Double, label: String, series: Int? = nil) {
        self.value = value
        self.label = label
        self.series = series
    }
}
