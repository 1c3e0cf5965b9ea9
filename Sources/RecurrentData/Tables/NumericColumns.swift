import Foundation
import RecurrentCore

// Numeric columns taken from a CSV table, and what to do with its missing cells.


/// What to do with a missing cell in a numeric column.
///
/// A cell is missing when, with spaces and tabs around it removed, it is one
/// of ``CSVTable/missingMarkers``: empty, `NA`, `NaN`, `nan` or `null`.
/// The raw values name the policies on a command line.
public enum MissingValuePolicy: String, Sendable, Codable, CaseIterable {
    /// Stop at the first missing cell with a ``CSVError`` naming its line and
    /// column. The default.
    case error
    /// Drop every row with a missing cell in any selected column. The rows
    /// left are treated as consecutive steps.
    case drop
    /// Repeat the column's last value before the gap. A gap at the start of
    /// a column is an error naming the column.
    case forwardFill = "forward-fill"
    /// Fill a gap linearly between the values on either side of it, by row
    /// position (the time column is not read, so uneven time steps are not
    /// taken into account). A gap at the start or the end of a column is an
    /// error naming the column.
    case interpolate
}


/// Numeric columns of equal length, one value per row: a series ready for
/// windowing, read from a CSV file by ``CSVTable/numericColumns(_:time:missing:)``
/// or built from values in memory.
public struct NumericColumns: Sendable, Equatable {
    /// The columns' names, each once.
    public let names: [String]
    /// `values[c][r]`: column c at row r, every value finite.
    public let values: [[Double]]
    /// The time column's cells, one per row, if one was asked for.
    public let times: [String]?
    /// The line of the source file each row came from (row + 2 for columns
    /// built in memory, as if under a one-line header).
    public let lines: [Int]
    /// The file the rows came from, or a name for columns built in memory.
    public let source: String

    /// Columns built in memory, such as a generated series.
    ///
    /// - Parameters:
    ///   - names: One distinct name per column.
    ///   - values: `values[c][r]`, every column of the same length ≥ 1,
    ///     every value finite: `Double`, or the `Float` of a generated series.
    ///   - times: Optional labels, one per row.
    ///   - source: A name for the data in messages.
    /// - Throws: `RecurrentError/invalidArgument(name:value:reason:)` naming
    ///   what does not fit.
    public init<Value: BinaryFloatingPoint>(
        names: [String], values: [[Value]], times: [String]? = nil, source: String = "<memory>"
    ) throws {
        let values = values.map { column in column.map { Double($0) } }
        guard !names.isEmpty, names.count == values.count else {
            throw RecurrentError.invalidArgument(
                name: "names", value: "\(names)", reason: "need at least one, and one per column (\(values.count))")
        }
        if let twice = names.enumerated().first(where: { names[..<$0.offset].contains($0.element) }) {
            throw RecurrentError.invalidArgument(name: "names", value: "\"\(twice.element)\"", reason: "named twice")
        }
        let rows = values[0].count
        for (c, column) in values.enumerated() {
            guard column.count == rows, rows > 0 else {
                throw RecurrentError.invalidArgument(
                    name: "column \"\(names[c])\"", value: "of \(column.count) rows",
                    reason: "every column needs the same number of rows, at least 1 (\(rows))")
            }
            if let r = column.firstIndex(where: { !$0.isFinite }) {
                throw RecurrentError.invalidArgument(
                    name: "column \"\(names[c])\"", value: "\(column[r]) at row \(r)", reason: "values must be finite")
            }
        }
        if let times, times.count != rows {
            throw RecurrentError.invalidArgument(
                name: "times", value: "of \(times.count) rows", reason: "need one per row (\(rows))")
        }
        self.init(unchecked: names, values: values, times: times, lines: (0..<rows).map { $0 + 2 }, source: source)
    }

    init(unchecked names: [String], values: [[Double]], times: [String]?, lines: [Int], source: String) {
        self.names = names
        self.values = values
        self.times = times
        self.lines = lines
        self.source = source
    }

    /// The number of rows.
    public var rowCount: Int { values.first?.count ?? 0 }

    /// The column called `name`, or nil if there is none.
    public func values(of name: String) -> [Double]? {
        names.firstIndex(of: name).map { values[$0] }
    }

    /// The first `count` rows: the history known at row `count − 1`, with
    /// their times and source lines.
    ///
    /// - Parameter count: 1 … ``rowCount`` (clamped to that range).
    public func prefix(rows count: Int) -> NumericColumns {
        let m = min(max(count, 1), rowCount)
        return NumericColumns(
            unchecked: names, values: values.map { Array($0[..<m]) }, times: times.map { Array($0[..<m]) },
            lines: Array(lines[..<m]), source: source)
    }
}
