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
/// With known-future covariates c [B, h, Fk] (``covariatesPerStep`` Fk > 0,
/// ``covariateSteps`` h), the Dense layer also reads them:
/// - direct: `y[b] = φ([pool(x[b]) ; vec(c[b])]·Wᵀ + b)`, `weight` [O, F + h·Fk];
/// - per-step (S = h): `y[b, s·P ..< (s+1)·P] = φ([x[b, L−S+s] ; c[b, s]]·Wᵀ + b)`,
///   `weight` [P, F + Fk].
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
    /// h, the forecast steps whose covariates the head reads (0: none).
    public let covariateSteps: Int
    /// Fk, the known-future covariates per forecast step read beside the recurrent output (0: none).
    public let covariatesPerStep: Int

    /// The Dense layer's inputs that are covariates: h·Fk for the direct head, Fk per step for a per-step head.
    var covariateInputs: Int { steps > 1 ? covariatesPerStep : covariateSteps * covariatesPerStep }

    /// F, features per step of the input (the Dense layer reads F plus the covariates).
    public var inputSize: Int { dense.inputSize - covariateInputs }
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
    ///   - future: the known-future covariates read beside the recurrent
    ///     output, or nil; a per-step head needs S = h.
    ///   - generator: the source of the initial weights.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` for a
    ///   bad size, or `steps` above 1 with a pooling other than
    ///   ``SequencePooling/last``, two directions, or an O that S does not divide.
    public init(
        pooling: SequencePooling, inputSize: Int, outputSize: Int, directions: Int = 1,
        activation: Activation = .identity, steps: Int = 1, future: FutureCovariates? = nil,
        generator: inout RandomGenerator
    ) throws {
        guard steps >= 1, outputSize % steps == 0 else {
            throw RecurrentError.invalidArgument(
                name: "steps", value: "\(steps)", reason: "must be at least 1 and divide the outputs (\(outputSize))")
        }
        let k = future?.count ?? 0, h = k == 0 ? 0 : future!.steps
        try self.init(
            pooling: pooling,
            dense: try Dense(
                inputSize: inputSize + (steps > 1 ? k : h * k), outputSize: outputSize / steps, activation: activation,
                generator: &generator),
            directions: directions, steps: steps, covariateSteps: h, covariatesPerStep: k)
    }

    /// A head around a given Dense layer.
    ///
    /// - Parameters:
    ///   - pooling: every step, or last, mean or max over real steps.
    ///   - dense: the layer applied to the pooled features (to each of the
    ///     last `steps` steps' features for a per-step head).
    ///   - directions: 1, or 2 for a bidirectional layer's features.
    ///   - steps: S, 1 unless this is a per-step head.
    ///   - covariateSteps: h, the forecast steps of covariates read (0: none).
    ///   - covariatesPerStep: Fk, covariates per forecast step (0: none); the
    ///     Dense layer's last h·Fk inputs (Fk for a per-step head) are them.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` when
    ///   `directions` is not 1 or 2, or 2 with an odd input size, or `steps`
    ///   is above 1 with a pooling other than ``SequencePooling/last`` or two
    ///   directions, or the covariates do not fit (a many-to-many head, a
    ///   per-step head of S ≠ h, more covariate inputs than the Dense layer reads).
    public init(
        pooling: SequencePooling, dense: Dense, directions: Int = 1, steps: Int = 1, covariateSteps: Int = 0,
        covariatesPerStep: Int = 0
    ) throws {
        let hasCovariates = covariateSteps > 0 && covariatesPerStep > 0
        guard (covariateSteps == 0 && covariatesPerStep == 0) || hasCovariates else {
            throw RecurrentError.invalidArgument(
                name: "covariates", value: "\(covariateSteps) step(s) of \(covariatesPerStep)",
                reason: "must both be 0 or both be ≥ 1")
        }
        if hasCovariates {
            let extra = steps > 1 ? covariatesPerStep : covariateSteps * covariatesPerStep
            guard pooling.isManyToOne, directions == 1, steps == 1 || steps == covariateSteps, dense.inputSize > extra
            else {
                throw RecurrentError.invalidArgument(
                    name: "covariates", value: "\(covariateSteps) step(s) of \(covariatesPerStep)",
                    reason: "a head reads covariates when it is many-to-one over one direction, per-step over all "
                        + "\(covariateSteps) steps or direct, with a Dense layer of more than \(extra) inputs")
            }
        }
        let (h, k) = hasCovariates ? (covariateSteps, covariatesPerStep) : (0, 0)
        self.covariateSteps = h
        self.covariatesPerStep = k
        let featureInputs = dense.inputSize - (steps > 1 ? k : h * k)
        guard directions == 1 || (directions == 2 && featureInputs % 2 == 0) else {
            throw RecurrentError.invalidArgument(
                name: "directions", value: "\(directions)",
                reason: "must be 1, or 2 with an even input size (\(featureInputs))")
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
    ///   - covariates: [B, h, Fk], the known-future covariates when the head
    ///     reads them (``covariatesPerStep`` > 0), else nil.
    /// - Returns: [B, T, O] (zero past each length) for ``SequencePooling/everyStep``, else [B, O].
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` naming
    ///   `features`, `lengths` or `covariates` when they do not fit.
    public func forward(
        _ features: Tensor, lengths: [Int]? = nil, covariates: Tensor? = nil
    ) throws -> (output: Tensor, cache: Cache) {
        guard features.rank == 3, features.shape[2] == inputSize else {
            throw RecurrentError.invalidArgument(
                name: "features", value: "of shape \(features.shape)", reason: "expected [B, T, \(inputSize)]")
        }
        let c = try checkedCovariates(covariates, batch: features.shape[0])
        if steps > 1 { return try perStepForward(features, lengths: lengths, covariates: c) }
        var (pooled, poolingCache) = try pooling.forward(features, lengths: lengths, directions: directions)
        if let c { pooled = concatenatingColumns(pooled, c.reshaped([c.shape[0], covariateInputs])) }  // [pool(x) ; vec(c)]
        let mask = pooling == .everyStep ? lengths : nil
        // Padded steps are zeroed before Dense too, so that whatever they hold
        // never reaches dW = dzᵀ·x (0·NaN would be NaN).
        var (y, denseCache) = try dense.forward(mask.map { zeroingPadding(pooled, lengths: $0) } ?? pooled)  // φ(pool(x)·Wᵀ + b)
        if let mask { y = zeroingPadding(y, lengths: mask) }  // y[b, t] = 0 for t ≥ L
        return (y, Cache(pooling: poolingCache, gathered: nil, dense: denseCache, lengths: mask))
    }

    /// The covariates checked against ``covariateSteps`` and ``covariatesPerStep``: nil without them.
    private func checkedCovariates(_ covariates: Tensor?, batch: Int) throws -> Tensor? {
        guard covariatesPerStep > 0 else {
            guard covariates == nil else {
                throw RecurrentError.invalidArgument(
                    name: "covariates", value: "of shape \(covariates!.shape)", reason: "this head reads none")
            }
            return nil
        }
        guard let covariates, covariates.shape == [batch, covariateSteps, covariatesPerStep] else {
            throw RecurrentError.invalidArgument(
                name: "covariates", value: covariates.map { "of shape \($0.shape)" } ?? "none",
                reason: "expected [\(batch), \(covariateSteps), \(covariatesPerStep)]")
        }
        return covariates
    }

    /// The per-step head: `y[b, s·P ..< (s+1)·P] = dense([x[b, L−S+s] ; c[b, s]])`, zeros read before step 0.
    private func perStepForward(
        _ features: Tensor, lengths: [Int]?, covariates: Tensor?
    ) throws -> (output: Tensor, cache: Cache) {
        let (b, t, f) = (features.shape[0], features.shape[1], features.shape[2])
        let k = covariatesPerStep, width = f + k
        try checkLengths(lengths, batch: b, steps: t)
        let lengths = lengths ?? Array(repeating: t, count: b)
        var gathered = [Float](repeating: 0, count: b * steps * width)  // [B·S, F + Fk]
        features.withUnsafeBufferPointer { x in
            for i in 0..<b {
                for s in 0..<steps {
                    let step = lengths[i] - steps + s
                    guard step >= 0 else { continue }
                    let from = (i * t + step) * f, to = (i * steps + s) * width
                    for j in 0..<f { gathered[to + j] = x[from + j] }
                }
            }
        }
        covariates?.withUnsafeBufferPointer { c in
            for row in 0..<(b * steps) {
                for j in 0..<k { gathered[row * width + f + j] = c[row * k + j] }
            }
        }
        let (y, denseCache) = try dense.forward(Tensor(shape: [b * steps, width], scalars: gathered))  // [B·S, P]
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
    ///   - cache: from the ``forward(_:lengths:covariates:)`` that made y.
    /// - Returns: ∂loss/∂features [B, T, F] (zero at padded steps) and the
    ///   gradients of `weight` and `bias`.
    public func backward(_ dOutput: Tensor, cache: Cache) -> (dFeatures: Tensor, gradients: NamedTensors) {
        let (dFeatures, _, gradients) = backwardWithCovariates(dOutput, cache: cache)
        return (dFeatures, gradients)
    }

    /// ``backward(_:cache:)`` with ∂loss/∂covariates [B, h, Fk] as well (nil when the head reads none).
    public func backwardWithCovariates(
        _ dOutput: Tensor, cache: Cache
    ) -> (dFeatures: Tensor, dCovariates: Tensor?, gradients: NamedTensors) {
        var dy = dOutput
        if let lengths = cache.lengths { dy = zeroingPadding(dy, lengths: lengths) }  // padded y are constant 0
        let (h, k) = (covariateSteps, covariatesPerStep)
        if let (shape, lengths) = cache.gathered {  // per-step: dense on [B·S, F + Fk], then scatter to the steps read
            let (b, t, f) = (shape[0], shape[1], shape[2])
            let width = f + k
            let (dGathered, gradients) = dense.backward(
                dy.reshaped([b * steps, dense.outputSize]), cache: cache.dense)
            var dx = [Float](repeating: 0, count: b * t * f)
            var dc = [Float](repeating: 0, count: b * steps * k)
            dGathered.withUnsafeBufferPointer { g in
                for i in 0..<b {
                    for s in 0..<steps {
                        let step = lengths[i] - steps + s
                        let from = (i * steps + s) * width
                        for j in 0..<k { dc[(i * steps + s) * k + j] = g[from + f + j] }  // forward read c[b, s]
                        guard step >= 0 else { continue }
                        let to = (i * t + step) * f
                        for j in 0..<f { dx[to + j] = g[from + j] }
                    }
                }
            }
            return (
                Tensor(shape: shape, scalars: dx), k > 0 ? Tensor(shape: [b, steps, k], scalars: dc) : nil, gradients
            )
        }
        var (dPooled, gradients) = dense.backward(dy, cache: cache.dense)
        var dCovariates: Tensor?
        if k > 0 {  // forward was dense([pool(x) ; vec(c)]): split the columns
            let b = dPooled.shape[0], f = dPooled.shape[1] - h * k
            (dPooled, dCovariates) = splittingColumns(dPooled, first: f)
            dCovariates = dCovariates!.reshaped([b, h, k])
        }
        return (pooling.backward(dPooled, cache: cache.pooling!), dCovariates, gradients)
    }

    /// The head's output (the forward pass, keeping nothing for backward).
    public func callAsFunction(_ features: Tensor, lengths: [Int]? = nil, covariates: Tensor? = nil) throws -> Tensor {
        try forward(features, lengths: lengths, covariates: covariates).output
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

/// [B, M + N]: the columns of `a` [B, M] then those of `b` [B, N].
func concatenatingColumns(_ a: Tensor, _ b: Tensor) -> Tensor {
    let (rows, m, n) = (a.shape[0], a.shape[1], b.shape[1])
    var scalars = [Float](repeating: 0, count: rows * (m + n))
    a.withUnsafeBufferPointer { x in
        b.withUnsafeBufferPointer { y in
            for r in 0..<rows {
                for j in 0..<m { scalars[r * (m + n) + j] = x[r * m + j] }
                for j in 0..<n { scalars[r * (m + n) + m + j] = y[r * n + j] }
            }
        }
    }
    return Tensor(shape: [rows, m + n], scalars: scalars)
}

/// The first `m` columns of `x` [B, M + N] and the rest.
func splittingColumns(_ x: Tensor, first m: Int) -> (Tensor, Tensor) {
    let (rows, width) = (x.shape[0], x.shape[1])
    let n = width - m
    var a = [Float](repeating: 0, count: rows * m), b = [Float](repeating: 0, count: rows * n)
    x.withUnsafeBufferPointer { p in
        for r in 0..<rows {
            for j in 0..<m { a[r * m + j] = p[r * width + j] }
            for j in 0..<n { b[r * n + j] = p[r * width + m + j] }
        }
    }
    return (Tensor(shape: [rows, m], scalars: a), Tensor(shape: [rows, n], scalars: b))
}
