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

    @Test("with the head silenced, the fresh model's validation error is the start's", arguments: [false, true])
    func modelAgreesWithTheRegression(revin: Bool) throws {
        let series: [Float] = (0..<300).map { (t: Int) -> Float in
            let time = Double(t)
            let level: Double = 5 + 0.01 * time
            return Float(level + sin(time / 4) + 0.3 * sin(time / 1.7))
        }
        let (window, horizon) = (12, 3)
        let train = try Self.windows(Array(series[0..<220]), window: window, horizon: horizon)
        let validation = try Self.windows(Array(series[220...]), window: window, horizon: horizon)
        var generator = RandomGenerator(seed: 4)
        var model = try SequenceModel(
            input: .features(1), cell: .lstm, hiddenSize: 4, outputSize: horizon, pooling: .last, generator: &generator
        ).withSkip(steps: 5)
        if revin { model = try model.withInstanceNormalization(outputChannels: [0, 0, 0]) }
        let start = try SkipRidgeStart(model, train: train, validation: validation)
        let silenced = Self.silencingTheHead(start.model)
        let forecast = try silenced(validation.input)
        let error = Self.meanSquaredError(forecast, validation.targets)
        let tolerance = 1e-4 * max(start.validationError, 1e-3)
        #expect(abs(error - start.validationError) <= tolerance, "\(error) against \(start.validationError)")
        // And it is a forecast worth starting from: well below the zero skip's.
        let zero = try Self.silencingTheHead(model)(validation.input)
        let zeroError = Self.meanSquaredError(zero, validation.targets)
        #expect(start.validationError < 0.5 * zeroError)
    }

    @Test("a model without a skip, or with a distribution, is refused")
    func refused() throws {
        var generator = RandomGenerator(seed: 5)
        let plain = try SequenceModel(
            input: .features(1), cell: .gru, hiddenSize: 2, outputSize: 2, pooling: .last, generator: &generator)
        let batch = try Self.windows((0..<30).map { Float($0) }, window: 4, horizon: 2)
        #expect(throws: RecurrentError.self) { _ = try SkipRidgeStart(plain, train: batch, validation: batch) }
        let quantiles = try SequenceModel(
            input: .features(1), cell: .gru, hiddenSize: 2, outputSize: 6, pooling: .last, generator: &generator
        ).withDistribution(try ForecastDistribution(quantiles: [0.1, 0.5, 0.9])).withSkip(steps: 2)
        #expect(throws: RecurrentError.self) { _ = try SkipRidgeStart(quantiles, train: batch, validation: batch) }
    }
}
