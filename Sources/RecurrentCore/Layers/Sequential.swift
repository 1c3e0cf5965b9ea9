/// Layers applied one after another: `y = fₙ(… f₁(f₀(x)))`.
///
/// Parameters are named as PyTorch's `nn.Sequential` names them: the layer's
/// index, a dot, the layer's own name. Parameterless layers (activations)
/// take an index too, so
///
/// ```swift
/// var generator = RandomGenerator(seed: 0)
/// let model = Sequential(
///     try Dense(inputSize: 2, outputSize: 8, generator: &generator),
///     Activation.tanh,
///     try Dense(inputSize: 8, outputSize: 1, generator: &generator))
/// model.parameters.names   // ["0.weight", "0.bias", "2.weight", "2.bias"]
/// ```
///
/// has the `state_dict` of `nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))`.
public struct Sequential: Layer {
    /// The layers, first applied first.
    public private(set) var layers: [any Layer]

    /// A model of the given layers.
    public init(_ layers: [any Layer]) {
        self.layers = layers
    }

    /// A model of the given layers.
    public init(_ layers: any Layer...) {
        self.init(layers)
    }

    /// Each layer's backward pass, in order, holding that layer's cache.
    public struct Cache {
        let pullbacks: [(Tensor) -> (dInput: Tensor, gradients: NamedTensors)]
    }

    /// Runs the layers in order, keeping each one's backward pass with its cache.
    ///
    /// - Throws: what a layer's forward throws for an input it cannot read.
    public func forward(_ input: Tensor) throws -> (output: Tensor, cache: Cache) {
        var x = input
        var pullbacks: [(Tensor) -> (dInput: Tensor, gradients: NamedTensors)] = []
        pullbacks.reserveCapacity(layers.count)
        for layer in layers {
            let (y, pullback) = try layer.forwardWithPullback(x)
            pullbacks.append(pullback)
            x = y
        }
        return (x, Cache(pullbacks: pullbacks))
    }

    /// Runs the layers' backward passes in reverse order; gradients are named
    /// `index.name` and listed in forward order.
    public func backward(_ dOutput: Tensor, cache: Cache) -> (dInput: Tensor, gradients: NamedTensors) {
        var dy = dOutput
        var perLayer = [NamedTensors](repeating: NamedTensors(), count: layers.count)
        // forward ran `x = layers[i](x)` for i = 0, 1, …; backward runs i = n−1, …, 0.
        for index in layers.indices.reversed() {
            let (dx, gradients) = cache.pullbacks[index](dy)
            perLayer[index] = gradients.prefixed("\(index).")
            dy = dx
        }
        var gradients = NamedTensors()
        for layerGradients in perLayer { gradients.append(contentsOf: layerGradients) }
        return (dy, gradients)
    }

    /// Every layer's parameters in layer order, named `index.name`.
    public func visitParameters(_ body: (String, Tensor) throws -> Void) rethrows {
        for (index, layer) in layers.enumerated() {
            try layer.visitParameters { name, tensor in try body("\(index).\(name)", tensor) }
        }
    }

    /// Lets `body` change every layer's parameters in place, named `index.name`.
    public mutating func updateParameters(_ body: (String, inout Tensor) throws -> Void) rethrows {
        for index in layers.indices {
            try layers[index].updateParameters { name, tensor in try body("\(index).\(name)", &tensor) }
        }
    }
}
