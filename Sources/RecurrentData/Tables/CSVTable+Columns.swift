import Foundation

extension CSVTable {
    /// What one column of a table holds: how many of its cells are numbers,
    /// missing (``CSVTable/missingMarkers``) or text, and the numbers' range.
    public struct ColumnSummary: Sendable, Equatable {
        /// The column's name in the header.
        public var name: String
        /// Cells that read as finite decimal numbers, as ``CSVTable/numericColumns(_:time:missing:)`` reads them.
        public var numbers: Int
        /// Empty cells and missing markers (`NA`, `NaN`, `null`, …).
        public var missing: Int
        /// Every other cell.
        public var text: Int
        /// The smallest and largest number, or nil without numbers.
        public var range: ClosedRange<Double>?

        /// Whether the column reads as numbers: one or more, and no text
        /// (missing cells are then a matter of the missing-value policy).
        public var isNumeric: Bool { numbers > 0 && text == 0 }
    }

    /// Every column's summary, in header order.
    public var columnSummaries: [ColumnSummary] {
        header.enumerated().map { c, name in
            var summary = ColumnSummary(name: name, numbers: 0, missing: 0, text: 0, range: nil)
            for row in rows {
                let cell = CSVTable.trimmed(row[c])
                if CSVTable.missingMarkers.contains(cell) {
                    summary.missing += 1
                } else if CSVTable.isDecimal(cell), let value = Double(cell), value.isFinite {
                    summary.numbers += 1
                    summary.range =
                        summary.range.map { min($0.lowerBound, value)...max($0.upperBound, value) } ?? value...value
                } else {
                    summary.text += 1
                }
            }
            return summary
        }
    }
}
