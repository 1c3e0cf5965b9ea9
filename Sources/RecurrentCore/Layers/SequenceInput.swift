/// What a model reads at each time step of a sequence: D numeric features, or
/// one token id of a vocabulary of V symbols.
///
/// One description of the data for every model: a ``SequenceModel`` reads
/// tokens through an ``Embedding`` (its `embeddingSize` is the model's
/// choice, not the data's), a ``WindowMLP`` reads them one-hot.
///
/// ```swift
/// let series: SequenceInput = .features(3)             // input [B, T, 3]
/// let text: SequenceInput = .tokens(vocabularySize: 65) // input [B, T] of ids in 0..<65
/// ```
///
/// Model files record it as `{"features": D}` or `{"tokens": V}`.
public enum SequenceInput: Sendable, Equatable, Codable {
    /// D numeric features per step: input [B, T, D].
    case features(Int)
    /// One token id per step: input [B, T] of whole numbers in 0..<V.
    case tokens(vocabularySize: Int)

    /// D for features, V for tokens: the values one step holds once a token
    /// is one-hot.
    public var valuesPerStep: Int {
        switch self {
        case .features(let d): d
        case .tokens(let v): v
        }
    }

    /// W = T·D or T·V for `steps` = T, the width of a flattened window, or
    /// nil when a size is below 1 or W would exceed ``WindowMLP/maximumWidth``.
    public func width(steps: Int) -> Int? {
        let size = valuesPerStep
        guard steps >= 1, size >= 1, steps <= WindowMLP.maximumWidth / size else { return nil }
        return steps * size
    }

    private enum CodingKeys: String, CodingKey {
        case features, tokens
    }

    /// Reads `{"features": D}` or `{"tokens": V}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let d = try container.decodeIfPresent(Int.self, forKey: .features) {
            self = .features(d)
        } else {
            self = .tokens(vocabularySize: try container.decode(Int.self, forKey: .tokens))
        }
    }

    /// Writes `{"features": D}` or `{"tokens": V}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .features(let d): try container.encode(d, forKey: .features)
        case .tokens(let v): try container.encode(v, forKey: .tokens)
        }
    }
}
