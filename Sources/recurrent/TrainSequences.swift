import ArgumentParser
import Foundation
import Recurrent

/// Options of `recurrent train --sequences`.
struct SequenceDataOptions: ParsableArguments {
    @Option(help: "The column holding each sequence's symbols (CSV/TSV of one sequence per line).")
    var sequenceColumn = "sequence"

    @Option(help: "The column holding each sequence's label.")
    var labelColumn = "label"

    @Option(help: "A sequence-id column: the CSV is long-form, one row per step, features from --features.")
    var idColumn: String?

    @Option(help: "A numeric column ordering the rows of each long-form sequence (default: file order).")
    var stepColumn: String?

    @Option(help: "How a sequence is summarised for its class: last (the last real step), mean or max.")
    var pooling = "last"

    func validate() throws {
        guard ["last", "mean", "max"].contains(pooling) else {
            throw ValidationError("--pooling must be last, mean or max, got '\(pooling)'")
        }
        for (name, value) in [
            ("--sequence-column", sequenceColumn), ("--label-column", labelColumn), ("--id-column", idColumn ?? "x"),
            ("--step-column", stepColumn ?? "x"),
        ] where value.isEmpty {
            throw ValidationError("\(name) must name a column")
        }
        if stepColumn != nil, idColumn == nil { throw ValidationError("--step-column needs --id-column (long-form)") }
    }

    /// The layout these options describe for the file at `path`.
    func layout(path: String, features: [String]?) throws -> LabelledSequenceLayout {
        if path.lowercased().hasSuffix(".safetensors") { return .safetensors }
        guard let idColumn else {
            if features != nil {
                throw usageFailure("--features reads long-form sequences; give the sequence-id column with --id-column")
            }
            return .symbols(sequenceColumn: sequenceColumn, labelColumn: labelColumn)
        }
        return .longForm(idColumn: idColumn, stepColumn: stepColumn, featureColumns: features, labelColumn: labelColumn)
    }
}

/// Labelled sequences for classification: `recurrent train --sequences FILE`.
///
/// The sequences are shuffled with `--seed` and split 70/15/15; their steps
/// become token ids (the training part's alphabet) or z-scored features; the
/// network pools each sequence (`--pooling`) into K logits under softmax
/// cross-entropy.
struct LabelledSequenceJob: TrainingJob {
    /// The file as named on the command line.
    let path: String
    let data: LabelledSequences
    let parts: SequenceSplit.Parts
    let split: SequenceSplit
    let encoding: SequenceEncoding
    let classes: [String]
    let pooling: SequencePooling
    let train: SequenceBatch
    let validation: SequenceBatch

    init(path: String, features: [String]?, options: SequenceDataOptions, model: ModelOptions) throws {
        self.path = path
        let layout = try options.layout(path: path, features: features)
        data = try LabelledSequences(contentsOf: URL(fileURLWithPath: path), layout: layout)
        split = SequenceSplit(seed: model.seed, sequences: data.count)
        do {
            parts = try split.parts(count: data.count)
        } catch {
            throw usageFailure("\(path) has \(data.count) sequence(s), too few for a 70/15/15 split; give 7 or more")
        }
        classes = data.classNames
        guard classes.count >= 2 else {
            throw usageFailure(
                "\(path): every sequence has label \"\(classes[0])\"; classification needs two classes or more")
        }
        encoding = try data.fittedEncoding(on: parts.train)
        pooling = SequencePooling(rawValue: options.pooling) ?? .last
        train = try data.batch(parts.train, encoding: encoding, classes: classes)
        validation = try data.batch(parts.validation, encoding: encoding, classes: classes)
    }

    var description: String {
        let lengths = (0..<data.count).map(data.length(of:))
        var text =
            "\(path): \(parts.train.count) training, \(parts.validation.count) validation and "
            + "\(parts.test.count) test sequences of \(lengths.min()!)–\(lengths.max()!) steps, "
        switch encoding {
        case .symbols(let alphabet):
            text += "alphabet \(alphabet.count <= 40 ? alphabet.joined() + " " : "")(\(alphabet.count) symbols)"
        case .features(let d, _):
            text += "\(d) feature(s) per step"
        }
        let counts = classCounts(parts.train)
        let balance = zip(classes, counts).map { "\($0) \($1) (\(percent(Double($1) / Double(parts.train.count))))" }
        return text + "\nclasses in training: " + balance.joined(separator: ", ")
    }

    var input: SequenceInput {
        switch encoding {
        case .symbols(let alphabet): .tokens(vocabularySize: alphabet.count)
        case .features(let d, _): .features(d)
        }
    }
    var outputSize: Int { classes.count }
    var loss: Loss { .softmaxCrossEntropy }
    var lossMeaning: LossMeaning { .crossEntropy(of: "the true class", per: "sequence") }

    /// The first validation sequence's symbols, for symbol sequences (DNA, protein).
    var validationSymbols: [String]? {
        guard case .symbols(let alphabet) = encoding else { return nil }
        let steps = validation.lengths?[0] ?? validation.steps
        return (0..<steps).map { alphabet[Int(validation.input[0, $0])] }
    }

    func summary(of model: TrainedModel) throws -> JobSummary {
        try summary(of: model, on: validation, part: "validation")
    }

    func testSummary(of model: TrainedModel) throws -> JobSummary? {
        guard !parts.test.isEmpty else { return nil }
        return try summary(
            of: model, on: try data.batch(parts.test, encoding: encoding, classes: classes), part: "test")
    }

    /// Accuracy beside the majority class's, and macro F1, on one part.
    private func summary(of model: TrainedModel, on batch: SequenceBatch, part: String) throws -> JobSummary {
        let metrics = try ClassificationMetrics(
            truth: batch.targets.scalars.map { Int($0) }, predicted: try model.predictedClasses(batch),
            classCount: classes.count)
        let majority = majorityClass()
        let baseline = metrics.accuracy(ofAlwaysPredicting: majority)
        let macroF1 = metrics.macroAverage.f1
        return JobSummary(
            lines: [
                "\(part) accuracy \(format(Float(metrics.accuracy))) (majority class \"\(classes[majority])\" "
                    + "\(format(Float(baseline)))), macro F1 \(format(Float(macroF1))), \(metrics.total) sequences"
            ],
            metrics: [
                "\(part)_accuracy": metrics.accuracy, "majority_baseline_\(part)_accuracy": baseline,
                "\(part)_macro_f1": macroF1,
            ])
    }

    func write(_ model: TrainedModel, metadata: [String: String], to url: URL) throws {
        try SequenceClassifierFile(
            network: model, layout: data.layout, encoding: encoding, classes: classes, split: split, metadata: metadata
        ).write(to: url)
    }

    private func classCounts(_ indices: [Int]) -> [Int] { countClasses(indices, of: data, classes: classes) }

    /// The most frequent class of the training part (the first on a tie).
    private func majorityClass() -> Int {
        let counts = classCounts(parts.train)
        return counts.indices.max { counts[$0] < counts[$1] || (counts[$0] == counts[$1] && $0 > $1) }!
    }
}

/// How many of the sequences at `indices` carry each class (labels the classes lack are not counted).
private func countClasses(_ indices: [Int], of data: LabelledSequences, classes: [String]) -> [Int] {
    let id = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
    var counts = [Int](repeating: 0, count: classes.count)
    for i in indices { if let k = id[data.labels[i]] { counts[k] += 1 } }
    return counts
}

private func percent(_ share: Double) -> String { String(format: "%.1f%%", 100 * share) }

/// `recurrent evaluate --model M --sequences FILE` for a sequence classifier.
func evaluateLabelledSequences(metadata: [String: String], modelPath: String, dataPath: String, json: Bool) throws {
    let task = metadata["task"] ?? ""
    guard task == SequenceClassifierFile.taskName else {
        throw usageFailure(
            "\(modelPath) (metadata \"task\" \(task.isEmpty ? "missing" : task)) is not a sequence classifier; "
                + "--sequences needs a model made by `recurrent train --sequences`")
    }
    let (file, data, parts, metrics, majority) = try reportingDataErrors {
        let file = try SequenceClassifierFile(contentsOf: URL(fileURLWithPath: modelPath))
        let data = try LabelledSequences(contentsOf: URL(fileURLWithPath: dataPath), layout: file.layout)
        let parts = try file.split.parts(count: data.count)
        let test = try data.batch(parts.test, encoding: file.encoding, classes: file.classes)
        let metrics = try ClassificationMetrics(
            truth: test.targets.scalars.map { Int($0) }, predicted: try file.network.predictedClasses(test),
            classCount: file.classes.count)
        let counts = countClasses(parts.train, of: data, classes: file.classes)
        let majority = counts.indices.max { counts[$0] < counts[$1] || (counts[$0] == counts[$1] && $0 > $1) }!
        return (file, data, parts, metrics, majority)
    }
    if let trained = file.split.sequences, trained != data.count {
        let note =
            "note: \(dataPath) has \(data.count) sequences, the model was trained on \(trained); "
            + "its test part is not the training run's\n"
        FileHandle.standardError.write(Data(note.utf8))
    }
    if case .mlp(let mlp) = file.network {
        let longer = parts.test.filter { data.length(of: $0) > mlp.steps }.count
        if longer > 0 {
            let note =
                "note: the MLP reads the first \(mlp.steps) steps of a sequence; \(longer) test sequence(s) are "
                + "longer and were cut\n"
            FileHandle.standardError.write(Data(note.utf8))
        }
    }
    let classes = file.classes
    let (precision, recall, f1, support) = (metrics.precision, metrics.recall, metrics.f1, metrics.support)
    let (macro, weighted) = (metrics.macroAverage, metrics.weightedAverage)
    let baseline = metrics.accuracy(ofAlwaysPredicting: majority)
    if json {
        let perClass: [[String: Any]] = classes.indices.map {
            [
                "class": classes[$0], "precision": precision[$0], "recall": recall[$0], "f1": f1[$0],
                "support": support[$0],
            ]
        }
        print(
            jsonLine([
                "test_sequences": metrics.total, "test_accuracy": metrics.accuracy,
                "majority_baseline_test_accuracy": baseline, "majority_class": classes[majority],
                "test_macro_precision": macro.precision, "test_macro_recall": macro.recall,
                "test_macro_f1": macro.f1, "test_weighted_precision": weighted.precision,
                "test_weighted_recall": weighted.recall, "test_weighted_f1": weighted.f1, "classes": perClass,
                "confusion_matrix": metrics.confusion,
            ]))
        return
    }
    print("\(parts.test.count) test sequences of \(dataPath) (split seed \(file.split.seed))")
    print(
        "accuracy \(fixed(metrics.accuracy)) (majority class \"\(classes[majority])\" \(fixed(baseline)))")
    print()
    let width = max(12, classes.map(\.count).max()! + 2)
    func row(_ name: String, _ values: [String]) -> String {
        name.padding(toLength: width, withPad: " ", startingAt: 0) + values.map { leftPad($0, 10) }.joined()
    }
    print(row("class", ["precision", "recall", "f1", "support"]))
    for k in classes.indices {
        print(row(classes[k], [fixed(precision[k]), fixed(recall[k]), fixed(f1[k]), "\(support[k])"]))
    }
    print(row("macro avg", [fixed(macro.precision), fixed(macro.recall), fixed(macro.f1), "\(metrics.total)"]))
    print(
        row(
            "weighted avg", [fixed(weighted.precision), fixed(weighted.recall), fixed(weighted.f1), "\(metrics.total)"])
    )
    print()
    print("confusion matrix (rows true, columns predicted)")
    let cell = max(6, classes.map(\.count).max()! + 2, String(metrics.total).count + 2)
    print("".padding(toLength: width, withPad: " ", startingAt: 0) + classes.map { leftPad($0, cell) }.joined())
    for k in classes.indices {
        print(
            classes[k].padding(toLength: width, withPad: " ", startingAt: 0)
                + metrics.confusion[k].map { leftPad("\($0)", cell) }.joined())
    }
}

private func fixed(_ value: Double) -> String { String(format: "%.4f", value) }

private func leftPad(_ text: String, _ width: Int) -> String {
    String(repeating: " ", count: max(1, width - text.count)) + text
}
