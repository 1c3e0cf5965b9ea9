import RecurrentCore

// Many series read from one CSV file: long form (an id column, each series'
// rows together and in time order) or wide form (one column per series,
// sharing the time column).

/// One series of a many-series file: its id and its columns.
public struct NamedSeries: Sendable, Equatable {
    /// The series' id: the id column's value (long form) or the column's name (wide form).
    public let id: String
    /// The series' rows, with their source lines and times.
    public let columns: NumericColumns

    /// A series called `id`.
    public init(id: String, columns: NumericColumns) {
        self.id = id
        self.columns = columns
    }
}

extension CSVTable {
    /// The series of a long-form file: rows grouped by the id column, each
    /// group a series in file order.
    ///
    /// Each series' rows must be contiguous (a series does not come back
    /// after another's rows) and, when `time` is given and every one of the
    /// series' cells is an ISO 8601 time or a number, one per step in time
    /// order: no time repeated or going back, none skipped (see
    /// ``checkRegularTimes(_:series:lines:column:file:)``).
    ///
    /// - Parameters:
    ///   - idColumn: The column naming each row's series.
    ///   - columns: The numeric columns to read, each once.
    ///   - time: A time column kept as strings, or nil.
    ///   - missing: What to do with missing cells, within each series.
    /// - Returns: The series in order of first appearance, at least one.
    /// - Throws: ``CSVError`` naming the line and column: an unknown
    ///   column, an empty id (``CSVError/Problem/emptySeriesID``), a series
    ///   that comes back (``CSVError/Problem/interleavedSeries(series:previousLine:)``),
    ///   a repeated or skipped time, a cell that is not a number.
    public func longFormSeries(
        idColumn: String, columns: [String], time: String? = nil, missing: MissingValuePolicy = .error
    ) throws -> [NamedSeries] {
        let idIndex = try index(ofColumn: idColumn)
        if let clash = (columns + (time.map { [$0] } ?? [])).first(where: { $0 == idColumn }) {
            throw RecurrentError.invalidArgument(
                name: "id column", value: "\"\(clash)\"", reason: "is also a feature, target or the time column")
        }
        var groups: [(id: String, rows: Range<Int>)] = []
        var seen: [String: Int] = [:]  // id → its last row
        for (r, row) in rows.enumerated() {
            let id = CSVTable.trimmed(row[idIndex])
            guard !id.isEmpty else { throw CSVError(file: name, line: lines[r], column: idColumn, problem: .emptySeriesID) }
            if let last = groups.last, last.id == id {
                groups[groups.count - 1].rows = last.rows.lowerBound..<(r + 1)
            } else if let previous = seen[id] {
                throw CSVError(
                    file: name, line: lines[r], column: idColumn,
                    problem: .interleavedSeries(series: id, previousLine: lines[previous]))
            } else {
                groups.append((id, r..<(r + 1)))
            }
            seen[id] = r
        }
        return try groups.map { group in
            let part = CSVTable(slicing: self, rows: group.rows)
            if let time {
                let t = try index(ofColumn: time)
                try CSVTable.checkRegularTimes(
                    group.rows.map { rows[$0][t] }, series: group.id, lines: Array(lines[group.rows]), column: time,
                    file: name)
            }
            return NamedSeries(id: group.id, columns: try part.numericColumns(columns, time: time, missing: missing))
        }
    }

    /// The series of a wide file: each named column one series, called by
    /// its name, read as a single column called `value` with the shared time column.
    ///
    /// - Parameters:
    ///   - seriesColumns: The columns, each once, at least one.
    ///   - time: A time column kept as strings, or nil; checked as in
    ///     ``longFormSeries(idColumn:columns:time:missing:)``.
    ///   - missing: What to do with missing cells, within each column.
    /// - Throws: ``CSVError`` for an unknown column or a bad cell;
    ///   `RecurrentError` for a column named twice or none.
    public func wideSeries(
        _ seriesColumns: [String], time: String? = nil, missing: MissingValuePolicy = .error
    ) throws -> [NamedSeries] {
        guard !seriesColumns.isEmpty else {
            throw RecurrentError.invalidArgument(name: "series columns", value: "[]", reason: "need at least one column")
        }
        if let twice = seriesColumns.enumerated().first(where: { seriesColumns[..<$0.offset].contains($0.element) }) {
            throw RecurrentError.invalidArgument(name: "series columns", value: "\"\(twice.element)\"", reason: "named twice")
        }
        if let time {
            let t = try index(ofColumn: time)
            try CSVTable.checkRegularTimes(rows.map { $0[t] }, series: "", lines: lines, column: time, file: name)
        }
        return try seriesColumns.map { column in
            let read = try numericColumns([column], time: time, missing: missing)
            return NamedSeries(
                id: column,
                columns: NumericColumns(
                    unchecked: ["value"], values: read.values, times: read.times, lines: read.lines, source: read.source))
        }
    }

    /// Throws unless a series' times are one per step, in order.
    ///
    /// The cells are read as ISO 8601 times (`TimeStamp`) or as numbers;
    /// when any cell is neither, nothing is checked. The step is the
    /// smallest positive gap — in calendar months when it is 28 days or
    /// more, so months of different lengths are one step each — and every
    /// gap must be exactly one step.
    ///
    /// - Parameters:
    ///   - cells: The series' time cells, in row order.
    ///   - series: The series' id, for messages; empty for a time column every series shares.
    ///   - lines: Each cell's line in the file.
    ///   - column: The time column's name.
    ///   - file: The file's name.
    /// - Throws: ``CSVError/Problem/repeatedTime(series:cell:previousLine:)``
    ///   or ``CSVError/Problem/skippedTime(series:cell:previous:step:)`` at the first bad row.
    public static func checkRegularTimes(
        _ cells: [String], series: String, lines: [Int], column: String, file: String
    ) throws {
        let cells = cells.map(trimmed)
        guard cells.count >= 2 else { return }
        let positions: [Int64]
        var unit = ""
        if let stamps = Optional(cells.compactMap { TimeStamp(iso8601: $0) }), stamps.count == cells.count {
            let seconds = stamps.map(\.secondsSinceEpoch)
            let least = zip(seconds.dropFirst(), seconds).map { $0 - $1 }.filter { $0 > 0 }.min() ?? 1
            if least >= 28 * 86400 {
                positions = stamps.map { Int64($0.local.year * 12 + $0.local.month - 1) }
                unit = " month(s)"
            } else {
                positions = seconds
                unit = " s"
            }
        } else if let numbers = Optional(cells.compactMap { isDecimal($0) ? Double($0) : nil }), numbers.count == cells.count {
            // Numbers as multiples of their smallest positive gap, so that 0.1 steps compare exactly.
            let least = zip(numbers.dropFirst(), numbers).map { $0 - $1 }.filter { $0 > 0 }.min() ?? 1
            guard least > 0, least.isFinite else { return }
            positions = numbers.map { Int64(($0 / least).rounded()) }
            unit = least == least.rounded() && abs(least) < 1e15 ? " × \(Int64(least))" : " × \(least)"
        } else {
            return
        }
        let gaps = zip(positions.dropFirst(), positions).map { $0 - $1 }
        let step = gaps.filter { $0 > 0 }.min() ?? 1
        for (i, gap) in gaps.enumerated() {
            let r = i + 1
            if gap <= 0 {
                throw CSVError(
                    file: file, line: lines[r], column: column,
                    problem: .repeatedTime(series: series, cell: cells[r], previousLine: lines[r - 1]))
            }
            if gap != step {
                let stepText = unit.hasPrefix(" × ") ? String(unit.dropFirst(3)) : "\(step)\(unit)"
                throw CSVError(
                    file: file, line: lines[r], column: column,
                    problem: .skippedTime(series: series, cell: cells[r], previous: cells[r - 1], step: stepText))
            }
        }
    }

    /// The rows `rows` of `table`, with their lines, under the same header.
    init(slicing table: CSVTable, rows: Range<Int>) {
        self.name = table.name
        self.header = table.header
        self.rows = Array(table.rows[rows])
        self.lines = Array(table.lines[rows])
        self.headerLine = table.headerLine
    }
}
