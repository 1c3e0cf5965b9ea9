import RecurrentCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Seeded synthetic tasks that test what a recurrent network remembers.
// Letters: B batch, T time.

/// The adding problem (Hochreiter and Schmidhuber, 1997): find the two
/// marked numbers in a long sequence and output their sum.
///
/// Each sequence has T steps of two channels: a value uniform in [0, 1) and
/// a marker that is 1 at exactly two steps and 0 elsewhere. The target is the
/// sum of the two marked values, in [0, 2). Input [B, T, 2] (channel 0 the
/// values, channel 1 the markers), targets [B, 1], every sequence T long.
///
/// Marker positions follow the convention of Le, Jaitly and Hinton (2015)
/// and Arjovsky, Shah and Bengio (2016): the first uniform in the first half,
/// steps 0..<⌊T/2⌋, the second uniform in the second half, ⌊T/2⌋..<T. (The
/// 1997 paper drew values from [−1, 1] and put the first marker among the
/// first ten steps.) The first marker thus lies on average about 3T/4, and
/// up to T − 1, steps before the end.
///
/// Always answering 1, the mean of the target, gives an MSE of Var(u₁ + u₂) =
/// 2/12 ≈ 0.167: the bar a model must get well below to show it remembers.
///
/// ```swift
/// var generator = RandomGenerator(seed: 7)
/// let task = try AddingProblem(length: 50)
/// let batch = task.batch(count: 32, generator: &generator)   // input [32, 50, 2], targets [32, 1]
/// ```
public struct AddingProblem: Sendable, Equatable {
    /// T, the steps of every sequence.
    public let length: Int

    /// The MSE of always answering 1: Var(u₁ + u₂) = 1/6.
    public static let constantPredictorMSE = 1.0 / 6

    /// The task at sequence length T.
    ///
    /// - Parameter length: T, at least 2 (one step per half).
    /// - Throws: `RecurrentError/invalidArgument(name:value:reason:)` for T < 2.
    public init(length: Int) throws {
        guard length >= 2 else {
            throw RecurrentError.invalidArgument(
                name: "length", value: "\(length)", reason: "must be ≥ 2 (a marker in each half)")
        }
        self.length = length
    }

    /// `count` fresh sequences.
    ///
    /// Per sequence, in this order: the T values (`RandomGenerator/nextFloat()`),
    /// the first marker's step (`next(below: ⌊T/2⌋)`), the second's
    /// (`⌊T/2⌋ + next(below: T − ⌊T/2⌋)`). The target is computed in `Float`
    /// as `u₁ + u₂`.
    ///
    /// - Parameters:
    ///   - count: B, at least 1.
    ///   - generator: the source of values and positions.
    /// - Returns: input [B, T, 2], targets [B, 1], no lengths (all are T).
    public func batch(count: Int, generator: inout RandomGenerator) -> SequenceBatch {
        require(count >= 1, "AddingProblem.batch: count \(count) must be ≥ 1")
        let t = length, half = length / 2
        var input = [Float](repeating: 0, count: count * t * 2)  // [B, T, 2]
        var targets = [Float](repeating: 0, count: count)  // [B, 1]
        for b in 0..<count {
            let row = b * t * 2
            for step in 0..<t { input[row + 2 * step] = generator.nextFloat() }
            let first = generator.next(below: half)
            let second = half + generator.next(below: t - half)
            input[row + 2 * first + 1] = 1
            input[row + 2 * second + 1] = 1
            targets[b] = input[row + 2 * first] + input[row + 2 * second]
        }
        return SequenceBatch(
            unchecked: Tensor(shape: [count, t, 2], scalars: input), lengths: nil,
            targets: Tensor(shape: [count, 1], scalars: targets))
    }
}

/// The copy-memory task (Hochreiter and Schmidhuber, 1997; in the form of
/// Arjovsky, Shah and Bengio, 2016): read a few symbols, wait, then write
/// them back in order.
///
/// With K symbols (ids 1…K), blank 0 and delimiter K + 1, S symbols to copy
/// and a delay T, each sequence is T + 2S steps long:
///
///     input:   a₁ … a_S   0 … 0 (T − 1)   K+1   0 … 0 (S)
///     target:  0 … 0 (T + S)                    a₁ … a_S
///
/// Input and targets are token ids [B, T + 2S] (for an `Embedding` and
/// `Loss/softmaxCrossEntropy` over K + 2 classes, many-to-many). Answering
/// blank until the delimiter and then a uniform guess over the K symbols
/// scores S·ln K / (T + 2S), the ``baselineCrossEntropy`` to beat.
///
/// ```swift
/// var generator = RandomGenerator(seed: 3)
/// let task = try CopyMemoryTask(delay: 20)
/// let batch = task.batch(count: 16, generator: &generator)   // input, targets [16, 40]
/// ```
public struct CopyMemoryTask: Sendable, Equatable {
    /// T, the steps between the last symbol shown and the delimiter, plus one.
    public let delay: Int
    /// K, the number of distinct symbols to copy.
    public let symbolCount: Int
    /// S, how many symbols each sequence copies.
    public let copyLength: Int

    /// The token id of "nothing": every step that is not a symbol or the delimiter.
    public static let blank: Float = 0

    /// The task; Arjovsky et al. use K = 8, S = 10 and T of 100 to 2000.
    ///
    /// - Parameters:
    ///   - delay: T, at least 1.
    ///   - symbols: K, at least 1.
    ///   - copyLength: S, at least 1.
    /// - Throws: `RecurrentError/invalidArgument(name:value:reason:)` for a size below 1.
    public init(delay: Int, symbols: Int = 8, copyLength: Int = 10) throws {
        try Check.positive(delay, "delay")
        try Check.positive(symbols, "symbols")
        try Check.positive(copyLength, "copyLength")
        self.delay = delay
        self.symbolCount = symbols
        self.copyLength = copyLength
    }

    /// K + 2 token ids: blank, the K symbols, the delimiter.
    public var vocabularySize: Int { symbolCount + 2 }
    /// The delimiter's token id, K + 1.
    public var delimiter: Float { Float(symbolCount + 1) }
    /// T + 2S, the steps of every sequence.
    public var sequenceLength: Int { delay + 2 * copyLength }
    /// S·ln K / (T + 2S): the cross-entropy of the best answer that remembers nothing.
    public var baselineCrossEntropy: Double {
        Double(copyLength) * log(Double(symbolCount)) / Double(sequenceLength)
    }

    /// `count` fresh sequences; the S symbols of each are drawn in order
    /// with `RandomGenerator/next(below:)`.
    ///
    /// - Parameters:
    ///   - count: B, at least 1.
    ///   - generator: the source of the symbols.
    /// - Returns: input and targets, token ids [B, T + 2S]; no lengths (all equal).
    public func batch(count: Int, generator: inout RandomGenerator) -> SequenceBatch {
        require(count >= 1, "CopyMemoryTask.batch: count \(count) must be ≥ 1")
        let (s, length) = (copyLength, sequenceLength)
        var input = [Float](repeating: CopyMemoryTask.blank, count: count * length)  // [B, T + 2S]
        var targets = input  // [B, T + 2S]
        for b in 0..<count {
            let row = b * length
            for i in 0..<s {
                let symbol = Float(1 + generator.next(below: symbolCount))
                input[row + i] = symbol  // shown at step i
                targets[row + length - s + i] = symbol  // written back at step T + S + i
            }
            input[row + delay + s - 1] = delimiter
        }
        return SequenceBatch(
            unchecked: Tensor(shape: [count, length], scalars: input), lengths: nil,
            targets: Tensor(shape: [count, length], scalars: targets))
    }
}

/// The embedded Reber grammar (Fahlman, 1991; Hochreiter and Schmidhuber,
/// 1997): predict which symbols may come next in strings whose second and
/// second-to-last symbols must agree across an arbitrarily long middle.
///
/// The Reber grammar's graph, symbols B, T, P, S, X, V, E (ids 0…6):
///
///     0 ─B→ 1;  1 ─T→ 2, 1 ─P→ 3;  2 ─S→ 2, 2 ─X→ 4;  3 ─T→ 3, 3 ─V→ 5;
///     4 ─X→ 3, 4 ─S→ 6;  5 ─P→ 4, 5 ─V→ 6;  6 ─E→ end
///
/// each branch taken with probability ½. An embedded string is
/// `B (T|P) reber (T|P) E` with the same choice at both places, so predicting
/// the symbol after the inner `E` needs the second symbol remembered.
///
/// A batch is next-symbol prediction, many-to-many with lengths: input the
/// string without its last symbol as token ids [B, T] (T the longest in the
/// batch, padding 0), targets [B, T, 7] holding at each step a 1 for every
/// symbol that may come next (for `Loss/binaryCrossEntropyWithLogits`).
///
/// ```swift
/// var generator = RandomGenerator(seed: 4)
/// let batch = EmbeddedReberGrammar().batch(count: 8, generator: &generator)
/// ```
public struct EmbeddedReberGrammar: Sendable, Equatable {
    /// The symbols in id order: B, T, P, S, X, V, E.
    public static let symbols: [Character] = ["B", "T", "P", "S", "X", "V", "E"]

    /// Per state of the Reber graph, its two edges as (symbol id, next state);
    /// state 6 has the single edge E to the end (-1).
    private static let edges: [[(symbol: Int, next: Int)]] = [
        [(0, 1)], [(1, 2), (2, 3)], [(3, 2), (4, 4)], [(1, 3), (5, 5)], [(4, 3), (3, 6)], [(2, 4), (5, 6)],
        [(6, -1)],
    ]

    /// The grammar.
    public init() {}

    /// One embedded Reber string, as symbol ids: each two-way branch (the
    /// outer T or P first, then the inner graph's, in order) draws
    /// `next(below: 2)`.
    public func string(generator: inout RandomGenerator) -> [Int] {
        let outer = 1 + generator.next(below: 2)  // T or P
        var result = [0, outer]
        var state = 0
        while state >= 0 {
            let choices = EmbeddedReberGrammar.edges[state]
            let edge = choices.count == 1 ? choices[0] : choices[generator.next(below: 2)]
            result.append(edge.symbol)
            state = edge.next
        }
        return result + [outer, 6]
    }

    /// The symbols that may follow each proper prefix of an embedded string:
    /// element t is the set after `string[0...t]`, for t in 0..<count − 1.
    ///
    /// - Returns: nil when `string` is not an embedded Reber string.
    public static func allowedNextSymbols(_ string: [Int]) -> [Set<Int>]? {
        guard string.count >= 9, string[0] == 0, string[1] == 1 || string[1] == 2,
            string[string.count - 2] == string[1], string[string.count - 1] == 6
        else { return nil }
        var result: [Set<Int>] = [[1, 2], [0]]  // after B: T or P; after the outer symbol: the inner B
        var state = 0
        for symbol in string[2..<(string.count - 2)] {
            guard state >= 0, let edge = edges[state].first(where: { $0.symbol == symbol }) else { return nil }
            state = edge.next
            result.append(state >= 0 ? Set(edges[state].map(\.symbol)) : [string[1]])
        }
        guard state == -1 else { return nil }
        result.append([6])  // after the outer symbol again: E
        return result
    }

    /// `count` fresh strings as a next-symbol batch (see ``EmbeddedReberGrammar``).
    ///
    /// - Parameters:
    ///   - count: B, at least 1.
    ///   - generator: the source of the strings, drawn one after another.
    /// - Returns: input ids [B, T], lengths (each string's count − 1), targets [B, T, 7].
    public func batch(count: Int, generator: inout RandomGenerator) -> SequenceBatch {
        require(count >= 1, "EmbeddedReberGrammar.batch: count \(count) must be ≥ 1")
        let strings = (0..<count).map { _ in string(generator: &generator) }
        let lengths = strings.map { $0.count - 1 }
        let t = lengths.max()!, k = EmbeddedReberGrammar.symbols.count
        var input = [Float](repeating: 0, count: count * t)  // [B, T]
        var targets = [Float](repeating: 0, count: count * t * k)  // [B, T, 7]
        for (b, string) in strings.enumerated() {
            let allowed = EmbeddedReberGrammar.allowedNextSymbols(string)!
            for step in 0..<lengths[b] {
                input[b * t + step] = Float(string[step])
                for symbol in allowed[step] { targets[(b * t + step) * k + symbol] = 1 }
            }
        }
        return SequenceBatch(
            unchecked: Tensor(shape: [count, t], scalars: input), lengths: lengths,
            targets: Tensor(shape: [count, t, k], scalars: targets))
    }
}
