import Foundation
import Recurrent
import RecurrentTestSupport
import Testing

/// Losses: values against the textbook formulas evaluated in Double, stability
/// at extreme logits, weights and masks, and gradients against finite differences.
@Suite struct LossTests {
    private let prediction = Tensor([1, 2, 3])
    private let target = Tensor([1.5, 2, 1])  // d = p − y = [−0.5, 0, 2]

    // Tolerances: a loss is the Float32 result of a Double sum, one rounding (2⁻²⁴ ≈ 6e-8) plus the
    // Float inputs, so 1e-6 relative is ample; gradients, some exactly 0, to 1e-6 · max(1, |expected|).

    @Test func meanSquaredAndAbsoluteError() {
        let mse = Loss.meanSquaredError(prediction, target: target)
        #expect(mismatch(mse.value, (0.25 + 0 + 4) / 3, relative: 1e-6) == nil, "mse")
        #expect(mismatch(mse.gradient, [-1.0 / 3, 0, 4.0 / 3], absolute: 1e-6, relative: 1e-6) == nil, "mse gradient")
        let mae = Loss.meanAbsoluteError(prediction, target: target)
        #expect(mismatch(mae.value, 2.5 / 3, relative: 1e-6) == nil, "mae")
        #expect(mismatch(mae.gradient, [-1.0 / 3, 0, 1.0 / 3], absolute: 1e-6, relative: 1e-6) == nil, "mae gradient")
    }

    @Test func huberIsQuadraticInsideDeltaAndLinearOutside() throws {
        let huber = try Loss.huber(delta: 1)(prediction, target: target)
        #expect(mismatch(huber.value, (0.125 + 0 + 1.5) / 3, relative: 1e-6) == nil, "huber")
        #expect(mismatch(huber.gradient, [-0.5 / 3, 0, 1.0 / 3], absolute: 1e-6, relative: 1e-6) == nil, "huber gradient")
        let wide = try Loss.huber(delta: 5)(prediction, target: target)
        let halfMSE = Double(Loss.meanSquaredError(prediction, target: target).value) / 2
        #expect(mismatch(wide.value, halfMSE, relative: 1e-6) == nil, "huber, δ beyond every error")
        #expect(throws: RecurrentError.invalidArgument(name: "delta", value: "0.0", reason: "must be finite and > 0")) {
            _ = try Loss.huber(delta: 0)
        }
        #expect(throws: RecurrentError.self) { _ = try Loss.huber(delta: .nan) }
    }

    @Test func binaryCrossEntropyMatchesTheNaiveFormula() {
        let logits: [Double] = [0, 2, -1, 4.5, -3]
        let labels: [Double] = [1, 0, 0.5, 1, 0.25]
        let naive = zip(logits, labels).map { x, y in
            let s = 1 / (1 + Foundation.exp(-x))
            return -(y * Foundation.log(s) + (1 - y) * Foundation.log(1 - s))
        }
        let result = Loss.binaryCrossEntropyWithLogits(
            Tensor(logits.map(Float.init)), target: Tensor(labels.map(Float.init)))
        #expect(mismatch(result.value, naive.reduce(0, +) / 5, relative: 1e-6) == nil, "bce")
        let gradient = zip(logits, labels).map { x, y in (1 / (1 + Foundation.exp(-x)) - y) / 5 }
        #expect(mismatch(result.gradient, gradient, absolute: 1e-6, relative: 1e-6) == nil, "bce gradient")
    }

    @Test func softmaxCrossEntropyMatchesTheNaiveFormula() {
        let logits = Tensor(rows: [[1, 2, 3], [1, 1, 1], [-2, 0.5, 4]])
        let labels = [2, 0, 1]
        var expected = 0.0
        var gradient = [Double]()
        for (row, label) in labels.enumerated() {
            let e = (0..<3).map { Foundation.exp(Double(logits[row, $0])) }
            let total = e.reduce(0, +)
            expected += -Foundation.log(e[label] / total) / 3
            gradient += (0..<3).map { (e[$0] / total - ($0 == label ? 1 : 0)) / 3 }
        }
        let result = Loss.softmaxCrossEntropy(logits, target: Tensor(labels.map(Float.init)))
        #expect(mismatch(result.value, expected, relative: 1e-6) == nil, "cross-entropy")
        #expect(mismatch(result.gradient, gradient, absolute: 1e-6, relative: 1e-6) == nil, "cross-entropy gradient")
    }

    @Test func extremeLogitsStayFinite() {
        let bce = Loss.binaryCrossEntropyWithLogits(Tensor([100, -100, 100]), target: Tensor([1, 1, 0]))
        #expect(mismatch(bce.value, 200.0 / 3, relative: 1e-6) == nil, "bce at ±100")
        #expect(bce.gradient.isFinite)
        let ce = Loss.softmaxCrossEntropy(Tensor(rows: [[1000, 0, -1000], [1000, 0, -1000]]), target: Tensor([0, 2]))
        #expect(mismatch(ce.value, 1000, relative: 1e-6) == nil, "cross-entropy at ±1000")
        #expect(ce.gradient.isFinite)
    }

    @Test func perRowWeightsMaskPaddedSteps() {
        // [B=1, T=3, C=2] with the last step padded: its values, even NaN, do not count.
        let p = Tensor(shape: [1, 3, 2], scalars: [1, 2, 0.5, -1, .nan, .nan])
        let y = Tensor(shape: [1, 3, 2], scalars: [0, 2, 0.5, 1, 0, 0])
        let mask = Tensor(shape: [1, 3], scalars: [1, 1, 0])
        let masked = Loss.meanSquaredError(p, target: y, weights: mask)
        #expect(mismatch(masked.value, (1.0 + 0 + 0 + 4) / 4, relative: 1e-6) == nil, "masked mse")
        #expect(mismatch(masked.gradient, [0.5, 0, 0, -1, 0, 0], absolute: 1e-6, relative: 1e-6) == nil, "masked mse gradient")

        let logits = Tensor(shape: [1, 3, 2], scalars: [0, 0, 1, 1, .nan, .nan])
        let labels = Tensor(shape: [1, 3], scalars: [1, 0, -7])
        let ce = Loss.softmaxCrossEntropy(logits, target: labels, weights: mask)
        #expect(mismatch(ce.value, Foundation.log(2.0), relative: 1e-6) == nil, "masked cross-entropy")
        #expect(ce.gradient.scalars[4] == 0 && ce.gradient.scalars[5] == 0)

        let nothing = Loss.meanSquaredError(p, target: y, weights: Tensor.zeros([1, 3]))
        #expect(nothing.value == 0 && nothing.gradient == Tensor.zeros([1, 3, 2]))
    }

    @Test func perElementWeightsAreAWeightedMean() {
        let weighted = Loss.meanAbsoluteError(prediction, target: target, weights: Tensor([3, 1, 1]))
        #expect(mismatch(weighted.value, (3 * 0.5 + 0 + 2) / 5, relative: 1e-6) == nil, "weighted mae")
        #expect(
            mismatch(weighted.gradient, [-3.0 / 5, 0, 1.0 / 5], absolute: 1e-6, relative: 1e-6) == nil,
            "weighted mae gradient")
    }

    /// Directional derivative of the loss with respect to the prediction,
    /// five-point central difference with h = 5e-3 (``GradientCheck``).
    ///
    /// Tolerance 1e-3 relative to Σ|∂ℓ/∂pᵢ·vᵢ|. The value is a Double sum
    /// rounded once to Float (relative 6e-8); divided by 12h/18 that is
    /// ≈ 2e-5, and truncation h⁴·ℓ⁽⁵⁾/30 is below 1e-9. Measured over 40
    /// seeds: below 5e-5, while a gradient 1% too large errs by > 1.3e-3.
    /// MAE and Huber are kept 0.1 away from their kinks (|d| = 0 and |d| = δ);
    /// the stencil reaches 2h·|vᵢ| ≤ 0.01·(4 + √12) < 0.08.
    @Test func gradientsMatchFiniteDifferences() throws {
        var generator = RandomGenerator(seed: 30)
        let p = Tensor.normal([4, 3], using: &generator)
        // offsets with |d| in [0.2, 0.8] ∪ [1.2, 2]: away from 0 and from δ = 1.
        let offsets = (0..<12).map { i -> Float in
            let magnitude: Float = i % 2 == 0 ? 0.2 + 0.6 * generator.nextFloat() : 1.2 + 0.8 * generator.nextFloat()
            return i % 3 == 0 ? -magnitude : magnitude
        }
        let y = p - Tensor(shape: [4, 3], scalars: offsets)
        let probabilities = Tensor.uniform([4, 3], using: &generator)
        let classes = Tensor([2, 0, 1, 2])
        let rowWeights = Tensor([1, 0, 2, 0.5])
        let elementWeights = Tensor.uniform([4, 3], using: &generator)
        let cases: [(String, Loss, Tensor, Tensor?)] = [
            ("mse", .meanSquaredError, y, nil),
            ("mae", .meanAbsoluteError, y, nil),
            ("huber", try .huber(delta: 1), y, nil),
            ("bce", .binaryCrossEntropyWithLogits, probabilities, nil),
            ("cross-entropy", .softmaxCrossEntropy, classes, nil),
            ("mse, row weights", .meanSquaredError, y, rowWeights),
            ("bce, element weights", .binaryCrossEntropyWithLogits, probabilities, elementWeights),
            ("cross-entropy, row weights", .softmaxCrossEntropy, classes, rowWeights),
        ]
        for (name, loss, target, weights) in cases {
            let gradient = loss(p, target: target, weights: weights).gradient
            let result = GradientCheck.compare(
                name, at: p, gradient: gradient, direction: GradientCheck.direction(along: gradient, using: &generator), step: 5e-3
            ) { Double(loss($0, target: target, weights: weights).value) }
            #expect(result.relativeError < 1e-3, "\(result)")
        }
    }
}
