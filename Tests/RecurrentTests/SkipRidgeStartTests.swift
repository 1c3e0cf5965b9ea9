import Foundation
import Recurrent
import RecurrentTestSupport
import Testing

/// ``SkipRidgeStart``: the skip started at the ridge regression it can
/// represent. Checked against a series whose regression is known (a
/// noiseless AR(1): the weight on the last step is φ) and against the
/// model's own forward pass (with the head silenced, the fresh model's
/// validation error is the one the start reports, under RevIN too: the frame,
/// the flattening order and the transposition all have to be right).
@Suite struct SkipRidgeStartTests {
    /// Windows of `values` [N, L, 1] and their next `horizon` values [N, horizon].
    static func windows(_ values: [Float], window: Int, horizon: Int) throws -> SequenceBatch {
        let n = values.count - window - horizon + 1
        let input = (0..<n).flatMap { values[$0..<($0 + window)] }
        let targets = (0..<n).flatMap { values[($0 + window)..<($0 + window + horizon)] }
        return try SequenceBatch(
            input: Tensor(shape: [n, window, 1], scalars: Array(input)),
            targets: Tensor(shape: [n, horizon], scalars: Array(targets)))
    }

    static func meanSquaredError(_ a: Tensor, _ b: Tensor) -> Double {
        var sum = 0.0
        for (x, y) in zip(a.scalars, b.scalars) { sum += Double(x - y) * Double(x - y) }
        return sum / Double(a.count)
    }

    static func silencingTheHead(_ model: SequenceModel) -> SequenceModel {
        var silenced = model
        silenced.updateParameters { name, tensor in
            if name.hasPrefix("head.") { tensor = Tensor.zeros(tensor.shape) }
        }
        return silenced
    }

    @Test("a noiseless AR(1) gives the skip its coefficient on the last step")
    func autoregressionCoefficient() throws {
        // Four decays from different levels, so that the level alone does not predict.
        var series: [Float] = []
        for start in [1.0, -2.0, 0.5, 3.0] as [Float] {
            var x = start
            for _ in 0..<40 {
                series.append(x)
                x *= 0.8
            }
        }
        let train = try Self.windows(Array(series[0..<120]), window: 4, horizon: 1)
        let validation = try Self.windows(Array(series[120...]), window: 4, horizon: 1)
        var generator = RandomGenerator(seed: 3)
        let model = try SequenceModel(
            input: .features(1), cell: .gru, hiddenSize: 3, outputSize: 1, pooling: .last, generator: &generator
        ).withSkip(steps: 4)
        let start = try SkipRidgeStart(model, train: train, validation: validation)
        let w = try #require(start.model.parameters["skip.weight"]), b = try #require(start.model.parameters["skip.bias"])
        #expect(w.shape == [1, 4] && b.shape == [1])
        #expect(abs(w[0, 3] - 0.8) < 0.02, "weight on the last step \(w[0, 3])")
        #expect(abs(b[0]) < 0.02)
        #expect(start.lambda == 0.01)
    }

    /// With the head silenced, the fresh model's point forecast (the
    /// median of quantiles, at the distribution's anchor) has the validation
    /// error the start reports: without RevIN, with it, and with quantiles under it.
    @Test(
        "with the head silenced, the fresh model's validation error is the start's",
        arguments: [(false, false), (true, false), (true, true)])
    func modelAgreesWithTheRegression(revin: Bool, quantiles: Bool) throws {
        let series: [Float] = (0..<300).map { (t: Int) -> Float in
            let time = Double(t)
            let level: Double = 5 + 0.01 * time
            return Float(level + sin(time / 4) + 0.3 * sin(time / 1.7))
        }
        let (window, horizon) = (12, 3)
        let train = try Self.windows(Array(series[0..<220]), window: window, horizon: horizon)
        let validation = try Self.windows(Array(series[220...]), window: window, horizon: horizon)
        var generator = RandomGenerator(seed: 4)
        let distribution = quantiles ? try ForecastDistribution(quantiles: [0.1, 0.5, 0.9]) : nil
        let raw = horizon * (distribution?.parametersPerOutput ?? 1)
        var model = try SequenceModel(
            input: .features(1), cell: .lstm, hiddenSize: 4, outputSize: raw, pooling: .last, generator: &generator
        ).withDistribution(distribution).withSkip(steps: 5)
        if revin { model = try model.withInstanceNormalization(outputChannels: [Int](repeating: 0, count: raw)) }
        let start = try SkipRidgeStart(model, train: train, validation: validation)
        func pointForecast(_ model: SequenceModel) throws -> Tensor {
            let output = try Self.silencingTheHead(model)(validation.input)
            return distribution?.pointForecast(output) ?? output
        }
        let error = Self.meanSquaredError(try pointForecast(start.model), validation.targets)
        let tolerance = 1e-4 * max(start.validationError, 1e-3)
        #expect(abs(error - start.validationError) <= tolerance, "\(error) against \(start.validationError)")
        // And it is a forecast worth starting from: well below the zero skip's.
        let zeroError = Self.meanSquaredError(try pointForecast(model), validation.targets)
        #expect(start.validationError < 0.5 * zeroError)
    }

    @Test("a model without a skip, or with known-future covariates, is refused")
    func refused() throws {
        var generator = RandomGenerator(seed: 5)
        let plain = try SequenceModel(
            input: .features(1), cell: .gru, hiddenSize: 2, outputSize: 2, pooling: .last, generator: &generator)
        let batch = try Self.windows((0..<30).map { Float($0) }, window: 4, horizon: 2)
        #expect(throws: RecurrentError.self) { _ = try SkipRidgeStart(plain, train: batch, validation: batch) }
        let covariates = try SequenceModel(
            input: .features(1), cell: .gru, hiddenSize: 2, outputSize: 2, pooling: .last, generator: &generator
        ).withFutureCovariates(try FutureCovariates(steps: 2, featureIndices: [0]), generator: &generator).withSkip(steps: 2)
        #expect(throws: RecurrentError.self) { _ = try SkipRidgeStart(covariates, train: batch, validation: batch) }
    }
}
