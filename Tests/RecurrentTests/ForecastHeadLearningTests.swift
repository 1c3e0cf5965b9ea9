import Foundation
import Recurrent
import Testing

/// The forecasting designs learning on a generated seasonal series with a
/// trend (y_t = 0.03·t + sin(2πt/12) + 0.05·ε): its test part lies above any
/// level the training part reached, where a plain LSTM with the direct head
/// answers from what it saw and loses to seasonal naive, and the same LSTM
/// with reversible instance normalisation and the linear skip (`train
/// --csv`'s default) and a per-step head beats it.
@Suite struct ForecastHeadLearningTests {
    static let horizon = 12

    static func data() throws -> SeriesDataset {
        let n = 480
        var generator = RandomGenerator(seed: 3)
        let noise = Tensor.normal([n], using: &generator).scalars
        let values = (0..<n).map { t in 0.03 * Double(t) + sin(2 * Double.pi * Double(t) / 12) + 0.05 * Double(noise[t]) }
        let columns = try NumericColumns(names: ["y"], values: [values], source: "trend-and-season")
        return try SeriesDataset(
            columns, options: SeriesOptions(features: ["y"], targets: ["y"], window: 24, horizon: horizon))
    }

    /// The test RMSE, in the series' units, of `model` after 40 epochs.
    static func testRMSE(_ model: SequenceModel, on data: SeriesDataset) throws -> Double {
        var trainer = try SequenceTrainer(
            model: model, optimizer: try Adam(learningRate: 1e-2), loss: .meanSquaredError, maxGradientNorm: 1)
        try trainer.fit(
            data.train.batch, validation: data.validation.batch,
            options: FitOptions(epochs: 40, batchSize: 32, patience: 8, seed: 1))
        let forecast = try data.targetsInOriginalUnits(try trainer.model(data.test.input))
        return try ForecastErrors(prediction: forecast, truth: data.test.targetsInOriginalUnits).rmse
    }

    @Test func revinAndTheSkipBeatSeasonalNaiveWhereTheDirectHeadDoesNot() throws {
        let data = try Self.data()
        let seasonalNaive = try ForecastErrors(
            prediction: data.seasonalNaiveForecast(for: .test, season: 12), truth: data.test.targetsInOriginalUnits
        ).rmse
        let direct = try SequenceModel(
            input: .features(1), cell: .lstm, hiddenSize: 16, outputSize: Self.horizon, pooling: .last, seed: 2)
        let channels = [Int](repeating: 0, count: Self.horizon)
        let designed = try direct.withSkip(steps: 24).withInstanceNormalization(outputChannels: channels)
        let perStep = try SequenceModel(
            input: .features(1), cell: .lstm, hiddenSize: 16, outputSize: Self.horizon, pooling: .last,
            headSteps: Self.horizon, seed: 2
        ).withSkip(steps: 24).withInstanceNormalization(outputChannels: channels)

        let (plain, withBoth, perStepRMSE) = (
            try Self.testRMSE(direct, on: data), try Self.testRMSE(designed, on: data), try Self.testRMSE(perStep, on: data)
        )
        let figures = "direct \(plain), RevIN + skip \(withBoth), per-step + RevIN + skip \(perStepRMSE), seasonal naive \(seasonalNaive)"
        #expect(plain > seasonalNaive, "\(figures)")
        #expect(withBoth < 0.5 * seasonalNaive, "\(figures)")
        #expect(perStepRMSE < 0.5 * seasonalNaive, "\(figures)")
    }
}
