import Foundation
import Recurrent
import RecurrentTestSupport
import Testing

/// Windows and splits on a 20-row series whose values name their row
/// (a = r, b = 10·r), so every window can be checked by hand; and each bad
/// option's message.
@Suite struct SeriesDatasetTests {
    static let rows = 20
    static func series() throws -> NumericColumns {
        try NumericColumns(
            names: ["a", "b"], values: [(0..<rows).map { Double($0) }, (0..<rows).map { 10 * Double($0) }])
    }

    /// L = 3, h = 2, 60/20/20 of 20 rows: parts 0..<12, 12..<16, 16..<20.
    static func options(
        features: [String] = ["a", "b"], targets: [String] = ["b"], window: Int = 3, horizon: Int = 2,
        stride: Int = 1, split: SplitFractions = SplitFractions(train: 0.6, validation: 0.2, test: 0.2)
    ) -> SeriesOptions {
        SeriesOptions(
            features: features, targets: targets, window: window, horizon: horizon, stride: stride, split: split)
    }

    /// The rows of window n's inputs and targets, read back from the
    /// original-unit targets and the denormalised inputs.
    private func rows(_ windows: SeriesWindows, _ n: Int, in data: SeriesDataset) throws -> (input: [Int], target: [Int]) {
        let input = try data.normalization.denormalizing(windows.input, columns: ["a", "b"])
        let inputRows = (0..<3).map { t in Int(input[n, t, 0].rounded()) }
        #expect(mismatch((0..<3).map { t in input[n, t, 1] }, inputRows.map { 10 * Double($0) }, absolute: 1e-4) == nil)
        let targetRows = (0..<2).map { j in Int((windows.targetsInOriginalUnits[n, j] / 10).rounded()) }
        return (inputRows, targetRows)
    }

    @Test func firstAndLastWindowOfEachPart() throws {
        let data = try SeriesDataset(Self.series(), options: Self.options())
        #expect(data.train.rows == 0..<12 && data.validation.rows == 12..<16 && data.test.rows == 16..<20)
        #expect(data.train.endRows == Array(2...9))
        #expect(data.validation.endRows == [11, 12, 13])
        #expect(data.test.endRows == [15, 16, 17])
        let expected: [(SeriesPart, first: ([Int], [Int]), last: ([Int], [Int]))] = [
            (.train, ([0, 1, 2], [3, 4]), ([7, 8, 9], [10, 11])),
            (.validation, ([9, 10, 11], [12, 13]), ([11, 12, 13], [14, 15])),
            (.test, ([13, 14, 15], [16, 17]), ([15, 16, 17], [18, 19])),
        ]
        for (part, first, last) in expected {
            let windows = data[part]
            #expect(windows.input.shape == [windows.count, 3, 2] && windows.targets.shape == [windows.count, 2])
            let (firstRows, lastRows) = (try rows(windows, 0, in: data), try rows(windows, windows.count - 1, in: data))
            #expect(firstRows.input == first.0 && firstRows.target == first.1, "\(part) first window")
            #expect(lastRows.input == last.0 && lastRows.target == last.1, "\(part) last window")
        }
        #expect(data.train.targetsInOriginalUnits.scalars.prefix(2) == [30, 40])
        #expect(data.test.targetsInOriginalUnits.scalars.suffix(2) == [180, 190])
        let batch = data.validation.batch
        #expect(batch.input == data.validation.input && batch.targets == data.validation.targets && batch.lengths == nil)
    }

    /// Two targets, both also features: targets[n, j·K + k] is target k at
    /// step j, in the order the options name them.
    @Test func severalTargetsInterleaveByStep() throws {
        let data = try SeriesDataset(Self.series(), options: Self.options(features: ["a"], targets: ["b", "a"]))
        #expect(data.train.input.shape == [8, 3, 1] && data.train.targets.shape == [8, 4])
        #expect(data.train.targetsInOriginalUnits.scalars.prefix(4) == [30, 3, 40, 4])
        #expect(data.normalization.columns == ["a", "b"])
        let back = try data.targetsInOriginalUnits(data.train.targets.reshaped([8, 2, 2]))
        #expect(back.shape == [8, 2, 2] && abs(back[0, 1, 0] - 40) < 1e-4 && abs(back[0, 1, 1] - 4) < 1e-5)
    }

    @Test func strideStepsFromEachPartsFirstWindow() throws {
        let data = try SeriesDataset(Self.series(), options: Self.options(stride: 3))
        #expect(data.train.endRows == [2, 5, 8])
        #expect(data.validation.endRows == [11])
        #expect(data.test.endRows == [15])
    }

    /// Cuts are rounded to the nearest row (0.85 · 20 is 16.999… in
    /// floating point and must give 17); fractions summing below 1 leave
    /// the last rows out; a zero fraction gives no windows.
    @Test func cutsRoundToTheNearestRowAndMayLeaveRowsOut() throws {
        let standard = try SeriesDataset(Self.series(), options: Self.options(split: SplitFractions()))
        #expect(standard.train.rows == 0..<14 && standard.validation.rows == 14..<17 && standard.test.rows == 17..<20)
        let partial = try SeriesDataset(
            Self.series(), options: Self.options(split: SplitFractions(train: 0.5, validation: 0.2, test: 0.1)))
        #expect(partial.validation.rows == 10..<14 && partial.test.rows == 14..<16)
        #expect(partial.test.endRows == [13], "targets 14, 15; rows 16… are not used")
        let noValidation = try SeriesDataset(
            Self.series(), options: Self.options(split: SplitFractions(train: 0.8, validation: 0, test: 0.2)))
        #expect(noValidation.validation.count == 0 && noValidation.validation.batch.count == 0)
        #expect(noValidation.validation.input.shape == [0, 3, 2])
        #expect(noValidation.test.endRows == [15, 16, 17])
    }

    /// No window's inputs or targets reach a later part than its own, over
    /// a grid of options (the first window of a later part reads the part
    /// before, which is history).
    @Test func noWindowReadsALaterPart() throws {
        for (l, h, stride) in [(1, 1, 1), (3, 2, 1), (4, 3, 2), (2, 4, 5)] {
            let data = try SeriesDataset(Self.series(), options: Self.options(window: l, horizon: h, stride: stride))
            for part in SeriesPart.allCases {
                let windows = data[part]
                for e in windows.endRows {
                    #expect(e - l + 1 >= 0 && windows.rows.contains(e + 1) && windows.rows.contains(e + h))
                }
            }
            #expect(data.train.endRows.first == l - 1)
        }
    }

    @Test func readsFromACSVTable() throws {
        var text = "time,load,temperature\n"
        for r in 0..<20 { text += "t\(r),\(r == 7 ? "NA" : "\(100 + r)"),\(r % 5)\n" }
        let table = try CSVTable(string: text, name: "load.csv")
        let options = SeriesOptions(
            features: ["temperature", "load"], targets: ["load"], window: 4, horizon: 1,
            split: SplitFractions(train: 0.5, validation: 0.25, test: 0.25))
        let data = try SeriesDataset(table: table, options: options, time: "time", missing: .interpolate)
        #expect(data.series.names == ["temperature", "load"] && data.series.values[1][7] == 107)
        #expect(data.series.times?[19] == "t19")
        #expect(data.train.endRows == Array(3...8) && data.test.endRows == [14, 15, 16, 17, 18])
        #expect(data.test.targetsInOriginalUnits.scalars == [115, 116, 117, 118, 119])
        #expect(data.latestInput().shape == [1, 4, 2])
        let latest = try data.normalization.denormalizing(data.latestInput(), columns: ["temperature", "load"])
        #expect(abs(latest[0, 3, 1] - 119) < 1e-4 && abs(latest[0, 0, 0] - 1) < 1e-5)
        #expect(throws: CSVError(file: "load.csv", line: 9, column: "load", problem: .missingValue(cell: "NA"))) {
            try SeriesDataset(table: table, options: options)
        }
        let unknown = SeriesOptions(features: ["load"], targets: ["lod"], window: 4)
        #expect(throws: CSVError(
            file: "load.csv", line: 1, column: "lod", problem: .unknownColumn(available: ["time", "load", "temperature"]))
        ) { try SeriesDataset(table: table, options: unknown) }
    }

    private func message(_ options: SeriesOptions) -> String? {
        do {
            _ = try SeriesDataset(Self.series(), options: options)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func badOptionsNameTheOptionAndTheNumbers() {
        #expect(message(Self.options(window: 0)) == "invalid window 0: must be ≥ 1")
        #expect(message(Self.options(horizon: -1)) == "invalid horizon -1: must be ≥ 1")
        #expect(message(Self.options(stride: 0)) == "invalid stride 0: must be ≥ 1")
        #expect(message(Self.options(window: 19))
            == "invalid window 19: with horizon 2 a window spans 21 rows, but the series has 20")
        #expect(message(Self.options(window: 11))
            == "invalid window 11: with horizon 2 a window spans 13 rows, but the training part holds 12 (rows 0..<12 of 20)")
        #expect(message(Self.options(horizon: 5))
            == "invalid horizon 5: the validation part holds 4 rows (12..<16 of 20), too few for one window's targets")
        #expect(message(Self.options(split: SplitFractions(train: 0.9, validation: 0.05, test: 0.05)))
            == "invalid horizon 2: the validation part holds 1 row (18..<19 of 20), too few for one window's targets")
    }

    @Test func badFractionsAndColumns() {
        func split(_ train: Double, _ validation: Double, _ test: Double) -> SeriesOptions {
            Self.options(split: SplitFractions(train: train, validation: validation, test: test))
        }
        #expect(message(split(0.7, -0.1, 0.1)) == "invalid validation fraction -0.1: must lie in [0, 1]")
        #expect(message(split(1.5, 0, 0)) == "invalid train fraction 1.5: must lie in [0, 1]")
        #expect(message(split(.nan, 0, 0)) == "invalid train fraction nan: must lie in [0, 1]")
        #expect(message(split(0, 0.5, 0.5)) == "invalid train fraction 0: must be > 0")
        #expect(message(split(0.7, 0.3, 0.2)) == "invalid split fractions 0.7 + 0.3 + 0.2 = 1.2: must sum to ≤ 1")
        #expect(message(Self.options(features: ["a", "c"]))
            == #"invalid feature "c": no such column; the columns are "a", "b""#)
        #expect(message(Self.options(targets: ["z"])) == #"invalid target "z": no such column; the columns are "a", "b""#)
        #expect(message(Self.options(features: ["a", "a"])) == #"invalid features "a": named twice"#)
        #expect(message(Self.options(targets: [])) == "invalid targets []: need at least one column")
    }

    /// Options go into a model file as JSON and come back equal.
    @Test func optionsRoundTripThroughJSON() throws {
        let options = Self.options(stride: 2)
        let json = try JSONEncoder().encode(options)
        let text = try #require(String(data: json, encoding: .utf8))
        #expect(text.contains(#""input_length":3"#) && text.contains(#""normalization":"z-score""#))
        #expect(try JSONDecoder().decode(SeriesOptions.self, from: json) == options)
    }
}
