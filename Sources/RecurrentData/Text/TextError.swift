import RecurrentCore
/// A text that cannot be used by a character model: a file that is empty,
/// unreadable or not UTF-8, or a character outside a model's vocabulary.
///
/// Its ``description`` is one line naming the source (a file's path, or a
/// name such as `--prime`), the line and column when one is at fault, and
/// the problem. Lines are counted from 1 and end at each line feed (U+000A);
/// columns are counted from 1 in the vocabulary's symbols — Unicode scalars
/// for a character vocabulary, bytes for a byte vocabulary:
///
/// ```text
/// notes.txt:3:14: character "é" (U+00E9) is not in the model's vocabulary of 64 characters
/// notes.txt:7:2: byte 0xFF at offset 181 is not UTF-8 (a character vocabulary reads UTF-8 text)
/// notes.txt: the file is empty
/// ```
public struct TextError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    public enum Problem: Sendable, Equatable {
        /// The file could not be read.
        case unreadable(reason: String)
        /// The text holds no symbols at all.
        case empty
        /// The bytes at `offset` (counted from 0) do not begin a valid UTF-8 sequence; `byte` is the first of them.
        case notUTF8(byte: UInt8, offset: Int)
        /// A character that the vocabulary, of `vocabularySize` symbols, does not hold.
        case unknownCharacter(Unicode.Scalar, vocabularySize: Int)
    }

    /// The file's path, or another name for the text (such as `--prime`).
    public var source: String
    /// The line at fault, counted from 1, if one is.
    public var line: Int?
    /// The column at fault, counted from 1 in symbols, if one is.
    public var column: Int?
    /// What is wrong.
    public var problem: Problem

    /// An error about `source`, optionally at a line and column.
    public init(source: String, line: Int? = nil, column: Int? = nil, problem: Problem) {
        self.source = source
        self.line = line
        self.column = column
        self.problem = problem
    }

    /// `source:line:column: problem`, on one line.
    public var description: String {
        var place = source
        if let line { place += ":\(line)" }
        if let column { place += ":\(column)" }
        let text: String
        switch problem {
        case .unreadable(let reason):
            text = "cannot be read: \(reason)"
        case .empty:
            text = "the text is empty"
        case .notUTF8(let byte, let offset):
            let hex = String(byte, radix: 16, uppercase: true)
            text =
                "byte 0x\(hex.count < 2 ? "0" + hex : hex) at offset \(offset) is not UTF-8 "
                + "(a character vocabulary reads UTF-8 text; a byte vocabulary reads any bytes)"
        case .unknownCharacter(let scalar, let size):
            text =
                "character \"\(scalar.escaped(asASCII: false))\" (\(TextError.code(scalar))) is not in the model's "
                + "vocabulary of \(size) characters"
        }
        return "\(place): \(text)"
    }

    /// `U+00E9`: a scalar's code point, at least four hex digits.
    static func code(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
