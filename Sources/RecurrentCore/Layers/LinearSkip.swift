// Letters: B batch, T time, D input features per step, p steps read, O outputs.

/// A linear autoregressive path beside a many-to-one ``SequenceModel``'s
/// head, LSTNet's "highway": the model's output becomes
///
///     y[b] = head(h[b]) + W_skip · vec(x[b, L−p ..< L]) + b_skip
///
/// where x is the model's input [B, T, D′], L = lengths[b] and vec flattens
/// the leading D ≤ D′ features of the last p steps in time order (step L−p
/// first, its D features together), [p·D]. Features past the first D (a
/// one-hot series identity, RevIN's level inputs) are not read. Steps before 0 (a sequence shorter than p) read as
/// zeros. `weight` W_skip is [O, p·D] and `bias` b_skip [O]; inside a
/// ``SequenceModel`` they are `skip.weight` and `skip.bias`. Both start at
/// zero, so a fresh skip leaves the model's output unchanged and training
/// learns the linear part (a trend, a lag) that the recurrent path is slow to.
///
/// ```swift
/// let skip = try LinearSkip(steps: 12, features: 1, outputSize: 3)
/// let x = Tensor.zeros([4, 12, 1])                   // [B, T, D]
/// let y = skip(x, lengths: nil)                      // [4, 3], zeros until trained
/// ```
public struct LinearSkip: Module {
    /// p, the number of last steps read.
    public let steps: Int
    /// D, the leading features of each step that the skip reads.
    public let features: Int
    /// The affine map on the flattened last p steps: weight [O, p·D], bias [O].
    public private(set) var dense: Dense

    /// O, the outputs.
    public var outputSize: Int { dense.outputSize }

    /// A skip of zero weight and zero bias.
    ///
    /// - Parameters:
    ///   - steps: p, at least 1.
    ///   - features: D, at least 1.
    ///   - outputSize: O, at least 1.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` for a size below 1.
    public init(steps: Int, features: Int, outputSize: Int) throws {
        for (name, value) in [("steps", steps), ("features", features), ("outputSize", outputSize)] where value < 1 {
            throw RecurrentError.invalidArgument(name: name, value: "\(value)", reason: "must be at least 1")
        }
        try self.init(
            steps: steps, features: features,
            dense: Dense(weight: .zeros([outputSize, steps * features]), bias: .zeros([outputSize])))
    }

    /// A skip around given weights (a loaded file's `skip.weight`, `skip.bias`).
    ///
    /// - Parameters:
    ///   - steps: p, at least 1.
    ///   - features: D, at least 1.
    ///   - dense: the affine map; its input size must be p·D and its activation identity.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` when the sizes do not fit.
    public init(steps: Int, features: Int, dense: Dense) throws {
        guard steps >= 1, features >= 1, dense.inputSize == steps * features, dense.activation == .identity else {
            throw RecurrentError.invalidArgument(
                name: "skip", value: "reading \(dense.inputSize) values",
                reason: "must be a linear map of steps × features = \(steps) × \(features) values")
        }
        self.steps = steps
        self.features = features
        self.dense = dense
    }

    /// What backward needs from the forward pass.
    public struct Cache {
        let dense: Dense.Cache
        let lengths: [Int]
        let inputShape: [Int]
    }

    /// The skip's output for a batch of sequences.
    ///
    /// - Parameters:
    ///   - input: x, [B, T, D′] with D′ ≥ D; the first D features of each step are read.
    ///   - lengths: each sequence's length in 1…T; nil means all are T.
    /// - Returns: [B, O] and the cache.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` for
    ///   an input that is not [B, T, D′ ≥ D] or lengths outside 1…T.
    public func forward(_ input: Tensor, lengths: [Int]?) throws -> (output: Tensor, cache: Cache) {
        guard input.rank == 3, input.shape[2] >= features else {
            throw RecurrentError.invalidArgument(
                name: "input", value: "of shape \(input.shape)", reason: "the skip reads [B, T, at least \(features)]")
        }
        let (b, t, stepWidth) = (input.shape[0], input.shape[1], input.shape[2])
        if let lengths, lengths.count != b || lengths.contains(where: { !(1...t).contains($0) }) {
            throw RecurrentError.invalidArgument(
                name: "lengths", value: "\(lengths)", reason: "needs one length in 1…\(t) per sequence (\(b))")
        }
        let lengths = lengths ?? Array(repeating: t, count: b)
        let width = steps * features
        var flat = [Float](repeating: 0, count: b * width)
        input.withUnsafeBufferPointer { x in
            for i in 0..<b {
                for k in 0..<steps {
                    let step = lengths[i] - steps + k
                    guard step >= 0 else { continue }
                    for d in 0..<features { flat[i * width + k * features + d] = x[(i * t + step) * stepWidth + d] }
                }
            }
        }
        let (y, cache) = try dense.forward(Tensor(shape: [b, width], scalars: flat))
        return (y, Cache(dense: cache, lengths: lengths, inputShape: input.shape))
    }

    /// The output for `input` (nothing kept).
    ///
    /// - Parameters:
    ///   - input: x, [B, T, D].
    ///   - lengths: each sequence's length in 1…T; nil means all are T.
    /// - Returns: [B, O].
    /// - Throws: what ``forward(_:lengths:)`` throws.
    public func callAsFunction(_ input: Tensor, lengths: [Int]?) throws -> Tensor {
        try forward(input, lengths: lengths).output
    }

    /// Gradients given ∂loss/∂output [B, O]: ∂loss/∂input [B, T, D′] (zero
    /// outside the last p steps and the first D features) and ∂loss/∂`weight`, ∂loss/∂`bias`.
    ///
    /// - Parameters:
    ///   - dOutput: ∂loss/∂output, [B, O].
    ///   - cache: from the forward pass.
    public func backward(_ dOutput: Tensor, cache: Cache) -> (dInput: Tensor, gradients: NamedTensors) {
        let (dFlat, gradients) = dense.backward(dOutput, cache: cache.dense)  // [B, p·D]
        let (b, t, stepWidth) = (cache.inputShape[0], cache.inputShape[1], cache.inputShape[2])
        let width = steps * features
        var dx = [Float](repeating: 0, count: b * t * stepWidth)
        dFlat.withUnsafeBufferPointer { g in
            for i in 0..<b {
                for k in 0..<steps {
                    let step = cache.lengths[i] - steps + k
                    guard step >= 0 else { continue }
                    for d in 0..<features { dx[(i * t + step) * stepWidth + d] = g[i * width + k * features + d] }
                }
            }
        }
        return (Tensor(shape: cache.inputShape, scalars: dx), gradients)
    }

    /// `weight`, `bias`.
    public func visitParameters(_ body: (String, Tensor) throws -> Void) rethrows {
        try dense.visitParameters(body)
    }

    /// Lets `body` change `weight` and `bias` in place.
    public mutating func updateParameters(_ body: (String, inout Tensor) throws -> Void) rethrows {
        try dense.updateParameters(body)
    }
}
