// Letters: B batch, T time, D features, V vocabulary, W = T·D (or T·V) the
// flattened window, H hidden, O outputs.
//
//   x [B, T, D] ─flatten→ [B, W] ─Dense tanh→ [B, H] ─Dense tanh→ [B, H] ─Dense→ [B, O]

/// The multilayer perceptron baseline: a fixed window of T steps flattened
/// into one vector (token ids one-hot), then dense layers — the model a
/// recurrent network has to beat, and the seed's contrast to it.
///
/// Steps past a sequence's length read as zeros; a sequence longer than T
/// is cut to its first T steps. Its parameters are named as PyTorch's
/// `nn.Sequential` of `nn.Linear` layers names them, under `mlp.`:
/// `mlp.0.weight` [H, W], `mlp.0.bias`, …, the last layer [O, H] (each
/// hidden layer applies tanh; the last is linear: logits or values).
///
/// ```swift
/// var generator = RandomGenerator(seed: 1)
/// let mlp = try WindowMLP(input: .features(1), steps: 24, hiddenSizes: [32, 32], outputSize: 1,
///                         generator: &generator)
/// let y = mlp(Tensor.normal([8, 24, 1], using: &generator))   // [8, 1]
/// ```
public struct WindowMLP: Sendable {
    /// The widest flattened window (and layer) an MLP may have: 2²⁴.
    public static let maximumWidth = 1 << 24

    /// What each step holds.
    public let input: SequenceInput
    /// T, the steps read.
    public let steps: Int
    /// The dense layers, applied to the flattened window.
    public private(set) var network: Sequential

    /// W, the flattened window's width: T·D or T·V.
    public var width: Int { input.width(steps: steps)! }

    /// O, the outputs.
    public var outputSize: Int { (network.layers.last as? Dense)?.outputSize ?? 0 }

    /// Freshly drawn weights (PyTorch's `nn.Linear` initialisation): a tanh
    /// layer per hidden size, then a linear layer of `outputSize`.
    ///
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` for a size below 1.
    public init(
        input: SequenceInput, steps: Int, hiddenSizes: [Int], outputSize: Int, generator: inout RandomGenerator
    ) throws {
        guard var width = input.width(steps: steps) else {
            throw RecurrentError.invalidArgument(
                name: "input", value: "\(input) over \(steps) steps",
                reason: "needs sizes ≥ 1 and a window of at most \(WindowMLP.maximumWidth) values")
        }
        self.input = input
        self.steps = steps
        var layers: [any Layer] = []
        for hidden in hiddenSizes {
            layers.append(try Dense(inputSize: width, outputSize: hidden, activation: .tanh, generator: &generator))
            width = hidden
        }
        layers.append(try Dense(inputSize: width, outputSize: outputSize, generator: &generator))
        self.network = Sequential(layers)
    }

    /// An MLP of the given dense layers, checked to chain from the window's
    /// width to the outputs.
    ///
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` naming
    ///   the layer that does not fit.
    public init(input: SequenceInput, steps: Int, layers: [Dense]) throws {
        guard input.width(steps: steps) != nil else {
            throw RecurrentError.invalidArgument(
                name: "input", value: "\(input) over \(steps) steps",
                reason: "needs sizes ≥ 1 and a window of at most \(WindowMLP.maximumWidth) values")
        }
        guard !layers.isEmpty else {
            throw RecurrentError.invalidArgument(name: "layers", value: "none", reason: "an MLP needs a layer")
        }
        self.input = input
        self.steps = steps
        self.network = Sequential(layers)
        var width = self.width
        for (index, layer) in layers.enumerated() {
            guard layer.inputSize == width else {
                throw RecurrentError.invalidArgument(
                    name: "mlp.\(index).weight", value: "of shape \(layer.weight.shape)",
                    reason: "reads \(layer.inputSize) values, but the layer before gives \(width)")
            }
            width = layer.outputSize
        }
    }

    /// The window of each sequence as one row, [B, W].
    ///
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` for
    ///   an input that is not [B, T, D] features (or [B, T] token ids), or
    ///   lengths that are not one per sequence.
    public func flatten(_ x: Tensor, lengths: [Int]? = nil) throws -> Tensor {
        let valid =
            switch input {
            case .features(let d): x.rank == 3 && x.shape[2] == d
            case .tokens: x.rank == 2
            }
        guard valid else {
            let expected = if case .features(let d) = input { "[B, T, \(d)]" } else { "[B, T] of token ids" }
            throw RecurrentError.invalidArgument(
                name: "input", value: "of shape \(x.shape)", reason: "the MLP reads \(expected)")
        }
        let b = x.shape[0]
        let t = x.shape[1]
        if let lengths, lengths.count != b {
            throw RecurrentError.invalidArgument(
                name: "lengths", value: "\(lengths.count) lengths", reason: "the batch holds \(b) sequences")
        }
        let kept = Swift.min(t, steps)
        let width = self.width
        var out = [Float](repeating: 0, count: b * width)
        x.scalars.withUnsafeBufferPointer { xs in
            for row in 0..<b {
                let real = Swift.min(kept, lengths?[row] ?? t)
                switch input {
                case .features(let d):
                    for s in 0..<real {
                        for f in 0..<d { out[row * width + s * d + f] = xs[(row * t + s) * d + f] }
                    }
                case .tokens(let v):
                    for s in 0..<real {
                        let id = Int(xs[row * t + s])
                        if id >= 0 && id < v { out[row * width + s * v + id] = 1 }
                    }
                }
            }
        }
        return Tensor(shape: [b, width], scalars: out)
    }

    /// The outputs for a batch of sequences: [B, O].
    ///
    /// - Throws: what ``flatten(_:lengths:)`` throws.
    public func callAsFunction(_ x: Tensor, lengths: [Int]? = nil) throws -> Tensor {
        try network(try flatten(x, lengths: lengths))
    }

    /// Every parameter, named `mlp.` + ``Sequential``'s names.
    public var parameters: NamedTensors { network.parameters.prefixed("mlp.") }

    /// The number of scalars in the parameters.
    public var parameterCount: Int { network.parameterCount }

    /// Puts `network` (the same layer sizes, as trained) in place of the MLP's.
    public mutating func replaceNetwork(_ network: Sequential) {
        require(
            network.parameters.map(\.tensor.shape) == self.network.parameters.map(\.tensor.shape),
            "WindowMLP.replaceNetwork: the layers' shapes differ")
        self.network = network
    }
}
