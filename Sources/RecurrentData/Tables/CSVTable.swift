import Foundation
import RecurrentCore

// CSV files as RFC 4180 describes them, read into a table of strings, and
// numeric columns taken from such a table under a missing-value policy.
// Lines are counted from 1, the header's first line being line 1; a record
// whose quoted field holds line breaks is named by the line it starts on.

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
    }

    /// The file's path, or the name given to ``CSVTable/init(string:name:)``.
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

/// A CSV file's header and rows, as strings: the first stage of reading a
/// series from a file.
///
/// The format is RFC 4180's, read leniently where that is safe: fields are
/// separated by commas (or another delimiter, such as a tab) and records end
/// with CRLF, LF or a lone CR; a field in double quotes may hold commas,
/// line breaks and quotes written twice (`"say ""hi"""`). A UTF-8 byte-order mark at the start is skipped; blank
/// lines before the header and at the end of the file are ignored, a final
/// line break is optional, and a quote inside an unquoted field is kept as
/// it is. A blank line between rows is a row of one empty field: a missing
/// value in a one-column file, a ragged row otherwise. The first record is
/// the header; its names are trimmed of spaces and tabs. Every row must have
/// as many fields as the header. Bytes that are not valid UTF-8 are replaced
/// with U+FFFD.
///
/// ```swift
/// let table = try CSVTable(contentsOf: URL(fileURLWithPath: "load.csv"))
/// let series = try table.numericColumns(["load", "temperature"], time: "time", missing: .interpolate)
/// print(series.rowCount, series.values(of: "load")!.prefix(3))
/// ```
public struct CSVTable: Sendable, Equatable {
    /// The file's path, or the name given to ``init(string:name:)``, used in errors.
    public let name: String
    /// The header's column names, trimmed of spaces and tabs.
    public let header: [String]
    /// The data rows, each with one string per column, unquoted and unescaped.
    public let rows: [[String]]
    /// The line on which each data row starts.
    public let lines: [Int]
    /// The line on which the header starts: 1 unless blank lines precede it.
    public let headerLine: Int

    /// The cell texts, after trimming spaces and tabs, that mean "missing":
    /// empty, `NA`, `NaN`, `nan` and `null`.
    public static let missingMarkers: Set<String> = ["", "NA", "NaN", "nan", "null"]

    /// Reads the CSV file at `url`.
    ///
    /// - Parameters:
    ///   - url: A file URL; errors name the file by its path.
    ///   - delimiter: The field separator: `,` (the default) or, for a
    ///     tab-separated file, `\t`; any ASCII character but a quote, CR or LF.
    /// - Throws: ``CSVError`` when the file is missing, unreadable, empty,
    ///   has no data rows, has a row of the wrong length or an unclosed quote;
    ///   ``RecurrentError/invalidArgument(name:value:reason:)`` for a bad delimiter.
    public init(contentsOf url: URL, delimiter: Unicode.Scalar = ",") throws {
        let separator = try CSVParser.separator(delimiter)
        let name = url.displayName
        var isFolder: ObjCBool = false
        if url.isFileURL {
            guard FileManager.default.fileExists(atPath: name, isDirectory: &isFolder) else {
                throw CSVError(file: name, problem: .noSuchFile)
            }
            guard !isFolder.boolValue else { throw CSVError(file: name, problem: .isFolder) }
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw CSVError(file: name, problem: .unreadable(reason: error.localizedDescription))
        }
        try self.init(bytes: [UInt8](data), name: name, separator: separator)
    }

    /// Parses CSV text.
    ///
    /// - Parameters:
    ///   - string: The whole file's text.
    ///   - name: What to call the text in errors.
    ///   - delimiter: The field separator, as for ``init(contentsOf:delimiter:)``.
    /// - Throws: ``CSVError`` as ``init(contentsOf:delimiter:)``, except for the file errors.
    public init(string: String, name: String = "<string>", delimiter: Unicode.Scalar = ",") throws {
        try self.init(bytes: Array(string.utf8), name: name, separator: try CSVParser.separator(delimiter))
    }

    init(bytes: [UInt8], name: String, separator: UInt8 = UInt8(ascii: ",")) throws {
        var records = try CSVParser.records(in: bytes, file: name, separator: separator)
        while records.last?.isBlank == true { records.removeLast() }
        while records.first?.isBlank == true { records.removeFirst() }
        guard let head = records.first else { throw CSVError(file: name, problem: .empty) }
        guard records.count > 1 else { throw CSVError(file: name, line: head.line, problem: .noDataRows) }
        for record in records.dropFirst() where record.fields.count != head.fields.count {
            throw CSVError(
                file: name, line: record.line,
                problem: .raggedRow(expected: head.fields.count, found: record.fields.count))
        }
        self.name = name
        self.header = head.fields.map(CSVTable.trimmed)
        self.rows = records.dropFirst().map(\.fields)
        self.lines = records.dropFirst().map(\.line)
        self.headerLine = head.line
    }

    /// The number of data rows.
    public var rowCount: Int { rows.count }

    /// The position of the column called `column` in the header.
    ///
    /// - Throws: ``CSVError`` on the header's line when no column, or more
    ///   than one, has that name; the first lists the columns there are.
    public func index(ofColumn column: String) throws -> Int {
        let matches = header.indices.filter { header[$0] == column }
        guard matches.count == 1 else {
            let problem: CSVError.Problem =
                matches.isEmpty ? .unknownColumn(available: header) : .ambiguousColumn(count: matches.count)
            throw CSVError(file: name, line: headerLine, column: column, problem: problem)
        }
        return matches[0]
    }

    /// The cells of the column called `column`, one per row, as written.
    ///
    /// - Throws: ``CSVError`` as ``index(ofColumn:)``.
    public func cells(ofColumn column: String) throws -> [String] {
        let c = try index(ofColumn: column)
        return rows.map { $0[c] }
    }

    /// Numeric columns by name, with missing cells handled by `missing`.
    ///
    /// A cell is read as a decimal number, optionally signed, with an
    /// optional fraction and exponent (`-12`, `3.5`, `.5`, `1e-3`), after
    /// spaces and tabs around it are removed; hexadecimal, infinities and
    /// thousands separators are not numbers. A cell in ``missingMarkers``
    /// is missing. The time column is kept as written, missing or not.
    ///
    /// - Parameters:
    ///   - columns: The names of the columns to read, each once.
    ///   - time: A column to keep as strings beside the numbers, such as
    ///     time stamps for output; nil for none.
    ///   - missing: What to do with missing cells; see ``MissingValuePolicy``.
    /// - Returns: The columns in the order asked, with the rows the policy
    ///   keeps.
    /// - Throws: ``CSVError`` naming the file, line and column of a cell
    ///   that is not a number, of a missing cell the policy does not accept,
    ///   or the header line for a column that is not there;
    ///   ``RecurrentError/invalidArgument(name:value:reason:)`` when a name
    ///   is asked for twice.
    public func numericColumns(
        _ columns: [String], time: String? = nil, missing: MissingValuePolicy = .error
    ) throws -> NumericColumns {
        if let twice = columns.enumerated().first(where: { columns[..<$0.offset].contains($0.element) }) {
            throw RecurrentError.invalidArgument(name: "columns", value: "\"\(twice.element)\"", reason: "named twice")
        }
        let indices = try columns.map { try index(ofColumn: $0) }
        let timeIndex = try time.map { try index(ofColumn: $0) }
        // values[c][r], nil where the cell is missing; read row by row, so the
        // first bad cell reported is the first in the file.
        var values = [[Double?]](repeating: [], count: columns.count)
        for c in values.indices { values[c].reserveCapacity(rows.count) }
        for r in rows.indices {
            for (c, column) in indices.enumerated() {
                values[c].append(try number(rows[r][column], row: r, column: columns[c]))
            }
        }
        var kept = Array(rows.indices)
        switch missing {
        case .error:
            if let r = rows.indices.first(where: { r in values.contains { $0[r] == nil } }) {
                let c = values.indices.first { values[$0][r] == nil }!
                throw CSVError(
                    file: name, line: lines[r], column: columns[c],
                    problem: .missingValue(cell: CSVTable.trimmed(rows[r][indices[c]])))
            }
        case .drop:
            kept = rows.indices.filter { r in values.allSatisfy { $0[r] != nil } }
            guard !kept.isEmpty else { throw CSVError(file: name, problem: .everyRowDropped) }
        case .forwardFill, .interpolate:
            for c in values.indices {
                values[c] = try filled(values[c], policy: missing, column: columns[c]).map { $0 }
            }
        }
        return NumericColumns(
            unchecked: columns, values: values.map { column in kept.map { column[$0]! } },
            times: timeIndex.map { t in kept.map { rows[$0][t] } }, lines: kept.map { lines[$0] }, source: name)
    }

    private func number(_ cell: String, row: Int, column: String) throws -> Double? {
        let text = CSVTable.trimmed(cell)
        if CSVTable.missingMarkers.contains(text) { return nil }
        guard CSVTable.isDecimal(text), let value = Double(text) else {
            throw CSVError(file: name, line: lines[row], column: column, problem: .notANumber(cell: text))
        }
        guard value.isFinite else {
            throw CSVError(file: name, line: lines[row], column: column, problem: .outOfRange(cell: text))
        }
        return value
    }

    /// A column with its gaps filled by forward-fill or linear interpolation.
    private func filled(_ column: [Double?], policy: MissingValuePolicy, column name: String) throws -> [Double] {
        guard column[0] != nil else {
            throw CSVError(file: self.name, line: lines[0], column: name, problem: .leadingGap(policy: policy))
        }
        var result = column.map { $0 ?? 0 }
        var last = 0  // the row of the latest value seen
        for r in 1..<column.count {
            guard let value = column[r] else { continue }
            if r - last > 1 {
                let (a, b) = (result[last], value)
                for k in (last + 1)..<r {
                    switch policy {
                    case .interpolate: result[k] = a + (b - a) * Double(k - last) / Double(r - last)
                    default: result[k] = a
                    }
                }
            }
            last = r
        }
        if last < column.count - 1 {
            guard policy == .forwardFill else {
                throw CSVError(
                    file: self.name, line: lines[last + 1], column: name, problem: .trailingGap(policy: policy))
            }
            for k in (last + 1)..<column.count { result[k] = result[last] }
        }
        return result
    }

    static func trimmed(_ text: String) -> String {
        var scalars = Substring(text).unicodeScalars
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }

    /// `[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?`
    static func isDecimal(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        var i = 0
        func digits() -> Int {
            let start = i
            while i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") { i += 1 }
            return i - start
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
        var mantissa = digits()
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            mantissa += digits()
        }
        guard mantissa > 0 else { return false }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { return false }
        }
        return i == bytes.count
    }
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
    ///     every value finite.
    ///   - times: Optional labels, one per row.
    ///   - source: A name for the data in messages.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` naming
    ///   what does not fit.
    public init(names: [String], values: [[Double]], times: [String]? = nil, source: String = "<memory>") throws {
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
}

/// One record of a CSV file: its fields and the line it starts on.
struct CSVRecord {
    var fields: [String]
    var line: Int
    /// Nothing but spaces and tabs, and no quotes: a blank line.
    var isBlank: Bool
}

/// RFC 4180 records from UTF-8 bytes.
enum CSVParser {
    private static let quote = UInt8(ascii: "\""), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")

    /// `delimiter` as a byte, checked to be ASCII and not a quote, CR or LF.
    static func separator(_ delimiter: Unicode.Scalar) throws -> UInt8 {
        guard delimiter.isASCII, ![quote, cr, lf].contains(UInt8(delimiter.value)) else {
            throw RecurrentError.invalidArgument(
                name: "delimiter", value: "U+\(String(delimiter.value, radix: 16, uppercase: true))",
                reason: "must be an ASCII character other than a double quote, CR or LF")
        }
        return UInt8(delimiter.value)
    }

    static func records(in bytes: [UInt8], file: String, separator comma: UInt8 = UInt8(ascii: ",")) throws
        -> [CSVRecord]
    {
        var records: [CSVRecord] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var line = 1
        var recordLine = 1
        var atFieldStart = true
        var sawQuote = false
        var recordStarted = false

        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
        }
        func endRecord() {
            endField()
            let blank = !sawQuote && fields.count == 1 && CSVTable.trimmed(fields[0]).isEmpty
            records.append(CSVRecord(fields: fields, line: recordLine, isBlank: blank))
            fields.removeAll()
            sawQuote = false
            recordStarted = false
        }

        while i < bytes.count {
            let byte = bytes[i]
            recordStarted = true
            if atFieldStart && byte == quote {
                let openedOn = line
                sawQuote = true
                i += 1
                var closed = false
                while i < bytes.count {
                    let c = bytes[i]
                    if c == quote {
                        if i + 1 < bytes.count, bytes[i + 1] == quote {
                            field.append(quote)
                            i += 2
                            continue
                        }
                        i += 1
                        closed = true
                        break
                    }
                    // CRLF counts once, at its LF; a lone CR counts too.
                    if c == lf || (c == cr && !(i + 1 < bytes.count && bytes[i + 1] == lf)) { line += 1 }
                    field.append(c)
                    i += 1
                }
                guard closed else { throw CSVError(file: file, line: openedOn, problem: .unterminatedQuote) }
                if i < bytes.count, bytes[i] != comma, bytes[i] != cr, bytes[i] != lf {
                    throw CSVError(file: file, line: line, problem: .textAfterClosingQuote)
                }
                atFieldStart = false
                continue
            }
            switch byte {
            case comma:
                endField()
                atFieldStart = true
                i += 1
            case cr, lf:
                endRecord()
                i += (byte == cr && i + 1 < bytes.count && bytes[i + 1] == lf) ? 2 : 1
                line += 1
                recordLine = line
                atFieldStart = true
            default:
                field.append(byte)
                atFieldStart = false
                i += 1
            }
        }
        if recordStarted { endRecord() }
        return records
    }
}
