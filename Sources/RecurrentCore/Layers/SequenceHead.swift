// Letters: B batch, T time, F features per step (directions·H), O outputs,
// S output steps of a per-step head (O = S·P, P outputs per step).

/// The output layer of a sequence model: a ``SequencePooling`` over each
/// sequence's real steps, then a ``Dense`` layer.
///
/// - Many-to-many (``SequencePooling/everyStep``): `y[b, t] = φ(x[b, t]·Wᵀ + b)`,
///   [B, T, F] → [B, T, O], with `y[b, t] = 0` for t ≥ lengths[b] as the
///   recurrent layer's outputs are.
/// - Many-to-one (``SequencePooling/last``, ``SequencePooling/mean``,
///   ``SequencePooling/max``): `y[b] = φ(pool(x[b, :L])·Wᵀ + b)`, [B, T, F] → [B, O].
/// - Per-step (``SequencePooling/last`` with ``steps`` S > 1, a forecaster's
///   head over the last S outputs of the recurrent stack, one Dense layer
///   shared by every step): `y[b, s·P ..< (s+1)·P] = φ(x[b, L−S+s]·Wᵀ + b)`
///   for s in 0..<S, [B, T, F] → [B, O = S·P]; steps before 0 (L < S) read
///   as zeros. `weight` is then [P, F] and `bias` [P].
///
/// The Dense layer's parameters are `weight` [O, F] and `bias` [O]; inside a
/// ``SequenceModel`` they are `head.weight` and `head.bias`, so that a PyTorch
/// module holding an `nn.Linear` called `head` loads them unchanged.
///
/// ```swift
/// var generator = RandomGenerator(seed: 2)
/// let head = try SequenceHead(pooling: .last, inputSize: 32, outputSize: 1, generator: &generator)
/// let features = Tensor.normal([4, 10, 32], using: &generator)       // [B, T, F]
/// let y = try head(features, lengths: [10, 7, 3, 10])                // [4, 1]
/// ```
public struct SequenceHead: Module {
    /// How the steps of each sequence are summarised before ``dense``.
    public let pooling: SequencePooling
    /// 2 when the features come from a bidirectional layer (forward half
    /// first), else 1; ``SequencePooling/last`` reads each half at its own end.
    public let directions: Int
    /// The affine map (and activation) applied to the pooled features.
    public private(set) var dense: Dense
    /// S, the last steps a many-to-one head reads, each through ``dense``:
    /// 1 for one pooled vector (the direct head), more for a per-step head.
    public let steps: Int

    /// F, features per step of the input.
    public var inputSize: Int { dense.inputSize }
    /// O, outputs per step (many-to-many) or per sequence (many-to-one): S
    /// times the Dense layer's outputs.
    public var outputSize: Int { steps * dense.outputSize }

    /// A head with a freshly drawn Dense layer (PyTorch's `nn.Linear` initialisation).
    ///
    /// - Parameters:
    ///   - pooling: every step, or last, mean or max over real steps.
    ///   - inputSize: F, at least 1 (even when `directions` is 2).
    ///   - outputSize: O, at least 1.
    ///   - directions: 1, or 2 for a bidirectional layer's features.
    ///   - activation: φ of the Dense layer; identity (logits, regression) by default.
    ///   - steps: S, the last steps read, each through one shared Dense layer
    ///     of O/S outputs (a per-step head); 1 (the default) pools once.
    ///   - generator: the source of the initial weights.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` for a
    ///   bad size, or `steps` above 1 with a pooling other than
    ///   ``SequencePooling/last``, two directions, or an O that S does not divide.
    public init(
        pooling: SequencePooling, inputSize: Int, outputSize: Int, directions: Int = 1,
        activation: Activation = .identity, steps: Int = 1, generator: inout RandomGenerator
    ) throws {
        guard steps >= 1, outputSize % steps == 0 else {
            throw RecurrentError.invalidArgument(
                name: "steps", value: "\(steps)", reason: "must be at least 1 and divide the outputs (\(outputSize))")
        }
        try self.init(
            pooling: pooling,
            dense: try Dense(
                inputSize: inputSize, outputSize: outputSize / steps, activation: activation, generator: &generator),
            directions: directions, steps: steps)
    }

    /// A head around a given Dense layer.
    ///
    /// - Parameters:
    ///   - pooling: every step, or last, mean or max over real steps.
    ///   - dense: the layer applied to the pooled features (to each of the
    ///     last `steps` steps' features for a per-step head).
    ///   - directions: 1, or 2 for a bidirectional layer's features.
    ///   - steps: S, 1 unless this is a per-step head.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` when
    ///   `directions` is not 1 or 2, or 2 with an odd input size, or `steps`
    ///   is above 1 with a pooling other than ``SequencePooling/last`` or two directions.
    public init(pooling: SequencePooling, dense: Dense, directions: Int = 1, steps: Int = 1) throws {
        guard directions == 1 || (directions == 2 && dense.inputSize % 2 == 0) else {
            throw RecurrentError.invalidArgument(
                name: "directions", value: "\(directions)",
                reason: "must be 1, or 2 with an even input size (\(dense.inputSize))")
        }
        guard steps == 1 || (steps > 1 && pooling == .last && directions == 1) else {
            throw RecurrentError.invalidArgument(
                name: "steps", value: "\(steps)",
                reason: "a per-step head (steps > 1) reads the last steps of a unidirectional layer (pooling last)")
        }
        self.pooling = pooling
        self.dense = dense
        self.directions = directions
        self.steps = steps
    }

    /// What backward needs from the forward pass.
    public struct Cache {
        let pooling: SequencePooling.Cache?
        /// A per-step head's gathered steps: the input's shape and each sequence's length.
        let gathered: (inputShape: [Int], lengths: [Int])?
        let dense: Dense.Cache
        /// Per sequence, for zeroing many-to-many outputs past its end; nil: all real.
        let lengths: [Int]?
    }

    /// The head's output for a batch of feature sequences.
    ///
    /// - Parameters:
    ///   - features: [B, T, F], e.g. a ``RecurrentLayer``'s output.
    ///   - lengths: each sequence's length in 1…T; nil means all are T.
    /// - Returns: [B, T, O] (zero past each length) for ``SequencePooling/everyStep``, else [B, O].
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` naming
    ///   `features` or `lengths` when they do not fit.
    public func forward(_ features: Tensor, lengths: [Int]? = nil) throws -> (output: Tensor, cache: Cache) {
        guard features.rank == 3, features.shape[2] == inputSize else {
            throw RecurrentError.invalidArgument(
                name: "features", value: "of shape \(features.shape)", reason: "expected [B, T, \(inputSize)]")
        }
        if steps > 1 { return try perStepForward(features, lengths: lengths) }
        let (pooled, poolingCache) = try pooling.forward(features, lengths: lengths, directions: directions)
        let mask = pooling == .everyStep ? lengths : nil
        // Padded steps are zeroed before Dense too, so that whatever they hold
        // never reaches dW = dzᵀ·x (0·NaN would be NaN).
        var (y, denseCache) = try dense.forward(mask.map { zeroingPadding(pooled, lengths: $0) } ?? pooled)  // φ(pool(x)·Wᵀ + b)
        if let mask { y = zeroingPadding(y, lengths: mask) }  // y[b, t] = 0 for t ≥ L
        return (y, Cache(pooling: poolingCache, gathered: nil, dense: denseCache, lengths: mask))
    }

    /// The per-step head: `y[b, s·P ..< (s+1)·P] = dense(x[b, L−S+s])`, zeros read before step 0.
    private func perStepForward(_ features: Tensor, lengths: [Int]?) throws -> (output: Tensor, cache: Cache) {
        let (b, t, f) = (features.shape[0], features.shape[1], features.shape[2])
        try checkLengths(lengths, batch: b, steps: t)
        let lengths = lengths ?? Array(repeating: t, count: b)
        var gathered = [Float](repeating: 0, count: b * steps * f)  // [B·S, F]
        features.withUnsafeBufferPointer { x in
            for i in 0..<b {
                for s in 0..<steps {
                    let step = lengths[i] - steps + s
                    guard step >= 0 else { continue }
                    let from = (i * t + step) * f, to = (i * steps + s) * f
                    for k in 0..<f { gathered[to + k] = x[from + k] }
                }
            }
        }
        let (y, denseCache) = try dense.forward(Tensor(shape: [b * steps, f], scalars: gathered))  // [B·S, P]
        return (
            y.reshaped([b, outputSize]),
            Cache(pooling: nil, gathered: (features.shape, lengths), dense: denseCache, lengths: nil)
        )
    }

    /// ∂loss/∂features and the Dense layer's gradients from dy = ∂loss/∂output.
    ///
    /// Forward was `y = φ(pool(x)·Wᵀ + b)` with padded steps zeroed, so
    /// `dy` past each length is dropped, then Dense and pooling run backwards.
    ///
    /// - Parameters:
    ///   - dOutput: ∂loss/∂y, the output's shape.
    ///   - cache: from the ``forward(_:lengths:)`` that made y.
    /// - Returns: ∂loss/∂features [B, T, F] (zero at padded steps) and the
    ///   gradients of `weight` and `bias`.
    public func backward(_ dOutput: Tensor, cache: Cache) -> (dFeatures: Tensor, gradients: NamedTensors) {
        var dy = dOutput
        if let lengths = cache.lengths { dy = zeroingPadding(dy, lengths: lengths) }  // padded y are constant 0
        if let (shape, lengths) = cache.gathered {  // per-step: dense on [B·S, F], then scatter to the steps read
            let (b, t, f) = (shape[0], shape[1], shape[2])
            let (dGathered, gradients) = dense.backward(
                dy.reshaped([b * steps, dense.outputSize]), cache: cache.dense)
            var dx = [Float](repeating: 0, count: b * t * f)
            dGathered.withUnsafeBufferPointer { g in
                for i in 0..<b {
                    for s in 0..<steps {
                        let step = lengths[i] - steps + s
                        guard step >= 0 else { continue }
                        let to = (i * t + step) * f, from = (i * steps + s) * f
                        for k in 0..<f { dx[to + k] = g[from + k] }
                    }
                }
            }
            return (Tensor(shape: shape, scalars: dx), gradients)
        }
        let (dPooled, gradients) = dense.backward(dy, cache: cache.dense)
        return (pooling.backward(dPooled, cache: cache.pooling!), gradients)
    }

    /// The head's output (the forward pass, keeping nothing for backward).
    public func callAsFunction(_ features: Tensor, lengths: [Int]? = nil) throws -> Tensor {
        try forward(features, lengths: lengths).output
    }

    /// `weight`, then `bias` (the Dense layer's).
    public func visitParameters(_ body: (String, Tensor) throws -> Void) rethrows {
        try dense.visitParameters(body)
    }

    /// Lets `body` change `weight` and `bias` in place, keeping their shapes.
    public mutating func updateParameters(_ body: (String, inout Tensor) throws -> Void) rethrows {
        try dense.updateParameters(body)
    }
}

/// `x` [B, T, O] with `x[b, t] = 0` for every t ≥ lengths[b].
func zeroingPadding(_ x: Tensor, lengths: [Int]) -> Tensor {
    let (t, o) = (x.shape[1], x.shape[2])
    var result = x
    result.withUnsafeMutableBufferPointer { y in
        for (row, length) in lengths.enumerated() where length < t {
            let start = (row * t + length) * o, end = (row + 1) * t * o
            for i in start..<end { y[i] = 0 }
        }
    }
    return result
}
