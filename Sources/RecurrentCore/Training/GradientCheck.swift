/// Checks analytic gradients against central finite differences.
///
/// Rather than one partial derivative at a time, it compares a directional
/// derivative: for a random direction v, the analytic ⟨∇f, v⟩ against a
/// central difference of f along v. One comparison covers every element at
/// once, and with v of unit-scale elements the change of f is large enough to
/// stand above Float32 rounding. f is accumulated in `Double`, and the
/// analytic side uses the perturbations that the Float32 tensors actually
/// received, so rounding of x ± hv does not count as error.
///
/// The difference is the five-point stencil, off by about h⁴·f⁽⁵⁾/30 for a
/// smooth f, plus the rounding noise of f divided by h; see the tests for the
/// tolerances chosen.
///
/// ```swift
/// var generator = RandomGenerator(seed: 3)
/// let layer = try Dense(inputSize: 3, outputSize: 2, activation: .tanh, generator: &generator)
/// for result in GradientCheck.check(layer, input: Tensor.normal([4, 3], using: &generator),
///                                   generator: &generator) {
///     print(result)   // input: expected …, observed …, relative error 3e-06 (scale …)
/// }
/// ```
public enum GradientCheck {
    /// One comparison of an analytic and a numerical directional derivative.
    public struct Result: Sendable, CustomStringConvertible {
        /// What was perturbed: `input` or a parameter name.
        public var name: String
        /// The five-point central difference along the direction.
        public var expected: Double
        /// The analytic directional derivative ⟨∇f, v⟩, up to the rounding
        /// of the perturbations.
        public var observed: Double
        /// Σ |∂f/∂xᵢ · vᵢ|: what |observed| would be if no terms cancelled.
        public var scale: Double

        /// |expected − observed| / ``scale``, or the plain difference when the
        /// scale is 0.
        ///
        /// Measured against the scale rather than |observed|, so that a
        /// direction along which the terms happen to cancel does not turn
        /// Float32 rounding noise into a large relative error. Along a
        /// direction from ``GradientCheck/direction(along:using:)`` the
        /// observed value is close to the scale, so a gradient that is 1% too
        /// large shows as about 1%, and one element of n wrong by a factor of 2
        /// as about 1/n.
        public var relativeError: Double {
            scale == 0 ? abs(expected - observed) : abs(expected - observed) / scale
        }

        /// One line: name, expected, observed, relative error and scale.
        public var description: String {
            "\(name): expected \(expected), observed \(observed), relative error \(relativeError) (scale \(scale))"
        }
    }

    /// Compares `gradient` = ∇f(x) with a central difference of `f` along `direction`.
    ///
    /// The difference is the five-point stencil
    /// (8(f(x + hv) − f(x − hv)) − (f(x + 2hv) − f(x − 2hv))) / 12h, whose
    /// truncation error is O(h⁴) rather than the O(h²) of the two-point one, so
    /// that h can be large enough for Float32 rounding of f not to matter. The
    /// analytic side takes the same combination of the perturbations the
    /// tensors actually received.
    ///
    /// - Parameters:
    ///   - name: a label for the result.
    ///   - x: the point.
    ///   - gradient: the analytic ∇f(x), x's shape.
    ///   - direction: v, x's shape.
    ///   - step: h.
    ///   - f: the function, evaluated four times; an error it throws is
    ///     passed on.
    public static func compare(
        _ name: String, at x: Tensor, gradient: Tensor, direction: Tensor, step: Float,
        _ f: (Tensor) throws -> Double
    ) rethrows -> Result {
        require(
            x.shape == gradient.shape && x.shape == direction.shape,
            "GradientCheck.compare(\(name)): point \(x.shape), gradient \(gradient.shape), direction \(direction.shape) differ")
        let points = [1, -1, 2, -2].map { (k: Float) in x.zipMap(direction) { $0 + k * step * $1 } }
        let weights: [Double] = [8, -8, -1, 1]
        let denominator = 12 * Double(step)
        var expected = 0.0
        for (point, weight) in zip(points, weights) { expected += try weight * f(point) }
        // Δ = Σₖ wₖ(xₖ − x), the combined perturbation each element received.
        var delta = [Double](repeating: 0, count: x.count)
        for (point, weight) in zip(points, weights) {
            point.withUnsafeBufferPointer { p in
                x.withUnsafeBufferPointer { x in
                    for i in 0..<x.count { delta[i] += weight * (Double(p[i]) - Double(x[i])) }
                }
            }
        }
        var observed = 0.0, scale = 0.0
        gradient.withUnsafeBufferPointer { g in
            for i in 0..<g.count {
                observed += Double(g[i]) * delta[i]
                scale += abs(Double(g[i]) * delta[i])
            }
        }
        return Result(
            name: name, expected: expected / denominator, observed: observed / denominator,
            scale: scale / denominator)
    }

    /// A direction for ``compare(_:at:gradient:direction:step:_:)``: r + g / rms(g)
    /// with r drawn from N(0, 1), or r alone when g is zero.
    ///
    /// The random part exposes errors in any direction; the part along the
    /// (analytic) gradient keeps ⟨g, v⟩ from cancelling to nearly nothing, so
    /// that an error in the gradient's scale shows in full.
    public static func direction(along gradient: Tensor, using generator: inout RandomGenerator) -> Tensor {
        let random = Tensor.normal(gradient.shape, using: &generator)
        let meanSquare = Double(gradient.squaredNorm()) / Double(Swift.max(gradient.count, 1))
        guard meanSquare > 0 else { return random }
        return random.zipMap(gradient) { $0 + $1 / Float(meanSquare.squareRoot()) }
    }

    /// Checks a layer's backward pass for its input and every parameter.
    ///
    /// The scalar checked is f = Σ R ⊙ layer(x) with R drawn from N(0, 1), so
    /// that ∂f/∂output = R exercises every output; each direction comes from
    /// ``direction(along:using:)``, input first, then parameters in order.
    ///
    /// - Parameters:
    ///   - layer: the layer.
    ///   - input: x.
    ///   - step: h, 1e−2 by default (see ``GradientCheck``).
    ///   - generator: the source of R and the directions.
    /// - Returns: one result for `input`, then one per parameter.
    public static func check<L: Layer>(
        _ layer: L, input: Tensor, step: Float = 1e-2, generator: inout RandomGenerator
    ) throws -> [Result] {
        let (output, cache) = try layer.forward(input)
        let r = Tensor.normal(output.shape, using: &generator)
        let (dInput, gradients) = layer.backward(r, cache: cache)
        func f(_ y: Tensor) -> Double {
            var total = 0.0
            y.withUnsafeBufferPointer { y in
                r.withUnsafeBufferPointer { r in
                    for i in 0..<y.count { total += Double(y[i]) * Double(r[i]) }
                }
            }
            return total
        }
        var results = [
            compare("input", at: input, gradient: dInput, direction: direction(along: dInput, using: &generator),
                    step: step) { f(try! layer($0)) }
        ]
        for (name, value) in layer.parameters {
            guard let gradient = gradients[name] else { continue }
            results.append(
                compare(name, at: value, gradient: gradient, direction: direction(along: gradient, using: &generator),
                        step: step) { perturbed in
                    var copy = layer
                    copy.updateParameters { other, tensor in if other == name { tensor = perturbed } }
                    return f(try! copy(input))
                })
        }
        return results
    }
}
