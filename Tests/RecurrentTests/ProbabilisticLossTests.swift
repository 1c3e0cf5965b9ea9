import Foundation
import Recurrent
import RecurrentTestSupport
import Testing

/// The losses of probabilistic forecasts (pinball, Gaussian negative
/// log-likelihood), the normal quantile, and the quantile scores
/// (``QuantileErrors``): values by hand, gradients by hand and by finite
/// differences.
@Suite struct ProbabilisticLossTests {
    // Tolerances: a loss is the Float32 rounding of a Double sum (1e-6 relative is ample);
    // a five-point difference at h = 1e-2 of a smooth loss agrees to 1e-3 of its scale.

    /// Two targets, three levels each. By hand, u = y − q:
    /// target 2: q = (1, 2, 3), u = (1, 0, −1) → ρ = (0.1·1, 0.5·0, (0.9 − 1)·(−1)) = (0.1, 0, 0.1);
    /// target 0: q = (−1, 0.5, 1), u = (1, −0.5, −1) → ρ = (0.1, 0.25, 0.1).
    /// Mean over 2 × 3 = 0.65 / 6. ∂/∂q = (𝟙[y < q] − τ) / (2·3): y = q counts as y ≥ q.
    @Test func pinballLossAndGradientByHand() throws {
        let loss = try Loss.pinball(quantiles: [0.1, 0.5, 0.9])
        let prediction = Tensor(shape: [1, 6], scalars: [1, 2, 3, -1, 0.5, 1])
        let target = Tensor(shape: [1, 2], scalars: [2, 0])
        let result = loss(prediction, target: target)
        #expect(mismatch(result.value, 0.65 / 6, relative: 1e-6) == nil)
        let expected: [Double] = [-0.1, -0.5, 0.1, -0.1, 0.5, 0.1].map { $0 / 6 }
        #expect(mismatch(result.gradient, expected, absolute: 1e-7) == nil)
        #expect(loss.predictionsPerTarget == 3 && loss.description == "pinball(0.1, 0.5, 0.9)")

        // A weight of 0 skips a target (its predictions may be NaN); per-row weights apply to the whole row.
        let masked = loss(
            Tensor(shape: [2, 3], scalars: [1, 2, 3, .nan, .nan, .nan]), target: Tensor(shape: [2, 1], scalars: [2, 7]),
            weights: Tensor([1, 0]))
        #expect(mismatch(masked.value, 0.2 / 3, relative: 1e-6) == nil)
        #expect(masked.gradient.scalars[3...].allSatisfy { $0 == 0 })
    }

    /// The pinball gradient against finite differences, away from the kinks (|y − q| ≫ h).
    @Test func pinballGradientMatchesFiniteDifferences() throws {
        var generator = RandomGenerator(seed: 4)
        let loss = try Loss.pinball(quantiles: [0.05, 0.3, 0.5, 0.7, 0.95])
        let target = Tensor.normal([4, 3], using: &generator)
        var prediction = Tensor.normal([4, 15], using: &generator)
        // Keep every |y − q| above 0.2, so no kink lies within the stencil's ±2h·|v|.
        for i in 0..<prediction.count {
            let y = target.scalars[i / 5], gap = prediction.scalars[i] - y
            if abs(gap) < 0.2 { prediction.scalars[i] = y + (gap < 0 ? -0.2 : 0.2) }
        }
        let gradient = loss(prediction, target: target).gradient
        let direction = Tensor.normal(prediction.shape, using: &generator)
        let result = GradientCheck.compare("q", at: prediction, gradient: gradient, direction: direction, step: 1e-3) {
            Double(loss($0, target: target).value)
        }
        #expect(result.relativeError < 1e-3, "\(result)")
    }

    /// ℓ = ½ln 2π + ln s + (y − μ)²/2s² for (μ, s) = (1, 2), y = 3: ½ln 2π + ln 2 + 0.5;
    /// ∂/∂μ = −(y − μ)/s² = −0.5, ∂/∂s = 1/s − (y − μ)²/s³ = 0.5 − 0.5 = 0. The gradient of random
    /// cases against finite differences.
    @Test func gaussianNegativeLogLikelihoodByHandAndByFiniteDifferences() throws {
        let loss = Loss.gaussianNegativeLogLikelihood
        let one = loss(Tensor(shape: [1, 2], scalars: [1, 2]), target: Tensor(shape: [1, 1], scalars: [3]))
        #expect(mismatch(one.value, 0.5 * log(2 * Double.pi) + log(2.0) + 0.5, relative: 1e-6) == nil)
        #expect(mismatch(one.gradient, [-0.5, 0], absolute: 1e-6) == nil)

        var generator = RandomGenerator(seed: 8)
        let target = Tensor.normal([5, 2], using: &generator)
        var prediction = Tensor.normal([5, 4], using: &generator)
        for i in stride(from: 1, to: prediction.count, by: 2) { prediction.scalars[i] = 0.5 + abs(prediction.scalars[i]) }
        let gradient = loss(prediction, target: target).gradient
        let result = GradientCheck.compare(
            "(μ, s)", at: prediction, gradient: gradient,
            direction: GradientCheck.direction(along: gradient, using: &generator), step: 1e-2
        ) { Double(loss($0, target: target).value) }
        #expect(result.relativeError < 1e-3, "\(result)")
        // PyTorch's GaussianNLLLoss(full=True, eps=0) on var = s² agrees: computed here from its formula,
        // ½(ln var + (y − μ)²/var) + ½ln 2π, the same function written in var.
        let mu = prediction.scalars[0], s = prediction.scalars[1], y = target.scalars[0]
        let variance = Double(s) * Double(s)
        let torchForm = 0.5 * (log(variance) + pow(Double(y - mu), 2) / variance) + 0.5 * log(2 * Double.pi)
        let single = loss(Tensor(shape: [1, 2], scalars: [mu, s]), target: Tensor(shape: [1, 1], scalars: [y]))
        #expect(mismatch(single.value, torchForm, relative: 1e-6) == nil)
    }

    /// Bad levels are refused naming the level: outside (0, 1), unsorted, repeated, none.
    @Test func levelsOutsideTheUnitIntervalOrUnsortedAreRefused() {
        for levels: [Float] in [[0, 0.5], [0.5, 1], [0.9, 0.1], [0.2, 0.2], [], [.nan]] {
            #expect(throws: RecurrentError.self, "\(levels)") { _ = try Loss.pinball(quantiles: levels) }
            #expect(throws: RecurrentError.self, "\(levels)") { _ = try ForecastDistribution(quantiles: levels) }
        }
        #expect(throws: RecurrentError.invalidArgument(name: "quantiles", value: "0.9, 0.1", reason: "must be strictly increasing")) {
            _ = try ForecastDistribution(quantiles: [0.5, 0.9, 0.1])
        }
    }

    /// Φ⁻¹ at known points (scipy.stats.norm.ppf, to 16 digits; 1e-10 near p = 1, where Φ − p cancels), and Φ(Φ⁻¹(p)) = p across (0, 1).
    @Test func normalQuantileMatchesKnownValues() {
        let known: [(Double, Double)] = [
            (0.5, 0), (0.9, 1.2815515655446004), (0.975, 1.959963984540054), (0.1, -1.2815515655446004),
            (0.001, -3.090232306167813), (0.02, -2.053748910631823), (0.99999, 4.264890793923841),
        ]
        for (p, z) in known {
            #expect(mismatch(ForecastDistribution.normalQuantile(p), z, absolute: 1e-12, relative: p > 0.999 ? 1e-10 : 1e-12) == nil, "\(p)")
        }
        for p in stride(from: 0.005, to: 1, by: 0.0137) {
            let z = ForecastDistribution.normalQuantile(p)
            #expect(mismatch(0.5 * erfc(-z / 2.0.squareRoot()), p, relative: 1e-12) == nil, "\(p)")
        }
    }

    /// Two windows, one target, levels 0.1, 0.5, 0.9 at (0, 1, 2) and (0, 1, 4), truths 1.5 and 5.
    /// By hand: pinball at 0.1: (0.15 + 0.5)/2; at 0.5: (0.25 + 2)/2; at 0.9: ((0.9−1)(−0.5) + 0.9·1)/2;
    /// the 80% interval holds the first truth only (coverage 0.5) and is (2 + 4)/2 = 3 wide.
    @Test func quantileErrorsByHand() throws {
        let errors = try QuantileErrors(
            quantiles: Tensor(shape: [2, 3], scalars: [0, 1, 2, 0, 1, 4]), truth: Tensor(shape: [2, 1], scalars: [1.5, 5]),
            levels: [0.1, 0.5, 0.9])
        let perLevel = [(0.15 + 0.5) / 2, (0.25 + 2) / 2, (0.05 + 0.9) / 2]
        #expect(mismatch(errors.pinballPerLevel, perLevel, relative: 1e-7) == nil)  // τ is a Float
        #expect(mismatch(errors.pinball, perLevel.reduce(0, +) / 3, relative: 1e-7) == nil)
        #expect(mismatch(errors.crps, 2 * errors.pinball, relative: 1e-12) == nil)
        #expect(errors.intervals.count == 1)
        #expect(errors.intervals[0].coverage == 0.5 && errors.intervals[0].meanWidth == 3)
        #expect(mismatch(errors.intervals[0].nominal, 0.8, absolute: 1e-6) == nil)
        // Levels without a partner summing to 1 give no interval; 0.05–0.95 and 0.25–0.75 give two, widest first.
        let five = try QuantileErrors(
            quantiles: Tensor(shape: [1, 5], scalars: [0, 1, 2, 3, 4]), truth: Tensor(shape: [1, 1], scalars: [3.5]),
            levels: [0.05, 0.25, 0.5, 0.75, 0.95])
        #expect(five.intervals.map(\.coverage) == [1, 0] && five.intervals.map(\.meanWidth) == [4, 2])
        let lopsided = try QuantileErrors(
            quantiles: Tensor(shape: [1, 2], scalars: [0, 1]), truth: Tensor(shape: [1, 1], scalars: [0]), levels: [0.2, 0.5])
        #expect(lopsided.intervals.isEmpty)
        #expect(throws: RecurrentError.self) {
            _ = try QuantileErrors(quantiles: Tensor.zeros([2, 4]), truth: Tensor.zeros([2, 1]), levels: [0.1, 0.5, 0.9])
        }
    }
}
