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

    /// How the steps of the sequences at `indices` (the training part) become
    /// numbers: their alphabet, sorted; or their features' z-score
    /// statistics; or, for a safetensors input, the features as they are.
    ///
    /// - Throws: `RecurrentError/invalidArgument(name:value:reason:)` when
    ///   `indices` is empty or the alphabet is too large for an embedding.
    public func fittedEncoding(on indices: [Int]) throws -> SequenceEncoding {
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
            guard case .longForm = layout else { return .features(count: names.count, normalization: nil) }
            var columns = [[Double]](repeating: [], count: names.count)
            for i in indices {
                for (j, value) in values[i].enumerated() { columns[j % names.count].append(Double(value)) }
            }
            return .features(
                count: names.count, normalization: try Normalization(fitting: columns, columns: names, method: .zScore))
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
/// `{"kind":"features","size":D,"normalization":{…}}` (no normalisation for
/// a safetensors input, which is used as it is).
public enum SequenceEncoding: Sendable, Equatable, Codable {
    /// Symbol v of the alphabet becomes token id v, for an embedding of V rows.
    case symbols(alphabet: [String])
    /// D numeric features, z-scored column by column if a normalisation is given.
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

/// A seeded split of N sequences into training, validation and test parts:
/// a shuffle (`RandomGenerator/permutation(count:)` seeded with ``seed``),
/// then the first ``train`` share, the next ``validation`` share, and the
/// rest. Stored with a model so evaluation finds the same test part.
///
/// As JSON: `{"seed":"42","train":0.7,"validation":0.15,"sequences":1500}`
/// (the seed as a string, so every `UInt64` survives).
public struct SequenceSplit: Sendable, Equatable, Codable {
    /// Seeds the shuffle.
    public var seed: UInt64
    /// The training share, in (0, 1).
    public var train: Double
    /// The validation share; train + validation < 1.
    public var validation: Double
    /// N of the file the split was made on, if recorded.
    public var sequences: Int?

    /// The indices of each part, each sorted ascending.
    public struct Parts: Sendable, Equatable {
        public var train: [Int]
        public var validation: [Int]
        public var test: [Int]
    }

    /// A 70/15/15 split (by default) seeded with `seed`.
    public init(seed: UInt64, train: Double = 0.7, validation: Double = 0.15, sequences: Int? = nil) {
        self.seed = seed
        self.train = train
        self.validation = validation
        self.sequences = sequences
    }

    /// The parts of `count` sequences: round(train·N) for training,
    /// round(validation·N) for validation, the rest for test.
    ///
    /// - Throws: `RecurrentError/invalidArgument(name:value:reason:)` when
    ///   a part would be empty.
    public func parts(count: Int) throws -> Parts {
        let order = RandomGenerator(seed: seed).permutationOf(count)
        let a = Int((train * Double(count)).rounded())
        let b = a + Int((validation * Double(count)).rounded())
        guard a >= 1, b > a, count > b else {
            throw RecurrentError.invalidArgument(
                name: "sequences", value: "\(count)",
                reason: "too few for a \(Int(train * 100))/\(Int(validation * 100))/"
                    + "\(100 - Int(train * 100) - Int(validation * 100)) split with a sequence in every part")
        }
        return Parts(train: order[..<a].sorted(), validation: order[a..<b].sorted(), test: order[b...].sorted())
    }

    private enum CodingKeys: String, CodingKey { case seed, train, validation, sequences }

    /// Decodes and checks a split: a decimal seed, shares in (0, 1) leaving room for a test part.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard let seed = UInt64(try container.decode(String.self, forKey: .seed)) else {
            throw DecodingError.dataCorruptedError(forKey: .seed, in: container, debugDescription: "not a UInt64")
        }
        self.seed = seed
        train = try container.decode(Double.self, forKey: .train)
        validation = try container.decode(Double.self, forKey: .validation)
        sequences = try container.decodeIfPresent(Int.self, forKey: .sequences)
        guard train > 0, validation > 0, train + validation < 1 else {
            throw DecodingError.dataCorruptedError(
                forKey: .validation, in: container, debugDescription: "shares must be > 0 with train + validation < 1")
        }
    }

    /// Encodes the seed (as a string), shares and count.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(String(seed), forKey: .seed)
        try container.encode(train, forKey: .train)
        try container.encode(validation, forKey: .validation)
        try container.encodeIfPresent(sequences, forKey: .sequences)
    }
}

extension RandomGenerator {
    fileprivate func permutationOf(_ count: Int) -> [Int] {
        var generator = self
        return generator.permutation(count: count)
    }
}
