/// The strict JSON reader and the compact JSON writer behind safetensors
/// headers.
///
/// The reader is written for untrusted input: it keeps object members in file
/// order (so callers can see duplicate keys), keeps numbers as their source
/// text (so an integer is read exactly or rejected, never rounded through
/// `Double`), rejects lone surrogates and raw control characters in strings,
/// and refuses to nest deeper than ``maximumDepth`` so a header of a million
/// `[` cannot exhaust the stack. Errors carry the byte offset in the header.
///
/// The writer produces the same bytes as Rust's `serde_json` in compact form,
/// which the Python `safetensors` package uses: no spaces, `"` and `\` escaped,
/// `\b \f \n \r \t` for those controls, `\u00xx` (lower-case hex) for the other
/// controls below U+0020, and everything else, `/` and non-ASCII included, as
/// raw UTF-8.
enum SafetensorsJSON {
    /// A parsed JSON value.
    indirect enum Value {
        /// Members in file order, duplicates kept.
        case object([(key: String, value: Value)])
        case array([Value])
        case string(String)
        /// The number's source text, already checked against JSON's grammar.
        case number(String)
        case bool(Bool)
        case null

        /// The kind of value with an article, for messages ("found an array").
        var kind: String {
            switch self {
            case .object: "an object"
            case .array: "an array"
            case .string: "a string"
            case .number(let text): "the number \(text)"
            case .bool(let value): "\(value)"
            case .null: "null"
            }
        }
    }

    /// A syntax error at a byte offset of the parsed text.
    struct SyntaxError: Error {
        var message: String
        var offset: Int
    }

    /// Objects and arrays may nest this deep; a valid safetensors header needs 3.
    static let maximumDepth = 64

    /// Parses one JSON value surrounded by optional whitespace.
    ///
    /// `bytes` must already be valid UTF-8; the parser copies string contents
    /// through unchanged apart from escapes.
    static func parse(_ bytes: [UInt8]) throws(SyntaxError) -> Value {
        var parser = Parser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.position == bytes.count else {
            throw SyntaxError(message: "unexpected text after the JSON value", offset: parser.position)
        }
        return value
    }

    /// The exact value of an integer's source text if it is a non-negative
    /// integer that fits `Int`: no fraction, no exponent.
    static func nonNegativeInteger(_ text: String) -> Int? {
        guard !text.hasPrefix("-"), text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { return nil }
        return Int(text)
    }

    /// `string` as a JSON string literal, quotes included, byte-for-byte as
    /// `serde_json` writes it.
    static func quoted(_ string: String) -> String {
        var out = [UInt8]()
        out.reserveCapacity(string.utf8.count + 2)
        appendQuoted(string, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `string` as a JSON string literal to `out`.
    static func appendQuoted(_ string: String, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x08: out += [UInt8(ascii: "\\"), UInt8(ascii: "b")]
            case 0x0C: out += [UInt8(ascii: "\\"), UInt8(ascii: "f")]
            case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0..<0x20:
                out += Array("\\u00".utf8)
                out += [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private struct Parser {
        let bytes: [UInt8]
        var position = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func skipWhitespace() {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x09, 0x0A, 0x0D: position += 1
                default: return
                }
            }
        }

        func fail(_ message: String, at offset: Int? = nil) -> SyntaxError {
            SyntaxError(message: message, offset: offset ?? position)
        }

        mutating func parseValue(depth: Int) throws(SyntaxError) -> Value {
            guard position < bytes.count else { throw fail("unexpected end of the header") }
            switch bytes[position] {
            case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
            case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try parseString())
            case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
            case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
            case UInt8(ascii: "n"): try expectLiteral("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
            default: throw fail("unexpected character \(describe(bytes[position]))")
            }
        }

        mutating func parseObject(depth: Int) throws(SyntaxError) -> Value {
            guard depth <= SafetensorsJSON.maximumDepth else {
                throw fail("objects and arrays nested deeper than \(SafetensorsJSON.maximumDepth) levels")
            }
            position += 1
            var members: [(key: String, value: Value)] = []
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
                position += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                    throw fail(position < bytes.count ? "expected a quoted key" : "unexpected end of the header")
                }
                let key = try parseString()
                skipWhitespace()
                try expect(UInt8(ascii: ":"))
                skipWhitespace()
                members.append((key, try parseValue(depth: depth)))
                skipWhitespace()
                guard position < bytes.count else { throw fail("unexpected end of the header") }
                if bytes[position] == UInt8(ascii: ",") {
                    position += 1
                } else if bytes[position] == UInt8(ascii: "}") {
                    position += 1
                    return .object(members)
                } else {
                    throw fail("expected ',' or '}' but found \(describe(bytes[position]))")
                }
            }
        }

        mutating func parseArray(depth: Int) throws(SyntaxError) -> Value {
            guard depth <= SafetensorsJSON.maximumDepth else {
                throw fail("objects and arrays nested deeper than \(SafetensorsJSON.maximumDepth) levels")
            }
            position += 1
            var elements: [Value] = []
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
                position += 1
                return .array(elements)
            }
            while true {
                skipWhitespace()
                elements.append(try parseValue(depth: depth))
                skipWhitespace()
                guard position < bytes.count else { throw fail("unexpected end of the header") }
                if bytes[position] == UInt8(ascii: ",") {
                    position += 1
                } else if bytes[position] == UInt8(ascii: "]") {
                    position += 1
                    return .array(elements)
                } else {
                    throw fail("expected ',' or ']' but found \(describe(bytes[position]))")
                }
            }
        }

        mutating func parseString() throws(SyntaxError) -> String {
            let start = position
            position += 1
            var out = [UInt8]()
            while true {
                guard position < bytes.count else { throw fail("unterminated string", at: start) }
                let byte = bytes[position]
                switch byte {
                case UInt8(ascii: "\""):
                    position += 1
                    return String(decoding: out, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    try parseEscape(into: &out)
                case 0..<0x20:
                    throw fail("raw control character \(describe(byte)) inside a string")
                default:
                    out.append(byte)
                    position += 1
                }
            }
        }

        mutating func parseEscape(into out: inout [UInt8]) throws(SyntaxError) {
            let start = position
            position += 1
            guard position < bytes.count else { throw fail("unterminated string", at: start) }
            let letter = bytes[position]
            position += 1
            switch letter {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(letter)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = UInt32(try parseHex4())
                if (0xD800..<0xDC00).contains(scalar) {
                    guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                        bytes[position + 1] == UInt8(ascii: "u")
                    else { throw fail("lone surrogate in \\u escape", at: start) }
                    position += 2
                    let low = UInt32(try parseHex4())
                    guard (0xDC00..<0xE000).contains(low) else { throw fail("lone surrogate in \\u escape", at: start) }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(scalar) {
                    throw fail("lone surrogate in \\u escape", at: start)
                }
                guard let unicode = Unicode.Scalar(scalar) else { throw fail("invalid \\u escape", at: start) }
                UTF8.encode(unicode) { out.append($0) }
            default:
                throw fail("invalid escape \\\(String(decoding: [letter], as: UTF8.self))", at: start)
            }
        }

        mutating func parseHex4() throws(SyntaxError) -> UInt16 {
            guard position + 4 <= bytes.count else { throw fail("truncated \\u escape") }
            var value: UInt16 = 0
            for byte in bytes[position..<position + 4] {
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw fail("invalid hex digit in \\u escape")
                }
                value = value << 4 | UInt16(digit)
            }
            position += 4
            return value
        }

        /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
        mutating func parseNumber() throws(SyntaxError) -> String {
            let start = position
            if bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard position < bytes.count, isDigit(bytes[position]) else { throw fail("invalid number", at: start) }
            if bytes[position] == UInt8(ascii: "0") {
                position += 1
            } else {
                skipDigits()
            }
            if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
                position += 1
                guard position < bytes.count, isDigit(bytes[position]) else { throw fail("invalid number", at: start) }
                skipDigits()
            }
            if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
                position += 1
                if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                    position += 1
                }
                guard position < bytes.count, isDigit(bytes[position]) else { throw fail("invalid number", at: start) }
                skipDigits()
            }
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }

        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

        mutating func skipDigits() {
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }

        mutating func expect(_ byte: UInt8) throws(SyntaxError) {
            guard position < bytes.count else { throw fail("unexpected end of the header") }
            guard bytes[position] == byte else {
                throw fail("expected '\(String(decoding: [byte], as: UTF8.self))' but found \(describe(bytes[position]))")
            }
            position += 1
        }

        mutating func expectLiteral(_ literal: String) throws(SyntaxError) {
            let expected = Array(literal.utf8)
            guard position + expected.count <= bytes.count, Array(bytes[position..<position + expected.count]) == expected
            else { throw fail("invalid literal, expected \(literal)") }
            position += expected.count
        }

        func describe(_ byte: UInt8) -> String {
            (0x21..<0x7F).contains(byte) ? "'\(String(decoding: [byte], as: UTF8.self))'" : "byte 0x\(String(byte, radix: 16))"
        }
    }
}
