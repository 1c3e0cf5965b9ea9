/// An ordered collection of tensors keyed by name: a model's parameters, their
/// gradients, or any other state dictionary.
///
/// Names follow PyTorch's `state_dict` (`weight`, `0.bias`,
/// `weight_ih_l0_reverse`); the order is the order of insertion, which for a
/// model's ``Module/parameters`` is the order PyTorch lists them in.
///
/// ```swift
/// var gradients = NamedTensors()
/// gradients["weight"] = dW
/// gradients["bias"] = db
/// for (name, tensor) in gradients { print(name, tensor.shape) }
/// ```
public struct NamedTensors: Sendable, Equatable, Sequence {
    /// The names, in order.
    public private(set) var names: [String] = []
    private var tensors: [String: Tensor] = [:]

    /// An empty collection.
    public init() {}

    /// A collection of the given pairs, in order; names must be distinct.
    public init(_ pairs: [(String, Tensor)]) {
        for (name, tensor) in pairs {
            require(tensors[name] == nil, "NamedTensors: name \(name) appears twice")
            self[name] = tensor
        }
    }

    /// The tensor of a name, or nil. Setting a new name appends it; setting
    /// nil removes it.
    public subscript(name: String) -> Tensor? {
        get { tensors[name] }
        set {
            switch (tensors[name], newValue) {
            case (nil, let value?):
                names.append(name)
                tensors[name] = value
            case (_?, nil):
                names.removeAll { $0 == name }
                tensors[name] = nil
            default:
                tensors[name] = newValue
            }
        }
    }

    /// The number of tensors.
    public var count: Int { names.count }

    /// Whether there are no tensors.
    public var isEmpty: Bool { names.isEmpty }

    /// The same tensors with `prefix` put before every name
    /// (`"0."` makes `weight` into `0.weight`).
    public func prefixed(_ prefix: String) -> NamedTensors {
        NamedTensors(names.map { (prefix + $0, tensors[$0]!) })
    }

    /// Appends the tensors of `other`, whose names must all be new.
    public mutating func append(contentsOf other: NamedTensors) {
        for (name, tensor) in other {
            require(tensors[name] == nil, "NamedTensors.append: name \(name) appears twice")
            self[name] = tensor
        }
    }

    /// The square root of the sum of squares of every element of every tensor
    /// (the global L2 norm), accumulated in `Double`.
    public func globalNorm() -> Double {
        names.reduce(0.0) { $0 + tensors[$1]!.squaredNormDouble() }.squareRoot()
    }

    /// The pairs in order.
    public func makeIterator() -> some IteratorProtocol<(name: String, tensor: Tensor)> {
        names.lazy.map { (name: $0, tensor: self.tensors[$0]!) }.makeIterator()
    }
}
