import Foundation

// Letters: V vocabulary, E embedding dimension, H hidden, τ temperature, k top-k.
//
//   read:   id ─embedding→ x [1, E] ─stream step→ h [1, H] ─head→ logits [V]
//   sample: logits / τ ─keep the k largest→ softmax → draw one id

/// Runs a language model (``SequenceModel`` with an embedding and a head at
/// every step) one symbol at a time through a ``RecurrentStream``, and draws
/// the next symbols from its predictions.
///
/// Reading a prime symbol by symbol gives the same logits, to the bit, as
/// the whole-sequence forward pass over it. Sampling divides the logits by
/// the temperature τ, keeps the k largest (ties to the smaller id; k = 0
/// keeps all), and draws from their softmax with a seeded
/// ``RandomGenerator``: the same model, prime, options and seed give the
/// same text. k = 1 is greedy decoding: always the arg max.
///
/// ```swift
/// var sampler = try TextSampler(model: file.model)
/// var generator = RandomGenerator(seed: 42)
/// let prime = try file.vocabulary.encode("The ", source: "prime")
/// let ids = try sampler.generate(after: prime, count: 200, temperature: 0.8, topK: 0, generator: &generator)
/// print(String(decoding: file.vocabulary.decode(ids), as: UTF8.self))
/// ```
public struct TextSampler: Sendable {
    /// The model being run.
    public let model: SequenceModel
    private let stream: RecurrentStream
    /// The recurrent layers' state after the symbols read so far (zeros at first).
    public var state: RecurrentState

    /// A sampler at the start of a text (zero state).
    ///
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` when
    ///   the model has no embedding, does not predict at every step, or is
    ///   bidirectional — its backward direction reads the future, so it
    ///   cannot generate one symbol at a time.
    public init(model: SequenceModel) throws {
        guard !model.recurrent.bidirectional else {
            throw RecurrentError.invalidArgument(
                name: "model", value: "bidirectional",
                reason: "its backward direction reads the whole text, future included, so it cannot generate "
                    + "one symbol at a time; train a unidirectional model to generate")
        }
        guard let embedding = model.embedding, model.head.pooling == .everyStep,
            model.head.outputSize == embedding.vocabularySize
        else {
            throw RecurrentError.invalidArgument(
                name: "model", value: "without an embedding and a logit per symbol at every step",
                reason: "a language model reads token ids and predicts the next one at each step")
        }
        self.model = model
        stream = try RecurrentStream(model.recurrent)
        state = model.recurrent.zeroState(batchSize: 1)
    }

    /// V, the number of symbols.
    public var vocabularySize: Int { model.head.outputSize }

    /// Reads one symbol and returns the logits of the next: the model's
    /// output at this step, [V].
    ///
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` for an id outside 0..<V.
    public mutating func read(_ id: Int) throws -> [Float] {
        let x = try model.embedding!(Tensor(shape: [1, 1], scalars: [Float(id)]))  // [1, 1, E]
        let h = try stream.step(x.reshaped([1, x.shape[2]]), state: &state)  // [1, H]
        return try model.head(h.reshaped([1, 1, h.shape[1]])).scalars  // [1, 1, V]
    }

    /// Reads `prime`, then draws `count` symbols, each read in turn.
    ///
    /// - Parameters:
    ///   - prime: at least one id: the text to continue.
    ///   - count: how many symbols to draw, ≥ 0.
    ///   - temperature: τ, finite and > 0; below 1 sharpens the distribution, above 1 flattens it.
    ///   - topK: keep the k most likely symbols, ≥ 0; 0 (or k ≥ V) keeps all.
    ///   - generator: the source of the draws.
    /// - Returns: the `count` drawn ids (not the prime).
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` for an
    ///   empty prime, an id outside 0..<V, or a bad count, temperature or k.
    public mutating func generate(
        after prime: [Int], count: Int, temperature: Float = 1, topK: Int = 0, generator: inout RandomGenerator
    ) throws -> [Int] {
        try TextSampler.checkOptions(temperature: temperature, topK: topK)
        guard !prime.isEmpty else {
            throw RecurrentError.invalidArgument(
                name: "prime", value: "(empty)", reason: "the model needs at least one symbol to continue")
        }
        guard count >= 0 else {
            throw RecurrentError.invalidArgument(name: "count", value: "\(count)", reason: "must be ≥ 0")
        }
        var logits: [Float] = []
        for id in prime { logits = try read(id) }
        var drawn: [Int] = []
        drawn.reserveCapacity(count)
        for i in 0..<count {
            let id = try TextSampler.sample(logits, temperature: temperature, topK: topK, generator: &generator)
            drawn.append(id)
            if i + 1 < count { logits = try read(id) }
        }
        return drawn
    }

    /// One id drawn from `softmax(logits / τ)` restricted to the k largest logits.
    ///
    /// Exactly one `nextDouble()` is drawn per call, whatever τ and k.
    ///
    /// - Parameters:
    ///   - logits: [V], finite.
    ///   - temperature: τ, finite and > 0.
    ///   - topK: k ≥ 0; 0 or k ≥ V keeps every symbol. Ties at the k-th place go to the smaller id.
    ///   - generator: the source of the draw.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` for a
    ///   bad τ or k, or logits that are empty or not finite.
    public static func sample(
        _ logits: [Float], temperature: Float, topK: Int, generator: inout RandomGenerator
    ) throws -> Int {
        try checkOptions(temperature: temperature, topK: topK)
        guard !logits.isEmpty, logits.allSatisfy(\.isFinite) else {
            throw RecurrentError.invalidArgument(
                name: "logits", value: "of \(logits.count) values", reason: "must be at least one, all finite")
        }
        var kept = Array(logits.indices)
        if topK > 0, topK < logits.count {
            kept.sort { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }
            kept = kept.prefix(topK).sorted()
        }
        let scale = 1 / Double(temperature)
        let largest = kept.map { Double(logits[$0]) }.max()!
        let weights = kept.map { exp((Double(logits[$0]) - largest) * scale) }  // softmax(z/τ) unnormalised
        let u = generator.nextDouble() * weights.reduce(0, +)
        var cumulative = 0.0
        for (j, w) in weights.enumerated() {
            cumulative += w
            if u < cumulative { return kept[j] }
        }
        return kept[weights.lastIndex { $0 > 0 }!]
    }

    /// Throws unless τ is finite and > 0 and k ≥ 0.
    public static func checkOptions(temperature: Float, topK: Int) throws {
        try Check.positive(temperature, "temperature")
        guard topK >= 0 else {
            throw RecurrentError.invalidArgument(
                name: "topK", value: "\(topK)", reason: "must be ≥ 0 (0 keeps every symbol)")
        }
    }
}
