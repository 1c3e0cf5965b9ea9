import Foundation
import Recurrent
import RecurrentTestSupport
import Testing

/// |a − b| within `relativeTolerance` of |b| (or of 1 when |b| < 1).
private func isClose<T: BinaryFloatingPoint>(_ a: T, _ b: T, relativeTolerance: T) -> Bool {
    abs(a - b) <= relativeTolerance * max(abs(b), 1)
}

/// Many series for one global model: each split and scaled on its own,
/// windows pooled with their series, read from long-form and wide files.
@Suite struct ManySeriesDatasetTests {
    /// Two series of different lengths and levels: a = 0, 1, …, 19 and b = 100, 102, …, 158 (30 rows).
    static func twoSeries() throws -> [NamedSeries] {
        [
            NamedSeries(id: "a", columns: try NumericColumns(names: ["y"], values: [(0..<20).map(Double.init)])),
            NamedSeries(id: "b", columns: try NumericColumns(names: ["y"], values: [(0..<30).map { 100 + 2 * Double($0) }])),
        ]
    }

    static let options = SeriesOptions(
        features: ["y"], targets: ["y"], window: 2, horizon: 1,
        split: SplitFractions(train: 0.6, validation: 0.2, test: 0.2))

    /// Series a trains on rows 0..<12, b on 0..<18; each mean and deviation
    /// is its own training part's (a: mean 5.5, σ² = (12² − 1)/12; b: 100 + 2·8.5,
    /// σ = 2·√((18² − 1)/12)); the pooled windows are a's then b's.
    @Test func eachSeriesIsSplitAndScaledOnItsOwn() throws {
        let data = try ManySeriesDataset(Self.twoSeries(), options: Self.options)
        #expect(data.datasets[0].train.rows == 0..<12 && data.datasets[1].train.rows == 0..<18)
        #expect(data.datasets[0].test.rows == 16..<20 && data.datasets[1].test.rows == 24..<30)
        let a = data.normalizations[0], b = data.normalizations[1]
        #expect(isClose(a.offsets[0], 5.5, relativeTolerance: 1e-12))
        #expect(isClose(a.scales[0], ((144.0 - 1) / 12).squareRoot(), relativeTolerance: 1e-12))
        #expect(isClose(b.offsets[0], 117, relativeTolerance: 1e-12))
        #expect(isClose(b.scales[0], 2 * ((324.0 - 1) / 12).squareRoot(), relativeTolerance: 1e-12))
        // Training windows end at rows 1 … 10 (a) and 1 … 16 (b).
        #expect(data.train.count == 10 + 16)
        #expect(data.train.seriesIndices == Array(repeating: 0, count: 10) + Array(repeating: 1, count: 16))
        #expect(data.train.windowIndices == Array(0..<10) + Array(0..<16))
        // b's first training window reads rows 0, 1 and forecasts row 2, in b's own z-scores.
        let n = 10
        let bScale = Float(b.scales[0])
        #expect(isClose(data.train.input[n, 0, 0], (100 - 117) / bScale, relativeTolerance: 1e-5))
        #expect(isClose(data.train.targets[n, 0], (104 - 117) / bScale, relativeTolerance: 1e-5))
        #expect(data.train.targetsInOriginalUnits[n, 0] == 104)
        #expect(data.test.count == 4 + 6 && data.validation.count == 4 + 6)
        #expect(data.inputSize == 1)
    }

    /// The one-hot columns follow the features at every step, 1 in the
    /// window's series' column; denormalising the normalised targets window by
    /// window gives the original units back.
    @Test func oneHotIdentityAndDenormalisation() throws {
        let data = try ManySeriesDataset(Self.twoSeries(), options: Self.options, embedding: .oneHot)
        #expect(data.inputSize == 3 && data.train.input.shape == [26, 2, 3])
        for n in [0, 9, 10, 25] {
            for t in 0..<2 {
                let s = data.train.seriesIndices[n]
                #expect(data.train.input[n, t, 1] == (s == 0 ? 1 : 0) && data.train.input[n, t, 2] == (s == 1 ? 1 : 0))
            }
        }
        let back = try data.targetsInOriginalUnits(data.test.targets, part: .test)
        for (x, y) in zip(back.scalars, data.test.targetsInOriginalUnits.scalars) {
            #expect(isClose(x, y, relativeTolerance: 1e-5))
        }
        // Persistence: each window's last value, a's then b's.
        let naive = data.persistenceForecast(for: .test)
        #expect(naive.scalars == [15, 16, 17, 18, 146, 148, 150, 152, 154, 156])
    }

    /// A series too short for a training window and a horizon in each part is named, with its length.
    @Test func aShortSeriesIsNamed() throws {
        var series = try Self.twoSeries()
        series.append(NamedSeries(id: "tiny", columns: try NumericColumns(names: ["y"], values: [[1.0, 2, 3, 4]])))
        #expect {
            try ManySeriesDataset(series, options: Self.options)
        } throws: { error in
            "\(error)".contains("\"tiny\"") && "\(error)".contains("has 4 rows")
        }
    }

    /// Long form: rows grouped by id in file order, each with its own lines and times.
    @Test func longFormFilesAreGroupedById() throws {
        let table = try CSVTable(
            string: "id,t,y\na,1,10\na,2,11\na,3,12\nb,5,20\nb,6,21\n", name: "long.csv")
        let series = try table.longFormSeries(idColumn: "id", columns: ["y"], time: "t")
        #expect(series.map(\.id) == ["a", "b"])
        #expect(series[0].columns.values == [[10, 11, 12]] && series[1].columns.values == [[20, 21]])
        #expect(series[1].columns.lines == [5, 6] && series[1].columns.times == ["5", "6"])
        // Wide: each column a series, read as `value`.
        let wide = try CSVTable(string: "t,p,q\n1,1,5\n2,2,6\n", name: "wide.csv").wideSeries(["q", "p"], time: "t")
        #expect(wide.map(\.id) == ["q", "p"] && wide[0].columns.names == ["value"] && wide[0].columns.values == [[5, 6]])
        // A wide file's shared time column is checked once, without a series' name.
        #expect {
            try CSVTable(string: "t,p\n1,1\n2,2\n4,3\n", name: "wide.csv").wideSeries(["p"], time: "t")
        } throws: { error in
            "\(error)" == "wide.csv:4: column \"t\": time \"4\" skips steps after \"2\" (the series' step is 1); "
                + "fill the missing rows (empty cells and a missing-value policy) or cut the series"
        }
    }

    /// Each bad long-form file names its line, column and problem.
    @Test(arguments: [
        ("id,y\na,1\nb,2\na,3\n", "long.csv:4: column \"id\": series \"a\" comes back after other series' rows (its previous row is line 2)"),
        ("id,y\na,1\n ,2\n", "long.csv:3: column \"id\": the series id is empty"),
        ("id,t,y\na,1,1\na,1,2\n", "long.csv:3: column \"t\": series \"a\": time \"1\" repeats"),
        ("id,t,y\na,1,1\na,2,2\na,4,3\n", "long.csv:4: column \"t\": series \"a\": time \"4\" skips steps after \"2\" (the series' step is 1)"),
        (
            "id,t,y\na,2024-01-01T00:00,1\na,2024-01-01T01:00,2\na,2024-01-01T03:00,3\n",
            "series \"a\": time \"2024-01-01T03:00\" skips steps after \"2024-01-01T01:00\" (the series' step is 3600 s)"
        ),
        ("id,t,y\na,1,1\n", "no such column"),
    ])
    func badLongFormFilesAreNamed(text: String, expected: String) throws {
        let table = try CSVTable(string: text, name: "long.csv")
        let time: String? = text.hasPrefix("id,t") ? "t" : nil
        let id = expected == "no such column" ? "store" : "id"
        #expect {
            try table.longFormSeries(idColumn: id, columns: ["y"], time: time)
        } throws: { error in
            "\(error)".contains(expected)
        }
    }

    /// Months of 28 to 31 days are one step each; a missing month is a skip.
    @Test func monthlyTimesStepByCalendarMonths() throws {
        let months = ["2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30"]
        try CSVTable.checkRegularTimes(months, series: "m", lines: [2, 3, 4, 5], column: "t", file: "f.csv")
        #expect {
            try CSVTable.checkRegularTimes(
                ["2024-01-31", "2024-02-29", "2024-04-30"], series: "m", lines: [2, 3, 4], column: "t", file: "f.csv")
        } throws: { error in
            "\(error)".contains("f.csv:4: column \"t\": series \"m\": time \"2024-04-30\" skips steps after \"2024-02-29\" (the series' step is 1 month(s))")
        }
    }

    /// Pooled RMSE and MAE equal those of every value taken together; MASE is the series' mean.
    @Test func pooledErrorsAreThoseOfTheValuesTogether() throws {
        let a = try ForecastErrors(prediction: Tensor(shape: [2, 1], scalars: [1, 2]), truth: Tensor(shape: [2, 1], scalars: [0, 0]), scales: [1])
        let b = try ForecastErrors(
            prediction: Tensor(shape: [3, 1], scalars: [10, 13, 10]), truth: Tensor(shape: [3, 1], scalars: [10, 10, 14]),
            scales: [2])
        let together = try ForecastErrors(
            prediction: Tensor(shape: [5, 1], scalars: [1, 2, 10, 13, 10]), truth: Tensor(shape: [5, 1], scalars: [0, 0, 10, 10, 14]))
        let pooled = PooledForecastErrors([a, b])
        #expect(isClose(pooled.rmse, together.rmse, relativeTolerance: 1e-12))
        #expect(isClose(pooled.mae, together.mae, relativeTolerance: 1e-12))
        #expect(isClose(pooled.mase!, (1.5 + 7.0 / 3 / 2) / 2, relativeTolerance: 1e-12))
        #expect(pooled.count == 5)
    }
}
