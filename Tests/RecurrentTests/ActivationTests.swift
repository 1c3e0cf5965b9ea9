import Foundation
import Recurrent
import RecurrentTestSupport
import Testing

/// Activations: values against Foundation's Double functions, behaviour at the
/// extremes, and backward against finite differences.
@Suite struct ActivationTests {
    private let points: [Float] = [-20, -3, -0.5, 0, 0.25, 1, 4, 20]

    /// tanh and sigmoid agree with Double to a few Float ulps (2⁻²³ ≈ 1.2e-7);
    /// 1e-6 allows libm's float error plus one rounding.
    @Test func valuesMatchDoublePrecision() {
        let x = Tensor(points)
        let doubles = points.map(Double.init)
        #expect(mismatch(Activation.tanh.apply(x), doubles.map { Foundation.tanh($0) }, relative: 1e-6) == nil)
        let sigmoid = doubles.map { 1 / (1 + Foundation.exp(-$0)) }
        #expect(mismatch(Activation.sigmoid.apply(x), sigmoid, relative: 1e-6) == nil)
        #expect(Activation.relu.apply(x).scalars == points.map { max($0, 0) })
        #expect(Activation.identity.apply(x) == x)
    }

    @Test func softmaxOfRows() {
        let x = Tensor(rows: [[1, 2, 3], [0, 0, 0]])
        let y = Activation.softmax.apply(x)
        let e: [Double] = [1.0, 2.0, 3.0].map { Foundation.exp($0) }
        let total: Double = e.reduce(0, +)
        var expected: [Double] = e.map { $0 / total }
        expected.append(contentsOf: repeatElement(1.0 / 3, count: 3))
        #expect(mismatch(y, expected, relative: 1e-6) == nil)
        #expect(mismatch(y.sum(alongAxis: -1), [1.0, 1.0], absolute: 1e-6) == nil)
    }

    @Test func extremesSaturateWithoutNaN() {
        let y = Activation.sigmoid.apply(Tensor([-100, 100, -1e30, 1e30]))
        #expect(y.isFinite)
        #expect(y.scalars[1] == 1 && y.scalars[3] == 1 && y.scalars[0] < 1e-30 && y.scalars[2] == 0)
        #expect(Activation.tanh.apply(Tensor([-50, 50])).scalars == [-1, 1])
        let s = Activation.softmax.apply(Tensor(rows: [[1000, 1000, -1000]]))
        #expect(s.scalars == [0.5, 0.5, 0])
        for activation in Activation.allCases {
            #expect(activation.apply(Tensor([.nan, 1])).scalars[0].isNaN, "\(activation) of NaN")
        }
    }

    @Test func reluDerivativeIsZeroAtZero() {
        let (y, cache) = Activation.relu.forward(Tensor([-1, 0, 2]))
        #expect(y.scalars == [0, 0, 2])
        #expect(Activation.relu.backward(Tensor([5, 5, 5]), cache: cache).dInput.scalars == [0, 0, 5])
    }

    /// Directional derivative of Σ R ⊙ φ(x), R ~ N(0, 1), on x ~ N(0, 1)
    /// [4, 5], by ``GradientCheck`` (five-point stencil, h = 1e-2).
    ///
    /// Tolerance 1e-3, relative to Σ|gᵢvᵢ|. Float32 rounding of the 20
    /// outputs (≈ 6e-8 each) divided by 12h/18, and truncation h⁴·f⁽⁵⁾/30,
    /// both stay near 1e-5; measured over 40 seeds: below 1e-5. A gradient
    /// only 1% too large already errs by more than 1.3e-3.
    /// ReLU is kept 0.1 away from its kink and checked with h = 1e-3, so the
    /// stencil (reaching 2h·|vᵢ|) cannot cross it; it is linear on each side.
    @Test(arguments: Activation.allCases)
    func backwardMatchesFiniteDifferences(activation: Activation) throws {
        var generator = RandomGenerator(seed: 10)
        var x = Tensor.normal([4, 5], using: &generator)
        if activation == .relu { x = x.map { $0 + ($0 >= 0 ? 0.1 : -0.1) } }
        let step: Float = activation == .relu ? 1e-3 : 1e-2
        for result in try GradientCheck.check(activation, input: x, step: step, generator: &generator) {
            #expect(result.relativeError < 1e-3, "\(activation) \(result)")
        }
    }
}
