import Foundation
import RecurrentCore

// CSV files as RFC 4180 describes them, read into a table of strings, and
// numeric columns taken from such a table under a missing-value policy.
// Lines are counted from 1, the header's first line being line 1; a record
// whose quoted field holds line breaks is named by the line it starts on.


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
    /// The file's path, or the name given to ``init(string:name:delimiter:)``, used in errors.
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
    ///   `RecurrentError/invalidArgument(name:value:reason:)` for a bad delimiter.
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
    ///   `RecurrentError/invalidArgument(name:value:reason:)` when a name
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
