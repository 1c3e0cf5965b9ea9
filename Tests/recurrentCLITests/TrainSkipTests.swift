import Foundation
import Recurrent
import Testing

/// `recurrent train --skip`: the model file carries a trained linear skip
/// that `evaluate` and `forecast` use, and bad skip options are refused.
@Suite struct TrainSkipTests {
    @Test func trainWritesASkipThatEvaluateAndForecastRead() throws {
        let (folder, csv, model) = try TrainForecastTests.trainedFolder(
            noise: 0.05, extra: ["--features", "value,temp", "--skip", "--skip-steps", "6"])
        let file = try ForecastModelFile(contentsOf: URL(fileURLWithPath: model))
        guard case .recurrent(let network) = file.network else {
            Issue.record("not a recurrent network")
            return
        }
        #expect(network.skip?.steps == 6)
        let weight = try #require(network.parameters["skip.weight"])
        #expect(weight.shape == [3, 12])  // horizon × targets, p × features
        #expect(weight.scalars.contains { $0 != 0 }, "the skip was not trained")

        let evaluate = try runRecurrent(["evaluate", "--model", model, "--csv", csv])
        #expect(evaluate.status == 0, "stderr: \(evaluate.stderr)")
        #expect(evaluate.stdout.contains("\nmodel "), "\(evaluate.stdout)")
        let output = folder.path("forecast.csv")
        let forecast = try runRecurrent(["forecast", "--model", model, "--csv", csv, "--output", output])
        #expect(forecast.status == 0, "stderr: \(forecast.stderr)")
        let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 4 && lines.first == "step,value", "\(lines)")
    }

    @Test func badSkipOptionsAreUsageErrors() throws {
        let folder = try TemporaryFolder()
        try TrainForecastTests.sineCSV().write(toFile: folder.path("sine.csv"), atomically: true, encoding: .utf8)
        let train = "train --csv {dir}/sine.csv --target value --window 12 --epochs 1 -o {dir}/m.safetensors"
        try expectUsageFailure(train + " --skip --skip-steps 13", in: folder.url, naming: "--skip-steps", output: "m.safetensors")
        try expectUsageFailure(train + " --skip-steps 3", in: folder.url, naming: "--skip-steps needs --skip", output: "m.safetensors")
        try expectUsageFailure(train + " --skip --model mlp", in: folder.url, naming: "--skip", output: "m.safetensors")
    }
}
