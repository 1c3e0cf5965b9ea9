import Foundation
import RecurrentCore

// RFC 4180 records from UTF-8 bytes: the reader under CSVTable.


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
