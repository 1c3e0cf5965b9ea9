import Foundation
import Recurrent
import Testing

/// `recurrent train --csv`'s forecasting heads: the defaults (a recurrent
/// forecaster gets RevIN and the linear skip, the MLP neither), `--head
/// per-step`, `--no-revin`/`--no-skip`, all read back by `evaluate` and
/// `forecast`, and the combinations that cannot work refused.
@Suite struct TrainHeadTests {
    private func forecaster(_ model: String) throws -> SequenceModel? {
        let file = try ForecastModelFile(contentsOf: URL(fileURLWithPath: model))
        guard case .recurrent(let network) = file.network else { return nil }
        return network
    }

    /// By default: RevIN scaling each of the 3 outputs back with the target's
    /// column (0 of value,temp) and a skip over the whole window; the MLP
    /// has neither; --no-revin --no-skip gives the plain direct head.
    @Test func aRecurrentForecasterGetsRevINAndTheSkipByDefault() throws {
        let (folder, _, model) = try TrainForecastTests.trainedFolder(noise: 0.05, extra: ["--features", "value,temp"])
        defer { withExtendedLifetime(folder) {} }
        let network = try #require(try forecaster(model))
        #expect(network.instanceNormalization?.outputChannels == [0, 0, 0])
        #expect(network.skip?.steps == 12 && network.head.steps == 1)

        let plain = folder.path("plain.safetensors")
        let result = try runRecurrent(
            ["train", "--csv", folder.path("sine.csv"), "-o", plain, "--no-revin", "--no-skip"] + TrainForecastTests.trainArguments)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let direct = try #require(try forecaster(plain))
        #expect(direct.instanceNormalization == nil && direct.skip == nil)

        let mlp = folder.path("mlp.safetensors")
        let trained = try runRecurrent(
            ["train", "--csv", folder.path("sine.csv"), "-o", mlp, "--model", "mlp"] + TrainForecastTests.trainArguments)
        #expect(trained.status == 0, "stderr: \(trained.stderr)")
        #expect(try forecaster(mlp) == nil)
    }

    /// A target that is not a feature leaves RevIN off by default (and --revin refuses it).
    @Test func revinNeedsTheTargetAmongTheFeatures() throws {
        let (folder, _, model) = try TrainForecastTests.trainedFolder(extra: ["--features", "temp"])
        defer { withExtendedLifetime(folder) {} }
        #expect(try forecaster(model)?.instanceNormalization == nil)
        let train = "train --csv {dir}/sine.csv --target value --features temp --window 12 --epochs 1 -o {dir}/m.safetensors"
        try expectUsageFailure(train + " --revin", in: folder.url, naming: "add value to --features", output: "m.safetensors")
    }

    /// --head per-step trains a head of weight [K, F] read at each of the
    /// last h steps; evaluate and forecast read it; it learns the sine.
    @Test func perStepHeadTrainsAndIsReadBack() throws {
        let (folder, csv, model) = try TrainForecastTests.trainedFolder(extra: ["--head", "per-step"])
        defer { withExtendedLifetime(folder) {} }
        let network = try #require(try forecaster(model))
        #expect(network.head.steps == 3 && network.parameters["head.weight"]?.shape == [1, 8])
        let evaluate = try runRecurrent(["evaluate", "--model", model, "--csv", csv, "--json"])
        #expect(evaluate.status == 0, "stderr: \(evaluate.stderr)")
        let figures = try JSONSerialization.jsonObject(with: Data(evaluate.stdout.utf8)) as? [String: Any]
        let rmse = try #require(figures?["test_rmse"] as? Double)
        let persistence = try #require(figures?["persistence_test_rmse"] as? Double)
        #expect(rmse < 0.5 * persistence, "per-step head RMSE \(rmse), persistence \(persistence)")
        let output = folder.path("next.csv")
        let forecast = try runRecurrent(["forecast", "--model", model, "--csv", csv, "--output", output])
        #expect(forecast.status == 0, "stderr: \(forecast.stderr)")
        #expect(try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").count == 4)
    }

    @Test func headOptionsThatCannotApplyAreUsageErrors() throws {
        let folder = try TemporaryFolder()
        try TrainForecastTests.sineCSV().write(toFile: folder.path("sine.csv"), atomically: true, encoding: .utf8)
        let train = "train --csv {dir}/sine.csv --target value --window 12 --horizon 3 --epochs 1 -o {dir}/m.safetensors"
        try expectUsageFailure(train + " --model mlp --revin", in: folder.url, naming: "--revin", output: "m.safetensors")
        try expectUsageFailure(train + " --model mlp --head per-step", in: folder.url, naming: "--head", output: "m.safetensors")
        try expectUsageFailure(train + " --head sideways", in: folder.url, naming: "--head", output: "m.safetensors")
        try expectUsageFailure(train + " --revin --tbptt 4", in: folder.url, naming: "--revin", output: "m.safetensors")
        // --tbptt 5 on windows of 12: only the last 2 steps reach the output, fewer than the 3 a per-step head reads.
        try expectUsageFailure(train + " --head per-step --tbptt 5", in: folder.url, naming: "--head", output: "m.safetensors")
    }
}
