import Foundation
import Recurrent
import Testing

/// Probabilistic forecasts on the command line: `train --quantiles` and
/// `--likelihood gaussian` record the distribution in the model file;
/// `evaluate` scores the intervals, `forecast` writes the level columns, the
/// plot draws bands; bad levels and the combinations that cannot work are
/// one-line usage errors that write nothing.
@Suite struct TrainQuantileTests {
    private static let noisy = ["--epochs", "20", "--quiet"]

    private func figures(_ model: String, _ csv: String) throws -> [String: Double] {
        let evaluate = try runRecurrent(["evaluate", "--model", model, "--csv", csv, "--json"])
        try #require(evaluate.status == 0, "stderr: \(evaluate.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(evaluate.stdout.utf8)) as? [String: Double])
    }

    /// The forecast's rows: the point column, then the levels, each row non-decreasing.
    private func forecastRows(_ model: String, _ csv: String, _ folder: TemporaryFolder) throws -> (String, [[Double]]) {
        let output = folder.path("next.csv")
        let forecast = try runRecurrent(["forecast", "--model", model, "--csv", csv, "--output", output])
        try #require(forecast.status == 0, "stderr: \(forecast.stderr)")
        let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").map(String.init)
        return (lines[0], lines.dropFirst().map { $0.split(separator: ",").dropFirst().map { Double($0)! } })
    }

    /// On sin(2πt/25) + 0.3·N(0, 1), quantile regression's test 80% interval holds 65–95% of the
    /// test values (the ideal one, ±1.28·0.3 around the sine, holds 80%); forecast writes the levels
    /// beside the point forecast, which is the median; the model file names the levels; the forecast
    /// plot draws the intervals as bands; training prints the interval's coverage.
    @Test func quantileRegressionCoversAboutItsNominalShare() throws {
        let folder = try TemporaryFolder()
        let csv = folder.path("sine.csv")
        try TrainForecastTests.sineCSV(noise: 0.3).write(toFile: csv, atomically: true, encoding: .utf8)
        let model = folder.path("model.safetensors")
        let train = try runRecurrent(
            ["train", "--csv", csv, "-o", model, "--quantiles", "0.1,0.5,0.9", "--plots", folder.path("plots")]
                + TrainForecastTests.trainArguments + ["--epochs", "20"])
        try #require(train.status == 0, "stderr: \(train.stderr)")
        #expect(train.stdout.contains("validation 80% interval (q0.1–q0.9): covers "), "\(train.stdout)")
        let file = try ForecastModelFile(contentsOf: URL(fileURLWithPath: model))
        let distribution = try #require(file.network.distribution)
        #expect(distribution.kind == .quantiles && distribution.quantiles == [0.1, 0.5, 0.9])
        #expect(ForecastDistribution.spreadRange.contains(distribution.spread))  // calibrated on the validation part
        #expect(train.stdout.contains("the model's own spread (calibrated on the validation part)") == (distribution.spread != 1))
        #expect(file.network.sequenceModel?.head.outputSize == 9)

        let figures = try figures(model, csv)
        let coverage = try #require(figures["test_coverage_80"]), width = try #require(figures["test_width_80"])
        #expect((0.65...0.95).contains(coverage), "coverage \(coverage), width \(width)")
        #expect((0.4...1.6).contains(width), "width \(width); the ideal is 2·1.28·0.3 = 0.77")
        let pinball = try #require(figures["test_pinball"])
        #expect(figures["test_crps"] == 2 * pinball && figures["test_pinball_q0.5"] != nil)
        #expect(figures["test_rmse"] != nil && figures["persistence_test_rmse"] != nil)

        let (header, rows) = try forecastRows(model, csv, folder)
        #expect(header == "step,value,value_q0.1,value_q0.5,value_q0.9")
        #expect(rows.count == 3)
        for row in rows {
            #expect(row.count == 4 && row[1] <= row[2] && row[2] <= row[3] && row[0] == row[2], "\(row)")
        }
        let svg = try String(contentsOfFile: folder.path("plots/forecast.svg"), encoding: .utf8)
        #expect(svg.components(separatedBy: "class=\"band\"").count - 1 >= 2, "a band for validation and test")
        #expect(svg.contains("test 80% interval"))
    }

    /// --likelihood gaussian: a mean and deviation per step; the point column is the mean, which is
    /// also the 0.5 level; the levels reported are --quantiles' (0.1, 0.5, 0.9 by default).
    @Test func gaussianLikelihoodReportsItsLevels() throws {
        let (folder, csv, model) = try TrainForecastTests.trainedFolder(
            noise: 0.3, extra: ["--likelihood", "gaussian", "--quantiles", "0.05,0.5,0.95", "--no-calibrate"] + Self.noisy)
        defer { withExtendedLifetime(folder) {} }
        let file = try ForecastModelFile(contentsOf: URL(fileURLWithPath: model))
        let distribution = try #require(file.network.distribution)
        #expect(distribution == (try ForecastDistribution.gaussian(quantiles: [0.05, 0.5, 0.95])))  // --no-calibrate: k = 1
        #expect(file.network.sequenceModel?.instanceNormalization?.scaleOnlyOutputs == [1, 3, 5])
        let figures = try figures(model, csv)
        let coverage = try #require(figures["test_coverage_90"])
        #expect((0.75...1).contains(coverage), "90% interval coverage \(coverage)")
        let (header, rows) = try forecastRows(model, csv, folder)
        #expect(header == "step,value,value_q0.05,value_q0.5,value_q0.95")
        for row in rows {
            #expect(row[1] < row[2] && row[2] < row[3], "\(row)")
            #expect(abs(row[0] - row[2]) <= 1e-5 * max(1, abs(row[0])), "the mean is the median: \(row)")
        }
    }

    /// Levels outside (0, 1), unsorted, repeated or not numbers; the MLP; a recursive forecast of a
    /// probabilistic model: one line naming the option, exit 64, nothing written. ONNX export refuses
    /// the quantile head by name.
    @Test func badLevelsAndCombinationsThatCannotWorkAreUsageErrors() throws {
        let (folder, csv, model) = try TrainForecastTests.trainedFolder(
            extra: ["--quantiles", "0.25,0.75", "--epochs", "1", "--quiet"])
        defer { withExtendedLifetime(folder) {} }
        let train = "train --csv {dir}/sine.csv --target value --window 12 --horizon 3 --epochs 1 -o {dir}/m.safetensors"
        for (levels, message) in [
            ("0,0.5", "each level must lie inside (0, 1), got 0.0"), ("0.5,1", "got 1.0"), ("-0.1,0.5", "got -0.1"),
            ("0.9,0.1", "must be strictly increasing, got 0.9 before 0.1"), ("0.1,0.5,0.5", "names 0.5 twice"),
            ("0.1,x", "must be numbers"), ("0.1,,0.9", "must be numbers"), ("nan", "inside (0, 1)"),
        ] {
            try expectUsageFailure(
                train + " --quantiles \(levels)", in: folder.url, naming: "--quantiles", output: "m.safetensors")
            try expectUsageFailure(train + " --quantiles \(levels)", in: folder.url, naming: message, output: "m.safetensors")
        }
        try expectUsageFailure(
            train + " --model mlp --quantiles 0.1,0.9", in: folder.url, naming: "--quantiles", output: "m.safetensors")
        try expectUsageFailure(
            train + " --model mlp --likelihood gaussian", in: folder.url, naming: "--likelihood", output: "m.safetensors")
        try expectUsageFailure(train + " --likelihood poisson", in: folder.url, naming: "--likelihood", output: "m.safetensors")
        try expectUsageFailure(train + " --no-calibrate", in: folder.url, naming: "--no-calibrate", output: "m.safetensors")
        try expectUsageFailure(
            "forecast --model \(model) --csv \(csv) --method recursive --steps 6 --output {dir}/f.csv", in: folder.url,
            naming: "--method", output: "f.csv")
        let export = try runRecurrent(["export", model, "--format", "onnx", "-o", folder.path("m.onnx")])
        #expect(export.status == 64 && export.stderr.contains("probabilistic output (quantiles at levels 0.25, 0.75)"))
        #expect(!FileManager.default.fileExists(atPath: folder.path("m.onnx")))
    }
}
