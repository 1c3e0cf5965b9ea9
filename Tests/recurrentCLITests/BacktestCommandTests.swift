import Foundation
import Recurrent
import RecurrentTestSupport
import Testing

// `recurrent backtest` end to end, on the 400-row sine of TrainForecastTests
// (window 12, horizon 3, split 0.7/0.15): the test part is rows 340…399, so
// the origins at stride 1 are rows 339 … 396, 58 of them.

@Suite struct BacktestCommandTests {
    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
    }

    /// Without --refit, at stride 1, every figure is evaluate's, and the
    /// model file's own CSV is the default series.
    @Test func withoutRefitTheFiguresAreEvaluates() throws {
        let (folder, csv, model) = try TrainForecastTests.trainedFolder(noise: 0.05)
        let evaluate = try runRecurrent(["evaluate", "-m", model, "--csv", csv, "--season", "25", "--json"])
        try #require(evaluate.status == 0, "stderr: \(evaluate.stderr)")
        let backtest = try runRecurrent(["backtest", "-m", model, "--season", "25", "--json"])
        try #require(backtest.status == 0, "stderr: \(backtest.stderr)")
        let (e, b) = (try Self.json(evaluate.stdout), try Self.json(backtest.stdout))
        #expect(b["origins"] as? Int == 58 && b["refits"] as? Int == 0 && b["stride"] as? Int == 1)
        let keys = [
            "test_rmse", "test_mae", "test_mape", "test_smape", "test_mase", "test_rmse_h1", "test_rmse_h3",
            "test_mase_h2", "persistence_test_rmse", "seasonal_naive_test_rmse", "drift_test_mae",
            "linear_ar_test_rmse", "linear_ar_test_mase",
        ]
        for key in keys {
            let (ev, bv) = (e[key] as? Double, b[key] as? Double)
            #expect(ev != nil && ev == bv, "\(key): evaluate \(ev ?? .nan), backtest \(bv ?? .nan)")
        }
        #expect(b["persistence_test_rmse_h3"] as? Double != nil, "each baseline's errors per step")
        _ = folder

        let text = try runRecurrent(["backtest", "-m", model, "--csv", csv, "--season", "25"])
        try #require(text.status == 0, "stderr: \(text.stderr)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(
            lines.first?.hasPrefix("58 origins of \(csv) over the test part (rows 340…399 of 400") == true,
            "\(text.stdout)")
        #expect(lines.first?.hasSuffix("forecasting value 3 step(s) ahead; no refit") == true, "\(text.stdout)")
        for name in ["model ", "persistence ", "seasonal(25) ", "drift ", "linear-ar "] {
            #expect(lines.contains { $0.hasPrefix(name) }, "no \(name)row:\n\(text.stdout)")
        }
        #expect(lines.contains { $0.hasPrefix("RMSE by horizon step") && $0.contains("seasonal(25)") })
        #expect(lines.filter { $0.hasPrefix("  h=") }.count == 6, "the model's steps, then every forecaster's RMSE")
        let loses = (b["test_rmse"] as! Double) > (b["linear_ar_test_rmse"] as! Double)
        #expect(lines.contains { $0.hasPrefix("the model loses to the ") } == loses)
        #expect(text.stderr.isEmpty, "no progress without refits: \(text.stderr)")
    }

    /// --refit --refit-every 20: refits at origins 339, 359 and 379, told on
    /// stderr; the CSV has a row per origin and step, each with the origin it
    /// was trained through.
    @Test func refitEveryKRetrainsAtEveryKthOrigin() throws {
        let (folder, csv, model) = try TrainForecastTests.trainedFolder(noise: 0.05)
        let output = folder.path("origins.csv")
        let result = try runRecurrent([
            "backtest", "-m", model, "--csv", csv, "--refit", "--refit-every", "20", "-o", output, "--json",
        ])
        try #require(result.status == 0, "stderr: \(result.stderr)")
        let figures = try Self.json(result.stdout)
        #expect(figures["refits"] as? Int == 3 && figures["refit_every"] as? Int == 20)
        let progress = result.stderr.split(separator: "\n").map(String.init)
        #expect(progress.count == 3 && progress[0].hasPrefix("refit 1/3: training on rows 0…339"), "\(result.stderr)")
        #expect(progress.last?.hasPrefix("refit 3/3: training on rows 0…379") == true, "\(result.stderr)")
        let rows = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(
            rows.first
                == "origin,step,row,trained_through,value,value_model,value_persistence,value_drift,value_linear_ar")
        #expect(rows.count == 1 + 58 * 3)
        #expect(rows[1].hasPrefix("339,1,340,339,"))
        #expect(rows[3].hasPrefix("339,3,342,339,"))
        #expect(rows[1 + 20 * 3 - 1].hasPrefix("358,3,361,339,"))
        #expect(rows[1 + 20 * 3].hasPrefix("359,1,360,359,"))
        #expect(rows.last?.hasPrefix("396,3,399,379,") == true)
        // The truth column is the CSV's value at the forecast row.
        let values = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").dropFirst().map {
            Float($0.split(separator: ",")[1])!
        }
        let last = rows.last!.split(separator: ",")
        #expect(Float(last[4]) == values[399])
        // Refitted on more rows than the model file's training part, the model differs from the one without refits.
        let plain = try Self.json(try runRecurrent(["backtest", "-m", model, "--csv", csv, "--json"]).stdout)
        #expect(plain["test_rmse"] as? Double != figures["test_rmse"] as? Double)
        #expect(plain["persistence_test_rmse"] as? Double == figures["persistence_test_rmse"] as? Double)
    }

    /// `train` records its options, and retraining the file on the data it
    /// was trained on gives the same weights, bit for bit: the refit repeats the run.
    @Test(arguments: [
        ["--optimizer", "sgd", "--learning-rate", "0.02", "--schedule", "cosine", "--seed", "5", "--epochs", "3"],
        ["--model", "mlp", "--optimizer", "rmsprop", "--learning-rate", "0.003", "--clip", "0.5", "--seed", "8", "--epochs", "3"],
        ["--model", "gru", "--patience", "1", "--epochs", "4", "--batch-size", "24", "--head", "per-step"],
    ])
    func retrainingOnTheTrainingDataRepeatsTheRun(options: [String]) throws {
        let folder = try TemporaryFolder()
        let csv = folder.path("sine.csv")
        try TrainForecastTests.sineCSV(rows: 200, noise: 0.05).write(toFile: csv, atomically: true, encoding: .utf8)
        let model = folder.path("model.safetensors")
        let arguments = ["--target", "value", "--window", "8", "--horizon", "2", "--hidden", "6"]
        let train = try runRecurrent(["train", "--csv", csv, "-o", model, "--quiet"] + arguments + options)
        try #require(train.status == 0, "stderr: \(train.stderr)")
        let file = try ForecastModelFile(contentsOf: URL(fileURLWithPath: model))
        if options.contains("sgd") {
            #expect(
                file.training
                    == SeriesTrainingOptions(
                        optimizer: .sgd, learningRate: 0.02, schedule: .cosine, epochs: 3, seed: 5))
        }
        if options.contains("--patience") { #expect(file.training.patience == 1 && file.training.batchSize == 24) }
        let series = try CSVTable(contentsOf: URL(fileURLWithPath: csv)).numericColumns(["value"])
        let again = try file.retrained(on: SeriesDataset(series, options: file.options))
        let (a, b) = (parameters(of: file.network), parameters(of: again.network))
        #expect(a.names == b.names && !a.names.isEmpty)
        for name in a.names { #expect(a[name] == b[name], "\(name) differs") }
    }

    private func parameters(of network: SequenceNetwork) -> NamedTensors {
        switch network {
        case .recurrent(let model): model.parameters
        case .mlp(let mlp): mlp.parameters
        }
    }

    @Test func badInputIsOneLineAndWritesNothing() throws {
        let (folder, csv, model) = try TrainForecastTests.trainedFolder()
        let out = "out.csv"
        try expectUsageFailure(
            "backtest -m \(model) --stride 0 -o {dir}/\(out)", in: folder.url, naming: "--stride must be at least 1, got 0",
            output: out)
        try expectUsageFailure(
            "backtest -m \(model) --refit-every 4 -o {dir}/\(out)", in: folder.url, naming: "--refit-every 4 needs --refit",
            output: out)
        try expectUsageFailure(
            "backtest -m \(model) --refit --refit-every 0 -o {dir}/\(out)", in: folder.url,
            naming: "--refit-every must be at least 1", output: out)
        try expectUsageFailure(
            "backtest -m \(model) --season 0 -o {dir}/\(out)", in: folder.url, naming: "--season must be at least 1",
            output: out)

        // A test part of 4 rows (26…29 of a 30-row file) is shorter than a horizon of 6.
        let short = folder.path("short.csv")
        try TrainForecastTests.sineCSV(rows: 30).write(toFile: short, atomically: true, encoding: .utf8)
        let wide = folder.path("wide.safetensors")
        let train = try runRecurrent(
            ["train", "--csv", csv, "-o", wide, "--quiet", "--target", "value", "--window", "4", "--horizon", "6",
             "--hidden", "4", "--epochs", "1"])
        try #require(train.status == 0, "stderr: \(train.stderr)")
        try expectUsageFailure(
            "backtest -m \(wide) --csv \(short) -o {dir}/\(out)", in: folder.url,
            naming: "\(short): has 30 rows, too few for the model's windows of 4 rows and horizon 6", output: out)

        // A model file that holds no series: an imported network.
        let plain = folder.path("plain.safetensors")
        #expect(try runRecurrent(["import", try folder.copy("gru_f64"), "-o", plain]).status == 0)
        try expectUsageFailure(
            "backtest -m \(plain) --csv \(csv) -o {dir}/\(out)", in: folder.url,
            naming: "backtest needs a forecasting model", output: out)

        // The CSV file the model was trained on is gone, and no --csv.
        try FileManager.default.removeItem(atPath: csv)
        try expectUsageFailure(
            "backtest -m \(model) -o {dir}/\(out)", in: folder.url, naming: "which does not exist; give the series with --csv FILE",
            output: out)
    }

    /// A model file written before `training_options` existed is refitted
    /// with train's defaults (20 epochs of 32 windows, Adam at 5·10⁻³, seed 42).
    @Test func anOldModelFileIsRefittedWithTheDefaults() throws {
        let (folder, csv, model) = try TrainForecastTests.trainedFolder(noise: 0.05)
        var file = try SafetensorsFile(contentsOf: URL(fileURLWithPath: model))
        #expect(file.metadata["training_options"] != nil)
        file.metadata["training_options"] = nil
        let old = folder.path("old.safetensors")
        try file.write(to: URL(fileURLWithPath: old))
        #expect(try ForecastModelFile(contentsOf: URL(fileURLWithPath: old)).training == SeriesTrainingOptions())
        let result = try runRecurrent(["backtest", "-m", old, "--csv", csv, "--refit", "--refit-every", "100", "--json"])
        try #require(result.status == 0, "stderr: \(result.stderr)")
        #expect(try Self.json(result.stdout)["refits"] as? Int == 1)
        #expect(result.stderr == "refit 1/1: training on rows 0…339 (0 s so far)\n", "\(result.stderr)")
    }

    /// A model of a generated series is backtested on the same series again,
    /// with no file: 200 rows, test part 170…199, horizon 2, origins 169 … 197 by 4.
    @Test func aGeneratedSeriesIsMadeAgain() throws {
        let folder = try TemporaryFolder()
        let model = folder.path("sine.safetensors")
        let train = try runRecurrent([
            "train", "--task", "sine", "--length", "200", "--window", "6", "--horizon", "2", "--hidden", "4",
            "--epochs", "2", "--quiet", "-o", model,
        ])
        try #require(train.status == 0, "stderr: \(train.stderr)")
        let output = folder.path("origins.csv")
        let result = try runRecurrent(["backtest", "-m", model, "--stride", "4", "--refit", "--refit-every", "3", "-o", output])
        try #require(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.hasPrefix("8 origins of --task sine over the test part (rows 170…199 of 200"), "\(result.stdout)")
        #expect(result.stdout.contains("every 4 rows") && result.stdout.contains("(3 refits)"), "\(result.stdout)")
        let origins = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").dropFirst()
            .filter { $0.split(separator: ",")[1] == "1" }.map { Int($0.split(separator: ",")[0])! }
        #expect(origins == Array(stride(from: 169, through: 197, by: 4)))
    }

    @Test func helpDescribesTheOptions() throws {
        let help = try runRecurrent(["backtest", "--help"])
        #expect(help.status == 0)
        for option in ["--model", "--csv", "--stride", "--refit", "--refit-every", "--season", "--time", "--json", "--output"] {
            #expect(help.stdout.contains(option), "no \(option) in:\n\(help.stdout)")
        }
        let list = try runRecurrent(["--help"])
        #expect(list.stdout.contains("\n  backtest "), "\(list.stdout)")
    }
}
