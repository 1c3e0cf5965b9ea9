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
        try expectUsageFailure(
            train + " --no-skip --skip-steps 3", in: folder.url, naming: "--skip-steps needs the skip", output: "m.safetensors")
        try expectUsageFailure(train + " --skip --model mlp", in: folder.url, naming: "--skip", output: "m.safetensors")
        // --tbptt 5 on windows of 12: the last window, of 2 steps, alone reaches the output.
        try expectUsageFailure(train + " --skip --tbptt 5", in: folder.url, naming: "--skip-steps 12", output: "m.safetensors")
    }

    /// An interrupted run with a skip resumes to the uninterrupted run's file
    /// bit for bit; resuming it with --no-skip is refused.
    @Test func aRunWithASkipResumesAndTheSkipIsPartOfTheCheckpoint() throws {
        let folder = try TemporaryFolder()
        let common = [
            "train", "--task", "sine", "--length", "300", "--window", "12", "--hidden", "6", "--epochs", "3",
            "--quiet", "--seed", "2",
        ]
        let whole = try runRecurrent(common + ["--skip", "-o", folder.path("whole.safetensors")])
        #expect(whole.status == 0, "stderr: \(whole.stderr)")
        let checkpoint = folder.path("run.checkpoint")
        let resumedArguments = common + ["--skip", "-o", folder.path("resumed.safetensors"), "--checkpoint", checkpoint]
        let interrupted = try runRecurrent(resumedArguments + ["--checkpoint-every", "4", "--interrupt-after-steps", "9"])
        #expect(interrupted.status == 130, "stderr: \(interrupted.stderr)")
        let resumed = try runRecurrent(resumedArguments + ["--resume"])
        #expect(resumed.status == 0, "stderr: \(resumed.stderr)")
        let a = try Data(contentsOf: URL(fileURLWithPath: folder.path("whole.safetensors")))
        let b = try Data(contentsOf: URL(fileURLWithPath: folder.path("resumed.safetensors")))
        #expect(a == b, "the resumed run's model differs from the uninterrupted run's")

        let plain = try runRecurrent(
            common + ["--no-skip", "-o", folder.path("x.safetensors"), "--checkpoint", checkpoint, "--resume"])
        #expect(plain.status == 64 && plain.stderr.contains("--checkpoint"), "stderr: \(plain.stderr)")
    }
}
