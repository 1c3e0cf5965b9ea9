import Foundation
import Recurrent
import Testing

/// `recurrent train` chooses RevIN's learned level per series, says which
/// and why in one line, records it in the model file, and lets
/// `--revin-level` / `--no-revin-level` force it.
@Suite struct TrainRevINLevelTests {
    /// A mean-reverting AR(1) series, x_t = 0.7·x_{t−1} + e_t around 50, e uniform in ±1.
    static func revertingCSV(rows: Int = 300) -> String {
        var generator = RandomGenerator(seed: 7)
        var x = 0.0, lines = ["value"]
        for _ in 0..<rows {
            x = 0.7 * x + 2 * (generator.nextDouble() - 0.5)
            lines.append(String(format: "%.5f", 50 + x))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func network(_ path: String) throws -> SequenceModel? {
        let file = try ForecastModelFile(contentsOf: URL(fileURLWithPath: path))
        guard case .recurrent(let network) = file.network else { return nil }
        return network
    }

    @Test func theChoiceIsPrintedRecordedAndForced() throws {
        let folder = try TemporaryFolder()
        let csv = folder.path("ar.csv")
        try Self.revertingCSV().write(toFile: csv, atomically: true, encoding: .utf8)
        let common = ["train", "--csv", csv, "--target", "value", "--window", "12", "--horizon", "4", "--hidden", "4",
                      "--epochs", "2", "--seed", "1"]
        let chosen = try runRecurrent(common + ["-o", folder.path("auto.safetensors")])
        #expect(chosen.status == 0, "stderr: \(chosen.stderr)")
        let line = try #require(chosen.stdout.split(separator: "\n").first { $0.hasPrefix("normalisation: ") })
        #expect(
            line.hasPrefix("normalisation: RevIN with a learned level, chosen by ridge regressions on the windows: validation MSE ")
                && line.hasSuffix("without the learned level"), "\(line)")
        #expect(try Self.network(folder.path("auto.safetensors"))?.instanceNormalization?.hasLevelPath == true)
        let file = try ForecastModelFile(contentsOf: URL(fileURLWithPath: folder.path("auto.safetensors")))
        #expect(file.metadata["revin_level_choice"]?.contains("ridge_validation_mse_level") == true, "\(file.metadata)")
        let evaluate = try runRecurrent(["evaluate", "--model", folder.path("auto.safetensors"), "--csv", csv])
        #expect(evaluate.status == 0, "stderr: \(evaluate.stderr)")

        let off = try runRecurrent(common + ["--no-revin-level", "-o", folder.path("off.safetensors")])
        #expect(off.status == 0 && off.stdout.contains("normalisation: RevIN (--no-revin-level)\n"), "\(off.stdout)")
        #expect(try Self.network(folder.path("off.safetensors"))?.instanceNormalization?.hasLevelPath == false)
        let on = try runRecurrent(common + ["--revin-level", "-o", folder.path("on.safetensors")])
        #expect(on.status == 0 && on.stdout.contains("normalisation: RevIN with a learned level (--revin-level)\n"))
        #expect(try Self.network(folder.path("on.safetensors"))?.instanceNormalization?.hasLevelPath == true)
        let short = try runRecurrent(
            common.map { $0 == "12" ? "1" : $0 } + ["-o", folder.path("short.safetensors")])
        #expect(short.status == 0 && short.stdout.contains("normalisation: RevIN (a window of one step: no level to learn from)\n"),
                "\(short.stdout) \(short.stderr)")
        let none = try runRecurrent(common + ["--no-revin", "-o", folder.path("none.safetensors")])
        #expect(none.status == 0 && !none.stdout.contains("normalisation:"), "\(none.stdout)")
    }

    @Test func theLevelWithoutRevINIsAUsageError() throws {
        let folder = try TemporaryFolder()
        try Self.revertingCSV().write(toFile: folder.path("ar.csv"), atomically: true, encoding: .utf8)
        let train = "train --csv {dir}/ar.csv --target value --window 12 --epochs 1 -o {dir}/m.safetensors"
        try expectUsageFailure(train + " --no-revin --revin-level", in: folder.url, naming: "--revin-level", output: "m.safetensors")
        try expectUsageFailure(train + " --model mlp --revin-level", in: folder.url, naming: "--revin-level", output: "m.safetensors")
    }
}
