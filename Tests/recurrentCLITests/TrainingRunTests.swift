import Foundation
import FoundationXML
import Recurrent
import Testing

// End-to-end tests of what every `recurrent train` run shares: --json,
// --plots, --patience, checkpoints and --resume, the generated sequence
// tasks, and `recurrent compare`.

@Suite struct TrainingRunTests {
    static let small = ["--hidden", "8", "--batch-size", "16", "--seed", "3"]

    /// Each line of `text` parsed as a JSON object.
    static func jsonObjects(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
            return try #require(object as? [String: Any], "not an object: \(line)")
        }
    }

    /// The element names of an XML document, or nil when it does not parse.
    static func xmlElements(atPath path: String) throws -> [String]? {
        final class Collector: NSObject, XMLParserDelegate {
            var names: [String] = []
            func parser(
                _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
            ) { names.append(elementName) }
        }
        let parser = XMLParser(data: try Data(contentsOf: URL(fileURLWithPath: path)))
        let collector = Collector()
        parser.delegate = collector
        return parser.parse() ? collector.names : nil
    }

    @Test func jsonGivesOneObjectPerEpochThenTheFinalFigures() throws {
        let folder = try TemporaryFolder()
        let model = folder.path("m.safetensors")
        let result = try runRecurrent(
            ["train", "--task", "sine", "--length", "300", "--epochs", "3", "--json", "-o", model] + Self.small)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let objects = try Self.jsonObjects(result.stdout)
        #expect(objects.count == 4)
        for (i, epoch) in objects.prefix(3).enumerated() {
            #expect(epoch["epoch"] as? Int == i + 1 && epoch["epochs"] as? Int == 3)
            #expect((epoch["train_loss"] as? Double).map { $0.isFinite && $0 > 0 } == true)
            #expect((epoch["validation_loss"] as? Double).map { $0.isFinite && $0 > 0 } == true)
            #expect((epoch["steps_per_second"] as? Double).map { $0 > 0 } == true)
        }
        let final = objects[3]
        #expect(final["final"] as? Bool == true && final["model_file"] as? String == model)
        #expect(final["validation_rmse"] is Double && final["persistence_validation_rmse"] is Double)
        // LSTM 1 → 8, head 8 → 1, the default linear skip over the 24-step window, and RevIN's
        // learned level (a and b of the one output), which train chooses for this sine.
        #expect(final["parameters"] as? Int == 8 * 4 * (1 + 8 + 2) + 8 + 1 + 24 + 1 + 2)
    }

    @Test func stepsStopPartWayThroughAnEpoch() throws {
        let folder = try TemporaryFolder()
        // 300 rows: 186 training windows, 12 batches of 16 an epoch; 30 steps = 2 epochs and 6 steps.
        let result = try runRecurrent(
            [
                "train", "--task", "sine", "--length", "300", "--steps", "30", "--json", "-o",
                folder.path("m.safetensors"),
            ]
                + Self.small)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let epochs = try Self.jsonObjects(result.stdout).dropLast()
        #expect(epochs.count == 3 && epochs.allSatisfy { $0["epochs"] as? Int == 3 })
    }

    @Test func plotsAreSVGThatParseAndDrawTheSeries() throws {
        let folder = try TemporaryFolder()
        let plots = folder.path("plots/run")
        let result = try runRecurrent(
            [
                "train", "--task", "sine", "--length", "300", "--epochs", "2", "--quiet", "--plots", plots, "-o",
                folder.path("m.safetensors"),
            ] + Self.small)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        for name in ["loss.svg", "hidden.svg", "forecast.svg"] {
            let path = plots + "/" + name
            let elements = try #require(try Self.xmlElements(atPath: path), "\(name) does not parse as XML")
            #expect(elements.first == "svg")
            let text = try String(contentsOfFile: path, encoding: .utf8)
            switch name {
            case "loss.svg": #expect(text.contains("training") && text.contains("validation") && text.contains("epoch"))
            case "hidden.svg": #expect(elements.filter { $0 == "rect" }.count >= 8 * 24)
            default:
                #expect(text.contains("value (truth)") && text.contains("test forecast") && text.contains(">test<"))
                #expect(elements.contains("polyline") || elements.contains("path"))
            }
        }
    }

    @Test func patienceStopsEarlyAndKeepsTheBestEpoch() throws {
        let folder = try TemporaryFolder()
        // A learning rate far too large: the validation loss stops improving early.
        let result = try runRecurrent(
            [
                "train", "--task", "sine", "--length", "300", "--epochs", "40", "--patience", "2", "--learning-rate",
                "3",
                "--json", "-o", folder.path("m.safetensors"),
            ] + Self.small)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let objects = try Self.jsonObjects(result.stdout)
        let epochs = objects.dropLast()
        #expect(epochs.count < 40)
        let losses = epochs.map { $0["validation_loss"] as! Double }
        let best = losses.indices.min { losses[$0] < losses[$1] }!
        #expect(epochs.count - 1 - best == 2, "stopped after \(epochs.count) epochs, best \(best + 1)")
        #expect(objects.last?["epoch"] as? Int == best + 1)
    }

    /// An interrupted run resumed from its checkpoint writes the same model
    /// file, byte for byte, as a run never interrupted.
    @Test(arguments: [
        ["--model", "lstm"],
        ["--model", "gru", "--layers", "2", "--dropout", "0.3", "--optimizer", "rmsprop", "--patience", "3"],
    ])
    func resumeEqualsUninterrupted(model: [String]) throws {
        let folder = try TemporaryFolder()
        let common =
            ["train", "--task", "sine", "--length", "300", "--epochs", "4", "--quiet", "--schedule", "cosine"]
            + Self.small + model
        let whole = try runRecurrent(common + ["-o", folder.path("whole.safetensors")])
        #expect(whole.status == 0, "stderr: \(whole.stderr)")
        let checkpoint = folder.path("run.checkpoint")
        let interrupted = try runRecurrent(
            common + [
                "-o", folder.path("resumed.safetensors"), "--checkpoint", checkpoint, "--checkpoint-every", "5",
                "--interrupt-after-steps", "31",
            ])
        #expect(interrupted.status == 130)
        #expect(!FileManager.default.fileExists(atPath: folder.path("resumed.safetensors")))
        let resumed = try runRecurrent(
            common + ["-o", folder.path("resumed.safetensors"), "--checkpoint", checkpoint, "--resume"])
        #expect(resumed.status == 0, "stderr: \(resumed.stderr)")
        let a = try Data(contentsOf: URL(fileURLWithPath: folder.path("whole.safetensors")))
        let b = try Data(contentsOf: URL(fileURLWithPath: folder.path("resumed.safetensors")))
        #expect(a == b, "the resumed run's model differs from the uninterrupted run's")

        // Other options than the checkpoint's: refused, naming the checkpoint.
        let other = try runRecurrent(
            common + ["--hidden", "9", "-o", folder.path("x.safetensors"), "--checkpoint", checkpoint, "--resume"])
        #expect(other.status == 64 && other.stderr.contains("--checkpoint"), "stderr: \(other.stderr)")
    }

    @Test(arguments: [
        ("adding", ["--length", "12"], "validation MSE", "test MSE"),
        ("copy", ["--length", "3"], "validation cross-entropy", "symbols copied right"),
        ("reber", [], "strings with every next-symbol set right", "test binary cross-entropy"),
    ])
    func generatedSequenceTasksTrainAndEvaluate(task: String, extra: [String], trained: String, evaluated: String)
        throws
    {
        let folder = try TemporaryFolder()
        let model = folder.path("m.safetensors")
        let train = try runRecurrent(
            ["train", "--task", task, "--samples", "64", "--epochs", "2", "-o", model] + extra + Self.small)
        #expect(train.status == 0, "stderr: \(train.stderr)")
        #expect(train.stdout.contains(trained), "\(train.stdout)")
        let evaluate = try runRecurrent(["evaluate", "-m", model])
        #expect(evaluate.status == 0, "stderr: \(evaluate.stderr)")
        #expect(evaluate.stdout.contains(evaluated), "\(evaluate.stdout)")
        let json = try runRecurrent(["evaluate", "-m", model, "--json"])
        #expect(try Self.jsonObjects(json.stdout).count == 1)
    }

    @Test func compareTrainsEveryModelOnTheSameData() throws {
        let folder = try TemporaryFolder()
        let plots = folder.path("plots")
        let result = try runRecurrent(
            ["compare", "--task", "sine", "--length", "300", "--epochs", "2", "--plots", plots] + Self.small)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let header = try #require(lines.firstIndex { $0.hasPrefix("model ") })
        #expect(lines[header].contains("parameters") && lines[header].contains("test rmse"))
        let rows = lines[(header + 1)...].prefix(4).map { $0.split(separator: " ").map(String.init) }
        #expect(rows.map { $0[0] } == ["MLP", "RNN", "LSTM", "GRU"])
        // Sizes matched to the LSTM's parameter count within 10%.
        let counts = rows.map { Double($0[2])! }
        #expect(counts.allSatisfy { abs($0 - counts[2]) / counts[2] < 0.1 }, "\(counts)")
        // Then the baselines evaluate measures (no season: a generated series has no time column).
        let baselines = lines[(header + 5)...].prefix(3).map { $0.split(separator: " ").first.map(String.init) }
        #expect(baselines == ["persistence", "drift", "linear-ar"], "\(result.stdout)")
        let chart = try #require(try Self.xmlElements(atPath: plots + "/compare.svg"))
        #expect(chart.filter { $0 == "rect" }.count >= 8)

        let json = try runRecurrent(
            ["compare", "--task", "sine", "--length", "300", "--epochs", "1", "--models", "rnn,gru", "--json"]
                + Self.small)
        let object = try #require(try Self.jsonObjects(json.stdout).first)
        #expect((object["models"] as? [[String: Any]])?.map { $0["model"] as? String } == ["rnn", "gru"])
    }

    /// `compare`'s row is the model after its last epoch, its validation loss
    /// included; a line names the earlier best epoch. With learning rate 0.5
    /// the LSTM's validation loss is lowest at epoch 4 of 5, as `train --json`
    /// shows for the same model and seed.
    @Test func compareShowsTheLastEpochsLossAndNamesAnEarlierBest() throws {
        let options = ["--task", "sine", "--length", "300", "--epochs", "5", "--learning-rate", "0.5"] + Self.small
        let folder = try TemporaryFolder()
        let train = try runRecurrent(["train", "--json", "-o", folder.path("m.safetensors")] + options)
        try #require(train.status == 0, "stderr: \(train.stderr)")
        let losses = try Self.jsonObjects(train.stdout).dropLast().map {
            try #require($0["validation_loss"] as? Double)
        }
        let best = losses.indices.min { losses[$0] < losses[$1] }!
        try #require(losses.count == 5 && best != 4, "the run no longer has an earlier best epoch: \(losses)")

        let json = try runRecurrent(["compare", "--models", "lstm", "--json"] + options)
        let row = try #require((try Self.jsonObjects(json.stdout).first?["models"] as? [[String: Any]])?.first)
        #expect(row["validation_loss"] as? Double == losses[4], "\(row) vs train's \(losses)")
        #expect(row["best_epoch"] as? Int == best + 1 && row["best_validation_loss"] as? Double == losses[best])

        let text = try runRecurrent(["compare", "--models", "lstm"] + options)
        let lines = text.stdout.split(separator: "\n").map(String.init)
        let header = try #require(lines.firstIndex { $0.hasPrefix("model ") })
        #expect(lines[header].split(separator: " ").contains("val."), "\(lines[header])")
        let cells = lines[header + 1].split(separator: " ").map(String.init)
        #expect(cells.first == "LSTM" && cells[4] == String(format: "%.4g", losses[4]), "\(lines[header + 1])")
        let note =
            "LSTM: validation loss lowest at epoch \(best + 1) of 5, \(String(format: "%.4g", losses[best])); "
            + "the row is after epoch 5"
        #expect(lines.contains(note), "\(text.stdout)")
    }

    @Test func truncatedBackpropagationTrainsInWindows() throws {
        let folder = try TemporaryFolder()
        let result = try runRecurrent(
            [
                "train", "--task", "copy", "--length", "20", "--samples", "64", "--epochs", "2", "--tbptt", "10",
                "--json",
                "-o", folder.path("m.safetensors"),
            ] + Self.small)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        // 40 steps in windows of 10: four updates per batch, the state carried between them.
        let epochs = try Self.jsonObjects(result.stdout).dropLast()
        #expect(epochs.count == 2 && epochs.allSatisfy { ($0["train_loss"] as? Double)?.isFinite == true })
        for epoch in epochs {
            let batches = try #require(epoch["steps"] as? Int)
            #expect(batches > 0 && epoch["updates"] as? Int == 4 * batches, "\(epoch)")
        }
    }

    /// A model trained on a generated series is evaluated and forecast on
    /// that series again, with no file.
    @Test func generatedSeriesModelsNeedNoFile() throws {
        let folder = try TemporaryFolder()
        let model = folder.path("m.safetensors")
        let train = try runRecurrent(
            ["train", "--task", "sine", "--length", "300", "--epochs", "2", "--quiet", "-o", model] + Self.small)
        #expect(train.status == 0, "stderr: \(train.stderr)")
        let evaluate = try runRecurrent(["evaluate", "-m", model])
        #expect(evaluate.status == 0 && evaluate.stdout.hasPrefix("45 test windows of --task sine"), "\(evaluate)")
        #expect(evaluate.stdout.contains("(its last 15% of rows, the test part of the model's split)"))
        let forecast = try runRecurrent(["forecast", "-m", model, "-o", folder.path("f.csv")])
        #expect(forecast.status == 0, "stderr: \(forecast.stderr)")
        #expect(try String(contentsOfFile: folder.path("f.csv"), encoding: .utf8).hasPrefix("step,value\n1,"))
    }

    @Test func optionsOfAnotherSourceAndCollidingFilesAreRefused() throws {
        let folder = try TemporaryFolder()
        try "t,v\n1,2\n".write(toFile: folder.path("s.csv"), atomically: true, encoding: .utf8)
        for (arguments, expected) in [
            (
                "train --csv {dir}/s.csv --target v --samples 5 -o {dir}/m.safetensors",
                "--samples does not apply to --csv"
            ),
            ("train --task adding --window 5 -o {dir}/m.safetensors", "--window does not apply to --task adding"),
            ("train --task sine --pooling max -o {dir}/m.safetensors", "--pooling does not apply"),
            ("train --csv {dir}/s.csv --target v -o {dir}/s.csv", "--output {dir}/s.csv is also --csv"),
            ("train --task sine --checkpoint {dir}/m.safetensors -o {dir}/m.safetensors", "is also --checkpoint"),
            ("train --task adding --length 100000 -o {dir}/m.safetensors", "--length must be at most 10000"),
            ("train --task adding --samples 100000000 -o {dir}/m.safetensors", "keep samples × steps below"),
            ("train --task sine --hidden -3 -o {dir}/m.safetensors", "--hidden must be at least 1, got -3"),
            ("train --task sine --hidden 100000 -o {dir}/m.safetensors", "--hidden must be at most 16384"),
            (
                "train --task sine --model mlp --layers 3 -o {dir}/m.safetensors",
                "--layers does not apply to --model mlp"
            ),
            ("train --task sine --epochs 3 --steps 10 -o {dir}/m.safetensors", "--epochs or --steps, not both"),
            ("train --task sine --embedding 4 -o {dir}/m.safetensors", "--embedding"),
            ("train --task sine --missing drop -o {dir}/m.safetensors", "--missing does not apply"),
            ("train --csv {dir}/s.csv --target v --features v,t --time t -o {dir}/m.safetensors", "--time t"),
            ("compare --task copy --samples 20 --models mlp", "--models mlp"),
            ("compare --task sine --tbptt 4", "--tbptt does not apply to the MLP"),
        ] {
            try expectUsageFailure(
                arguments, in: folder.url, naming: expected.replacingOccurrences(of: "{dir}", with: folder.url.path),
                output: "m.safetensors")
        }
        #expect(try String(contentsOfFile: folder.path("s.csv"), encoding: .utf8) == "t,v\n1,2\n")
    }

    /// `--model mlp`: the baseline trained, written, evaluated, forecast and
    /// shown by info, as a recurrent model is.
    @Test func theMLPBaselineIsAModelLikeTheOthers() throws {
        let folder = try TemporaryFolder()
        let model = folder.path("mlp.safetensors")
        let train = try runRecurrent(
            ["train", "--task", "sine", "--length", "300", "--model", "mlp", "--epochs", "3", "--json", "-o", model]
                + Self.small)
        #expect(train.status == 0, "stderr: \(train.stderr)")
        let final = try #require(try Self.jsonObjects(train.stdout).last)
        #expect(final["parameters"] as? Int == 24 * 8 + 8 + 8 * 8 + 8 + 8 + 1)
        let evaluate = try runRecurrent(["evaluate", "-m", model, "--json"])
        let figures = try #require(try Self.jsonObjects(evaluate.stdout).first)
        #expect((figures["test_rmse"] as? Double)?.isFinite == true, "\(evaluate)")
        let forecast = try runRecurrent([
            "forecast", "-m", model, "-o", folder.path("f.csv"), "--steps", "3", "--method", "recursive",
        ])
        #expect(forecast.status == 0, "stderr: \(forecast.stderr)")
        let info = try runRecurrent(["info", model])
        #expect(
            info.stdout.hasPrefix("architecture: MLP(24 steps × 1 feature(s) = 24 → 8 → 8 → 1, tanh)"), "\(info.stdout)"
        )
        // A command that needs a recurrent layer says what the file holds.
        try expectUsageFailure(
            "export {dir}/mlp.safetensors --output {dir}/out.safetensors", in: folder.url, naming: "holds an MLP",
            output: "out.safetensors")
        try expectUsageFailure(
            "train --text {dir}/f.csv --model mlp -o {dir}/m.safetensors", in: folder.url, naming: "--model mlp",
            output: "m.safetensors")
    }

    @Test func demoPrintsTheTableAndWritesItsPlots() throws {
        let folder = try TemporaryFolder()
        let plots = folder.path("demo")
        let result = try runRecurrent(["demo", "--epochs", "3", "--hidden", "8", "--plots", plots])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        for row in ["persistence (last value)", "MLP 24 → 8 → 8 → 6", "LSTM 1 → 8, last step → 6"] {
            #expect(result.stdout.contains(row), "\(result.stdout)")
        }
        for name in ["loss.svg", "forecast.svg", "hidden.svg"] {
            let elements = try #require(try Self.xmlElements(atPath: plots + "/" + name), "\(name) does not parse")
            #expect(elements.first == "svg")
        }
        let forecast = try String(contentsOfFile: plots + "/forecast.svg", encoding: .utf8)
        #expect(forecast.contains("truth") && forecast.contains("LSTM forecast") && forecast.contains("MLP forecast"))
        let none = try runRecurrent([
            "demo", "--epochs", "1", "--hidden", "4", "--no-plots", "--plots", folder.path("x"),
        ])
        #expect(none.status == 0 && !FileManager.default.fileExists(atPath: folder.path("x")))
    }

    @Test func badRunOptionsAreOneLine() throws {
        let folder = try TemporaryFolder()
        let base = "train --task sine --length 300 --epochs 1 -o {dir}/m.safetensors"
        for (arguments, expected) in [
            ("\(base) --patience 0", "--patience"),
            ("\(base) --resume", "--resume needs --checkpoint"),
            ("\(base) --checkpoint {dir}/c --resume", "--checkpoint"),
            ("\(base) --checkpoint-every 5", "--checkpoint-every needs --checkpoint"),
            ("\(base) --optimizer lbfgs", "--optimizer"),
            ("\(base) --schedule wavy", "--schedule"),
            ("\(base) --dropout 1", "--dropout"),
            ("\(base) --split 0.9,0.2", "--split"),
            ("\(base) --stride 0", "--stride"),
            ("train --task adding --samples 0 -o {dir}/m.safetensors", "--samples"),
            ("train --task reber --length 5 -o {dir}/m.safetensors", "--length"),
            ("train --task counting -o {dir}/m.safetensors", "--task"),
            ("compare --task sine --models mlp,cnn", "--models"),
            ("train --task reber --samples 20 --tbptt 4 -o {dir}/m.safetensors", "--tbptt"),
            ("\(base) --tbptt 0", "--tbptt"),
            ("\(base) --tbptt 4 --bidirectional", "--tbptt"),
        ] {
            try expectUsageFailure(arguments, in: folder.url, naming: expected, output: "m.safetensors")
        }
    }
}
