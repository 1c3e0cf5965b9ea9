import Foundation
import Recurrent
import Testing

/// The CSV reader against hand-written files: RFC 4180 quoting, line endings,
/// byte-order mark, blank lines, numbers and the missing-value policies,
/// each checked against the cells and values written out by hand.
@Suite struct CSVTableTests {
    @Test func quotedFieldsHoldCommasLineBreaksAndDoubledQuotes() throws {
        let text = "name,note,value\r\n\"a, b\",\"line 1\nline 2\",1\r\n\"say \"\"hi\"\"\",plain,2\r\n\"\",\"\"\"\",3\r\n"
        let table = try CSVTable(string: text, name: "notes.csv")
        #expect(table.header == ["name", "note", "value"])
        #expect(table.rows == [["a, b", "line 1\nline 2", "1"], ["say \"hi\"", "plain", "2"], ["", "\"", "3"]])
        #expect(table.lines == [2, 4, 5], "the second row starts after the quoted line break")
        #expect(try table.cells(ofColumn: "note") == ["line 1\nline 2", "plain", "\""])
    }

    @Test func lineEndingsByteOrderMarkAndTrailingBlankLinesDoNotMatter() throws {
        let expected = try CSVTable(string: "time,load\n1,2\n3,4", name: "t")
        #expect(expected.header == ["time", "load"] && expected.rows == [["1", "2"], ["3", "4"]])
        for text in [
            "time,load\r\n1,2\r\n3,4\r\n",
            "time,load\r1,2\r3,4\r",
            "\u{FEFF}time,load\n1,2\n3,4\n",
            "time,load\n1,2\n3,4\n\n\r\n  \n",
            "\n\ntime,load\n1,2\n3,4\n",
        ] {
            let table = try CSVTable(string: text, name: "t")
            #expect(table.header == expected.header, "\(text.debugDescription)")
            #expect(table.rows == expected.rows, "\(text.debugDescription)")
        }
        #expect(try CSVTable(string: "\n\ntime,load\n1,2\n", name: "t").lines == [4])
    }

    /// Header names lose surrounding spaces; cells keep theirs until read as
    /// numbers; a quote inside an unquoted field is literal; empty fields
    /// and a trailing comma count as fields.
    @Test func fieldsAreKeptAsWritten() throws {
        let table = try CSVTable(string: "time , load,\tx\n a ,5\",\n,,\n", name: "t")
        #expect(table.header == ["time", "load", "x"])
        #expect(table.rows == [[" a ", "5\"", ""], ["", "", ""]])
    }

    @Test func numbersAreDecimalAndFinite() throws {
        let table = try CSVTable(string: "x\n 1.5 \n-2\n+3e2\n.5\n7.\n-0.25E-1\n", name: "n.csv")
        #expect(try table.numericColumns(["x"]).values == [[1.5, -2, 300, 0.5, 7, -0.025]])
        for cell in ["0x10", "inf", "Infinity", "1,5", "1e", "e3", "--1", "1 2", "N/A", "."] {
            let bad = try CSVTable(string: "x\n1\n\"\(cell)\"\n", name: "n.csv")
            #expect(throws: CSVError(file: "n.csv", line: 3, column: "x", problem: .notANumber(cell: cell))) {
                try bad.numericColumns(["x"])
            }
        }
        let huge = try CSVTable(string: "x\n1e400\n", name: "n.csv")
        #expect(throws: CSVError(file: "n.csv", line: 2, column: "x", problem: .outOfRange(cell: "1e400"))) {
            try huge.numericColumns(["x"])
        }
    }

    /// The columns come back in the order asked, with the time column as
    /// written and each row's source line.
    @Test func numericColumnsByName() throws {
        let table = try CSVTable(string: "time,a,b\n2024-01-01 00:00,1,10\n2024-01-01 01:00,2,20\n", name: "t")
        let columns = try table.numericColumns(["b", "a"], time: "time")
        #expect(columns.names == ["b", "a"] && columns.values == [[10, 20], [1, 2]])
        #expect(columns.times == ["2024-01-01 00:00", "2024-01-01 01:00"] && columns.lines == [2, 3])
        #expect(columns.values(of: "a") == [1, 2] && columns.values(of: "c") == nil)
        #expect(throws: RecurrentError.self) { try table.numericColumns(["a", "a"]) }
    }

    // x: 1, NA, (empty), 7, 9 and y: 10, 20, 30, null, 50 on lines 2–6.
    static let gaps = "t,x,y\n0,1,10\n1,NA,20\n2,,30\n3,7,null\n4,9,50\n"

    @Test func missingValuesAreAnErrorByDefault() throws {
        let table = try CSVTable(string: Self.gaps, name: "gaps.csv")
        #expect(throws: CSVError(file: "gaps.csv", line: 3, column: "x", problem: .missingValue(cell: "NA"))) {
            try table.numericColumns(["x", "y"])
        }
        #expect(throws: CSVError(file: "gaps.csv", line: 5, column: "y", problem: .missingValue(cell: "null"))) {
            try table.numericColumns(["y"], missing: .error)
        }
    }

    @Test func dropKeepsOnlyCompleteRows() throws {
        let columns = try CSVTable(string: Self.gaps, name: "g").numericColumns(["x", "y"], time: "t", missing: .drop)
        #expect(columns.values == [[1, 9], [10, 50]])
        #expect(columns.times == ["0", "4"] && columns.lines == [2, 6])
        let onlyY = try CSVTable(string: Self.gaps, name: "g").numericColumns(["y"], missing: .drop)
        #expect(onlyY.values == [[10, 20, 30, 50]] && onlyY.lines == [2, 3, 4, 6])
    }

    @Test func forwardFillRepeatsTheLastValue() throws {
        let columns = try CSVTable(string: Self.gaps, name: "g").numericColumns(["x", "y"], missing: .forwardFill)
        #expect(columns.values == [[1, 1, 1, 7, 9], [10, 20, 30, 30, 50]])
        let trailing = try CSVTable(string: "x\n4\n5\nnan\n\nNA\n\n", name: "g").numericColumns(["x"], missing: .forwardFill)
        #expect(trailing.values == [[4, 5, 5, 5, 5]], "an inner blank line is a missing cell of a one-column file; the last is ignored")
    }

    @Test func interpolateIsLinearBetweenNeighbours() throws {
        let columns = try CSVTable(string: Self.gaps, name: "g").numericColumns(["x", "y"], missing: .interpolate)
        #expect(columns.values == [[1, 3, 5, 7, 9], [10, 20, 30, 40, 50]])
        let uneven = try CSVTable(string: "x\n0\nNaN\nNaN\n1\n", name: "g").numericColumns(["x"], missing: .interpolate)
        #expect(uneven.values[0].count == 4)
        #expect(abs(uneven.values[0][1] - 1.0 / 3) < 1e-15 && abs(uneven.values[0][2] - 2.0 / 3) < 1e-15)
    }

    /// A gap with no value before it cannot be forward-filled or
    /// interpolated; one with no value after it cannot be interpolated.
    @Test func gapsAtTheEdgesAreErrorsNamingTheColumn() throws {
        let leading = try CSVTable(string: "x,y\n1,NA\n2,3\n", name: "e.csv")
        for policy in [MissingValuePolicy.forwardFill, .interpolate] {
            #expect(throws: CSVError(file: "e.csv", line: 2, column: "y", problem: .leadingGap(policy: policy))) {
                try leading.numericColumns(["x", "y"], missing: policy)
            }
        }
        let trailing = try CSVTable(string: "x\n1\n2\nNA\nNA\n", name: "e.csv")
        #expect(throws: CSVError(file: "e.csv", line: 4, column: "x", problem: .trailingGap(policy: .interpolate))) {
            try trailing.numericColumns(["x"], missing: .interpolate)
        }
        let allMissing = try CSVTable(string: "x,y\n1,NA\nNA,2\n", name: "e.csv")
        #expect(throws: CSVError(file: "e.csv", problem: .everyRowDropped)) {
            try allMissing.numericColumns(["x", "y"], missing: .drop)
        }
    }

    /// Every marker in the documented list is missing, with spaces around
    /// it or not; other words are not.
    @Test func theMissingMarkersAreTheDocumentedList() throws {
        #expect(CSVTable.missingMarkers == ["", "NA", "NaN", "nan", "null"])
        let table = try CSVTable(string: "x\n0\n\"\"\n NA \nNaN\nnan\nnull\n\t\n7\n", name: "m")
        #expect(try table.numericColumns(["x"], missing: .interpolate).values == [[0, 1, 2, 3, 4, 5, 6, 7]])
        let other = try CSVTable(string: "x\n0\nNULL\n", name: "m")
        #expect(throws: CSVError(file: "m", line: 3, column: "x", problem: .notANumber(cell: "NULL"))) {
            try other.numericColumns(["x"], missing: .forwardFill)
        }
    }

    @Test func tablesReadFromFilesAsFromText() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("csv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("series.csv")
        let text = "\u{FEFF}t,x\r\n0,\"1.5\"\r\n1,2.5\r\n"
        try Data(text.utf8).write(to: url)
        let table = try CSVTable(contentsOf: url)
        #expect(table.name == url.path && table.header == ["t", "x"])
        #expect(try table.numericColumns(["x"]).values == [[1.5, 2.5]])
    }
}
