import Foundation
import Recurrent
import Testing

/// The naive baselines and the error measures, on a series whose value is
/// ten times its row (b = 10·r), so each forecast is known by hand.
@Suite struct SeriesDatasetBaselineTests {
    static func data(horizon: Int) throws -> SeriesDataset {
        let series = try NumericColumns(names: ["b"], values: [(0..<20).map { 10 * Double($0) }])
        let options = SeriesOptions(
            features: ["b"], targets: ["b"], window: 3, horizon: horizon,
            split: SplitFractions(train: 0.6, validation: 0.2, test: 0.2))
        return try SeriesDataset(series, options: options)
    }

    @Test func persistenceRepeatsTheLastObservedValue() throws {
        let data = try Self.data(horizon: 2)
        #expect(data.test.endRows == [15, 16, 17])
        #expect(data.persistenceForecast(for: .test) == Tensor(rows: [[150, 150], [160, 160], [170, 170]]))
        #expect(data.persistenceForecast(for: .train).shape == [8, 2])
        #expect(data.persistenceForecast(for: .train)[0, 1] == 20)
    }

    /// Step j reads row e + j − s·⌈j/s⌉: for s = 2 and h = 3, rows e − 1,
    /// e, e − 1.
    @Test func seasonalNaiveReadsTheLatestRowOfTheSamePhase() throws {
        let data = try Self.data(horizon: 3)
        #expect(data.test.endRows == [15, 16])
        #expect(try data.seasonalNaiveForecast(for: .test, season: 2) == Tensor(rows: [[140, 150, 140], [150, 160, 150]]))
        #expect(try data.seasonalNaiveForecast(for: .test, season: 3) == Tensor(rows: [[130, 140, 150], [140, 150, 160]]))
        #expect(try data.seasonalNaiveForecast(for: .test, season: 4) == Tensor(rows: [[120, 130, 140], [130, 140, 150]]))
        #expect(try data.seasonalNaiveForecast(for: .test, season: 1) == data.persistenceForecast(for: .test))
        #expect(try data.seasonalNaiveForecast(for: .train, season: 3)[0, 0] == 0, "window 0 ends at row 2: row 0")
    }

    @Test func seasonalNaiveNeedsAFullSeasonOfHistory() throws {
        let data = try Self.data(horizon: 3)
        #expect(throws: RecurrentError.invalidArgument(
            name: "season", value: "4",
            reason: "the first train window ends at row 2, so only 3 rows of history precede its forecast")
        ) { try data.seasonalNaiveForecast(for: .train, season: 4) }
        #expect(throws: RecurrentError.invalidArgument(name: "season", value: "0", reason: "must be ≥ 1")) {
            try data.seasonalNaiveForecast(for: .test, season: 0)
        }
    }

    /// Errors 1, 0, 0, −2 against targets 1, 4, 0, 1: RMSE √(5/4), MAE 3/4,
    /// MAPE over the three non-zero targets 100·(1 + 0 + 2)/3.
    @Test func metricsByHand() throws {
        let errors = try ForecastErrors(prediction: Tensor([2, 4, 0, -1]), truth: Tensor([1, 4, 0, 1]))
        #expect(abs(errors.rmse - 1.25.squareRoot()) < 1e-12)
        #expect(errors.mae == 0.75)
        #expect(errors.mape == 100 && errors.mapeCount == 3 && errors.count == 4)
        let zeros = try ForecastErrors(prediction: Tensor([1, -1]), truth: Tensor([0, 0]))
        #expect(zeros.mape == nil && zeros.mapeCount == 0 && zeros.mae == 1 && zeros.rmse == 1)
        #expect(throws: RecurrentError.self) { try ForecastErrors(prediction: Tensor([1, 2]), truth: Tensor([1])) }
        #expect(throws: RecurrentError.self) { try ForecastErrors(prediction: Tensor([]), truth: Tensor([])) }
        #expect(throws: RecurrentError.self) { try ForecastErrors(prediction: Tensor([.nan]), truth: Tensor([1])) }
    }

    /// Persistence on the test part: each window misses step 1 by 10 and
    /// step 2 by 20.
    @Test func persistenceErrorsOnTheTestPart() throws {
        let data = try Self.data(horizon: 2)
        let errors = try ForecastErrors(prediction: data.persistenceForecast(for: .test), truth: data.test.targetsInOriginalUnits)
        #expect(abs(errors.rmse - 250.0.squareRoot()) < 1e-9 && errors.mae == 15)
        let mape = 100.0 / 6 * (10.0 / 160 + 20.0 / 170 + 10.0 / 170 + 20.0 / 180 + 10.0 / 180 + 20.0 / 190)
        #expect(abs(try #require(errors.mape) - mape) < 1e-9)
    }
}
