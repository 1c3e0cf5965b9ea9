import Foundation
import Recurrent
import RecurrentTestSupport
import Testing

/// Rolling-origin backtests on the baselines' tiny series, b = 10·r over 20
/// rows, window 3, horizon 2, split 12/4/4: the test part is rows 16…19, so
/// the origins with stride 1 are rows 15, 16, 17 (targets 16–17, 17–18,
/// 18–19), with stride 2 rows 15 and 17. Every figure below is by hand.
@Suite struct BacktestTests {
    static let series = try! NumericColumns(names: ["b"], values: [(0..<20).map { 10 * Double($0) } as [Double]])
    static let options = SeriesOptions(
        features: ["b"], targets: ["b"], window: 3, horizon: 2,
        split: SplitFractions(train: 0.6, validation: 0.2, test: 0.2))

    /// Forecasts the mean of b over the history it was last fitted on (its
    /// rows 0 … o give 10·(0 + … + o)/(o + 1) = 5·o), for every step; before
    /// any fit, `mean`.
    struct HistoryMean: SeriesForecaster {
        var seriesOptions = BacktestTests.options
        var mean: Float = 0

        func forecast(_ windows: Tensor) throws -> Tensor {
            #expect(windows.shape.dropFirst() == [3, 1], "windows \(windows.shape)")
            return Tensor(shape: [windows.shape[0], 2], scalars: Array(repeating: mean, count: 2 * windows.shape[0]))
        }

        func refitted(on history: NumericColumns) throws -> HistoryMean {
            let b = history.values(of: "b")!
            return HistoryMean(mean: Float(b.reduce(0, +) / Double(b.count)))
        }
    }

    /// Persistence, as a forecaster that cannot be refitted.
    struct LastValue: SeriesForecaster {
        let seriesOptions = BacktestTests.options
        func forecast(_ windows: Tensor) throws -> Tensor {
            let n = windows.shape[0]
            return Tensor(shape: [n, 2], scalars: (0..<n).flatMap { i in [windows[i, 2, 0], windows[i, 2, 0]] })
        }
    }

    static func expectErrors(
        _ e: ForecastErrors, absoluteErrors: [Double], truths: [Double], scale: Double = 10,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let n = Double(absoluteErrors.count)
        let mae = absoluteErrors.reduce(0, +) / n
        let rmse = (absoluteErrors.map { $0 * $0 }.reduce(0, +) / n).squareRoot()
        let mape = 100 * zip(absoluteErrors, truths).map { $0 / $1 }.reduce(0, +) / n
        let observed = [e.rmse, e.mae, e.mape ?? .nan, e.mase ?? .nan]
        let expected = [rmse, mae, mape, mae / scale]
        #expect(mismatch(observed, expected, relative: 1e-6) == nil, "\(observed) vs \(expected)",
            sourceLocation: sourceLocation)
    }

    @Test func withoutRefitTheOriginsStepByTheStride() throws {
        let one = try Backtest(forecaster: LastValue(), series: Self.series)
        #expect(one.origins == [15, 16, 17])
        #expect(one.testRows == 16..<20)
        #expect(one.refitOrigins.isEmpty)
        #expect(one.truth == Tensor(rows: [[160, 170], [170, 180], [180, 190]]))
        // Persistence as the forecaster equals the persistence baseline.
        #expect(one.forecast == Tensor(rows: [[150, 150], [160, 160], [170, 170]]))
        #expect(one.baselineForecasts.first?.forecast == one.forecast)

        let two = try Backtest(forecaster: HistoryMean(mean: 100), series: Self.series, options: BacktestOptions(stride: 2))
        #expect(two.origins == [15, 17])
        #expect(two.forecast == Tensor(rows: [[100, 100], [100, 100]]))
        // |ŷ − y| against truths 160, 170 | 180, 190.
        Self.expectErrors(two.errors.model.pooled, absoluteErrors: [60, 70, 80, 90], truths: [160, 170, 180, 190])
        Self.expectErrors(two.errors.model.perStep[0], absoluteErrors: [60, 80], truths: [160, 180])
        Self.expectErrors(two.errors.model.perStep[1], absoluteErrors: [70, 90], truths: [170, 190])
        // Persistence at the same origins: 150, 150 | 170, 170.
        let persistence = try #require(two.errors.baselines.first { $0.baseline == .persistence })
        Self.expectErrors(persistence.errors.pooled, absoluteErrors: [10, 20, 10, 20], truths: [160, 170, 180, 190])
        // Drift extends b_e + j·(b_e − b_0)/e = 10·(e + j): exact, so it is the best baseline and the model loses.
        #expect(two.errors.bestBaseline?.baseline == .drift)
        #expect(two.errors.bestBaseline?.errors.pooled.rmse == 0)
        #expect(two.errors.modelLoses)
        #expect(!two.errors.baselines.contains { $0.baseline == .seasonalNaive }, "no season given")
    }

    /// Refits at origins 15 and 17 (every 2 of 15, 16, 17): the means of rows
    /// 0…15 and 0…17, 75 and 85; origin 16 keeps the fit of origin 15.
    @Test func refitEveryTwoOriginsTrainsOnTheHistoryUpToEach() throws {
        var told: [BacktestProgress] = []
        let backtest = try Backtest(
            forecaster: HistoryMean(mean: 0), series: Self.series, options: BacktestOptions(refitEvery: 2)
        ) { told.append($0) }
        #expect(backtest.origins == [15, 16, 17])
        #expect(backtest.refitOrigins == [15, 17])
        #expect(told.map(\.origin) == [15, 17] && told.map(\.refit) == [1, 2] && told.allSatisfy { $0.refits == 2 })
        #expect(told.first?.rows == 16)
        #expect(backtest.forecast == Tensor(rows: [[75, 75], [75, 75], [85, 85]]))
        Self.expectErrors(
            backtest.errors.model.pooled, absoluteErrors: [85, 95, 95, 105, 95, 105],
            truths: [160, 170, 170, 180, 180, 190])
        Self.expectErrors(backtest.errors.model.perStep[0], absoluteErrors: [85, 95, 95], truths: [160, 170, 180])
        Self.expectErrors(backtest.errors.model.perStep[1], absoluteErrors: [95, 105, 105], truths: [170, 180, 190])

        // Stride 2 and a refit at every origin: 15 and 17 again, means 75 and 85.
        let strided = try Backtest(
            forecaster: HistoryMean(mean: 0), series: Self.series, options: BacktestOptions(stride: 2, refitEvery: 1))
        #expect(strided.refitOrigins == [15, 17])
        #expect(strided.forecast == Tensor(rows: [[75, 75], [85, 85]]))
    }

    /// The ridge baseline is refitted beside the model on rows 0 … o with the
    /// λ first chosen on the validation part.
    @Test func refittingRefitsTheRidgeOnTheSameHistory() throws {
        let backtest = try Backtest(
            forecaster: HistoryMean(), series: Self.series, options: BacktestOptions(refitEvery: 2))
        let reference = try SeriesDataset(Self.series, options: Self.options)
        let lambda = try reference.linearAutoregression().lambda
        var expected: [Float] = []
        for (origin, count) in [(15, 2), (17, 1)] {
            var options = Self.options
            options.split = SplitFractions(train: 1, validation: 0, test: 0)
            let past = try SeriesDataset(Self.series.prefix(rows: origin + 1), options: options)
            #expect(past.train.endRows.last == origin - 2, "the last window whose targets are known at the origin")
            let ridge = try RidgeAutoregression(fitting: past.train, lambda: lambda)
            let windows = reference.windowsInOriginalUnits(endingAt: Array(origin..<(origin + count)))
            expected += try past.targetsInOriginalUnits(ridge(past.normalization.normalizing(windows, columns: ["b"])))
                .scalars
        }
        let ridge = try #require(backtest.baselineForecasts.first { $0.baseline == .linearAutoregression })
        #expect(ridge.forecast.scalars == expected)
        // On a line the refitted ridge is close to exact.
        #expect(mismatch(ridge.forecast, backtest.truth, absolute: 1) == nil)
    }

    @Test func badOptionsAreRefused() throws {
        #expect(throws: RecurrentError.invalidArgument(name: "stride", value: "0", reason: "must be ≥ 1")) {
            try Backtest(forecaster: LastValue(), series: Self.series, options: BacktestOptions(stride: 0))
        }
        #expect(throws: RecurrentError.invalidArgument(name: "refitEvery", value: "0", reason: "must be ≥ 1")) {
            try Backtest(forecaster: HistoryMean(), series: Self.series, options: BacktestOptions(refitEvery: 0))
        }
        // A forecaster without a refit of its own cannot be refitted.
        #expect(throws: RecurrentError.self) {
            try Backtest(forecaster: LastValue(), series: Self.series, options: BacktestOptions(refitEvery: 1))
        }
        // A test part of one row (19) is shorter than the horizon of 2.
        var short = HistoryMean()
        short.seriesOptions.split = SplitFractions(train: 0.6, validation: 0.35, test: 0.05)
        #expect(throws: RecurrentError.self) { try Backtest(forecaster: short, series: Self.series) }
        var none = HistoryMean()
        none.seriesOptions.split = SplitFractions(train: 0.6, validation: 0.4, test: 0)
        #expect(
            throws: RecurrentError.invalidArgument(name: "split", value: "test 0.0", reason: "leaves no test part to roll over")
        ) { try Backtest(forecaster: none, series: Self.series) }
    }

    @Test func aForecastOfTheWrongShapeIsRefused() throws {
        struct Wrong: SeriesForecaster {
            let seriesOptions = BacktestTests.options
            func forecast(_ windows: Tensor) throws -> Tensor { Tensor(shape: [windows.shape[0], 1], scalars: Array(repeating: 0, count: windows.shape[0])) }
        }
        #expect(
            throws: RecurrentError.invalidArgument(name: "forecast", value: "of shape [3, 1]", reason: "must be [3, 2]: [origins, h·K]")
        ) { try Backtest(forecaster: Wrong(), series: Self.series) }
    }
}

/// A model file as a forecaster: its forecasts, the evaluate relation, its
/// training options and old files without them.
@Suite struct ForecastModelFileBacktestTests {
    /// `value` = sin(2πt/25) + 0.1·t/100 beside `other`, 300 rows.
    static let series: NumericColumns = {
        let t = (0..<300).map(Double.init)
        let value: [Double] = t.map { sin(2 * Double.pi * $0 / 25) + 0.001 * $0 }
        let other: [Double] = t.map { cos($0 / 7) }
        return try! NumericColumns(names: ["value", "other"], values: [value, other])
    }()
    static let options = SeriesOptions(features: ["value", "other"], targets: ["value"], window: 10, horizon: 3)

    static func file(training: SeriesTrainingOptions = SeriesTrainingOptions()) throws -> ForecastModelFile {
        let data = try SeriesDataset(series, options: options)
        let model = try SequenceModel(
            input: .features(2), cell: .gru, hiddenSize: 5, outputSize: 3, pooling: .last, seed: 4
        ).withSkip(steps: 4)
        return ForecastModelFile(model: model, options: options, normalization: data.normalization, training: training)
    }

    /// The forecast is the network's on the windows scaled with the file's
    /// statistics, brought back to the file's units: the data set's own
    /// normalised windows give the same within Float rounding.
    @Test func aModelFileForecastsInTheFilesUnits() throws {
        let file = try Self.file()
        let data = try SeriesDataset(Self.series, options: Self.options)
        let forecast = try file.forecast(data.windowsInOriginalUnits(endingAt: data.test.endRows))
        let direct = try data.targetsInOriginalUnits(file.network(data.test.input))
        #expect(mismatch(forecast, direct, absolute: 1e-5, relative: 1e-5) == nil)
    }

    /// Without refitting, at stride 1 (the model's), the origins are the test
    /// windows and every figure is `ForecastComparison`'s (evaluate's) exactly.
    @Test func withoutRefitTheFiguresAreEvaluates() throws {
        let file = try Self.file()
        let data = try SeriesDataset(Self.series, options: Self.options)
        let backtest = try Backtest(forecaster: file, series: Self.series, options: BacktestOptions(season: 25))
        #expect(backtest.origins == data.test.endRows)
        let comparison = try ForecastComparison(
            data: data, part: .test, prediction: file.forecast(data.windowsInOriginalUnits(endingAt: data.test.endRows)),
            season: 25)
        #expect(backtest.errors.model.pooled == comparison.model)
        #expect(backtest.errors.model.perStep == comparison.modelPerStep)
        let names = backtest.errors.baselines.map { $0.baseline }
        #expect(names == comparison.baselines.map { $0.baseline })
        #expect(names == [.persistence, .seasonalNaive, .drift, .linearAutoregression])
        #expect(backtest.errors.baselines.map { $0.errors.pooled } == comparison.baselines.map { $0.errors })
        #expect(backtest.errors.comparison.model == comparison.model)
    }

    /// Another model beside the same baselines: the figures of a comparison
    /// made afresh for it, the baselines' included.
    @Test func replacingTheModelKeepsTheBaselines() throws {
        let data = try SeriesDataset(Self.series, options: Self.options)
        let persistence = data.persistenceForecast(for: .validation)
        let first = try ForecastComparison(data: data, part: .validation, prediction: persistence, season: 25)
        let drift = data.driftForecast(for: .validation)
        let replaced = try first.replacingModel(with: drift, data: data, part: .validation)
        let fresh = try ForecastComparison(data: data, part: .validation, prediction: drift, season: 25)
        #expect(replaced.model == fresh.model && replaced.modelPerStep == fresh.modelPerStep)
        #expect(replaced.model != first.model)
        #expect(replaced.baselines.map { $0.errors } == fresh.baselines.map { $0.errors })
        #expect(replaced.baselines.map { $0.baseline } == fresh.baselines.map { $0.baseline })
        #expect(replaced.season == 25 && replaced.windows == fresh.windows)
        // The drift baseline's row is the drift forecast's own errors.
        #expect(replaced.baselines.first { $0.baseline == .drift }?.errors == replaced.model)
    }

    @Test func trainingOptionsRoundTripAndOldFilesReadTheDefaults() throws {
        let training = SeriesTrainingOptions(
            optimizer: .rmsprop, learningRate: 0.02, schedule: .cosine, epochs: 3, batchSize: 8, patience: 2,
            clip: 0.5, seed: 9, tbptt: 4, calibrate: true)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("backtest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("m.safetensors")
        try Self.file(training: training).write(to: url)
        let data = try SafetensorsFile(contentsOf: url)
        #expect(data.metadata["training_options"]?.contains("\"learning_rate\":0.02") == true)
        #expect(try ForecastModelFile(contentsOf: url).training == training)

        /// The file with `training_options` set to `text` (removed for nil), read back.
        func reading(_ text: String?) throws -> ForecastModelFile {
            var edited = data
            edited.metadata["training_options"] = text
            let edit = folder.appendingPathComponent("edited.safetensors")
            try edited.write(to: edit)
            return try ForecastModelFile(contentsOf: edit)
        }
        let old = try reading(nil)
        #expect(old.training == SeriesTrainingOptions())
        #expect(old.training.optimizer == .adam && old.training.learningRate == 5e-3 && old.training.epochs == 20)
        #expect(old.training.batchSize == 32 && old.training.seed == 42 && old.training.patience == nil)
        // A record with only some keys takes the defaults for the rest.
        #expect(try reading(#"{"epochs":2}"#).training == SeriesTrainingOptions(epochs: 2))
        do {
            _ = try reading(#"{"batch_size":0}"#)
            Issue.record("a batch size of 0 was read")
        } catch let error as SafetensorsError {
            #expect("\(error)".contains("metadata \"training_options\"") && "\(error)".contains("batch_size"), "\(error)")
        }
    }

    /// A refit trains a fresh network of the same architecture on the
    /// history: the seed's initial weights, so two refits on the same rows
    /// agree bit for bit, and rows that differ give other weights.
    @Test func refittingTrainsAFreshNetworkOnTheHistory() throws {
        let file = try Self.file(training: SeriesTrainingOptions(epochs: 2, batchSize: 16, seed: 3))
        let history = Self.series.prefix(rows: 255)
        let a = try file.refitted(on: history), b = try file.refitted(on: history)
        let c = try file.refitted(on: Self.series.prefix(rows: 270))
        let (pa, pb, pc) = (a.network.sequenceModel!.parameters, b.network.sequenceModel!.parameters, c.network.sequenceModel!.parameters)
        #expect(pa.names == file.network.sequenceModel!.parameters.names)
        #expect(pa.names.allSatisfy { pa[$0] == pb[$0] })
        #expect(pa.names.contains { pa[$0] != pc[$0] })
        #expect(pa.names.contains { pa[$0] != file.network.sequenceModel!.parameters[$0] })
        #expect(a.network.sequenceModel!.skip?.steps == 4)
        // The normalisation is the history's: every one of its 255 rows trains.
        let mean = history.values(of: "value")!.reduce(0, +) / 255
        #expect(abs(a.normalization.offsets[a.normalization.columns.firstIndex(of: "value")!] - mean) < 1e-9)
    }
}
