/// The weights of one layer and direction of a ``RecurrentLayer``, fused
/// across gates in PyTorch's layout and gate order (see ``Cell``).
public struct RecurrentWeights: Sendable, Equatable {
    /// [G·H, D_in]: the input weights of all gates, stacked.
    public var weightIH: Tensor
    /// [G·H, H]: the recurrent weights of all gates, stacked.
    public var weightHH: Tensor
    /// [G·H], or nil in a layer without bias.
    public var biasIH: Tensor?
    /// [G·H], or nil in a layer without bias.
    public var biasHH: Tensor?

    public init(weightIH: Tensor, weightHH: Tensor, biasIH: Tensor?, biasHH: Tensor?) {
        self.weightIH = weightIH
        self.weightHH = weightHH
        self.biasIH = biasIH
        self.biasHH = biasHH
    }
}

/// The state a ``RecurrentLayer`` carries from one time step to the next:
/// `h` for every cell, and `c` for the LSTM.
///
/// Both are [layers·directions, B, H], indexed `layer·directions + direction`
/// as in PyTorch. A state is a plain value: copy it, save it (`Codable`),
/// restore it, and continue a sequence where it stopped.
public struct RecurrentState: Sendable, Equatable, Codable {
    /// [layers·directions, B, H]
    public var h: Tensor
    /// [layers·directions, B, H] for an LSTM; nil for the other cells.
    public var c: Tensor?

    public init(h: Tensor, c: Tensor? = nil) {
        self.h = h
        self.c = c
    }
}

/// How a ``RecurrentLayer``'s weights start.
public enum RecurrentInitialization: String, Sendable, Codable, CaseIterable {
    /// PyTorch's default: every weight and bias U(−1/√H, 1/√H).
    case pytorch
    /// Keras's: Glorot-uniform input weights (over the fused [D, G·H] kernel),
    /// orthogonal recurrent weights (over the fused [H, G·H] kernel), zero
    /// biases, and an LSTM forget-gate bias of 1 (in `bias_ih`).
    case keras
}

/// A stack of recurrent layers — Elman RNN, LSTM or GRU — run over whole
/// sequences, like PyTorch's `nn.RNN`, `nn.LSTM` and `nn.GRU` with
/// `batch_first=True`.
///
/// Input [B, T, D]; output [B, T, directions·H], the forward direction's
/// features first; states [layers·directions, B, H]. Each sequence in a batch
/// may have its own length: outputs past it are zero, its final state is the
/// state at its last real step, and the reverse direction starts there — the
/// results of PyTorch's `pack_padded_sequence(…, enforce_sorted: false)`
/// without sorting or packing.
///
/// ```swift
/// var generator = RandomGenerator(seed: 42)
/// let lstm = try RecurrentLayer(cell: .lstm, inputSize: 8, hiddenSize: 32, generator: &generator)
/// let x = Tensor.normal([4, 10, 8], using: &generator)       // [B, T, D]
/// let (y, state) = try lstm(x)                                // y: [4, 10, 32]
/// ```
///
/// The weights carry PyTorch's `state_dict` names (``Module``):
/// `weight_ih_l{k}`, `weight_hh_l{k}`, `bias_ih_l{k}`, `bias_hh_l{k}`, with
/// `_reverse` for the backward direction.
public struct RecurrentLayer: Sendable {
    /// The recurrence at every step.
    public let cell: Cell
    /// D: features per time step of the input.
    public let inputSize: Int
    /// H: features of the state.
    public let hiddenSize: Int
    /// Stacked layers; each after the first reads the previous one's output.
    public let layers: Int
    /// Whether each layer also runs the sequence backwards.
    public let bidirectional: Bool
    /// Whether the layers have `bias_ih` and `bias_hh`.
    public let hasBias: Bool
    /// The probability of zeroing an element of every layer's output but the
    /// last, in training only.
    public let dropout: Float
    /// Weights of every layer and direction, indexed `layer·directions + direction`.
    public var weights: [RecurrentWeights]
    /// The arithmetic of the input and recurrent products, forward and
    /// backward: ``Precision/fp32`` (the default) or ``Precision/bf16``
    /// (bf16 operands, fp32 sums; weights, state and cell arithmetic stay
    /// fp32). Not saved with the weights: a run-time choice.
    public var precision: Precision = .fp32

    /// Scratch buffers reused from call to call (shared by copies; thread-safe).
    var scratch = BufferPool()

    /// Recurrent weights packed by inference calls, kept while unchanged.
    var packedCache = PackedWeightCache()

    /// 2 when bidirectional, else 1.
    public var directions: Int { bidirectional ? 2 : 1 }

    /// Features of the output at each step: directions·H.
    public var outputSize: Int { directions * hiddenSize }

    /// A stack of recurrent layers with seeded initial weights.
    ///
    /// - Parameters:
    ///   - cell: the recurrence.
    ///   - inputSize: D, features of each input step (≥ 1).
    ///   - hiddenSize: H, features of the state (≥ 1).
    ///   - layers: how many layers to stack (≥ 1).
    ///   - bidirectional: whether each layer also runs backwards in time.
    ///   - bias: whether the layers have biases.
    ///   - dropout: dropout between layers in training, in [0, 1).
    ///   - initialization: PyTorch's default or Keras's scheme.
    ///   - generator: the source of the initial weights.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` for a
    ///   size below 1 or a dropout outside [0, 1).
    public init(
        cell: Cell, inputSize: Int, hiddenSize: Int, layers: Int = 1, bidirectional: Bool = false,
        bias: Bool = true, dropout: Float = 0, initialization: RecurrentInitialization = .pytorch,
        generator: inout RandomGenerator
    ) throws {
        try Check.positive(inputSize, "inputSize")
        try Check.positive(hiddenSize, "hiddenSize")
        try Check.positive(layers, "layers")
        try Check.fraction(dropout, "dropout")
        self.cell = cell
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.layers = layers
        self.bidirectional = bidirectional
        self.hasBias = bias
        self.dropout = dropout
        let (g, h) = (cell.gateCount, hiddenSize)
        var weights: [RecurrentWeights] = []
        for layer in 0..<layers {
            let d = layer == 0 ? inputSize : (bidirectional ? 2 : 1) * hiddenSize
            for _ in 0..<(bidirectional ? 2 : 1) {
                switch initialization {
                case .pytorch:
                    // The order PyTorch draws them in: weight_ih, weight_hh, bias_ih, bias_hh.
                    let wih = Tensor.pytorchDefault([g * h, d], fanIn: h, using: &generator)
                    let whh = Tensor.pytorchDefault([g * h, h], fanIn: h, using: &generator)
                    let bih = bias ? Tensor.pytorchDefault([g * h], fanIn: h, using: &generator) : nil
                    let bhh = bias ? Tensor.pytorchDefault([g * h], fanIn: h, using: &generator) : nil
                    weights.append(RecurrentWeights(weightIH: wih, weightHH: whh, biasIH: bih, biasHH: bhh))
                case .keras:
                    let wih = Tensor.glorotUniform([d, g * h], using: &generator).transposed()
                    let whh = Tensor.orthogonal([h, g * h], using: &generator).transposed()
                    var bih = bias ? Tensor.zeros([g * h]) : nil
                    if cell == .lstm, bias {
                        for j in h..<(2 * h) { bih![j] = 1 }
                    }
                    let bhh = bias ? Tensor.zeros([g * h]) : nil
                    weights.append(RecurrentWeights(weightIH: wih, weightHH: whh, biasIH: bih, biasHH: bhh))
                }
            }
        }
        self.weights = weights
    }

    /// A layer with the given weights, checked against the architecture.
    ///
    /// - Throws: ``RecurrentError`` naming the first tensor whose shape does
    ///   not fit, or that is missing or present against `bias`.
    public init(
        cell: Cell, inputSize: Int, hiddenSize: Int, layers: Int = 1, bidirectional: Bool = false,
        bias: Bool = true, dropout: Float = 0, weights: [RecurrentWeights]
    ) throws {
        var generator = RandomGenerator(seed: 0)
        try self.init(
            cell: cell, inputSize: inputSize, hiddenSize: hiddenSize, layers: layers,
            bidirectional: bidirectional, bias: bias, dropout: dropout, generator: &generator)
        guard weights.count == self.weights.count else {
            throw RecurrentError.invalidArgument(
                name: "weights", value: "\(weights.count) sets",
                reason: "expected \(self.weights.count) (layers × directions)")
        }
        var values = NamedTensors()
        for (index, set) in weights.enumerated() {
            let suffix = parameterSuffix(index)
            values["weight_ih" + suffix] = set.weightIH
            values["weight_hh" + suffix] = set.weightHH
            if let b = set.biasIH { values["bias_ih" + suffix] = b }
            if let b = set.biasHH { values["bias_hh" + suffix] = b }
        }
        try loadParameters(values)
    }

    /// `_l{layer}` and `_reverse` for the backward direction.
    func parameterSuffix(_ index: Int) -> String {
        "_l\(index / directions)" + (index % directions == 1 ? "_reverse" : "")
    }

    /// A zero state for a batch of `batchSize` sequences.
    public func zeroState(batchSize: Int) -> RecurrentState {
        let shape = [layers * directions, batchSize, hiddenSize]
        return RecurrentState(h: .zeros(shape), c: cell.hasCellState ? .zeros(shape) : nil)
    }
}

extension RecurrentLayer: Module {
    public func visitParameters(_ body: (String, Tensor) throws -> Void) rethrows {
        for (index, set) in weights.enumerated() {
            let suffix = parameterSuffix(index)
            try body("weight_ih" + suffix, set.weightIH)
            try body("weight_hh" + suffix, set.weightHH)
            if let b = set.biasIH { try body("bias_ih" + suffix, b) }
            if let b = set.biasHH { try body("bias_hh" + suffix, b) }
        }
    }

    public mutating func updateParameters(_ body: (String, inout Tensor) throws -> Void) rethrows {
        for index in weights.indices {
            let suffix = parameterSuffix(index)
            try updateKeepingShape("weight_ih" + suffix, &weights[index].weightIH, body)
            try updateKeepingShape("weight_hh" + suffix, &weights[index].weightHH, body)
            if weights[index].biasIH != nil { try updateKeepingShape("bias_ih" + suffix, &weights[index].biasIH!, body) }
            if weights[index].biasHH != nil { try updateKeepingShape("bias_hh" + suffix, &weights[index].biasHH!, body) }
        }
    }
}
