import Foundation
import RecurrentCore

// A text as token ids, split in order into training, validation and test
// parts, each cut into windows for a character language model.
// Letters: n symbols in the text, N windows, T symbols per window, V vocabulary.

/// A text encoded with a ``Vocabulary``, split in order into 70% training,
/// 15% validation and 15% test (as every data source in Recurrent), each
/// part cut into non-overlapping windows for next-symbol prediction.
///
/// The part of symbols `a..<b` gives `⌊(b − a − 1) / T⌋` windows: window k
/// reads ids `a + kT … a + kT + T − 1` and its targets are the ids one step
/// later, `a + kT + 1 … a + kT + T`, so the model predicts the next symbol
/// at every step (softmax cross-entropy over V classes). Symbols left at the
/// end of a part, too few for a whole window, are not used.
///
/// ```swift
/// let corpus = try TextCorpus(contentsOf: URL(fileURLWithPath: "book.txt"), kind: .characters)
/// let train = corpus.windows(of: .train, length: 100)   // input [N, 100], targets [N, 100]
/// print(corpus.unigramEntropy)                          // bits per character, the baseline
/// ```
public struct TextCorpus: Sendable {
    /// The text's name in errors and descriptions, such as its path.
    public let source: String
    /// The symbols and their ids.
    public let vocabulary: Vocabulary
    /// Every symbol's id, in order: n of them.
    public let ids: [Int]
    /// Where the parts are cut.
    public let split: SplitFractions

    /// A training text: its own vocabulary (its distinct characters, or all
    /// bytes) and its ids.
    ///
    /// The character vocabulary is that of the whole file, so that
    /// validation and test never meet an unknown character.
    ///
    /// - Throws: ``TextError`` for an empty text or bytes that are not UTF-8
    ///   under a character vocabulary; `RecurrentError` for bad split fractions.
    public init(data: Data, source: String, kind: Vocabulary.Kind, split: SplitFractions = SplitFractions()) throws {
        let vocabulary = try Vocabulary(kind: kind, of: data, source: source)
        try self.init(data: data, source: source, vocabulary: vocabulary, split: split)
    }

    /// A text read with a given vocabulary (a trained model's).
    ///
    /// - Throws: ``TextError`` for an empty text, bytes that are not UTF-8, or
    ///   the first character the vocabulary lacks (its line, column and code point).
    public init(data: Data, source: String, vocabulary: Vocabulary, split: SplitFractions = SplitFractions()) throws {
        try split.check()
        let ids = try vocabulary.encode(data, source: source)
        guard !ids.isEmpty else { throw TextError(source: source, problem: .empty) }
        self.source = source
        self.vocabulary = vocabulary
        self.ids = ids
        self.split = split
    }

    /// A training text read from a file; see ``init(data:source:kind:split:)``.
    public init(contentsOf url: URL, kind: Vocabulary.Kind, split: SplitFractions = SplitFractions()) throws {
        let source = url.displayName
        try self.init(data: TextCorpus.read(url, source), source: source, kind: kind, split: split)
    }

    /// A text read from a file with a given vocabulary; see ``init(data:source:vocabulary:split:)``.
    public init(contentsOf url: URL, vocabulary: Vocabulary, split: SplitFractions = SplitFractions()) throws {
        let source = url.displayName
        try self.init(data: TextCorpus.read(url, source), source: source, vocabulary: vocabulary, split: split)
    }

    private static func read(_ url: URL, _ source: String) throws -> Data {
        do {
            return try Data(contentsOf: url)
        } catch {
            throw TextError(source: source, problem: .unreadable(reason: error.localizedDescription))
        }
    }

    /// n, the number of symbols.
    public var count: Int { ids.count }

    /// The positions of a part's symbols: cuts at `round(0.7·n)` and `round(0.85·n)` with the default split.
    public func range(of part: SeriesPart) -> Range<Int> {
        let n = Double(ids.count)
        let trainEnd = Int((split.train * n).rounded())
        let validationEnd = Int(((split.train + split.validation) * n).rounded())
        let testEnd = Int(((split.train + split.validation + split.test) * n).rounded())
        switch part {
        case .train: return 0..<trainEnd
        case .validation: return trainEnd..<validationEnd
        case .test: return validationEnd..<min(testEnd, ids.count)
        }
    }

    /// N, the number of whole windows of `length` symbols (plus the one after) in a part.
    public func windowCount(of part: SeriesPart, length: Int) -> Int {
        require(length >= 1, "TextCorpus.windowCount: length \(length) is not positive")
        return max(0, range(of: part).count - 1) / length
    }

    /// A part's windows: input ids [N, T] and next-symbol targets [N, T],
    /// or nil when the part is too short for one window (T + 1 symbols).
    ///
    /// - Parameters:
    ///   - part: training, validation or test.
    ///   - length: T, at least 1.
    public func windows(of part: SeriesPart, length: Int) -> SequenceBatch? {
        let n = windowCount(of: part, length: length)
        guard n > 0 else { return nil }
        let start = range(of: part).lowerBound
        var input = [Float](repeating: 0, count: n * length)  // [N, T]
        var targets = [Float](repeating: 0, count: n * length)  // [N, T]
        for k in 0..<n {
            for t in 0..<length {
                let i = start + k * length + t
                input[k * length + t] = Float(ids[i])
                targets[k * length + t] = Float(ids[i + 1])
            }
        }
        return SequenceBatch(
            unchecked: Tensor(shape: [n, length], scalars: input), lengths: nil,
            targets: Tensor(shape: [n, length], scalars: targets))
    }

    /// The unigram entropy of the training part in bits per symbol,
    /// `H = −Σ_v p_v log₂ p_v` with `p_v` the share of symbol v: the loss of
    /// the best model that ignores context, which a recurrent model must beat.
    public var unigramEntropy: Double {
        TextCorpus.unigramEntropy(of: ids[range(of: .train)], vocabularySize: vocabulary.count)
    }

    /// `−Σ_v p_v log₂ p_v` over the ids' frequencies (0 for no ids).
    public static func unigramEntropy(of ids: some Collection<Int>, vocabularySize: Int) -> Double {
        guard !ids.isEmpty else { return 0 }
        var counts = [Int](repeating: 0, count: vocabularySize)
        for id in ids { counts[id] += 1 }
        let total = Double(ids.count)
        var entropy = 0.0
        for c in counts where c > 0 {
            let p = Double(c) / total
            entropy -= p * log2(p)
        }
        return entropy
    }
}
