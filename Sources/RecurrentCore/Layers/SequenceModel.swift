// Letters: B batch, T time, D input features, V vocabulary, E embedding
// dimension, H hidden, F = directions·H, O outputs.
//
//   forward:  ids [B, T] ─embedding→ x [B, T, E] ─recurrent→ h [B, T, F] ─head→ y
//   backward: dy ─head→ dh ─recurrent (through time, dropout)→ dx ─embedding→ dW_embedding
// A model without an embedding reads x [B, T, D] directly.

/// A whole sequence model: an optional ``Embedding``, a ``RecurrentLayer``
/// and a ``SequenceHead``.
///
/// Its `state_dict` (``Module/parameters``) names are PyTorch's:
/// `embedding.weight` [V, E]; the recurrent weights unprefixed, exactly as
/// PyTorch's `nn.RNN`/`nn.LSTM`/`nn.GRU` name them (`weight_ih_l0`,
/// `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`, `…_reverse`); `head.weight`
/// [O, F] and `head.bias` [O]; with a ``LinearSkip``, `skip.weight` [O, p·D]
/// and `skip.bias` [O].
///
/// A many-to-one model on numeric input may carry a ``LinearSkip``
/// (LSTNet's highway): its output is then
/// `y = head(h) + W_skip · vec(x[L−p ..< L]) + b_skip`, the head's plus a
/// linear map of the last p input steps. It may also carry an
/// ``InstanceNormalization`` (RevIN): the whole network then reads each
/// window standardised by its own statistics, and its outputs are scaled
/// back with them. A forecaster may give a ``ForecastDistribution`` per
/// output instead of one value: quantiles that never cross, or a Gaussian's
/// mean and deviation. The head then gives O·P raw values, the skip adds to
/// each output's location, and the distribution's map turns them into its
/// parameters before the normalisation scales them back:
/// `y = revin⁻¹(dist(head(h) + anchor(skip(x))))`.
///
/// A forecaster may read **known-future covariates** (``future``, a
/// ``FutureCovariates``): its input is then [B, L + h, D], the window and
/// then h steps carrying the covariates c [B, h, Fk] (see
/// ``FutureCovariates``; the window alone when Fk = 0). The recurrent layers, the skip and RevIN read the
/// window's L steps; the head reads `[h_L ; vec(c)]` (direct) or
/// `[o_{L−h+j} ; c_j]` (per-step) — or, with a ``decoder``, the
/// **encoder–decoder** form runs:
///
/// ```text
/// (h_L, c_L)  = encoder(x_1 … x_L)             the recurrent layers' last layer's final state
/// s_0         = (h_L, c_L)                      (c for the LSTM only)
/// o_j, s_j    = cell(u_j, s_{j−1}),  j = 1 … h  one decoder layer of the same cell and width H
/// u_j         = c_j  (Fk > 0), else the constant 1 (one input)
/// y_j         = o_j·Wᵀ + b                      one Dense layer shared by the h steps (the head)
/// ```
///
/// so each step's output comes from a state that has read every covariate
/// up to it. The skip, RevIN and a distribution apply to y as without a decoder.
///
/// ```swift
/// var generator = RandomGenerator(seed: 3)
/// let model = try SequenceModel(
///     input: .features(2), cell: .lstm, hiddenSize: 32, outputSize: 1, pooling: .last,
///     generator: &generator)
/// let x = Tensor.normal([8, 50, 2], using: &generator)         // [B, T, D]
/// let y = try model(x, lengths: Array(repeating: 50, count: 8))  // [B, O] = [8, 1]
/// ```
///
/// Train it with ``SequenceTrainer``, or by hand with
/// ``forward(_:lengths:initialState:generator:)`` and
/// ``backward(_:finalStateGradient:cache:inputGradient:)``.
public struct SequenceModel: Module {
    /// The token lookup, or nil for numeric input.
    public var embedding: Embedding?
    /// The recurrent layers.
    public var recurrent: RecurrentLayer
    /// The output layer, reading every step or pooling each sequence.
    public var head: SequenceHead
    /// The linear autoregressive path added to a many-to-one head's output, or nil.
    public private(set) var skip: LinearSkip?
    /// The per-window standardisation around the whole network (RevIN), or nil.
    public private(set) var instanceNormalization: InstanceNormalization?
    /// What each output's P values mean (quantiles or a Gaussian), or nil for one value per output.
    public internal(set) var distribution: ForecastDistribution?
    /// The known-future covariates the model reads after its window, or nil.
    public private(set) var future: FutureCovariates?
    /// The encoder–decoder's decoder: one recurrent layer of the encoder's
    /// cell and width run over the h future steps from the encoder's final
    /// state, its outputs read by a per-step ``head`` of S = h; nil otherwise.
    /// Its `state_dict` names are `decoder.weight_ih_l0`, ….
    public internal(set) var decoder: RecurrentLayer?

    /// The outputs of a point forecast: the head's O, or O / P with a ``distribution``.
    public var pointOutputSize: Int { head.outputSize / (distribution?.parametersPerOutput ?? 1) }

    /// What the model reads: tokens of the embedding's vocabulary, or the
    /// recurrent layer's input features.
    public var input: SequenceInput {
        embedding.map { .tokens(vocabularySize: $0.vocabularySize) } ?? .features(recurrent.inputSize)
    }

    /// A model from its parts, checked to fit together.
    ///
    /// - Parameters:
    ///   - embedding: the token lookup, or nil for numeric input.
    ///   - recurrent: the recurrent layers.
    ///   - head: the output layer.
    ///   - skip: a linear path from the last input steps to the output, or nil;
    ///     only for numeric input and a many-to-one head.
    ///   - instanceNormalization: a per-window standardisation around the
    ///     network, or nil; only for numeric input and a many-to-one head.
    ///   - distribution: what the head's P values per output mean, or nil;
    ///     only for a many-to-one head whose outputs P divides.
    ///   - future: the known-future covariates after the window, or nil;
    ///     only for numeric input into one direction.
    ///   - decoder: an encoder–decoder's decoder (needs `future`; the head
    ///     then reads its h outputs), or nil.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` when
    ///   the embedding's dimension is not the recurrent layer's input size,
    ///   the head does not read the recurrent layer's output (size and
    ///   directions), or the skip or the normalisation does not read the
    ///   input or give the head's outputs, or the covariates or the decoder
    ///   do not fit the head and the recurrent layers.
    public init(
        embedding: Embedding? = nil, recurrent: RecurrentLayer, head: SequenceHead, skip: LinearSkip? = nil,
        instanceNormalization: InstanceNormalization? = nil, distribution: ForecastDistribution? = nil,
        future: FutureCovariates? = nil, decoder: RecurrentLayer? = nil
    ) throws {
        try SequenceModel.check(future: future, decoder: decoder, embedding: embedding, recurrent: recurrent, head: head)
        let perOutput = distribution?.parametersPerOutput ?? 1
        if distribution != nil {
            guard head.pooling.isManyToOne, head.outputSize % perOutput == 0 else {
                throw RecurrentError.invalidArgument(
                    name: "distribution", value: "of \(perOutput) value(s) per output",
                    reason: "needs a many-to-one head whose \(head.outputSize) outputs it divides")
            }
        }
        if let embedding, embedding.dimension != recurrent.inputSize {
            throw RecurrentError.invalidArgument(
                name: "embedding", value: "of dimension \(embedding.dimension)",
                reason: "the recurrent layer reads \(recurrent.inputSize) features")
        }
        let headReads = decoder ?? recurrent
        guard head.inputSize == headReads.outputSize, head.directions == headReads.directions else {
            throw RecurrentError.invalidArgument(
                name: "head", value: "reading \(head.inputSize) features in \(head.directions) direction(s)",
                reason: "the \(decoder == nil ? "recurrent layer" : "decoder") gives \(headReads.outputSize) in \(headReads.directions)")
        }
        if let skip {
            guard embedding == nil, head.pooling.isManyToOne, skip.features <= recurrent.inputSize,
                skip.outputSize == head.outputSize / perOutput
            else {
                throw RecurrentError.invalidArgument(
                    name: "skip", value: "reading \(skip.features) feature(s), giving \(skip.outputSize)",
                    reason: "needs numeric input of \(recurrent.inputSize) feature(s) and a many-to-one head "
                        + "of \(head.outputSize / perOutput) point outputs")
            }
        }
        if let norm = instanceNormalization {
            guard embedding == nil, head.pooling.isManyToOne, norm.features <= recurrent.inputSize,
                norm.outputSize == head.outputSize
            else {
                throw RecurrentError.invalidArgument(
                    name: "instanceNormalization",
                    value: "of \(norm.features) feature(s), scaling back \(norm.outputSize) output(s)",
                    reason: "needs numeric input of \(recurrent.inputSize) feature(s) and a many-to-one head "
                        + "of \(head.outputSize) outputs")
            }
        }
        self.embedding = embedding
        self.recurrent = recurrent
        self.head = head
        self.skip = skip
        self.instanceNormalization = instanceNormalization
        self.distribution = distribution
        self.future = future
        self.decoder = decoder
    }

    /// The covariates and the decoder checked against the other parts.
    private static func check(
        future: FutureCovariates?, decoder: RecurrentLayer?, embedding: Embedding?, recurrent: RecurrentLayer,
        head: SequenceHead
    ) throws {
        guard let future else {
            guard decoder == nil, head.covariatesPerStep == 0 else {
                throw RecurrentError.invalidArgument(
                    name: decoder == nil ? "head" : "decoder", value: "reading future steps",
                    reason: "needs the model's future covariates (future)")
            }
            return
        }
        guard embedding == nil, recurrent.directions == 1, head.pooling.isManyToOne else {
            throw RecurrentError.invalidArgument(
                name: "future", value: "\(future.steps) step(s) of \(future.count) covariate(s)",
                reason: "needs numeric input, a unidirectional recurrent layer and a many-to-one head")
        }
        if let decoder {
            guard decoder.cell == recurrent.cell, decoder.hiddenSize == recurrent.hiddenSize, decoder.layers == 1,
                decoder.directions == 1, decoder.inputSize == max(future.count, 1)
            else {
                throw RecurrentError.invalidArgument(
                    name: "decoder", value: "\(decoder.cell) of \(decoder.layers) layer(s), H \(decoder.hiddenSize), "
                        + "reading \(decoder.inputSize)",
                    reason: "must be one unidirectional layer of the encoder's cell and H (\(recurrent.hiddenSize)), "
                        + "reading the \(max(future.count, 1)) covariate(s) (1, a constant, when there are none)")
            }
            guard head.steps == future.steps, head.covariatesPerStep == 0 else {
                throw RecurrentError.invalidArgument(
                    name: "head", value: "of \(head.steps) step(s)",
                    reason: "an encoder–decoder's head reads each of the decoder's \(future.steps) outputs, and no covariates")
            }
        } else {
            guard future.count > 0, head.covariatesPerStep == future.count, head.covariateSteps == future.steps else {
                throw RecurrentError.invalidArgument(
                    name: "head", value: "reading \(head.covariateSteps) step(s) of \(head.covariatesPerStep) covariate(s)",
                    reason: "must read the model's \(future.steps) step(s) of \(future.count) (and without a decoder, Fk ≥ 1)")
            }
        }
    }

    /// A model with freshly drawn weights: the embedding (N(0, 1)), then the
    /// recurrent layers, then the head (PyTorch's `nn.Linear` initialisation).
    ///
    /// - Parameters:
    ///   - input: numeric features, or tokens read through an embedding.
    ///   - embeddingSize: E, the embedding's dimension for token input (the
    ///     command line's `--embedding`, 32 by default); unused for features.
    ///   - cell: the recurrence.
    ///   - hiddenSize: H.
    ///   - layers: stacked recurrent layers.
    ///   - bidirectional: whether each layer also runs backwards.
    ///   - dropout: between recurrent layers, in training, in [0, 1).
    ///   - initialization: of the recurrent weights.
    ///   - outputSize: O.
    ///   - pooling: many-to-many (``SequencePooling/everyStep``) or a many-to-one pooling.
    ///   - activation: φ of the head; identity for regression and logits.
    ///   - headSteps: S, the last steps a per-step head reads, each through
    ///     one shared Dense layer (``SequenceHead/steps``); 1 for the direct head.
    ///   - generator: the source of every initial weight.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` for a bad size or dropout.
    public init(
        input: SequenceInput, embeddingSize: Int = 32, cell: Cell, hiddenSize: Int, layers: Int = 1,
        bidirectional: Bool = false,
        dropout: Float = 0, initialization: RecurrentInitialization = .pytorch, outputSize: Int,
        pooling: SequencePooling, activation: Activation = .identity, headSteps: Int = 1,
        generator: inout RandomGenerator
    ) throws {
        var embedding: Embedding?
        let inputSize: Int
        switch input {
        case .features(let d):
            inputSize = d
        case .tokens(let v):
            embedding = try Embedding(vocabularySize: v, dimension: embeddingSize, generator: &generator)
            inputSize = embeddingSize
        }
        let recurrent = try RecurrentLayer(
            cell: cell, inputSize: inputSize, hiddenSize: hiddenSize, layers: layers, bidirectional: bidirectional,
            dropout: dropout, initialization: initialization, generator: &generator)
        let head = try SequenceHead(
            pooling: pooling, inputSize: recurrent.outputSize, outputSize: outputSize,
            directions: recurrent.directions, activation: activation, steps: headSteps, generator: &generator)
        try self.init(embedding: embedding, recurrent: recurrent, head: head)
    }

    /// A model with freshly drawn weights from a generator seeded with
    /// `seed`: the same model as
    /// ``init(input:embeddingSize:cell:hiddenSize:layers:bidirectional:dropout:initialization:outputSize:pooling:activation:headSteps:generator:)``
    /// given `RandomGenerator(seed: seed)`.
    ///
    /// - Parameters:
    ///   - input: numeric features, or tokens read through an embedding.
    ///   - embeddingSize: E, the embedding's dimension for token input (the
    ///     command line's `--embedding`, 32 by default); unused for features.
    ///   - cell: the recurrence.
    ///   - hiddenSize: H.
    ///   - layers: stacked recurrent layers.
    ///   - bidirectional: whether each layer also runs backwards.
    ///   - dropout: between recurrent layers, in training, in [0, 1).
    ///   - initialization: of the recurrent weights.
    ///   - outputSize: O.
    ///   - pooling: many-to-many (``SequencePooling/everyStep``) or a many-to-one pooling.
    ///   - activation: φ of the head; identity for regression and logits.
    ///   - headSteps: S, the last steps a per-step head reads (``SequenceHead/steps``); 1 for the direct head.
    ///   - seed: seeds the source of every initial weight.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` for a bad size or dropout.
    public init(
        input: SequenceInput, embeddingSize: Int = 32, cell: Cell, hiddenSize: Int, layers: Int = 1,
        bidirectional: Bool = false,
        dropout: Float = 0, initialization: RecurrentInitialization = .pytorch, outputSize: Int,
        pooling: SequencePooling, activation: Activation = .identity, headSteps: Int = 1, seed: UInt64
    ) throws {
        var generator = RandomGenerator(seed: seed)
        try self.init(
            input: input, embeddingSize: embeddingSize, cell: cell, hiddenSize: hiddenSize, layers: layers,
            bidirectional: bidirectional, dropout: dropout, initialization: initialization, outputSize: outputSize, pooling: pooling,
            activation: activation, headSteps: headSteps, generator: &generator)
    }

    /// What the backward pass needs from a training forward pass.
    public struct Cache {
        let embedding: Embedding.Cache?
        let recurrent: RecurrentCache
        let head: SequenceHead.Cache
        let skip: LinearSkip.Cache?
        /// With a decoder: what its backward pass needs, and the encoder's output shape.
        let decoder: (cache: RecurrentCache, encoderShape: [Int])?
        /// With an instance normalisation: its statistics and the output before scaling back.
        let normalization: (statistics: InstanceNormalization.Statistics, output: Tensor)?
        /// With a distribution: r, the raw output its map read.
        let raw: Tensor?
    }

    /// The forward pass of training: dropout between recurrent layers is
    /// applied, and everything backward needs is kept.
    ///
    /// - Parameters:
    ///   - input: [B, T, D] features, or [B, T] token ids for a model with an embedding.
    ///   - lengths: each sequence's length in 1…T; nil means all are T.
    ///   - initialState: the recurrent layers' state before step 0; nil means zeros.
    ///   - generator: draws the dropout masks.
    /// - Returns: the output — [B, T, O] (zero past each length) or [B, O] —,
    ///   the recurrent layers' final state, and the cache.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` naming
    ///   the argument or token id that does not fit.
    public func forward(
        _ input: Tensor, lengths: [Int]? = nil, initialState: RecurrentState? = nil,
        generator: inout RandomGenerator
    ) throws -> (output: Tensor, state: RecurrentState, cache: Cache) {
        let (packed, embeddingCache) = try embed(input, lengths: lengths)  // [B, T, D]
        let (embedded, covariates, lengths) = try splitFuture(packed, lengths: lengths)  // [B, L, D], [B, h, Fk]
        let statistics = try instanceNormalization?.normalize(embedded, lengths: lengths)
        let x = statistics?.normalized ?? embedded  // x̂ = (x − μ)/σ with RevIN
        let (h, state, recurrentCache) = try recurrent.forward(
            x, lengths: lengths, initialState: initialState, generator: &generator)  // [B, T, F]
        var y: Tensor, headCache: SequenceHead.Cache
        var decoderCache: (cache: RecurrentCache, encoderShape: [Int])?
        if let decoder, let future {  // o_j, s_j = cell(u_j, s_{j−1}) from s_0 = the encoder's final state
            let (o, _, cache) = try decoder.forward(
                decoderInput(covariates, future: future), initialState: lastLayer(state), generator: &generator)
            (y, headCache) = try head.forward(o)  // y_j = o_j·Wᵀ + b
            decoderCache = (cache, h.shape)
        } else {
            (y, headCache) = try head.forward(h, lengths: lengths, covariates: covariates)  // [B, T, O] or [B, O]
        }
        let skipped = try skip.map { try $0.forward(checkedSkipInput(x), lengths: lengths) }
        if let skipped { y = y.zipMap(anchored(skipped.output)) { $0 + $1 } }  // + W_skip·vec(x[L−p..<L]) + b_skip
        let raw = y
        if let distribution { y = distribution.parameters(fromRaw: y) }  // ordered quantiles, or (μ, s)
        let normalized = y
        if let instanceNormalization, let statistics { y = instanceNormalization.denormalize(y, statistics: statistics) }
        return (
            y, state,
            Cache(
                embedding: embeddingCache, recurrent: recurrentCache, head: headCache, skip: skipped?.cache,
                decoder: decoderCache, normalization: statistics.map { ($0, normalized) }, raw: distribution == nil ? nil : raw)
        )
    }

    /// Gradients of a loss through head, recurrent layers (through time and
    /// dropout) and embedding, given its gradient with respect to the output
    /// (and optionally the final state) of the forward pass that made `cache`.
    ///
    /// - Parameters:
    ///   - dOutput: ∂loss/∂output, the output's shape; entries past a
    ///     sequence's length are ignored.
    ///   - finalStateGradient: ∂loss/∂(final state); nil means zero.
    ///   - cache: what the forward pass kept.
    ///   - inputGradient: whether to compute ∂loss/∂input. Training on data
    ///     needs only the parameters' gradients: without the input's, the
    ///     first recurrent layer skips its product dx = dG·W_ih (a token
    ///     model's embedding still gets its gradient).
    /// - Returns: ∂loss/∂input for numeric input [B, T, D] (nil for token
    ///   ids, or when `inputGradient` is false), ∂loss/∂(initial state), and
    ///   ∂loss/∂parameter under the model's parameter names, in the order of
    ///   ``visitParameters(_:)``.
    public func backward(
        _ dOutput: Tensor, finalStateGradient: RecurrentState? = nil, cache: Cache, inputGradient: Bool = true
    ) -> (dInput: Tensor?, dInitialState: RecurrentState, gradients: NamedTensors) {
        // ∂/∂x is needed for the embedding's gradient, or when asked for.
        let wantsInput = inputGradient || embedding != nil
        // forward was y = head(h), h = recurrent(x), x = embedding(ids): the chain in reverse.
        var dy = dOutput
        if let instanceNormalization, let (statistics, _) = cache.normalization {  // y = ŷ·σ + μ
            dy = instanceNormalization.outputGradient(dOutput, statistics: statistics)
        }
        if let distribution, let raw = cache.raw { dy = distribution.rawGradient(dy, raw: raw) }  // y = dist(r)
        var (dh, dCovariates, headGradients) = head.backwardWithCovariates(dy, cache: cache.head)  // [B, T, F]
        var finalGradient = finalStateGradient
        var decoderGradients: NamedTensors?
        if let decoder, let future, let (decoderCache, encoderShape) = cache.decoder {
            // forward was o = decoder(u, s_0 = last layer's final state), y = head(o): dh is ∂/∂o
            let (du, dStart, gradients) = decoder.backward(
                dh, cache: decoderCache, inputGradient: wantsInput && future.count > 0)
            if wantsInput && future.count > 0 { dCovariates = du }  // u = c
            finalGradient = addingToLastLayer(dStart, finalStateGradient, batch: encoderShape[0])
            dh = Tensor.zeros(encoderShape)  // the encoder's outputs reach y only through its final state
            decoderGradients = gradients
        }
        var (dx, dInitial, recurrentGradients) = recurrent.backward(
            dh, finalStateGradient: finalGradient, cache: cache.recurrent, inputGradient: wantsInput)  // [B, T, D]
        var skipGradients: NamedTensors?
        if let skip, let skipCache = cache.skip {  // y also had + skip(x): its share of dx
            let dSkip = distribution.map { $0.pointForecast(dy) } ?? dy  // the skip moved each location
            let (dxSkip, gradients) = skip.backward(dSkip, cache: skipCache)
            if wantsInput { dx = dx.zipMap(dxSkip) { $0 + $1 } }
            skipGradients = gradients
        }
        if wantsInput, let instanceNormalization, let (statistics, output) = cache.normalization {  // x̂ = (x − μ)/σ
            dx = instanceNormalization.inputGradient(dx, dOutput: dOutput, output: output, statistics: statistics)
        }
        if wantsInput, let future { dx = future.joiningGradients(window: dx, covariates: dCovariates) }  // input = [x ; c]
        var gradients = NamedTensors()
        if let embedding, let embeddingCache = cache.embedding {
            gradients.append(contentsOf: embedding.backward(dx, cache: embeddingCache).prefixed("embedding."))
        }
        gradients.append(contentsOf: recurrentGradients)
        if let decoderGradients { gradients.append(contentsOf: decoderGradients.prefixed("decoder.")) }
        gradients.append(contentsOf: headGradients.prefixed("head."))
        if let skipGradients { gradients.append(contentsOf: skipGradients.prefixed("skip.")) }
        if let instanceNormalization, let (statistics, _) = cache.normalization {  // y = ŷσ + (1 + a)μ + b
            gradients.append(contentsOf: instanceNormalization.levelGradients(dOutput, statistics: statistics).prefixed("revin."))
        }
        return (embedding == nil && inputGradient ? dx : nil, dInitial, gradients)
    }

    /// The model's output (inference: no dropout, nothing kept for backward).
    ///
    /// - Parameters:
    ///   - input: [B, T, D] features, or [B, T] token ids.
    ///   - lengths: each sequence's length in 1…T; nil means all are T.
    ///   - initialState: the recurrent layers' state before step 0; nil means zeros.
    /// - Returns: [B, T, O] (zero past each length) or [B, O].
    /// - Throws: what ``forward(_:lengths:initialState:generator:)`` throws.
    public func callAsFunction(
        _ input: Tensor, lengths: [Int]? = nil, initialState: RecurrentState? = nil
    ) throws -> Tensor {
        let (packed, _) = try embed(input, lengths: lengths)
        let (embedded, covariates, lengths) = try splitFuture(packed, lengths: lengths)
        let statistics = try instanceNormalization?.normalize(embedded, lengths: lengths)
        let x = statistics?.normalized ?? embedded
        let (h, state) = try recurrent(x, lengths: lengths, initialState: initialState)
        var y: Tensor
        if let decoder, let future {
            let (o, _) = try decoder(decoderInput(covariates, future: future), initialState: lastLayer(state))
            y = try head(o)
        } else {
            y = try head(h, lengths: lengths, covariates: covariates)
        }
        if let skip { y = y.zipMap(anchored(try skip(try checkedSkipInput(x), lengths: lengths))) { $0 + $1 } }
        if let distribution { y = distribution.parameters(fromRaw: y) }
        guard let instanceNormalization, let statistics else { return y }
        return instanceNormalization.denormalize(y, statistics: statistics)
    }

    /// What the head reads: the recurrent layers' output [B, T, F] for
    /// `input`, after the embedding and the instance normalisation (inference).
    ///
    /// - Parameters:
    ///   - input: [B, T, D] features, or [B, T] token ids.
    ///   - lengths: each sequence's length in 1…T; nil means all are T.
    /// - Returns: [B, T, F], zero past each length.
    /// - Throws: what ``callAsFunction(_:lengths:initialState:)`` throws.
    public func hiddenStates(_ input: Tensor, lengths: [Int]? = nil) throws -> Tensor {
        let (packed, _) = try embed(input, lengths: lengths)
        let (embedded, _, lengths) = try splitFuture(packed, lengths: lengths)
        let x = try instanceNormalization?.normalize(embedded, lengths: lengths).normalized ?? embedded
        return try recurrent(x, lengths: lengths).output
    }

    /// The skip's [B, O] at each output's location parameter, [B, O·P] (itself without a distribution).
    private func anchored(_ skipped: Tensor) -> Tensor {
        distribution?.atAnchor(skipped) ?? skipped
    }

    /// x, checked to be the [B, T, D] the skip reads (the recurrent layer has checked T and D).
    private func checkedSkipInput(_ x: Tensor) throws -> Tensor {
        guard x.rank == 3, x.shape[2] == recurrent.inputSize else {
            throw RecurrentError.invalidArgument(
                name: "input", value: "of shape \(x.shape)", reason: "must be [B, T, \(recurrent.inputSize)]")
        }
        return x
    }

    /// The recurrent layers' input: the embedded ids, or the input itself.
    private func embed(_ input: Tensor, lengths: [Int]?) throws -> (Tensor, Embedding.Cache?) {
        guard let embedding else { return (input, nil) }
        guard input.rank == 2 else {
            throw RecurrentError.invalidArgument(
                name: "input", value: "of shape \(input.shape)", reason: "a model with an embedding reads token ids [B, T]")
        }
        let (x, cache) = try embedding.forward(input, lengths: lengths)
        return (x, cache)
    }

    /// Lets `body` change every parameter in place, in the order of ``visitParameters(_:)``.
    public mutating func updateParameters(_ body: (String, inout Tensor) throws -> Void) rethrows {
        if embedding != nil { try embedding!.updateParameters { try body("embedding." + $0, &$1) } }
        try recurrent.updateParameters(body)
        if decoder != nil { try decoder!.updateParameters { try body("decoder." + $0, &$1) } }
        try head.updateParameters { try body("head." + $0, &$1) }
        if skip != nil { try skip!.updateParameters { try body("skip." + $0, &$1) } }
        if instanceNormalization != nil { try instanceNormalization!.updateParameters { try body("revin." + $0, &$1) } }
    }
}
