// Letters: N rows (all leading dimensions together), F features (last axis).

/// An element-wise (or, for softmax, row-wise) nonlinearity φ, usable alone as
/// a parameterless ``Layer`` or fused into ``Dense``.
///
/// | case | y = φ(x) | ∂y/∂x from the output y |
/// | --- | --- | --- |
/// | `identity` | x | 1 |
/// | `tanh` | tanh x | 1 − y² |
/// | `sigmoid` | 1 / (1 + e^−x) | y(1 − y) |
/// | `relu` | max(x, 0) | 1 if y > 0, else 0 (so 0 at x = 0, as PyTorch) |
/// | `softmax` | e^(x − max x) / Σ e^(x − max x) over the last axis | dx = y ⊙ (dy − Σ(dy ⊙ y)) |
///
/// Every derivative is written in terms of the output, so backward needs only y.
/// NaN in gives NaN out. A softmax row containing +∞, or only −∞, gives NaN.
///
/// ```swift
/// let model = Sequential(try Dense(inputSize: 2, outputSize: 8, generator: &generator),
///                        Activation.tanh,
///                        try Dense(inputSize: 8, outputSize: 1, generator: &generator))
/// ```
public enum Activation: String, Sendable, CaseIterable, Codable {
    case identity, tanh, sigmoid, relu, softmax

    /// φ applied to every element (every last-axis row for softmax).
    public func apply(_ x: Tensor) -> Tensor {
        switch self {
        case .identity:
            return x
        case .tanh:
            var y = Tensor.zeros(x.shape)
            x.withUnsafeBufferPointer { x in y.withUnsafeMutableBufferPointer { ActivationKernels.tanh(x, into: $0) } }
            return y
        case .sigmoid:
            var y = Tensor.zeros(x.shape)
            x.withUnsafeBufferPointer { x in y.withUnsafeMutableBufferPointer { ActivationKernels.sigmoid(x, into: $0) } }
            return y
        case .relu:
            return x.map { $0 > 0 ? $0 : ($0.isNaN ? $0 : 0) }
        case .softmax:
            return Activation.softmax(x)
        }
    }

    /// The gradient with respect to the input, from the gradient `dy` with
    /// respect to the output and the output `y` of ``apply(_:)``.
    public func backward(_ dy: Tensor, output y: Tensor) -> Tensor {
        require(dy.shape == y.shape, "Activation.backward: gradient \(dy.shape) and output \(y.shape) differ")
        switch self {
        case .identity:
            return dy
        case .tanh:
            // forward was `y = tanh(x)`, so `dx = dy·(1 − y²)`
            return dy.zipMap(y) { dy, y in dy * (1 - y * y) }
        case .sigmoid:
            // forward was `y = σ(x)`, so `dx = dy·y·(1 − y)`
            return dy.zipMap(y) { dy, y in dy * y * (1 - y) }
        case .relu:
            // forward was `y = max(x, 0)`, so `dx = dy` where y > 0
            return dy.zipMap(y) { dy, y in y > 0 ? dy : 0 }
        case .softmax:
            return Activation.softmaxBackward(dy, output: y)
        }
    }

    /// Softmax over the last axis, shifted by each row's maximum so that no
    /// exponential overflows.
    static func softmax(_ x: Tensor) -> Tensor {
        require(x.rank >= 1, "softmax: a scalar (shape \(x.shape)) has no last axis")
        let width = x.shape[x.rank - 1]
        var y = Tensor.zeros(x.shape)
        guard width > 0 else { return y }
        x.withUnsafeBufferPointer { x in
            y.withUnsafeMutableBufferPointer { y in
                var start = 0
                while start < x.count {
                    let row = UnsafeBufferPointer(rebasing: x[start..<(start + width)])
                    let out = UnsafeMutableBufferPointer(rebasing: y[start..<(start + width)])
                    var maximum = row[0]
                    for f in 1..<width where row[f] > maximum { maximum = row[f] }
                    for f in 0..<width { out[f] = row[f] - maximum }
                    ActivationKernels.exp(UnsafeBufferPointer(out), into: out)
                    var total: Float = 0
                    for f in 0..<width { total += out[f] }
                    let scale = 1 / total
                    for f in 0..<width { out[f] *= scale }
                    start += width
                }
            }
        }
        return y
    }

    /// forward was `y = e^x / Σ e^x` per row, so `dx = y ⊙ (dy − Σ_f dy_f·y_f)`.
    static func softmaxBackward(_ dy: Tensor, output y: Tensor) -> Tensor {
        let width = y.shape[y.rank - 1]
        var dx = Tensor.zeros(y.shape)
        guard width > 0 else { return dx }
        dy.withUnsafeBufferPointer { dy in
            y.withUnsafeBufferPointer { y in
                dx.withUnsafeMutableBufferPointer { dx in
                    var start = 0
                    while start < y.count {
                        var dot: Float = 0
                        for f in start..<(start + width) { dot += dy[f] * y[f] }
                        for f in start..<(start + width) { dx[f] = y[f] * (dy[f] - dot) }
                        start += width
                    }
                }
            }
        }
        return dx
    }
}

extension Activation: Layer {
    /// The output y, from which every derivative follows.
    public typealias Cache = Tensor

    /// y = φ(x), kept as the cache.
    public func forward(_ input: Tensor) -> (output: Tensor, cache: Tensor) {
        let y = apply(input)
        return (y, y)
    }

    /// dx from dy and the cached output (see the table on ``Activation``); no parameter gradients.
    public func backward(_ dOutput: Tensor, cache output: Tensor) -> (dInput: Tensor, gradients: NamedTensors) {
        (backward(dOutput, output: output), NamedTensors())
    }

    /// An activation has no parameters.
    public func visitParameters(_ body: (String, Tensor) throws -> Void) rethrows {}

    /// An activation has no parameters.
    public mutating func updateParameters(_ body: (String, inout Tensor) throws -> Void) rethrows {}
}
