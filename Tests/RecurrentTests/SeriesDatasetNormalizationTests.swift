import Foundation
import Recurrent
import RecurrentTestSupport
import Testing

/// Normalisation: fitted on the training rows only (checked against the
/// statistics of those rows worked out by hand), applied to every part,
/// inverted back to the original units, and stored as JSON.
@Suite struct SeriesDatasetNormalizationTests {
    /// 10 rows: a = 0…5 in the training part (rows 0..<6), then 1006…1009,
    /// so statistics over all rows would be far off; b is constant 7.
    static func data(_ method: Normalization.Method) throws -> SeriesDataset {
        let a = (0..<10).map { Double($0 < 6 ? $0 : 1000 + $0) }
        let series = try NumericColumns(names: ["a", "b"], values: [a, Array(repeating: 7, count: 10)])
        let options = SeriesOptions(
            features: ["a", "b"], targets: ["a"], window: 2, horizon: 1,
            split: SplitFractions(train: 0.6, validation: 0.2, test: 0.2), normalization: method)
        return try SeriesDataset(series, options: options)
    }

    /// Mean of 0…5 is 2.5; population variance is (6² − 1)/12 = 35/12.
    @Test func zScoreUsesTheTrainingRowsOnly() throws {
        let data = try Self.data(.zScore)
        let std = (35.0 / 12).squareRoot()
        #expect(data.normalization.columns == ["a", "b"] && data.normalization.method == .zScore)
        #expect(abs(data.normalization.offsets[0] - 2.5) < 1e-12 && abs(data.normalization.scales[0] - std) < 1e-12)
        #expect(data.normalization.offsets[1] == 7 && data.normalization.scales[1] == 1, "constant: scale 1")
        let input = data.train.input  // window 0: rows 0, 1
        let firstRows = [input[0, 0, 0], input[0, 1, 0]]
        #expect(mismatch(firstRows, [-2.5 / std, -1.5 / std], absolute: 1e-6, relative: 1e-6) == nil)
        #expect(input[0, 0, 1] == 0 && input[0, 1, 1] == 0)
        #expect(data.test.endRows == [7, 8])
        let targets = [data.test.targets[0, 0], data.test.targets[1, 0]]
        #expect(mismatch(targets, [(1008 - 2.5) / std, (1009 - 2.5) / std], absolute: 1e-6, relative: 1e-6) == nil)
        #expect(data.test.targetsInOriginalUnits.scalars == [1008, 1009])
    }

    @Test func minMaxMapsTheTrainingRowsOntoZeroToOne() throws {
        let data = try Self.data(.minMax)
        #expect(data.normalization.offsets == [0, 7] && data.normalization.scales == [5, 1])
        #expect(data.train.input.scalars.enumerated().allSatisfy { $0.offset % 2 == 1 || (0...1).contains($0.element) })
        #expect(data.train.targets.scalars == [0.4, 0.6, 0.8, 1].map { Float($0) })
        let targets = [data.test.targets[0, 0], data.test.targets[1, 0]]
        #expect(mismatch(targets, [1008.0 / 5, 1009.0 / 5], absolute: 1e-6, relative: 1e-6) == nil)
        let none = try Self.data(.none)
        #expect(none.normalization.offsets == [0, 0] && none.normalization.scales == [1, 1])
        #expect(none.test.targets == none.test.targetsInOriginalUnits)
    }

    /// Normalised targets brought back equal the targets as read, to Float
    /// rounding, for each method and part.
    @Test func inversionRoundTrips() throws {
        for method in Normalization.Method.allCases {
            let data = try Self.data(method)
            for part in SeriesPart.allCases {
                let back = try data.targetsInOriginalUnits(data[part].targets)
                let truth = data[part].targetsInOriginalUnits
                #expect(mismatch(back, truth, absolute: 1e-6, relative: 1e-6) == nil, "\(method) \(part)")
            }
        }
        let scaling = try Normalization(fitting: [[1, 2, 3, 4], [-3, 5, 9, 0]], columns: ["p", "q"], method: .zScore)
        let x = Tensor(shape: [3, 2], scalars: [1, -3, 2.5, 5, 1e3, -7])
        let there = try scaling.normalizing(x, columns: ["p", "q"])
        let back = try scaling.denormalizing(there, columns: ["p", "q"])
        #expect(mismatch(back, x, absolute: 1e-6, relative: 1e-6) == nil)
    }

    /// The documentation's example: mean 2.5, std √1.25.
    @Test func fittingByHand() throws {
        let scaling = try Normalization(fitting: [[1, 2, 3, 4]], columns: ["load"], method: .zScore)
        #expect(scaling.offsets == [2.5] && abs(scaling.scales[0] - 1.25.squareRoot()) < 1e-15)
        let four = try scaling.normalizing(Tensor([4]), columns: ["load"])
        #expect(mismatch(four, [1.5 / 1.25.squareRoot()], absolute: 1e-6, relative: 1e-6) == nil)
        let minMax = try Normalization(fitting: [[-2, 6, 0]], columns: ["t"], method: .minMax)
        #expect(minMax.offsets == [-2] && minMax.scales == [8])
        #expect(throws: RecurrentError.self) { try scaling.normalizing(Tensor([4]), columns: ["lod"]) }
        #expect(throws: RecurrentError.self) { try scaling.normalizing(Tensor.zeros([2, 3]), columns: ["load", "load"]) }
    }

    @Test func storedAsJSONAndCheckedWhenRead() throws {
        let scaling = try Self.data(.zScore).normalization
        let json = try JSONEncoder().encode(scaling)
        let text = try #require(String(data: json, encoding: .utf8))
        #expect(text.contains(#""method":"z-score""#) && text.contains(#""columns":["a","b"]"#))
        #expect(try JSONDecoder().decode(Normalization.self, from: json) == scaling)
        for bad in [
            #"{"method":"min-max","columns":["a"],"offsets":[0],"scales":[0]}"#,
            #"{"method":"min-max","columns":["a"],"offsets":[0,1],"scales":[1]}"#,
            #"{"method":"min-max","columns":["a","a"],"offsets":[0,1],"scales":[1,1]}"#,
            #"{"method":"robust","columns":["a"],"offsets":[0],"scales":[1]}"#,
            #"{"method":"none","columns":["a"],"offsets":[0],"scales":[-1]}"#,
        ] {
            #expect(throws: DecodingError.self, "\(bad)") {
                try JSONDecoder().decode(Normalization.self, from: Data(bad.utf8))
            }
        }
    }
}
