// Letters: N rows (every leading dimension of the input together, e.g. B·T),
// I input features, O output features.

/// A fully connected layer: `y = φ(x·Wᵀ + b)`.
///
/// The weight W is stored as PyTorch's `nn.Linear` stores it, [O, I], under
/// the name `weight`, and the bias b as [O] under `bias`, so a Linear layer's
/// `state_dict` loads unchanged. φ is the fused ``Activation`` (identity by
/// default, making this exactly `nn.Linear`).
///
/// The input may have any number of leading dimensions: [N, I] and a sequence
/// [B, T, I] alike (then the layer acts at every time step), giving [N, O]
/// and [B, T, O].
///
/// ```swift
/// var generator = RandomGenerator(seed: 7)
/// let layer = try Dense(inputSize: 4, outputSize: 3, activation: .tanh, generator: &generator)
/// let y = layer(Tensor.ones([2, 4]))   // [2, 3]
/// ```
public struct Dense: Layer {
    /// W, [O, I].
    public private(set) var weight: Tensor
    /// b, [O]; nil for a layer without bias.
    public private(set) var bias: Tensor?
    /// φ, applied after the affine map.
    public var activation: Activation

    /// I, the size of the input's last dimension.
    public var inputSize: Int { weight.shape[1] }
    /// O, the size of the output's last dimension.
    public var outputSize: Int { weight.shape[0] }

    /// How ``Dense`` draws its initial weights.
    public enum Initialization: Sendable {
        /// PyTorch's `nn.Linear`: W and b from U(−1/√I, 1/√I).
        case pytorch
        /// Keras's `Dense`: W Glorot-uniform, b zero.
        case glorotUniform
    }

    /// A layer with freshly drawn weights.
    ///
    /// Draws W (row-major) and then b from `generator`.
    ///
    /// - Parameters:
    ///   - inputSize: I, at least 1.
    ///   - outputSize: O, at least 1.
    ///   - bias: whether the layer adds a bias.
    ///   - activation: φ, identity by default.
    ///   - initialization: PyTorch's default or Keras's.
    ///   - generator: the source of the initial weights.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` for a size below 1.
    public init(
        inputSize: Int, outputSize: Int, bias: Bool = true, activation: Activation = .identity,
        initialization: Initialization = .pytorch, generator: inout RandomGenerator
    ) throws {
        try Check.positive(inputSize, "inputSize")
        try Check.positive(outputSize, "outputSize")
        switch initialization {
        case .pytorch:
            weight = Tensor.pytorchDefault([outputSize, inputSize], fanIn: inputSize, using: &generator)
            self.bias = bias ? Tensor.pytorchDefault([outputSize], fanIn: inputSize, using: &generator) : nil
        case .glorotUniform:
            weight = Tensor.glorotUniform([outputSize, inputSize], using: &generator)
            self.bias = bias ? Tensor.zeros([outputSize]) : nil
        }
        self.activation = activation
    }

    /// A layer with the given weights.
    ///
    /// - Parameters:
    ///   - weight: W, [O, I] with O, I ≥ 1.
    ///   - bias: b, [O], or nil.
    ///   - activation: φ.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` when a shape is wrong.
    public init(weight: Tensor, bias: Tensor?, activation: Activation = .identity) throws {
        guard weight.rank == 2, weight.shape.allSatisfy({ $0 > 0 }) else {
            throw RecurrentError.invalidArgument(
                name: "weight", value: "of shape \(weight.shape)", reason: "must be [outputSize, inputSize], both ≥ 1")
        }
        if let bias, bias.shape != [weight.shape[0]] {
            throw RecurrentError.invalidArgument(
                name: "bias", value: "of shape \(bias.shape)", reason: "must be [\(weight.shape[0])] for weight \(weight.shape)")
        }
        self.weight = weight
        self.bias = bias
        self.activation = activation
    }

    /// What backward needs: the input and the activation's output, both
    /// flattened to rows, and the input's leading dimensions.
    public struct Cache {
        /// x, [N, I].
        let input: Tensor
        /// y = φ(z), [N, O].
        let output: Tensor
        /// The input's shape, to give dx back in it.
        let inputShape: [Int]
    }

    /// `y = φ(x·Wᵀ + b)` for x of shape [..., I].
    ///
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)``
    ///   naming both shapes when the input's last dimension is not I.
    public func forward(_ input: Tensor) throws -> (output: Tensor, cache: Cache) {
        guard input.rank >= 1, input.shape[input.rank - 1] == inputSize else {
            throw RecurrentError.invalidArgument(
                name: "input", value: "of shape \(input.shape)",
                reason: "does not fit the dense layer's weight \(weight.shape): the last dimension must be \(inputSize)")
        }
        let leading = Array(input.shape.dropLast())
        let x = input.reshaped([-1, inputSize])  // [N, I]
        var z = x.matmul(weight, transposeOther: true)  // [N, O] = x·Wᵀ
        if let bias { z.addRow(bias) }  // + b
        let y = activation.apply(z)  // φ(z)
        return (y.reshaped(leading + [outputSize]), Cache(input: x, output: y, inputShape: input.shape))
    }

    /// dx, dW and db from dy = ∂loss/∂y: `dz = φ'(z) ⊙ dy`, `dW = dzᵀ·x`,
    /// `db = Σ_rows dz`, `dx = dz·W`.
    ///
    /// - Parameters:
    ///   - dOutput: ∂loss/∂y, the output's shape [..., O].
    ///   - cache: from the ``forward(_:)`` that made y.
    /// - Returns: dx in the input's shape, and `weight` (and `bias`) gradients.
    public func backward(_ dOutput: Tensor, cache: Cache) -> (dInput: Tensor, gradients: NamedTensors) {
        let outputShape = Array(cache.inputShape.dropLast()) + [outputSize]
        require(
            dOutput.shape == outputShape,
            "Dense.backward: gradient of shape \(dOutput.shape) does not match output \(outputShape)")
        let dy = dOutput.reshaped([-1, outputSize])  // [N, O]
        // forward was `y = φ(z)`, so `dz = φ'(z) ⊙ dy`
        let dz = activation.backward(dy, output: cache.output)
        var gradients = NamedTensors()
        // forward was `z = x·Wᵀ + b`, so `dW = dzᵀ·x`, `db = Σ_rows dz`, `dx = dz·W`
        gradients["weight"] = dz.matmul(cache.input, transposeSelf: true)  // [O, I]
        if bias != nil { gradients["bias"] = dz.sumRows() }  // [O]
        let dx = dz.matmul(weight)  // [N, I]
        return (dx.reshaped(cache.inputShape), gradients)
    }

    /// `weight`, then `bias` if the layer has one.
    public func visitParameters(_ body: (String, Tensor) throws -> Void) rethrows {
        try body("weight", weight)
        if let bias { try body("bias", bias) }
    }

    /// Lets `body` change `weight`, then `bias`, in place, keeping their shapes.
    public mutating func updateParameters(_ body: (String, inout Tensor) throws -> Void) rethrows {
        try updateKeepingShape("weight", &weight, body)
        if var value = bias {
            bias = nil  // so that `value` is the only reference and updates in place
            defer { bias = value }
            try updateKeepingShape("bias", &value, body)
        }
    }
}
