import Foundation
import RecurrentCore

/// A seeded split of N sequences into training, validation and test parts:
/// a shuffle (`RandomGenerator/permutation(count:)` seeded with ``seed``),
/// then the first ``train`` share, the next ``validation`` share, and the
/// rest. Stored with a model so evaluation finds the same test part, and
/// knows a file that is not the one the split was made on (``fingerprint``).
///
/// Shares that sum to 1 leave no test part: a benchmark that comes with its
/// own test file trains on its training file (``validation`` of it held out,
/// or 0 with a separate validation file) and is measured on the other.
///
/// As JSON: `{"seed":"42","train":0.7,"validation":0.15,"sequences":1500,"fingerprint":"…"}`
/// (the seed as a string, so every `UInt64` survives).
public struct SequenceSplit: Sendable, Equatable, Codable {
    /// Seeds the shuffle.
    public var seed: UInt64
    /// The training share, in (0, 1].
    public var train: Double
    /// The validation share, ≥ 0; train + validation ≤ 1.
    public var validation: Double
    /// N of the file the split was made on, if recorded.
    public var sequences: Int?
    /// ``LabelledSequences/fingerprint`` of the file the split was made on, if recorded.
    public var fingerprint: String?

    /// The indices of each part, each sorted ascending.
    public struct Parts: Sendable, Equatable {
        public var train: [Int]
        public var validation: [Int]
        public var test: [Int]
    }

    /// A 70/15/15 split (by default) seeded with `seed`.
    ///
    /// - Parameters:
    ///   - seed: seeds the shuffle.
    ///   - train: the training share, in (0, 1].
    ///   - validation: the validation share, ≥ 0, with train + validation ≤ 1 (= 1: no test part).
    ///   - sequences: N of the file split, to record.
    ///   - fingerprint: the file's ``LabelledSequences/fingerprint``, to record.
    public init(
        seed: UInt64, train: Double = 0.7, validation: Double = 0.15, sequences: Int? = nil,
        fingerprint: String? = nil
    ) {
        self.seed = seed
        self.train = train
        self.validation = validation
        self.sequences = sequences
        self.fingerprint = fingerprint
    }

    /// Whether the shares leave a test part: train + validation < 1.
    public var hasTestPart: Bool { train + validation < 1 - Self.tolerance }

    /// Shares within this of 1 sum to 1.
    private static let tolerance = 1e-9

    /// The parts of `count` sequences: round(train·N) for training,
    /// round(validation·N) for validation, the rest for test (all the rest
    /// goes to validation when the shares sum to 1).
    ///
    /// - Parameter count: N, the number of sequences.
    /// - Throws: `RecurrentError/invalidArgument(name:value:reason:)` when
    ///   the training part, or a part with a share above 0, would be empty.
    public func parts(count: Int) throws -> Parts {
        let order = RandomGenerator(seed: seed).permutationOf(count)
        let a = Int((train * Double(count)).rounded())
        let b = hasTestPart ? a + Int((validation * Double(count)).rounded()) : count
        guard a >= 1, validation == 0 ? b == a : b > a, !hasTestPart || count > b, b <= count else {
            func percent(_ share: Double) -> String { String(Int((100 * share).rounded())) }
            let shares = [train, validation] + (hasTestPart ? [1 - train - validation] : [])
            throw RecurrentError.invalidArgument(
                name: "sequences", value: "\(count)",
                reason: "too few for a \(shares.map(percent).joined(separator: "/")) split "
                    + "with a sequence in every part")
        }
        return Parts(train: order[..<a].sorted(), validation: order[a..<b].sorted(), test: order[b...].sorted())
    }

    private enum CodingKeys: String, CodingKey { case seed, train, validation, sequences, fingerprint }

    /// Decodes and checks a split: a decimal seed, a training share in (0, 1],
    /// a validation share ≥ 0, and train + validation ≤ 1.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard let seed = UInt64(try container.decode(String.self, forKey: .seed)) else {
            throw DecodingError.dataCorruptedError(forKey: .seed, in: container, debugDescription: "not a UInt64")
        }
        self.seed = seed
        train = try container.decode(Double.self, forKey: .train)
        validation = try container.decode(Double.self, forKey: .validation)
        sequences = try container.decodeIfPresent(Int.self, forKey: .sequences)
        fingerprint = try container.decodeIfPresent(String.self, forKey: .fingerprint)
        guard train > 0, validation >= 0, train + validation <= 1 + Self.tolerance else {
            throw DecodingError.dataCorruptedError(
                forKey: .validation, in: container,
                debugDescription: "shares must be train > 0 and validation ≥ 0 with train + validation ≤ 1")
        }
    }

    /// Encodes the seed (as a string), shares, count and fingerprint.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(String(seed), forKey: .seed)
        try container.encode(train, forKey: .train)
        try container.encode(validation, forKey: .validation)
        try container.encodeIfPresent(sequences, forKey: .sequences)
        try container.encodeIfPresent(fingerprint, forKey: .fingerprint)
    }
}

extension RandomGenerator {
    fileprivate func permutationOf(_ count: Int) -> [Int] {
        var generator = self
        return generator.permutation(count: count)
    }
}
