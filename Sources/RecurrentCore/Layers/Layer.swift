/// A value with named trainable parameters: a layer, a model, a recurrent
/// cell. Optimisers, gradient clipping and model files work through this.
///
/// Names are PyTorch's `state_dict` names relative to the module (`weight`,
/// `bias`; a container prefixes its children's, `0.weight`). A conforming type
/// lists every parameter in a fixed order and lets each be changed in place:
///
/// ```swift
/// struct Scale: Module {
///     var gain: Tensor   // [F]
///     func visitParameters(_ body: (String, Tensor) throws -> Void) rethrows {
///         try body("gain", gain)
///     }
///     mutating func updateParameters(_ body: (String, inout Tensor) throws -> Void) rethrows {
///         try body("gain", &gain)
///     }
/// }
/// ```
public protocol Module: Sendable {
    /// Calls `body` with the name and value of every parameter, in a fixed order.
    func visitParameters(_ body: (String, Tensor) throws -> Void) rethrows

    /// Calls `body` with the name of every parameter and the parameter itself,
    /// to change in place, in the order of ``visitParameters(_:)``.
    ///
    /// `body` must keep each parameter's shape (a conforming type stops with a
    /// message naming both shapes otherwise).
    mutating func updateParameters(_ body: (String, inout Tensor) throws -> Void) rethrows
}

extension Module {
    /// Every parameter by name, in order: the model's `state_dict`.
    public var parameters: NamedTensors {
        var result = NamedTensors()
        visitParameters { name, tensor in result[name] = tensor }
        return result
    }

    /// The total number of scalar parameters.
    public var parameterCount: Int {
        var total = 0
        visitParameters { _, tensor in total += tensor.count }
        return total
    }

    /// Replaces every parameter by the tensor of the same name in `values`.
    ///
    /// All names and shapes are checked before anything changes, so on error
    /// the module is as it was.
    ///
    /// - Throws: ``RecurrentError/missingParameter(name:)`` when `values` lacks
    ///   a parameter, ``RecurrentError/parameterShapeMismatch(name:expected:actual:)``
    ///   when a shape differs, and ``RecurrentError/unexpectedParameter(name:)``
    ///   when `values` holds a name the module does not have.
    public mutating func loadParameters(_ values: NamedTensors) throws {
        var known = Set<String>()
        try visitParameters { name, current in
            guard let value = values[name] else { throw RecurrentError.missingParameter(name: name) }
            guard value.shape == current.shape else {
                throw RecurrentError.parameterShapeMismatch(name: name, expected: current.shape, actual: value.shape)
            }
            known.insert(name)
        }
        if let extra = values.names.first(where: { !known.contains($0) }) {
            throw RecurrentError.unexpectedParameter(name: extra)
        }
        updateParameters { name, tensor in tensor = values[name]! }
    }
}

/// Runs `body` on one parameter and stops if it changed the parameter's shape.
func updateKeepingShape(
    _ name: String, _ tensor: inout Tensor, _ body: (String, inout Tensor) throws -> Void
) rethrows {
    let shape = tensor.shape
    try body(name, &tensor)
    require(tensor.shape == shape, "parameter \(name): update changed shape \(shape) to \(tensor.shape)")
}

/// A module that maps one tensor to another and can run backwards: Dense,
/// activations, and the models built from them.
///
/// ``forward(_:)`` returns the output and a cache holding exactly what
/// ``backward(_:cache:)`` needs; backward takes the loss's gradient with
/// respect to the output and returns the gradient with respect to the input
/// and to every parameter (named as in ``Module/visitParameters(_:)``).
///
/// ```swift
/// let (y, cache) = try layer.forward(x)
/// let (dx, gradients) = layer.backward(dy, cache: cache)
/// ```
public protocol Layer: Module {
    /// What the forward pass keeps for the backward pass.
    associatedtype Cache

    /// The output for `input`, and what backward needs.
    ///
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` for
    ///   an input whose shape the layer cannot read.
    func forward(_ input: Tensor) throws -> (output: Tensor, cache: Cache)

    /// Gradients of a loss, given `dOutput` = ∂loss/∂output of the forward
    /// call that made `cache`.
    ///
    /// - Returns: ∂loss/∂input, the shape of the input, and ∂loss/∂parameter
    ///   for every parameter, by name.
    func backward(_ dOutput: Tensor, cache: Cache) -> (dInput: Tensor, gradients: NamedTensors)
}

extension Layer {
    /// The output for `input` (the forward pass, keeping nothing for backward).
    ///
    /// - Throws: what ``forward(_:)`` throws.
    public func callAsFunction(_ input: Tensor) throws -> Tensor { try forward(input).output }

    /// The output, and the backward pass that holds this forward's cache.
    func forwardWithPullback(_ input: Tensor) throws
        -> (output: Tensor, pullback: (Tensor) -> (dInput: Tensor, gradients: NamedTensors))
    {
        let (output, cache) = try forward(input)
        return (output, { backward($0, cache: cache) })
    }
}
