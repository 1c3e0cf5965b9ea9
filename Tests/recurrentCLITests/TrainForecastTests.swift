import Foundation
import Recurrent
import RecurrentTestSupport
import Testing

// End-to-end tests of `recurrent train`, `evaluate` and `forecast` on small
// CSV files written by the tests: a period-25 sine (optionally with noise)
// beside a column of noise, 400 rows.

@Suite struct TrainForecastTests {
    /// `t,value,temp`: value = sin(2πt/25) (+ noise σ), temp = noise.
    static func sineCSV(rows: Int = 400, noise: Double = 0) -> String {
        var generator = RandomGenerator(seed: 7)
        var text = "t,value,temp\n"
        for t in 0..<rows {
            let (a, b) = generator.nextNormalPair()
            let value = sin(2 * Double.pi * Double(t) / 25) + noise * a
            text += "\(t),\(value),\(b)\n"
        }
        return text
    }

    static let trainArguments = [
        "--target", "value", "--window", "12", "--horizon", "3", "--hidden", "8", "--epochs", "10",
        "--batch-size", "16", "--learning-rate", "0.01", "--seed", "1",
    ]

    /// A folder holding `sine.csv` and, trained on it, `model.safetensors`.
    static func trainedFolder(noise: Double = 0, extra: [String] = []) throws -> (TemporaryFolder, String, String) {
        let folder = try TemporaryFolder()
        let csv = folder.path("sine.csv")
        try sineCSV(noise: noise).write(toFile: csv, atomically: true, encoding: .utf8)
        let model = folder.path("model.safetensors")
        let result = try runRecurrent(["train", "--csv", csv, "-o", model] + trainArguments + extra)
        try #require(result.status == 0, "stderr: \(result.stderr)")
        return (folder, csv, model)
    }

    @Test func helpListsTheSeriesCommands() throws {
        let result = try runRecurrent(["--help"])
        for command in ["train", "evaluate", "forecast"] {
            #expect(result.stdout.contains("\n  \(command) "), "help does not list \(command):\n\(result.stdout)")
        }
    }

    @Test func trainPrintsEpochsAndWritesAModelThatInfoReads() throws {
        let folder = try TemporaryFolder()
        let csv = folder.path("sine.csv")
        try Self.sineCSV(noise: 0.05).write(toFile: csv, atomically: true, encoding: .utf8)
        let model = folder.path("model.safetensors")
        let result = try runRecurrent(
            ["train", "--csv", csv, "-o", model, "--model", "gru", "--features", "value,temp"] + Self.trainArguments)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(
            lines.filter { $0.hasPrefix("epoch ") && $0.contains("validation loss ") }.count == 10, "\(result.stdout)")
        #expect(lines.contains { $0.hasPrefix("validation RMSE ") && $0.contains("(persistence ") }, "\(result.stdout)")
        #expect(lines.last == "model written to \(model)")

        let info = try runRecurrent(["info", model])
        #expect(info.status == 0, "stderr: \(info.stderr)")
        #expect(info.stdout.hasPrefix("architecture: GRU(input 2, hidden 8, 1 layer)"), "\(info.stdout)")
        #expect(info.stdout.contains("head.weight  [3, 8]"))
        #expect(info.stdout.contains("task: series-forecast"))

        let file = try ForecastModelFile(contentsOf: URL(fileURLWithPath: model))
        #expect(file.options.features == ["value", "temp"] && file.options.targets == ["value"])
        #expect(file.options.window == 12 && file.options.horizon == 3)
        #expect(file.normalization.columns == ["value", "temp"])

        // --quiet: the final line alone.
        let quiet = try runRecurrent(["train", "--csv", csv, "-o", model, "--quiet"] + Self.trainArguments)
        #expect(quiet.status == 0)
        #expect(quiet.stdout.split(separator: "\n").count == 1, "\(quiet.stdout)")
    }

    @Test func trainOnAGeneratedTask() throws {
        let folder = try TemporaryFolder()
        let model = folder.path("model.safetensors")
        let result = try runRecurrent([
            "train", "--task", "sine", "--length", "500", "--window", "16", "--hidden", "8", "--epochs", "2",
            "--model", "rnn", "--quiet", "-o", model,
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(try ForecastModelFile(contentsOf: URL(fileURLWithPath: model)).options.targets == ["value"])
    }

    @Test func evaluateBeatsPersistenceOnACleanSine() throws {
        let (folder, csv, model) = try Self.trainedFolder()
        defer { withExtendedLifetime(folder) {} }
        let result = try runRecurrent(["evaluate", "--model", model, "--csv", csv])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let rows = result.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(
            rows.contains { $0 == ["forecast", "RMSE", "MAE", "MAPE", "%", "sMAPE", "%", "MASE"] }, "\(result.stdout)")
        let learned = try #require(rows.first { $0.first == "model" }, "\(result.stdout)")
        let naive = try #require(rows.first { $0.first == "persistence" }, "\(result.stdout)")
        try #require(learned.count == 6 && naive.count == 6)
        let (modelRMSE, naiveRMSE) = (try #require(Double(learned[1])), try #require(Double(naive[1])))
        #expect(modelRMSE < naiveRMSE / 4, "\(result.stdout)")
        #expect(learned[1...].allSatisfy { Double($0)?.isFinite == true })
    }

    @Test func forecastWritesHorizonRowsOfFiniteNumbers() throws {
        let (folder, csv, model) = try Self.trainedFolder()
        let output = folder.path("forecast.csv")
        let result = try runRecurrent(["forecast", "--model", model, "--csv", csv, "--output", output])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.first == "step,value")
        #expect(lines.count == 4, "\(lines)")
        var values: [Double] = []
        for (j, line) in lines.dropFirst().enumerated() {
            let fields = line.split(separator: ",")
            #expect(fields.count == 2 && fields[0] == "\(j + 1)")
            values.append(try #require(Double(String(fields[1]))))
        }
        // Rows 400, 401, 402 of sin(2πt/25): 0, 0.249, 0.482; a good model is near.
        let truth = (0..<3).map { j in sin(2 * Double.pi * Double(400 + j) / 25) }
        #expect(mismatch(values, truth, absolute: 0.2) == nil, "forecast against the sine")
    }

    /// The model file, read back, gives the validation errors that `train`
    /// measured on the model in memory, to the last bit: recurrent and MLP.
    @Test(arguments: ["lstm", "mlp"])
    func aSavedModelReloadsAndPredictsTheSameNumbers(model: String) throws {
        let folder = try TemporaryFolder()
        let csv = folder.path("sine.csv")
        try Self.sineCSV(noise: 0.05).write(toFile: csv, atomically: true, encoding: .utf8)
        let path = folder.path("m.safetensors")
        let result = try runRecurrent(
            ["train", "--csv", csv, "-o", path, "--model", model, "--json"] + Self.trainArguments)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        // The figures as printed, read with Double(_:) (Foundation's JSON parser on Linux can be off by
        // an ulp): "validation_rmse":0.0611…
        let line = try #require(result.stdout.split(separator: "\n").last.map(String.init))
        func figure(_ key: String) throws -> Double {
            let start = try #require(line.range(of: "\"\(key)\":")).upperBound
            return try #require(Double(String(line[start...].prefix { $0 != "," && $0 != "}" })))
        }
        let file = try ForecastModelFile(contentsOf: URL(fileURLWithPath: path))
        let table = try CSVTable(contentsOf: URL(fileURLWithPath: csv))
        let data = try SeriesDataset(
            table.numericColumns(file.options.features + ["value"].filter { !file.options.features.contains($0) }),
            options: file.options)
        let prediction = try data.targetsInOriginalUnits(try file.network(data.validation.input))
        let errors = try ForecastErrors(prediction: prediction, truth: data.validation.targetsInOriginalUnits)
        #expect(errors.rmse == (try figure("validation_rmse")))
        #expect(errors.mae == (try figure("validation_mae")))
    }

    @Test func severalTargetsAreForecastTogether() throws {
        let (folder, csv, model) = try Self.trainedFolder(extra: ["--target", "value,temp"])
        let file = try ForecastModelFile(contentsOf: URL(fileURLWithPath: model))
        #expect(file.options.targets == ["value", "temp"] && file.options.features == ["value", "temp"])
        #expect(file.network.outputSize == 3 * 2)
        let output = folder.path("f.csv")
        let result = try runRecurrent(["forecast", "-m", model, "--csv", csv, "-o", output])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "step,value,temp" && lines.count == 4 && lines[1].split(separator: ",").count == 3)
        let evaluate = try runRecurrent(["evaluate", "-m", model, "--csv", csv, "--json"])
        let figures = try #require(try JSONSerialization.jsonObject(with: Data(evaluate.stdout.utf8)) as? [String: Any])
        #expect(figures["test_rmse_value"] is Double && figures["test_rmse_temp"] is Double, "\(evaluate)")
    }

    @Test func recursiveForecastsGoPastTheHorizon() throws {
        let (folder, csv, model) = try Self.trainedFolder()
        let output = folder.path("forecast.csv")
        let result = try runRecurrent(
            ["forecast", "--model", model, "--csv", csv, "--output", output, "--steps", "10", "--method", "recursive"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.count == 11, "\(lines)")
        let values = try lines.dropFirst().map { line in try #require(Double(String(line.split(separator: ",")[1]))) }
        let truth = (0..<10).map { j in sin(2 * Double.pi * Double(400 + j) / 25) }
        #expect(mismatch(values, truth, absolute: 0.3) == nil, "recursive forecast against the sine")
        // Direct forecasting stops at the horizon; a feature the model does not forecast cannot be fed back.
        try expectUsageFailure(
            "forecast --model {dir}/model.safetensors --csv {dir}/sine.csv --output {dir}/f.csv --steps 10",
            in: folder.url, naming: "--steps", output: "f.csv")
        let (other, _, _) = try Self.trainedFolder(extra: ["--features", "value,temp"])
        try expectUsageFailure(
            "forecast --model {dir}/model.safetensors --csv {dir}/sine.csv --output {dir}/f.csv --steps 4 "
                + "--method recursive", in: other.url, naming: "\"temp\"", output: "f.csv")
    }

    /// A clean sine obeys an exact linear recurrence, so the ridge baseline
    /// forecasts it almost perfectly: a small network trained for one epoch
    /// loses to it, and `evaluate` says so in one line, beside drift and the
    /// per-step table.
    @Test func evaluateSaysWhenTheModelLosesToABaseline() throws {
        let (folder, csv, model) = try Self.trainedFolder(extra: ["--epochs", "1", "--hidden", "2"])
        defer { withExtendedLifetime(folder) {} }
        let result = try runRecurrent(["evaluate", "--model", model, "--csv", csv, "--season", "25"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        for prefix in ["drift ", "linear-ar ", "seasonal(25) ", "  h=1 ", "  h=3 "] {
            #expect(lines.contains { $0.hasPrefix(prefix) }, "\(prefix): \(result.stdout)")
        }
        // With the season given, seasonal naive is exact too; without it the ridge is the best baseline.
        #expect(lines.filter { $0.hasPrefix("the model loses to the ") }.count == 1, "\(result.stdout)")
        let plain = try runRecurrent(["evaluate", "--model", model, "--csv", csv])
        let losing = plain.stdout.split(separator: "\n").filter { $0.hasPrefix("the model loses to the ") }
        #expect(losing.count == 1 && losing[0].hasPrefix("the model loses to the linear-ar baseline"), "\(plain.stdout)")
        let linear = try #require(lines.first { $0.hasPrefix("linear-ar ") }?.split(separator: " "))
        #expect(try #require(Double(String(linear[1]))) < 0.01, "\(result.stdout)")
    }

    @Test func evaluateScoresTheSeasonalNaiveForecast() throws {
        let (folder, csv, model) = try Self.trainedFolder(noise: 0.05)
        defer { withExtendedLifetime(folder) {} }
        let result = try runRecurrent(["evaluate", "--model", model, "--csv", csv, "--season", "25", "--json"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let seasonal = try #require(object["seasonal_naive_test_rmse"] as? Double)
        let persistence = try #require(object["persistence_test_rmse"] as? Double)
        // A period-25 sine with noise σ = 0.05: one season back is off by the noise alone (≈ 0.07).
        #expect(seasonal < 0.1 && seasonal < persistence, "seasonal \(seasonal), persistence \(persistence)")
    }

    /// A bad input: arguments (`{dir}` is the folder holding sine.csv,
    /// model.safetensors and the files below) and a text the first line of
    /// stderr must contain. Exit 64, one line, no output file.
    @Test(arguments: [
        ("train --csv {dir}/missing.csv --target value -o {dir}/out", "missing.csv"),
        ("train --csv {dir}/sine.csv --target lod -o {dir}/out", "\"lod\""),
        ("train --csv {dir}/sine.csv --target value --features value,zz -o {dir}/out", "\"zz\""),
        ("train --csv {dir}/letters.csv --target value -o {dir}/out", "letters.csv:4: column \"value\""),
        ("train --csv {dir}/ragged.csv --target value -o {dir}/out", "ragged.csv:3"),
        ("train --csv {dir}/empty.csv --target value -o {dir}/out", "empty.csv"),
        ("train --csv {dir}/sine.csv --target value --window 400 -o {dir}/out", "--window"),
        ("train --csv {dir}/sine.csv --target value --window 0 -o {dir}/out", "--window"),
        ("train --csv {dir}/sine.csv --target value --hidden=-2 -o {dir}/out", "--hidden"),
        ("train --csv {dir}/sine.csv --target value --batch-size 0 -o {dir}/out", "--batch-size"),
        ("train --csv {dir}/sine.csv --target value --epochs 0 -o {dir}/out", "--epochs"),
        ("train --csv {dir}/sine.csv --target value --learning-rate nan -o {dir}/out", "--learning-rate"),
        ("train --csv {dir}/sine.csv --target value --learning-rate inf -o {dir}/out", "--learning-rate"),
        ("train --csv {dir}/sine.csv --target value --clip 0 -o {dir}/out", "--clip"),
        ("train --csv {dir}/sine.csv --target value --model transformer -o {dir}/out", "--model"),
        ("train --csv {dir}/sine.csv -o {dir}/out", "--target"),
        ("train --task lorenz -o {dir}/out", "--task"),
        ("train --csv {dir}/sine.csv --target value -o {dir}/no_such_folder/out", "no_such_folder"),
        ("evaluate -m {dir}/model.safetensors --csv {dir}/other.csv", "\"value\""),
        ("evaluate -m {dir}/missing.safetensors --csv {dir}/sine.csv", "missing.safetensors"),
        ("evaluate -m {dir}/sine.csv --csv {dir}/sine.csv", "sine.csv"),
        ("evaluate -m {dir}/plain.safetensors --csv {dir}/sine.csv", "\"task\""),
        ("evaluate -m {dir}/model.safetensors --csv {dir}/short.csv", "short.csv"),
        ("forecast -m {dir}/model.safetensors --csv {dir}/other.csv -o {dir}/out", "\"value\""),
        ("forecast -m {dir}/model.safetensors --csv {dir}/short.csv -o {dir}/out", "short.csv"),
        ("forecast -m {dir}/model.safetensors --csv {dir}/letters.csv -o {dir}/out", "letters.csv:4"),
    ])
    func badInputIsOneLineAndAFailure(arguments: String, expected: String) throws {
        let (folder, _, _) = try Self.trainedFolderForBadInput()
        let files = [
            "letters.csv": "t,value\n1,1\n2,2\n3,x\n4,4\n",
            "ragged.csv": "t,value\n1,1\n2\n",
            "empty.csv": "",
            "other.csv": "t,other\n1,1\n2,2\n",
            "short.csv": "t,value\n1,1\n2,2\n3,3\n",
        ]
        for (name, text) in files { try text.write(toFile: folder.path(name), atomically: true, encoding: .utf8) }
        var generator = RandomGenerator(seed: 1)
        try RecurrentLayer(cell: .gru, inputSize: 1, hiddenSize: 2, generator: &generator)
            .save(to: URL(fileURLWithPath: folder.path("plain.safetensors")))

        try expectUsageFailure(arguments, in: folder.url, naming: expected, output: "out")
    }

    /// sine.csv and a quickly trained model.safetensors (2 epochs).
    static func trainedFolderForBadInput() throws -> (TemporaryFolder, String, String) {
        try trainedFolder(extra: ["--epochs", "2", "--quiet"])
    }
}
