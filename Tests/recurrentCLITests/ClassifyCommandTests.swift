import Foundation
import Recurrent
import Testing

// End-to-end tests of `recurrent train --sequences` and `evaluate --sequences`
// on tiny files written by the tests: symbol sequences (TSV), long-form
// numeric rows (CSV) and tensors (safetensors). Few epochs: these check the
// plumbing, output and errors; examples/motifs checks learning.

@Suite struct ClassifyCommandTests {
    static let trainArguments = [
        "--hidden", "4", "--epochs", "2", "--batch-size", "8", "--seed", "3",
    ]

    /// `sequence\tlabel`: 40 DNA strings of 3–7 symbols; the label is their first symbol's class.
    static func symbolTSV(
        count: Int = 40, symbols: String = "ACGT", label: (String) -> String = { $0 < "G" ? "ac" : "gt" }
    )
        -> String
    {
        var generator = RandomGenerator(seed: 11)
        let alphabet = Array(symbols)
        var text = "sequence\tlabel\n"
        for _ in 0..<count {
            let length = 3 + generator.next(below: 5)
            let sequence = String((0..<length).map { _ in alphabet[generator.next(below: alphabet.count)] })
            text += "\(sequence)\t\(label(String(sequence.first!)))\n"
        }
        return text
    }

    /// `id,t,x,y,label`: 30 sequences of 2–4 rows, written with steps in reverse order.
    static func longFormCSV() -> String {
        var generator = RandomGenerator(seed: 12)
        var text = "id,t,x,y,label\n"
        for s in 0..<30 {
            let label = s % 3 == 0 ? "high" : "low"
            for t in (0..<(2 + s % 3)).reversed() {
                text +=
                    "s\(s),\(t),\(generator.nextFloat() + (label == "high" ? 1 : 0)),\(generator.nextFloat()),\(label)\n"
            }
        }
        return text
    }

    /// input [24, 5, 2], lengths 2…5, labels 0…2.
    static func tensorFile(labels: [Int64]? = nil) -> SafetensorsFile {
        var generator = RandomGenerator(seed: 13)
        return SafetensorsFile(
            tensors: ["input": Tensor.normal([24, 5, 2], using: &generator)],
            integerTensors: [
                "labels": IntegerTensor(labels ?? (0..<24).map { Int64($0 % 3) }),
                "lengths": IntegerTensor((0..<24).map { Int64(2 + $0 % 4) }),
            ])
    }

    /// Trains on `data` (a file already in `folder`) and checks the lines printed.
    static func train(_ data: String, in folder: TemporaryFolder, _ extra: [String] = []) throws -> String {
        let model = folder.path("model.safetensors")
        let result = try runRecurrent(["train", "--sequences", data, "-o", model] + trainArguments + extra)
        try #require(result.status == 0, "stderr: \(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(
            lines.first?.hasPrefix("\(data): ") == true && lines[0].contains(" test sequences of "), "\(result.stdout)")
        #expect(lines.count > 1 && lines[1].hasPrefix("classes in training: "), "\(result.stdout)")
        #expect(
            lines.contains {
                $0.hasPrefix("validation accuracy ") && $0.contains("(majority class ") && $0.contains("macro F1")
            })
        #expect(lines.last == "model written to \(model)")
        return model
    }

    /// Evaluates and checks the text report and the JSON figures agree with
    /// each other: accuracy = trace / total, supports sum to the test count.
    static func evaluate(_ model: String, _ data: String, classes: [String]) throws {
        let text = try runRecurrent(["evaluate", "--model", model, "--sequences", data])
        try #require(text.status == 0, "stderr: \(text.stderr)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("accuracy ") && $0.contains("(majority class ") }, "\(text.stdout)")
        let header = lines.first { $0.hasPrefix("class ") }?.split(separator: " ")
        #expect(header == ["class", "precision", "recall", "f1", "support"], "\(text.stdout)")
        for name in classes + ["macro avg", "weighted avg"] {
            #expect(lines.contains { $0.hasPrefix(name + " ") }, "no row \(name):\n\(text.stdout)")
        }
        let matrix = try #require(lines.firstIndex(of: "confusion matrix (rows true, columns predicted)"))
        #expect(lines[matrix + 1].split(separator: " ").map(String.init) == classes)
        #expect(lines.count == matrix + 2 + classes.count)

        let json = try runRecurrent(["evaluate", "--model", model, "--sequences", data, "--json"])
        try #require(json.status == 0, "stderr: \(json.stderr)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], "\(json.stdout)")
        let confusion = try #require(object["confusion_matrix"] as? [[Int]])
        let total = try #require(object["test_sequences"] as? Int)
        let accuracy = try #require(object["test_accuracy"] as? Double)
        #expect(confusion.count == classes.count && confusion.allSatisfy { $0.count == classes.count })
        #expect(confusion.joined().reduce(0, +) == total)
        #expect(
            abs(accuracy - Double(confusion.indices.map { confusion[$0][$0] }.reduce(0, +)) / Double(total)) < 1e-12)
        let perClass = try #require(object["classes"] as? [[String: Any]])
        #expect(perClass.compactMap { $0["class"] as? String } == classes)
        #expect(perClass.compactMap { $0["support"] as? Int }.reduce(0, +) == total)
        for key in [
            "majority_baseline_test_accuracy", "test_macro_f1", "test_weighted_f1", "test_macro_precision",
            "test_weighted_recall",
        ] {
            #expect((object[key] as? Double)?.isFinite == true, "\(key) in \(json.stdout)")
        }
    }

    @Test func symbolSequencesTrainAndEvaluate() throws {
        let folder = try TemporaryFolder()
        let data = folder.path("dna.tsv")
        try Self.symbolTSV().write(toFile: data, atomically: true, encoding: .utf8)
        let model = try Self.train(data, in: folder, ["--model", "gru", "--pooling", "mean", "--embedding", "3"])
        let file = try SequenceClassifierFile(contentsOf: URL(fileURLWithPath: model))
        #expect(file.encoding == .symbols(alphabet: ["A", "C", "G", "T"]) && file.classes == ["ac", "gt"])
        let read = try LabelledSequences(
            contentsOf: URL(fileURLWithPath: data), layout: .symbols(sequenceColumn: "sequence", labelColumn: "label"))
        #expect(file.split == SequenceSplit(seed: 3, sequences: 40, fingerprint: read.fingerprint))
        #expect(file.network.sequenceModel?.head.pooling == .mean)
        try Self.evaluate(model, data, classes: ["ac", "gt"])
    }

    @Test func longFormSequencesTrainAndEvaluate() throws {
        let folder = try TemporaryFolder()
        let data = folder.path("long.csv")
        try Self.longFormCSV().write(toFile: data, atomically: true, encoding: .utf8)
        let model = try Self.train(data, in: folder, ["--id-column", "id", "--step-column", "t", "--features", "x,y"])
        let file = try SequenceClassifierFile(contentsOf: URL(fileURLWithPath: model))
        guard case .features(2, let normalization?) = file.encoding else {
            Issue.record("expected two normalised features, got \(file.encoding)")
            return
        }
        #expect(normalization.columns == ["x", "y"] && file.classes == ["high", "low"])
        try Self.evaluate(model, data, classes: ["high", "low"])
    }

    @Test func safetensorsSequencesTrainAndEvaluate() throws {
        let folder = try TemporaryFolder()
        let data = folder.path("tensors.safetensors")
        try Self.tensorFile().write(to: URL(fileURLWithPath: data))
        let model = try Self.train(data, in: folder, ["--model", "rnn", "--bidirectional"])
        #expect(try SequenceClassifierFile(contentsOf: URL(fileURLWithPath: model)).classes == ["0", "1", "2"])
        try Self.evaluate(model, data, classes: ["0", "1", "2"])

        // Labels beyond the model's three classes.
        let bad = folder.path("bad.safetensors")
        try Self.tensorFile(labels: Array(repeating: 5, count: 24)).write(to: URL(fileURLWithPath: bad))
        try expectUsageFailure(
            "evaluate -m \(model) --sequences \(bad)", in: folder.url,
            naming: "bad.safetensors: tensor \"labels\": labels[", output: "out")
    }

    /// Arguments (`{dir}` holds dna.tsv and model.safetensors trained on it,
    /// and the files below) and a text the first line of stderr must contain.
    @Test(arguments: [
        ("train --sequences {dir}/nolabel.tsv -o {dir}/out", "nolabel.tsv:1: column \"label\": no such column"),
        ("train --sequences {dir}/dna.tsv --label-column kind -o {dir}/out", "column \"kind\""),
        ("train --sequences {dir}/ragged.tsv -o {dir}/out", "ragged.tsv:3: expected 2 fields"),
        ("train --sequences {dir}/empty.tsv -o {dir}/out", "empty.tsv: the file is empty"),
        ("train --sequences {dir}/few.tsv -o {dir}/out", "too few"),
        ("train --sequences {dir}/one.tsv -o {dir}/out", "two classes"),
        ("train --sequences {dir}/dna.tsv --pooling first -o {dir}/out", "--pooling"),
        ("train --sequences {dir}/dna.tsv --features x,y -o {dir}/out", "--id-column"),
        (
            "train --sequences {dir}/changes.csv --id-column id -o {dir}/out",
            "changes.csv:3: column \"label\": the label of sequence \"a\" changes"
        ),
        ("train --sequences {dir}/letters.csv --id-column id -o {dir}/out", "letters.csv:4: column \"x\": cell \"q\""),
        (
            "train --sequences {dir}/negative.safetensors -o {dir}/out",
            "tensor \"labels\": labels[0] = -1 is out of range"
        ),
        ("evaluate -m {dir}/model.safetensors --sequences {dir}/unknown.tsv", "unknown.tsv:"),
        ("evaluate -m {dir}/model.safetensors --sequences {dir}/unknown.tsv", "symbol \"N\" at position 1"),
        (
            "evaluate -m {dir}/model.safetensors --sequences {dir}/newlabel.tsv",
            "label \"zz\" is not one of the model's classes"
        ),
        ("evaluate -m {dir}/forecast.safetensors --sequences {dir}/dna.tsv", "forecasting model"),
        ("evaluate -m {dir}/plain.safetensors --sequences {dir}/dna.tsv", "not a sequence classifier"),
    ])
    func badInputIsOneLineAndAFailure(arguments: String, expected: String) throws {
        let folder = try Self.badInputFolder()
        try expectUsageFailure(arguments, in: folder.url, naming: expected, output: "out")
    }

    static func badInputFolder() throws -> TemporaryFolder {
        let folder = try TemporaryFolder()
        let dna = folder.path("dna.tsv")
        try Self.symbolTSV().write(toFile: dna, atomically: true, encoding: .utf8)
        let files = [
            "nolabel.tsv": "sequence\tkind\nACGT\tx\n",
            "ragged.tsv": "sequence\tlabel\nACGT\tx\nACGT\n",
            "empty.tsv": "",
            "few.tsv": "sequence\tlabel\nAC\tx\nCA\ty\nGA\tx\n",
            "one.tsv": Self.symbolTSV(label: { _ in "same" }),
            "changes.csv": "id,x,label\na,1,up\na,2,down\n",
            "letters.csv": "id,x,label\na,1,up\na,2,up\nb,q,down\n",
            "unknown.tsv": Self.symbolTSV(symbols: "N"),
            "newlabel.tsv": Self.symbolTSV(label: { _ in "zz" }),
        ]
        for (name, text) in files { try text.write(toFile: folder.path(name), atomically: true, encoding: .utf8) }
        try Self.tensorFile(labels: Array(repeating: -1, count: 24))
            .write(to: URL(fileURLWithPath: folder.path("negative.safetensors")))
        var generator = RandomGenerator(seed: 1)
        try RecurrentLayer(cell: .gru, inputSize: 1, hiddenSize: 2, generator: &generator)
            .save(to: URL(fileURLWithPath: folder.path("plain.safetensors")))
        let forecast = try runRecurrent([
            "train", "--task", "sine", "--length", "100", "--window", "4", "--hidden", "2", "--epochs", "1", "--quiet",
            "-o", folder.path("forecast.safetensors"),
        ])
        try #require(forecast.status == 0, "stderr: \(forecast.stderr)")
        let trained = try runRecurrent(
            ["train", "--sequences", dna, "-o", folder.path("model.safetensors"), "--quiet"] + trainArguments)
        try #require(trained.status == 0, "stderr: \(trained.stderr)")
        return folder
    }
}
