import Foundation
import Recurrent
import Testing

/// Every way a CSV file can be unusable, with the exact line a user sees:
/// the file, the line (the header being line 1) and the column where there
/// is one, and nothing that breaks the line.
@Suite struct CSVErrorTests {
    /// The description of the error that `body` throws, or nil.
    private func message(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func fileProblemsNameThePath() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("csv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let absent = folder.appendingPathComponent("absent.csv")
        #expect(message { _ = try CSVTable(contentsOf: absent) } == "\(absent.path): no such file")
        #expect(message { _ = try CSVTable(contentsOf: folder) } == "\(folder.path): is a folder, not a file")
        let empty = folder.appendingPathComponent("empty.csv")
        try Data().write(to: empty)
        #expect(message { _ = try CSVTable(contentsOf: empty) } == "\(empty.path): the file is empty")
    }

    @Test func emptyAndHeaderOnlyTexts() {
        for text in ["", "\u{FEFF}", "\n\r\n  \n"] {
            #expect(message { _ = try CSVTable(string: text, name: "e.csv") } == "e.csv: the file is empty")
        }
        #expect(message { _ = try CSVTable(string: "\ntime,load\n\n", name: "h.csv") }
            == "h.csv:2: the file has a header but no data rows")
    }

    @Test func unknownColumnListsTheColumnsThereAre() throws {
        let table = try CSVTable(string: "time,load,temperature\n1,2,3\n", name: "load.csv")
        #expect(message { _ = try table.numericColumns(["lod"]) }
            == #"load.csv:1: column "lod": no such column in the header; the columns are "time", "load", "temperature""#)
        #expect(message { _ = try table.numericColumns(["load"], time: "date") }?.hasPrefix(#"load.csv:1: column "date": no such column"#) == true)
        let twice = try CSVTable(string: "a,b,a\n1,2,3\n", name: "d.csv")
        #expect(message { _ = try twice.index(ofColumn: "a") } == #"d.csv:1: column "a": the header names this column 2 times"#)
        #expect(try twice.index(ofColumn: "b") == 1)
    }

    @Test func raggedRowsSayExpectedAndFound() {
        #expect(message { _ = try CSVTable(string: "a,b,c\n1,2,3\n4,5\n", name: "r.csv") }
            == "r.csv:3: expected 3 fields, as in the header, found 2")
        #expect(message { _ = try CSVTable(string: "a,b\n1,2,3\n", name: "r.csv") }
            == "r.csv:2: expected 2 fields, as in the header, found 3")
        #expect(message { _ = try CSVTable(string: "a,b\n1,2\n\n3,4\n", name: "r.csv") }
            == "r.csv:3: expected 2 fields, as in the header, found 1 (a blank line?)")
    }

    @Test func quotingErrorsNameTheLine() {
        #expect(message { _ = try CSVTable(string: "a,b\n1,2\n3,\"four\n5,6\n", name: "q.csv") }
            == "q.csv:3: a quoted field opened on this line is never closed")
        #expect(message { _ = try CSVTable(string: "a,b\n1,\"2\"x\n", name: "q.csv") }
            == #"q.csv:2: text after a closing quote; a quote inside a quoted field is written """#)
    }

    /// A non-numeric cell is shown, with its line counted past a quoted
    /// line break, and its own line break escaped.
    @Test func nonNumericCellsAreShown() throws {
        let table = try CSVTable(string: "note,load\n\"two\nlines\",1\nx,\"12,5\"\ny,\"3\n4\"\n", name: "load.csv")
        #expect(message { _ = try table.numericColumns(["load"]) }
            == #"load.csv:4: column "load": cell "12,5" is not a number"#)
        let broken = try CSVTable(string: "load\n1\n\"3\n4\"\n", name: "load.csv")
        #expect(message { _ = try broken.numericColumns(["load"]) }
            == #"load.csv:3: column "load": cell "3\u{a}4" is not a number"#)
        let order = try CSVTable(string: "a,b\n1,x\ny,2\n", name: "o.csv")
        #expect(message { _ = try order.numericColumns(["a", "b"]) } == #"o.csv:2: column "b": cell "x" is not a number"#,
            "the first bad cell in the file, not in the first column")
        let long = try CSVTable(string: "load\n\(String(repeating: "z", count: 60))\n", name: "load.csv")
        #expect(message { _ = try long.numericColumns(["load"]) }
            == "load.csv:2: column \"load\": cell \"\(String(repeating: "z", count: 40))…\" is not a number")
    }

    @Test func missingValuesAndGapsNameLineAndColumn() throws {
        let table = try CSVTable(string: "t,x\n0,1\n1,NA\n2,3\n", name: "m.csv")
        #expect(message { _ = try table.numericColumns(["x"]) }
            == #"m.csv:3: column "x": missing value "NA"; choose a missing-value policy (drop, forward-fill, interpolate) to accept gaps"#)
        let leading = try CSVTable(string: "t,x\n0,\n1,2\n", name: "m.csv")
        #expect(message { _ = try leading.numericColumns(["x"], missing: .forwardFill) }
            == #"m.csv:2: column "x": missing value before the column's first number, which forward-fill cannot fill; drop such rows or trim the file"#)
        let trailing = try CSVTable(string: "t,x\n0,1\n1,null\n", name: "m.csv")
        #expect(message { _ = try trailing.numericColumns(["x"], missing: .interpolate) }
            == #"m.csv:3: column "x": missing value after the column's last number, which interpolate cannot fill; drop such rows or trim the file"#)
    }

    /// Errors compare by value, so callers can match them.
    @Test func errorsAreValues() {
        #expect(throws: CSVError(file: "v.csv", line: 3, problem: .raggedRow(expected: 2, found: 1))) {
            _ = try CSVTable(string: "a,b\n1,2\n3\n", name: "v.csv")
        }
    }
}
