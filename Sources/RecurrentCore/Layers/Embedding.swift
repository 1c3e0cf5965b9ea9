// Letters: B batch, T time, V vocabulary size, E embedding dimension.
// A batch of token ids is a [B, T] tensor of whole numbers in 0..<V; any
// shape [...] works, giving [..., E].

/// A lookup table from token ids to learned vectors, PyTorch's `nn.Embedding`:
/// `y[b, t] = W[id[b, t]]`.
///
/// The table W is [V, E], stored under the name `weight` (a model prefixes it:
/// `embedding.weight`), and starts from N(0, 1) as PyTorch's does.
///
/// **Token ids are `Float`s**: the input is a ``Tensor`` whose elements are
/// whole numbers in 0..<V, the same convention as the class targets of
/// ``Loss/softmaxCrossEntropy``, so token batches gather, shuffle and save like
/// any other tensor. A `Float` holds every whole number up to 2²⁴ exactly,
/// which bounds V. An id that is not a whole number in 0..<V throws, naming
/// the id, its position and V.
///
/// With `lengths`, steps past a sequence's end are neither read nor checked:
/// they give zero vectors and receive no gradient, so padding may hold
/// anything.
///
/// ```swift
/// var generator = RandomGenerator(seed: 1)
/// let embedding = try Embedding(vocabularySize: 10, dimension: 4, generator: &generator)
/// let ids = Tensor(rows: [[1, 2, 3], [4, 0, 0]])              // [B, T] = [2, 3]
/// let vectors = try embedding(ids, lengths: [3, 1])           // [2, 3, 4]
/// ```
public struct Embedding: Module {
    /// W, [V, E]: row v is the vector of token v.
    public private(set) var weight: Tensor

    /// V, the number of distinct token ids.
    public var vocabularySize: Int { weight.shape[0] }
    /// E, the length of each token's vector.
    public var dimension: Int { weight.shape[1] }

    /// The largest vocabulary whose ids a `Float` represents exactly: 2²⁴.
    public static let maximumVocabularySize = 1 << 24

    /// A table drawn from N(0, 1), row-major, as `nn.Embedding` initialises it.
    ///
    /// - Parameters:
    ///   - vocabularySize: V, in 1…2²⁴.
    ///   - dimension: E, at least 1.
    ///   - generator: the source of the initial table.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` for a
    ///   size out of range.
    public init(vocabularySize: Int, dimension: Int, generator: inout RandomGenerator) throws {
        try Embedding.checkVocabularySize(vocabularySize)
        try Check.positive(dimension, "dimension")
        weight = Tensor.normal([vocabularySize, dimension], using: &generator)
    }

    /// A table with the given rows.
    ///
    /// - Parameter weight: W, [V, E] with V in 1…2²⁴ and E ≥ 1.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` when the shape does not fit.
    public init(weight: Tensor) throws {
        guard weight.rank == 2, weight.shape[1] > 0 else {
            throw RecurrentError.invalidArgument(
                name: "weight", value: "of shape \(weight.shape)", reason: "must be [vocabularySize, dimension], both ≥ 1")
        }
        try Embedding.checkVocabularySize(weight.shape[0])
        self.weight = weight
    }

    private static func checkVocabularySize(_ size: Int) throws {
        guard size >= 1, size <= maximumVocabularySize else {
            throw RecurrentError.invalidArgument(
                name: "vocabularySize", value: "\(size)",
                reason: "must lie in 1…\(maximumVocabularySize) (token ids are held exactly as Float)")
        }
    }

    /// What backward needs: the row of W each output row was read from, or
    /// -1 for a padded step.
    public struct Cache: Sendable {
        /// [N]: the id per output row (N = the ids' element count).
        let rows: [Int]
    }

    /// The vectors of `ids`: `y[..., :] = W[id[...], :]`.
    ///
    /// - Parameters:
    ///   - ids: [B, T] (or any shape) of whole numbers in 0..<V.
    ///   - lengths: for [B, T] ids, each sequence's length in 1…T: steps
    ///     t ≥ lengths[b] give zeros and are not checked. Nil: every id is used.
    /// - Returns: [..., E], the shape of `ids` with E appended.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` naming
    ///   the first id that is not a whole number in 0..<V, or lengths that do
    ///   not fit the ids.
    public func forward(_ ids: Tensor, lengths: [Int]? = nil) throws -> (output: Tensor, cache: Cache) {
        let steps = try Embedding.validate(lengths, for: ids)
        let (v, e) = (vocabularySize, dimension)
        var rows = [Int](repeating: -1, count: ids.count)
        for (i, id) in ids.scalars.enumerated() {
            if let lengths, i % steps >= lengths[i / steps] { continue }  // padding
            guard id >= 0, id < Float(v), id == id.rounded() else {
                throw RecurrentError.invalidArgument(
                    name: "token id at \(Embedding.position(i, in: ids.shape))", value: "\(id)",
                    reason: "must be a whole number in 0..<\(v) (the vocabulary size is \(v))")
            }
            rows[i] = Int(id)
        }
        var output = Tensor.zeros(ids.shape + [e])  // [..., E]
        weight.withUnsafeBufferPointer { w in
            output.withUnsafeMutableBufferPointer { y in
                for (i, row) in rows.enumerated() where row >= 0 {
                    // y[i] = W[id_i]
                    (y.baseAddress! + i * e).update(from: w.baseAddress! + row * e, count: e)
                }
            }
        }
        return (output, Cache(rows: rows))
    }

    /// dW from dy = ∂loss/∂y: every output row's gradient is added into the
    /// row of W it was read from, so a token used k times collects k terms.
    ///
    /// Forward was `y_i = W[id_i]`, so `dW[id_i] += dy_i`; rows of W that no
    /// real step read get zero. Ids have no gradient.
    ///
    /// - Parameters:
    ///   - dOutput: ∂loss/∂y, the output's shape [..., E].
    ///   - cache: from the ``forward(_:lengths:)`` that made y.
    /// - Returns: `weight`'s gradient, [V, E].
    public func backward(_ dOutput: Tensor, cache: Cache) -> NamedTensors {
        require(
            dOutput.count == cache.rows.count * dimension && dOutput.shape.last == dimension,
            "Embedding.backward: gradient of shape \(dOutput.shape) does not fit \(cache.rows.count) rows of \(dimension)")
        let e = dimension
        var dWeight = Tensor.zeros(weight.shape)  // [V, E]
        dOutput.withUnsafeBufferPointer { dy in
            dWeight.withUnsafeMutableBufferPointer { dW in
                for (i, row) in cache.rows.enumerated() where row >= 0 {
                    let source = dy.baseAddress! + i * e, target = dW.baseAddress! + row * e
                    for j in 0..<e { target[j] += source[j] }  // dW[id_i] += dy_i
                }
            }
        }
        var gradients = NamedTensors()
        gradients["weight"] = dWeight
        return gradients
    }

    /// The vectors of `ids` (the forward pass, keeping nothing for backward).
    public func callAsFunction(_ ids: Tensor, lengths: [Int]? = nil) throws -> Tensor {
        try forward(ids, lengths: lengths).output
    }

    /// `weight`.
    public func visitParameters(_ body: (String, Tensor) throws -> Void) rethrows {
        try body("weight", weight)
    }

    /// Lets `body` change `weight` in place, keeping its shape.
    public mutating func updateParameters(_ body: (String, inout Tensor) throws -> Void) rethrows {
        try updateKeepingShape("weight", &weight, body)
    }

    /// Checks `lengths` against [B, T] ids and returns T (the steps per row of
    /// lengths), or 1 when there are no lengths.
    private static func validate(_ lengths: [Int]?, for ids: Tensor) throws -> Int {
        guard let lengths else { return 1 }
        guard ids.rank == 2, ids.shape[1] > 0 else {
            throw RecurrentError.invalidArgument(
                name: "token ids", value: "of shape \(ids.shape)", reason: "lengths need ids of shape [B, T] with T ≥ 1")
        }
        try checkLengths(lengths, batch: ids.shape[0], steps: ids.shape[1])
        return ids.shape[1]
    }

    /// The multi-index of flat position `i` in `shape`, as `[b, t]`.
    private static func position(_ i: Int, in shape: [Int]) -> String {
        var index = [Int](repeating: 0, count: shape.count), rest = i
        for axis in shape.indices.reversed() {
            index[axis] = rest % shape[axis]
            rest /= shape[axis]
        }
        return "[" + index.map(String.init).joined(separator: ", ") + "]"
    }
}
