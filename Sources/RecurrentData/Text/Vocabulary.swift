import Foundation
import RecurrentCore

// Letters: V symbols in the vocabulary, n symbols in a text.

/// The symbols of a character- or byte-level language model, and the map
/// between them and token ids 0..<V.
///
/// - A **character** vocabulary (``Kind/characters``) holds the distinct
///   Unicode scalars of a training text, sorted by code point: id i is the
///   i-th smallest. It reads UTF-8 text only, and a character outside it is
///   an error (``TextError/Problem/unknownCharacter(_:vocabularySize:)``)
///   naming the line, column and code point — a model has no vector for it.
/// - A **byte** vocabulary (``Kind/bytes``) holds all 256 bytes, id = byte
///   value. It reads any file and has no unknown symbols; what it generates
///   is bytes, not necessarily valid UTF-8.
///
/// A symbol is a `UInt32`: a Unicode scalar's value, or a byte's.
///
/// ```swift
/// let vocabulary = try Vocabulary(characters: "hello".unicodeScalars)   // e h l o
/// let ids = try vocabulary.encode("hole", source: "example")            // [1, 3, 2, 0]
/// let text = String(decoding: vocabulary.decode(ids), as: UTF8.self)    // "hole"
/// ```
///
/// As `Codable` (stored in a model file's metadata) it is
/// `{"kind":"char","symbols":"\nehlo"}` — the symbols as one string — or
/// `{"kind":"byte"}`.
public struct Vocabulary: Sendable, Equatable, Codable, CustomStringConvertible {
    /// What a symbol is.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// A Unicode scalar of UTF-8 text.
        case characters = "char"
        /// One of the 256 bytes.
        case bytes = "byte"
    }

    /// Characters or bytes.
    public let kind: Kind
    /// The symbols in id order: id i stands for `symbols[i]`. Ascending
    /// scalar values for characters; 0…255 for bytes.
    public let symbols: [UInt32]
    /// The inverse of ``symbols`` (empty for bytes, whose id is the byte).
    private let ids: [UInt32: Int]

    /// V, the number of symbols.
    public var count: Int { symbols.count }

    /// The 256 bytes, id = byte value.
    public static let bytes = Vocabulary(uncheckedKind: .bytes, symbols: Array(0...255))

    private init(uncheckedKind kind: Kind, symbols: [UInt32]) {
        self.kind = kind
        self.symbols = symbols
        ids = kind == .bytes ? [:] : Dictionary(uniqueKeysWithValues: symbols.enumerated().map { ($1, $0) })
    }

    /// The character vocabulary of the distinct scalars in `characters`, sorted by code point.
    ///
    /// - Throws: `RecurrentError/invalidArgument(name:value:reason:)` when there are none.
    public init(characters: some Sequence<Unicode.Scalar>) throws {
        let distinct = Set(characters.map(\.value)).sorted()
        guard !distinct.isEmpty else {
            throw RecurrentError.invalidArgument(
                name: "characters", value: "(none)", reason: "a vocabulary needs at least one character")
        }
        self.init(uncheckedKind: .characters, symbols: distinct)
    }

    /// The vocabulary of a training text: its distinct characters, or all 256 bytes.
    ///
    /// - Parameters:
    ///   - kind: characters or bytes.
    ///   - data: the text's bytes (UTF-8 for characters).
    ///   - source: the text's name in errors, such as its path.
    /// - Throws: ``TextError`` for an empty text, or bytes that are not UTF-8 under ``Kind/characters``.
    public init(kind: Kind, of data: Data, source: String) throws {
        let symbols = try kind.symbols(in: data, source: source)
        guard !symbols.isEmpty else { throw TextError(source: source, problem: .empty) }
        switch kind {
        case .bytes: self = .bytes
        case .characters: self.init(uncheckedKind: .characters, symbols: Set(symbols).sorted())
        }
    }

    /// The id of `symbol`, or nil when the vocabulary does not hold it.
    public func id(of symbol: UInt32) -> Int? {
        kind == .bytes ? (symbol < 256 ? Int(symbol) : nil) : ids[symbol]
    }

    /// The id of the line feed, U+000A, if the vocabulary holds it.
    public var lineFeedID: Int? { id(of: 0x0A) }

    /// The ids of a text's symbols, in order.
    ///
    /// - Parameters:
    ///   - data: the text's bytes (UTF-8 for a character vocabulary).
    ///   - source: the text's name in errors.
    /// - Throws: ``TextError`` naming the line and column of the first
    ///   character the vocabulary lacks, or of bytes that are not UTF-8.
    public func encode(_ data: Data, source: String) throws -> [Int] {
        let symbols = try kind.symbols(in: data, source: source)
        var result = [Int](repeating: 0, count: symbols.count)
        for (i, symbol) in symbols.enumerated() {
            guard let id = id(of: symbol) else {
                let (line, column) = Vocabulary.position(of: i, in: symbols)
                throw TextError(
                    source: source, line: line, column: column,
                    problem: .unknownCharacter(Unicode.Scalar(symbol)!, vocabularySize: count))
            }
            result[i] = id
        }
        return result
    }

    /// The ids of a string's symbols (its UTF-8 bytes for a byte vocabulary).
    ///
    /// - Throws: ``TextError`` naming the line and column of the first character the vocabulary lacks.
    public func encode(_ text: String, source: String) throws -> [Int] {
        try encode(Data(text.utf8), source: source)
    }

    /// The bytes of the symbols `ids` stand for: UTF-8 for characters, the bytes themselves for bytes.
    ///
    /// - Parameter ids: whole numbers in 0..<V.
    public func decode(_ ids: [Int]) -> Data {
        require(ids.allSatisfy { $0 >= 0 && $0 < count }, "Vocabulary.decode: an id is outside 0..<\(count)")
        switch kind {
        case .bytes:
            return Data(ids.map { UInt8($0) })
        case .characters:
            var text = String.UnicodeScalarView()
            for id in ids { text.append(Unicode.Scalar(symbols[id])!) }
            return Data(String(text).utf8)
        }
    }

    /// `64 characters` or `256 bytes`.
    public var description: String { "\(count) \(kind == .bytes ? "bytes" : "characters")" }

    /// The line and column, from 1, of symbol `index`: lines end at each line feed.
    static func position(of index: Int, in symbols: [UInt32]) -> (line: Int, column: Int) {
        var line = 1
        var lineStart = 0
        for i in 0..<index where symbols[i] == 0x0A {
            line += 1
            lineStart = i + 1
        }
        return (line, index - lineStart + 1)
    }

    public static func == (a: Vocabulary, b: Vocabulary) -> Bool { a.kind == b.kind && a.symbols == b.symbols }

    private enum CodingKeys: String, CodingKey { case kind, symbols }

    /// Decodes `{"kind":"char","symbols":"…"}` (at least one symbol, in
    /// ascending order without repeats) or `{"kind":"byte"}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(Kind.self, forKey: .kind) {
        case .bytes:
            self = .bytes
        case .characters:
            let symbols = try container.decode(String.self, forKey: .symbols).unicodeScalars.map(\.value)
            guard !symbols.isEmpty, zip(symbols, symbols.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .symbols, in: container,
                    debugDescription: "must hold at least one character, in ascending order without repeats")
            }
            self.init(uncheckedKind: .characters, symbols: symbols)
        }
    }

    /// Encodes the kind and, for characters, the symbols as one string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        if kind == .characters {
            var text = String.UnicodeScalarView()
            for symbol in symbols { text.append(Unicode.Scalar(symbol)!) }
            try container.encode(String(text), forKey: .symbols)
        }
    }
}

extension Vocabulary.Kind {
    /// The symbols of `data`, in order: its Unicode scalars, checked to be
    /// UTF-8, or its bytes.
    ///
    /// - Throws: ``TextError`` naming the line, column and byte offset of the
    ///   first bytes that are not UTF-8 (characters only).
    public func symbols(in data: Data, source: String) throws -> [UInt32] {
        if self == .bytes { return data.map(UInt32.init) }
        var symbols: [UInt32] = []
        symbols.reserveCapacity(data.count)
        var parser = Unicode.UTF8.ForwardParser()
        var bytes = data.makeIterator()
        var offset = 0
        var line = 1
        var lineStart = 0
        while true {
            switch parser.parseScalar(from: &bytes) {
            case .valid(let encoded):
                let value = Unicode.UTF8.decode(encoded).value
                offset += encoded.count
                symbols.append(value)
                if value == 0x0A {
                    line += 1
                    lineStart = symbols.count
                }
            case .error:
                let byte = data[data.startIndex + offset]
                throw TextError(
                    source: source, line: line, column: symbols.count - lineStart + 1,
                    problem: .notUTF8(byte: byte, offset: offset))
            case .emptyInput:
                return symbols
            }
        }
    }
}
