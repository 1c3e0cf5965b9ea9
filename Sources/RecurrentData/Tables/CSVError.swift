import Foundation
import RecurrentCore


/// A CSV file that cannot be read, or a cell that cannot be used.
///
/// Its ``description`` is one line naming the file, the line (1-based, the
/// header being line 1) and the column when they are known, then the problem:
///
/// ```text
/// load.csv:7: column "load": cell "12,5" is not a number
/// load.csv:1: no column "lod" in the header; the columns are "time", "load", "temperature"
/// load.csv:9: expected 3 fields, as in the header, found 2
/// ```
public struct CSVError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    public enum Problem: Sendable, Equatable {
        /// No file at the path.
        case noSuchFile
        /// The path names a folder.
        case isFolder
        /// The file exists but could not be read.
        case unreadable(reason: String)
        /// The file holds nothing but blank lines (or nothing at all).
        case empty
        /// The file holds a header and no data rows.
        case noDataRows
        /// The header has no column of the requested name.
        case unknownColumn(available: [String])
        /// The header has the requested name more than once.
        case ambiguousColumn(count: Int)
        /// A row whose field count differs from the header's.
        case raggedRow(expected: Int, found: Int)
        /// A quoted field that runs to the end of the file.
        case unterminatedQuote
        /// Text between a closing quote and the next comma or line end.
        case textAfterClosingQuote
        /// A selected cell that is neither a number nor a missing-value marker.
        case notANumber(cell: String)
        /// A number too large for a `Double`.
        case outOfRange(cell: String)
        /// A missing cell under ``MissingValuePolicy/error``.
        case missingValue(cell: String)
        /// Missing cells before a column's first value, which forward-fill and
        /// interpolation cannot fill.
        case leadingGap(policy: MissingValuePolicy)
        /// Missing cells after a column's last value, which interpolation
        /// cannot fill.
        case trailingGap(policy: MissingValuePolicy)
        /// Every row has a missing cell in a selected column, so
        /// ``MissingValuePolicy/drop`` left none.
        case everyRowDropped
        /// A sequence cell with no symbols.
        case emptySequence
        /// A label cell that is empty.
        case missingLabel
        /// A symbol (counted from 1 within its sequence) that the model's
        /// alphabet, the symbols of the training part, does not hold.
        case unknownSymbol(symbol: String, position: Int, alphabet: [String])
        /// A label that is not one of the model's classes.
        case unknownLabel(label: String, classes: [String])
        /// A long-form sequence whose label differs from the one on its first row.
        case labelChanges(sequence: String, from: String, firstLine: Int, to: String)
        /// A long-form sequence with two rows at the same step.
        case repeatedStep(sequence: String, step: String, firstLine: Int)
        /// A value more than ``ExtremeValues/deviations`` robust standard
        /// deviations from the training part's median (see ``ExtremeValues``).
        case extremeValue(value: Double, deviations: Double)
        /// A time-column cell that is not an ISO 8601 date or date-time
        /// (see `TimeStamp`), where calendar features need one.
        case notATime(cell: String)
        /// A long-form series' id cell that is empty.
        case emptySeriesID
        /// A long-form series whose rows are not contiguous: its id comes back
        /// after another series' rows (its previous row on `previousLine`).
        case interleavedSeries(series: String, previousLine: Int)
        /// A series' time that repeats, or goes back from, the previous row's
        /// (on `previousLine`); `series` is empty for a time column every series shares.
        case repeatedTime(series: String, cell: String, previousLine: Int)
        /// A series' time that skips steps after the previous row's `previous`,
        /// the series' step being `step`; `series` is empty for a shared time column.
        case skippedTime(series: String, cell: String, previous: String, step: String)
    }

    /// The file's path, or the name given to ``CSVTable/init(string:name:delimiter:)``.
    public var file: String
    /// The line, counted from 1 with the header as line 1, if one is at fault.
    public var line: Int?
    /// The column's name, if one column is at fault.
    public var column: String?
    /// What is wrong.
    public var problem: Problem

    /// An error about `file`, optionally at a line and a column.
    public init(file: String, line: Int? = nil, column: String? = nil, problem: Problem) {
        self.file = file
        self.line = line
        self.column = column
        self.problem = problem
    }

    /// `file:line: column "name": problem`, on one line: line breaks and
    /// other control characters in names and cells are escaped, and long
    /// cells are cut short.
    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        text += ": "
        if let column { text += "column \(Self.quoted(column)): " }
        return text + problemText
    }

    private var problemText: String {
        switch problem {
        case .noSuchFile: "no such file"
        case .isFolder: "is a folder, not a file"
        case .unreadable(let reason): "cannot be read: \(Self.escaped(reason))"
        case .empty: "the file is empty"
        case .noDataRows: "the file has a header but no data rows"
        case .unknownColumn(let available):
            "no such column in the header; the columns are \(available.map(Self.quoted).joined(separator: ", "))"
        case .ambiguousColumn(let count): "the header names this column \(count) times"
        case .raggedRow(let expected, let found):
            "expected \(expected) fields, as in the header, found \(found)\(found == 1 ? " (a blank line?)" : "")"
        case .unterminatedQuote: "a quoted field opened on this line is never closed"
        case .textAfterClosingQuote: "text after a closing quote; a quote inside a quoted field is written \"\""
        case .notANumber(let cell): "cell \(Self.quoted(cell)) is not a number"
        case .outOfRange(let cell): "cell \(Self.quoted(cell)) is too large for a Double"
        case .missingValue(let cell):
            "missing value \(Self.quoted(cell)); choose a missing-value policy (drop, forward-fill, interpolate) to accept gaps"
        case .leadingGap(let policy):
            "missing value before the column's first number, which \(policy.rawValue) cannot fill; drop such rows or trim the file"
        case .trailingGap(let policy):
            "missing value after the column's last number, which \(policy.rawValue) cannot fill; drop such rows or trim the file"
        case .everyRowDropped: "every row has a missing value in the selected columns; none is left after dropping them"
        case .emptySequence: "the sequence is empty"
        case .missingLabel: "the label is missing"
        case .unknownSymbol(let symbol, let position, let alphabet):
            "symbol \(Self.quoted(symbol)) at position \(position) is not in the model's alphabet (the symbols of the "
                + "training part): \(Self.listed(alphabet))"
        case .unknownLabel(let label, let classes):
            "label \(Self.quoted(label)) is not one of the model's classes: \(Self.listed(classes))"
        case .labelChanges(let sequence, let from, let firstLine, let to):
            "the label of sequence \(Self.quoted(sequence)) changes from \(Self.quoted(from)) (line \(firstLine)) "
                + "to \(Self.quoted(to)); a sequence has one label"
        case .repeatedStep(let sequence, let step, let firstLine):
            "sequence \(Self.quoted(sequence)) has step \(Self.quoted(step)) twice (first on line \(firstLine))"
        case .extremeValue(let value, let deviations):
            "value \(value) lies \(String(format: "%.2g", deviations)) robust standard deviations (1.4826 × MAD) from "
                + "the column's median, more than \(String(format: "%.0g", ExtremeValues.deviations)): a placeholder or a unit error?"
        case .notATime(let cell):
            "cell \(Self.quoted(cell)) is not an ISO 8601 date or date-time (such as 2024-02-29 or 2024-02-29T13:00:00+01:00), "
                + "which calendar features need"
        case .emptySeriesID: "the series id is empty; every row of a long-form file names its series"
        case .interleavedSeries(let series, let previousLine):
            "series \(Self.quoted(series)) comes back after other series' rows (its previous row is line \(previousLine)); "
                + "a long-form file keeps each series' rows together, in time order"
        case .repeatedTime(let series, let cell, let previousLine):
            (series.isEmpty ? "" : "series \(Self.quoted(series)): ")
                + "time \(Self.quoted(cell)) repeats or goes back from line \(previousLine)'s; "
                + "each series' rows must be in time order, one per step"
        case .skippedTime(let series, let cell, let previous, let step):
            (series.isEmpty ? "" : "series \(Self.quoted(series)): ")
                + "time \(Self.quoted(cell)) skips steps after \(Self.quoted(previous)) "
                + "(the series' step is \(step)); fill the missing rows (empty cells and a missing-value policy) or cut the series"
        }
    }

    /// Up to 20 names, quoted and separated by commas.
    private static func listed(_ names: [String]) -> String {
        names.prefix(20).map(quoted).joined(separator: ", ") + (names.count > 20 ? ", … (\(names.count) in all)" : "")
    }

    private static func quoted(_ text: String) -> String {
        let shown = text.count > 40 ? String(text.prefix(40)) + "…" : text
        return "\"\(escaped(shown))\""
    }

    private static func escaped(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control, .lineSeparator, .paragraphSeparator:
                result += "\\u{\(String(scalar.value, radix: 16))}"
            default:
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
