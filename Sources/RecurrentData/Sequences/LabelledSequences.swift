import Foundation
import RecurrentCore

// Letters: N sequences in a file, B of them in a batch, T the longest one's
// steps, D features per step, V symbols in an alphabet, K classes.

/// How a file of labelled sequences is laid out: which columns (or
/// tensors) hold the steps and the labels.
///
/// Stored in a ``SequenceClassifierFile`` so that evaluation reads a file
/// the way training did. As JSON: `{"kind":"symbols","sequence_column":…,"label_column":…}`,
/// `{"kind":"long-form","id_column":…,"step_column":…,"feature_columns":[…],"label_column":…}`
/// (`step_column` absent when there is none) or `{"kind":"safetensors"}`.
public enum LabelledSequenceLayout: Sendable, Equatable, Codable {
    /// One sequence per row of a CSV or TSV file (`.tsv` means tab-separated):
    /// a string whose characters are the steps' symbols, and a label.
    case symbols(sequenceColumn: String, labelColumn: String)
    /// Several rows per sequence of a CSV file: a sequence id, optionally a
    /// numeric step to order rows by, numeric feature columns and a label
    /// that is the same on every row of a sequence. Nil `featureColumns`
    /// (before reading) means every column but the id, step and label.
    case longForm(idColumn: String, stepColumn: String?, featureColumns: [String]?, labelColumn: String)
    /// A safetensors file with `input` [N, T, D] (floats), optionally
    /// `lengths` [N] and `labels` [N] (integers).
    case safetensors

    private struct Stored: Codable {
        var kind: String
        var sequenceColumn, idColumn, stepColumn, labelColumn: String?
        var featureColumns: [String]?
        enum CodingKeys: String, CodingKey {
            case kind
            case sequenceColumn = "sequence_column"
            case idColumn = "id_column"
            case stepColumn = "step_column"
            case labelColumn = "label_column"
            case featureColumns = "feature_columns"
        }
    }

    /// Decodes a layout; a kind without its columns is a `DecodingError`.
    public init(from decoder: any Decoder) throws {
        let stored = try Stored(from: decoder)
        switch (stored.kind, stored.sequenceColumn, stored.idColumn, stored.labelColumn) {
        case ("symbols", let sequence?, _, let label?):
            self = .symbols(sequenceColumn: sequence, labelColumn: label)
        case ("long-form", _, let id?, let label?) where stored.featureColumns?.isEmpty == false:
            self = .longForm(
                idColumn: id, stepColumn: stored.stepColumn, featureColumns: stored.featureColumns, labelColumn: label)
        case ("safetensors", _, _, _):
            self = .safetensors
        default:
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "kind \"\(stored.kind)\" needs symbols (sequence_column, label_column), "
                        + "long-form (id_column, feature_columns, label_column) or safetensors"))
        }
    }

    /// Encodes the layout with snake-case keys.
    public func encode(to encoder: any Encoder) throws {
        let stored: Stored =
            switch self {
            case .symbols(let sequence, let label):
                Stored(kind: "symbols", sequenceColumn: sequence, labelColumn: label)
            case .longForm(let id, let step, let features, let label):
                Stored(kind: "long-form", idColumn: id, stepColumn: step, labelColumn: label, featureColumns: features)
            case .safetensors:
                Stored(kind: "safetensors")
            }
        try stored.encode(to: encoder)
    }
}

/// A file of labelled sequences as read, before the steps become numbers:
/// each sequence's symbols or feature values, its label, and where it came
/// from (for errors).
///
/// ```swift
/// let data = try LabelledSequences(
///     contentsOf: URL(fileURLWithPath: "motifs.tsv"),
///     layout: .symbols(sequenceColumn: "sequence", labelColumn: "label"))
/// let classes = LabelledSequences.classNames(data.labels)     // ["none", "promoter", "reversed"]
/// let split = try SequenceSplit(seed: 42).parts(count: data.count)
/// let encoding = try data.fittedEncoding(on: split.train)      // the training part's alphabet
/// let train = try data.batch(split.train, encoding: encoding, classes: classes)
/// ```
public struct LabelledSequences: Sendable {
    /// The steps of every sequence.
    public enum Steps: Sendable, Equatable {
        /// Each sequence's symbols, one `Character` each, as strings.
        case symbols([[String]])
        /// Each sequence's steps, row-major [T_i, D] of the named features.
        case features(names: [String], values: [[Float]])
    }

    /// The file's path, used in errors.
    public let source: String
    /// The layout the file was read with; a long-form layout's feature
    /// columns are resolved.
    public let layout: LabelledSequenceLayout
    /// The steps, one entry per sequence.
    public let steps: Steps
    /// Each sequence's label, as written (a safetensors label as its decimal number).
    public let labels: [String]
    /// The line each sequence starts on (CSV and TSV files), or nil (safetensors).
    public let lines: [Int]?

    /// N, the number of sequences.
    public var count: Int { labels.count }

    /// The length of sequence `i`.
    public func length(of i: Int) -> Int {
        switch steps {
        case .symbols(let symbols): symbols[i].count
        case .features(let names, let values): values[i].count / names.count
        }
    }

    /// Reads a file of labelled sequences.
    ///
    /// - Parameters:
    ///   - url: A file URL; a symbols layout reads a `.tsv` file as
    ///     tab-separated, any other as comma-separated.
    ///   - layout: Where the steps and labels are.
    /// - Throws: ``CSVError`` naming the file, line and column of a missing
    ///   column, a ragged row, an empty sequence or label, a non-numeric cell,
    ///   a label that changes within a long-form sequence or a repeated step;
    ///   `SafetensorsError` naming the tensor that is missing, of the wrong
    ///   kind or shape, or holds a value out of range.
    public init(contentsOf url: URL, layout: LabelledSequenceLayout) throws {
        let name = url.displayName
        switch layout {
        case .symbols(let sequenceColumn, let labelColumn):
            let delimiter: Unicode.Scalar = url.pathExtension.lowercased() == "tsv" ? "\t" : ","
            let table = try CSVTable(contentsOf: url, delimiter: delimiter)
            try self.init(symbols: table, sequenceColumn: sequenceColumn, labelColumn: labelColumn)
        case .longForm(let id, let step, let features, let label):
            let table = try CSVTable(contentsOf: url)
            try self.init(longForm: table, idColumn: id, stepColumn: step, featureColumns: features, labelColumn: label)
        case .safetensors:
            try self.init(safetensors: SafetensorsFile(contentsOf: url), name: name)
        }
    }

    init(source: String, layout: LabelledSequenceLayout, steps: Steps, labels: [String], lines: [Int]?) {
        self.source = source
        self.layout = layout
        self.steps = steps
        self.labels = labels
        self.lines = lines
    }

    /// The class names of `labels`: the distinct labels sorted, by value when
    /// every label is a whole number (`2` before `10`), else by their UTF-8 bytes.
    public static func classNames(_ labels: [String]) -> [String] {
        let distinct = Array(Set(labels))
        let numbers = distinct.map { Int($0) }
        if numbers.allSatisfy({ $0 != nil }) {
            return zip(distinct, numbers).sorted { ($0.1!, $0.0) < ($1.1!, $1.0) }.map(\.0)
        }
        return distinct.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// A fingerprint of the sequences as read: 16 hexadecimal digits of a
    /// 64-bit FNV-1a hash over every label and every step (symbols as UTF-8,
    /// features as their bits), sequence by sequence.
    ///
    /// Stored in a ``SequenceSplit`` so that evaluation can tell the file a
    /// model was trained on from another one. It identifies contents, not a
    /// path: the same sequences in another file of the same layout give the
    /// same fingerprint; one changed value gives another.
    public var fingerprint: String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ byte: UInt8) { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        func mix(_ text: String) {
            for byte in text.utf8 { mix(byte) }
            mix(0)
        }
        func mix(count: Int) { for k in 0..<8 { mix(UInt8(truncatingIfNeeded: UInt64(count) >> (8 * UInt64(k)))) } }
        for i in 0..<count {
            mix(labels[i])
            switch steps {
            case .symbols(let symbols):
                mix(count: symbols[i].count)
                for symbol in symbols[i] { mix(symbol) }
            case .features(_, let values):
                mix(count: values[i].count)
                for value in values[i] {
                    let bits = value.bitPattern
                    for k in 0..<4 { mix(UInt8(truncatingIfNeeded: bits >> (8 * UInt32(k)))) }
                }
            }
        }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// How the steps of the sequences at `indices` (the training part) become
    /// numbers: their alphabet, sorted; or their features scaled by
    /// statistics of those sequences' real steps (padding never counts),
    /// the same way for a long-form CSV file and a safetensors file.
    ///
    /// - Parameters:
    ///   - indices: the sequences to fit on, usually the training part.
    ///   - scaling: how numeric features are scaled: z-score (the default),
    ///     min-max, or ``Normalization/Method/none`` to use them as they
    ///     are (no normalisation is stored). Symbols ignore it.
    /// - Throws: `RecurrentError/invalidArgument(name:value:reason:)` when
    ///   `indices` is empty or the alphabet is too large for an embedding.
    public func fittedEncoding(on indices: [Int], scaling: Normalization.Method = .zScore) throws -> SequenceEncoding {
        guard !indices.isEmpty else {
            throw RecurrentError.invalidArgument(
                name: "indices", value: "[]", reason: "need one sequence or more to fit on")
        }
        switch steps {
        case .symbols(let symbols):
            var alphabet = Set<String>()
            for i in indices { alphabet.formUnion(symbols[i]) }
            guard alphabet.count <= Embedding.maximumVocabularySize else {
                throw RecurrentError.invalidArgument(
                    name: "alphabet", value: "of \(alphabet.count) symbols",
                    reason: "an embedding holds at most \(Embedding.maximumVocabularySize)")
            }
            return .symbols(
                alphabet: alphabet.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) })
        case .features(let names, let values):
            guard scaling != .none else { return .features(count: names.count, normalization: nil) }
            var columns = [[Double]](repeating: [], count: names.count)
            for i in indices {
                for (j, value) in values[i].enumerated() { columns[j % names.count].append(Double(value)) }
            }
            return .features(
                count: names.count, normalization: try Normalization(fitting: columns, columns: names, method: scaling))
        }
    }

    /// The sequences at `indices`, in that order, as a batch: steps encoded
    /// by `encoding`, padded with 0 to the longest, with their lengths, and
    /// targets [B] the class ids of their labels in `classes`.
    ///
    /// - Throws: ``CSVError`` (or `SafetensorsError` for a safetensors file)
    ///   naming the line and column, or the tensor, of a symbol outside the
    ///   alphabet or a label outside `classes`;
    ///   `RecurrentError/invalidArgument(name:value:reason:)` when
    ///   `indices` is empty or the encoding does not fit the steps.
    public func batch(_ indices: [Int], encoding: SequenceEncoding, classes: [String]) throws -> SequenceBatch {
        guard !indices.isEmpty else {
            throw RecurrentError.invalidArgument(
                name: "indices", value: "[]", reason: "a batch needs one sequence or more")
        }
        let classIndex = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        var targets = [Float]()
        for i in indices {
            guard let k = classIndex[labels[i]] else { throw unknownLabel(i, classes: classes) }
            targets.append(Float(k))
        }
        let lengths = indices.map(length(of:))
        let (b, t) = (indices.count, lengths.max()!)
        let input: Tensor
        switch (steps, encoding) {
        case (.symbols(let symbols), .symbols(let alphabet)):
            let ids = Dictionary(uniqueKeysWithValues: alphabet.enumerated().map { ($1, Float($0)) })
            var x = [Float](repeating: 0, count: b * t)  // [B, T], padded with 0
            for (row, i) in indices.enumerated() {
                for (step, symbol) in symbols[i].enumerated() {
                    guard let id = ids[symbol] else {
                        throw CSVError(
                            file: source, line: lines?[i], column: symbolColumn,
                            problem: .unknownSymbol(symbol: symbol, position: step + 1, alphabet: alphabet))
                    }
                    x[row * t + step] = id
                }
            }
            input = Tensor(shape: [b, t], scalars: x)
        case (.features(let names, let values), .features(let d, let normalization)) where names.count == d:
            var x = [Float](repeating: 0, count: b * t * d)  // [B, T, D], padded with 0
            for (row, i) in indices.enumerated() {
                for (j, value) in values[i].enumerated() {
                    x[row * t * d + j] =
                        normalization.map { Float($0.normalize(Double(value), column: j % d)) } ?? value
                }
            }
            input = Tensor(shape: [b, t, d], scalars: x)
        default:
            throw RecurrentError.invalidArgument(
                name: "encoding", value: "\(encoding)", reason: "does not fit the steps read from \(source)")
        }
        return try SequenceBatch(input: input, lengths: lengths, targets: Tensor(shape: [b], scalars: targets))
    }

    private var symbolColumn: String? {
        if case .symbols(let column, _) = layout { return column }
        return nil
    }

    private func unknownLabel(_ i: Int, classes: [String]) -> any Error {
        switch layout {
        case .symbols(_, let column), .longForm(_, _, _, let column):
            return CSVError(
                file: source, line: lines?[i], column: column,
                problem: .unknownLabel(label: labels[i], classes: classes))
        case .safetensors:
            return SafetensorsError(
                file: source, tensor: "labels",
                problem: "labels[\(i)] = \(labels[i]) is out of range; "
                    + "the model knows classes 0…\(classes.count - 1)")
        }
    }
}

/// How the steps of labelled sequences become a network's input, fitted on
/// the training part and stored with the model.
///
/// As JSON: `{"kind":"symbols","alphabet":["A","C","G","T"]}` or
/// `{"kind":"features","size":D,"normalization":{…}}` (no normalisation
/// when the features are used as they are).
public enum SequenceEncoding: Sendable, Equatable, Codable {
    /// Symbol v of the alphabet becomes token id v, for an embedding of V rows.
    case symbols(alphabet: [String])
    /// D numeric features, scaled column by column if a normalisation is given.
    case features(count: Int, normalization: Normalization?)

    private struct Stored: Codable {
        var kind: String
        var alphabet: [String]?
        var size: Int?
        var normalization: Normalization?
    }

    /// Decodes and checks an encoding: a non-empty alphabet of distinct
    /// symbols, or D ≥ 1 features matching the normalisation's columns.
    public init(from decoder: any Decoder) throws {
        let stored = try Stored(from: decoder)
        func fail(_ text: String) -> DecodingError {
            .dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: text))
        }
        switch (stored.kind, stored.alphabet, stored.size) {
        case ("symbols", let alphabet?, _):
            guard !alphabet.isEmpty, Set(alphabet).count == alphabet.count else {
                throw fail("the alphabet must hold one or more distinct symbols")
            }
            self = .symbols(alphabet: alphabet)
        case ("features", _, let size?):
            guard size >= 1, stored.normalization.map({ $0.columns.count == size }) ?? true else {
                throw fail("size must be ≥ 1 and match the normalisation's columns")
            }
            self = .features(count: size, normalization: stored.normalization)
        default:
            throw fail("kind \"\(stored.kind)\" needs symbols (alphabet) or features (size)")
        }
    }

    /// Encodes the alphabet, or the feature count and normalisation.
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .symbols(let alphabet): try Stored(kind: "symbols", alphabet: alphabet).encode(to: encoder)
        case .features(let d, let normalization):
            try Stored(kind: "features", size: d, normalization: normalization).encode(to: encoder)
        }
    }
}
