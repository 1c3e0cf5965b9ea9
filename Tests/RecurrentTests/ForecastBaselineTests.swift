import Foundation
import Recurrent
import RecurrentTestSupport
import Testing

/// sMAPE, MASE, per-step errors, drift, the MASE scales and the ridge
/// autoregression, each against a value worked out by hand or in closed form.
@Suite struct ForecastBaselineTests {
    static func data(_ values: [Double], horizon: Int, window: Int = 3) throws -> SeriesDataset {
        let series = try NumericColumns(names: ["b"], values: [values])
        let options = SeriesOptions(
            features: ["b"], targets: ["b"], window: window, horizon: horizon,
            split: SplitFractions(train: 0.6, validation: 0.2, test: 0.2))
        return try SeriesDataset(series, options: options)
    }

    /// Errors 1, 0, 0, −2 against targets 1, 4, 0, 1 with scale 0.5: MASE
    /// (1 + 0 + 0 + 2)/0.5/4 = 1.5; sMAPE over the three pairs not both zero,
    /// 100·(2·1/3 + 0 + 2·2/2)/3.
    @Test func smapeAndMaseByHand() throws {
        let errors = try ForecastErrors(prediction: Tensor([2, 4, 0, -1]), truth: Tensor([1, 4, 0, 1]), scales: [0.5])
        #expect(errors.mase == 1.5)
        #expect(abs(errors.smape! - 100 * (2.0 / 3 + 2) / 3) < 1e-12)
        #expect(try ForecastErrors(prediction: Tensor([1]), truth: Tensor([1])).mase == nil)
        // Two targets: the scales cycle over the innermost elements.
        let two = try ForecastErrors(prediction: Tensor([1, 1]), truth: Tensor([0, 0]), scales: [1, 4])
        #expect(two.mase == (1 + 0.25) / 2)
        #expect(throws: RecurrentError.self) { try ForecastErrors(prediction: Tensor([1, 2, 3]), truth: Tensor([1, 2, 3]), scales: [1, 1]) }
        #expect(throws: RecurrentError.self) { try ForecastErrors(prediction: Tensor([1]), truth: Tensor([1]), scales: [0]) }
    }

    /// [N = 2, h = 2, K = 1]: step 1 errors 1 and 3, step 2 errors 0 and −2.
    @Test func errorsPerHorizonStep() throws {
        let steps = try ForecastErrors.perStep(
            prediction: Tensor(rows: [[2, 5], [6, 6]]), truth: Tensor(rows: [[1, 5], [3, 8]]), horizon: 2, scales: [2])
        #expect(steps.count == 2)
        #expect(steps[0].mae == 2 && steps[0].rmse == 5.0.squareRoot() && steps[0].mase == 1)
        #expect(steps[1].mae == 1 && steps[1].rmse == 2.0.squareRoot() && steps[1].mase == 0.5)
        #expect(throws: RecurrentError.self) {
            try ForecastErrors.perStep(prediction: Tensor(rows: [[1, 2, 3]]), truth: Tensor(rows: [[1, 2, 3]]), horizon: 2)
        }
    }

    /// y = r²: the test window ending at row 15 has slope (225 − 0)/15 = 15,
    /// so it forecasts 240 and 255.
    @Test func driftExtendsTheLineFromTheFirstRow() throws {
        let data = try Self.data((0..<20).map { Double($0 * $0) }, horizon: 2)
        #expect(data.test.endRows == [15, 16, 17])
        #expect(data.driftForecast(for: .test)[0, 0] == 240 && data.driftForecast(for: .test)[0, 1] == 255)
        #expect(data.driftForecast(for: .test)[1, 0] == 256 + 16, "slope 256/16 = 16")
        #expect(try data.forecast(.drift, for: .test) == data.driftForecast(for: .test))
    }

    /// y = 10r on training rows 0..<12: |y_r − y_{r−s}| = 10s everywhere.
    @Test func maseScalesAreTheInSampleNaiveError() throws {
        let data = try Self.data((0..<20).map { 10 * Double($0) }, horizon: 2)
        #expect(try data.naiveScales(season: 1) == [10])
        #expect(try data.naiveScales(season: 3) == [30])
        // Period 2 repeated: the season-2 scale is 0, so MASE is undefined.
        let periodic = try Self.data((0..<20).map { Double($0 % 2) }, horizon: 2)
        #expect(try periodic.naiveScales(season: 2) == nil)
        #expect(try periodic.naiveScales(season: 1) == [1])
        #expect(throws: RecurrentError.self) { try data.naiveScales(season: 12) }
    }

    /// One input: x = 1…4, y = 2, 3, 5, 6. Centred, Σxy = 7 and Σx² = 5, so
    /// w = 7/(5 + λ) and c = ȳ − x̄·w.
    @Test func ridgeMatchesTheOneInputClosedForm() throws {
        for lambda in [0.5, 1, 10] {
            let ridge = try RidgeAutoregression(
                inputs: Tensor(rows: [[1], [2], [3], [4]]), targets: Tensor(rows: [[2], [3], [5], [6]]), lambda: lambda)
            let w = 7 / (5 + lambda)
            #expect(abs(Double(ridge.weight.scalars[0]) - w) < 1e-6)
            #expect(abs(Double(ridge.intercept.scalars[0]) - (4 - 2.5 * w)) < 1e-6)
        }
        #expect(throws: RecurrentError.self) {
            try RidgeAutoregression(inputs: Tensor(rows: [[1]]), targets: Tensor(rows: [[1]]), lambda: 0)
        }
    }

    /// Two inputs, two outputs: W = (X₀ᵀX₀ + λI)⁻¹X₀ᵀY₀ by the 2 × 2 inverse
    /// (adjugate over determinant), independent of the Cholesky solve.
    @Test func ridgeMatchesTheTwoInputClosedForm() throws {
        let x: [[Double]] = [[1, 0], [2, 1], [0, 3], [4, 1], [3, 3]]
        let y: [[Double]] = [[1, -1], [3, 0], [2, 5], [5, 1], [6, 2]]
        let lambda = 0.7
        let mean = { (rows: [[Double]], c: Int) in rows.map { $0[c] }.reduce(0, +) / Double(rows.count) }
        let xc = x.map { [$0[0] - mean(x, 0), $0[1] - mean(x, 1)] }
        let yc = y.map { [$0[0] - mean(y, 0), $0[1] - mean(y, 1)] }
        let a = (0..<2).map { i in (0..<2).map { k in xc.map { $0[i] * $0[k] }.reduce(0, +) + (i == k ? lambda : 0) } }
        let b = (0..<2).map { i in (0..<2).map { j in zip(xc, yc).map { $0[i] * $1[j] }.reduce(0, +) } }
        let det = a[0][0] * a[1][1] - a[0][1] * a[1][0]
        let inverse = [[a[1][1] / det, -a[0][1] / det], [-a[1][0] / det, a[0][0] / det]]
        let ridge = try RidgeAutoregression(
            inputs: Tensor(rows: x.map { $0.map(Float.init) }), targets: Tensor(rows: y.map { $0.map(Float.init) }),
            lambda: lambda)
        let w = (0..<2).map { i in (0..<2).map { j in inverse[i][0] * b[0][j] + inverse[i][1] * b[1][j] } }
        #expect(ridge.weight.shape == [2, 2] && mismatch(ridge.weight, w.flatMap { $0 }, absolute: 1e-5) == nil)
        let intercept = (0..<2).map { j in mean(y, j) - mean(x, 0) * w[0][j] - mean(x, 1) * w[1][j] }
        #expect(ridge.intercept.shape == [2] && mismatch(ridge.intercept, intercept, absolute: 1e-5) == nil)
    }

    /// A sinusoid obeys y_t = 2cos(ω)·y_{t−1} − y_{t−2} exactly, so a nearly
    /// unpenalised regression on a two-step window finds [−1, 2cos ω] and
    /// forecasts the test part almost perfectly, where persistence does not.
    @Test func ridgeRecoversAnExactAutoregression() throws {
        let omega = 0.3
        let data = try Self.data((0..<200).map { sin(omega * Double($0)) + 2 }, horizon: 1, window: 2)
        let ridge = try data.linearAutoregression(lambda: 1e-6)
        #expect(abs(ridge.weight[0, 0] + 1) < 1e-3 && abs(Double(ridge.weight[1, 0]) - 2 * cos(omega)) < 1e-3)
        let truth = data.test.targetsInOriginalUnits
        let linear = try ForecastErrors(prediction: data.forecast(.linearAutoregression, for: .test, ridge: ridge), truth: truth)
        let naive = try ForecastErrors(prediction: data.forecast(.persistence, for: .test), truth: truth)
        #expect(linear.rmse < 1e-3 && naive.rmse > 0.1)
        // λ chosen on validation: the smallest of the grid wins on exact data.
        #expect(try data.linearAutoregression().lambda == 0.01)
    }

    /// Calendar fields on known dates, with offsets and leap days (checked
    /// against Python's `datetime`).
    @Test func timeStampsOnKnownDates() throws {
        let leap = try #require(TimeStamp(iso8601: "2024-02-29T23:30:00+02:00"))
        #expect(leap.secondsSinceEpoch == 1_709_242_200 && leap.utcOffset == 7200)
        #expect(leap.local.day == 29 && leap.local.month == 2 && leap.local.hour == 23 && leap.local.weekday == 4)
        #expect(leap.local.dayOfYear == 60)
        let utc = TimeStamp(secondsSinceEpoch: leap.secondsSinceEpoch)
        #expect(utc.local.hour == 21 && utc.local.day == 29)
        #expect(TimeStamp(iso8601: "1969-12-31T23:00-05:00")?.secondsSinceEpoch == 14400)
        #expect(TimeStamp(iso8601: "1970-01-01")?.secondsSinceEpoch == 0)
        #expect(TimeStamp(iso8601: "2000-12-31")?.local.dayOfYear == 366)
        #expect(TimeStamp(iso8601: "2000-12-31")?.local.weekday == 7)
        #expect(TimeStamp(iso8601: "1900-03-01 00:00:00.250Z")?.local.weekday == 4)
        #expect(TimeStamp(iso8601: "1949-03")?.local.month == 3)
        for bad in ["2023-02-29", "2024-13-01", "2024-01-01T24:00", "12.5", "", "2024-01-01X", "2024-1-01"] {
            #expect(TimeStamp(iso8601: bad) == nil, "\(bad)")
        }
    }

    @Test func seasonFromTheTimeColumnsFrequency() {
        let hours = (0..<30).map { String(format: "2024-03-%02dT%02d:00:00", 1 + $0 / 24, $0 % 24) }
        #expect(TimeStamp.season(ofTimes: hours) == 24)
        #expect(TimeStamp.season(ofTimes: (1...20).map { String(format: "2024-02-%02d", $0) }) == 7)
        #expect(TimeStamp.season(ofTimes: (1...12).map { String(format: "1949-%02d", $0) }) == 12)
        #expect(TimeStamp.season(ofTimes: ["2021-01-01", "2021-04-01", "2021-07-01", "2021-10-01"]) == 4)
        #expect(TimeStamp.season(ofTimes: ["1700", "1701", "1702", "1703"]) == nil)
        #expect(TimeStamp.season(ofTimes: ["1", "2", "3"]) == nil)
    }
}
