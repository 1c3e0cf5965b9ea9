import ArgumentParser
import Foundation
import Recurrent

/// Options of `recurrent train --sequences`.
struct SequenceDataOptions: ParsableArguments {
    @Option(help: "The column holding each sequence's symbols (CSV/TSV of one sequence per line).")
    var sequenceColumn = "sequence"

    @Option(help: "The column holding each sequence's label.")
    var labelColumn = "label"

    @Option(
        help:
            "An id column: the CSV is long-form, one row per step. For --sequences, each id a labelled sequence, features from --features; for --csv, each id one series (its rows together, in time order) and one global model over them all."
    )
    var idColumn: String?

    @Option(help: "A numeric column ordering the rows of each long-form sequence (default: file order).")
    var stepColumn: String?

    @Option(help: "How a sequence is summarised for its class: last (the last real step), mean or max.")
    var pooling = "last"

    @Option(
        help:
            "A second file of labelled sequences (same layout) to validate on; all of --sequences is then training data, as for a benchmark that comes with its own train and test files."
    )
    var validation: String?

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
/// The sequences are shuffled with `--seed` and split by `--split` (70/15/15;
/// shares summing to 1 leave no test part), or all train when `--validation
/// FILE` gives the validation sequences; their steps become token ids (the
/// training part's alphabet) or features scaled by `--scaling`; the network
/// pools each sequence (`--pooling`) into K logits under softmax
/// cross-entropy. The model file records the split and the file's
/// fingerprint, so that `evaluate` knows the training file from another.
struct LabelledSequenceJob: TrainingJob {
    /// The file as named on the command line.
    let path: String
    let data: LabelledSequences
    let parts: SequenceSplit.Parts
    let split: SequenceSplit
    /// `--validation`'s file and its sequences, when validation is a file of its own.
    let validationFile: (path: String, data: LabelledSequences)?
    let encoding: SequenceEncoding
    let classes: [String]
    let pooling: SequencePooling
    let train: SequenceBatch
    let validation: SequenceBatch

    /// - Parameters:
    ///   - shares: `--split`'s training and validation shares (ignored with `--validation`).
    ///   - scaling: `--scaling`, for numeric features.
    init(
        path: String, features: [String]?, options: SequenceDataOptions, shares: (train: Double, validation: Double),
        scaling: Normalization.Method, model: ModelOptions
    ) throws {
        self.path = path
        let layout = try options.layout(path: path, features: features)
        data = try LabelledSequences(contentsOf: URL(fileURLWithPath: path), layout: layout)
        validationFile = try options.validation.map {
            ($0, try LabelledSequences(contentsOf: URL(fileURLWithPath: $0), layout: layout))
        }
        let (trainShare, validationShare) = validationFile == nil ? shares : (1, 0)
        let split = SequenceSplit(
            seed: model.seed, train: trainShare, validation: validationShare, sequences: data.count,
            fingerprint: data.fingerprint)
        self.split = split
        do {
            parts = try split.parts(count: data.count)
        } catch {
            let least = (1...1000).first { (try? split.parts(count: $0)) != nil }.map { "; give \($0) or more" } ?? ""
            throw usageFailure(
                "\(path) has \(data.count) sequence(s), too few for a \(Self.shares(split)) split\(least)")
        }
        classes = data.classNames
        guard classes.count >= 2 else {
            throw usageFailure(
                "\(path): every sequence has label \"\(classes[0])\"; classification needs two classes or more")
        }
        encoding = try data.fittedEncoding(on: parts.train, scaling: scaling)
        pooling = SequencePooling(rawValue: options.pooling) ?? .last
        train = try data.batch(parts.train, encoding: encoding, classes: classes)
        if let (_, other) = validationFile {
            validation = try other.batch(Array(0..<other.count), encoding: encoding, classes: classes)
        } else {
            validation = try data.batch(parts.validation, encoding: encoding, classes: classes)
        }
    }

    /// `70/15/15`, or `85/15` without a test part.
    static func shares(_ split: SequenceSplit) -> String {
        let shares = [split.train, split.validation] + (split.hasTestPart ? [1 - split.train - split.validation] : [])
        return shares.map { String(Int((100 * $0).rounded())) }.joined(separator: "/")
    }

    var description: String {
        let lengths = (0..<data.count).map(data.length(of:))
        let range = "\(lengths.min()!)–\(lengths.max()!) steps, "
        var text: String
        if let (other, sequences) = validationFile {
            text =
                "\(path): \(parts.train.count) training sequences (all of the file) of \(range)"
                + "\(sequences.count) validation sequences from \(other), no test part, "
        } else if parts.test.isEmpty {
            text =
                "\(path): \(parts.train.count) training and \(parts.validation.count) validation sequences "
                + "(no test part) of \(range)"
        } else {
            text =
                "\(path): \(parts.train.count) training, \(parts.validation.count) validation and "
                + "\(parts.test.count) test sequences of \(range)"
        }
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
        var metadata = metadata
        // The training part's classes, for evaluate's majority-class baseline on another file.
        metadata[trainingClassCountsKey] = try metadataJSON(classCounts(parts.train))
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

/// The metadata key of a sequence classifier's training class counts (a
/// JSON array in class order), which `evaluate` uses for the majority class.
let trainingClassCountsKey = "training_class_counts"

/// How many of the sequences at `indices` carry each class (labels the classes lack are not counted).
func countClasses(_ indices: [Int], of data: LabelledSequences, classes: [String]) -> [Int] {
    let id = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
    var counts = [Int](repeating: 0, count: classes.count)
    for i in indices { if let k = id[data.labels[i]] { counts[k] += 1 } }
    return counts
}

private func percent(_ share: Double) -> String { String(format: "%.1f%%", 100 * share) }
