import ArgumentParser
import Foundation
import Recurrent

/// Which sequences of a file `evaluate --sequences` measures (`--part`).
enum MeasuredPart: String, ExpressibleByArgument, CaseIterable {
    /// The test part of the model's split, applied to the file.
    case test
    /// Every sequence of the file.
    case all
}

/// `recurrent evaluate --model M --sequences FILE` for a sequence classifier.
///
/// Without `--part`, the file the model was trained on (known by the
/// fingerprint its split records) is measured on the split's test part, and
/// any other file — a benchmark's own test file — on every sequence.
func evaluateLabelledSequences(
    metadata: [String: String], modelPath: String, dataPath: String, part: MeasuredPart?, json: Bool
) throws {
    let task = metadata["task"] ?? ""
    guard task == SequenceClassifierFile.taskName else {
        throw usageFailure(
            "\(modelPath) (metadata \"task\" \(task.isEmpty ? "missing" : task)) is not a sequence classifier; "
                + "--sequences needs a model made by `recurrent train --sequences`")
    }
    let (file, data) = try reportingDataErrors {
        let file = try SequenceClassifierFile(contentsOf: URL(fileURLWithPath: modelPath))
        return (file, try LabelledSequences(contentsOf: URL(fileURLWithPath: dataPath), layout: file.layout))
    }
    let split = file.split
    // Whether this is the training file: by fingerprint, else (older model files) by count, if that tells.
    let isTrainingFile: Bool? =
        split.fingerprint.map { $0 == data.fingerprint }
        ?? split.sequences.flatMap { $0 == data.count ? nil : false }
    let measured = part ?? (isTrainingFile == false ? .all : .test)
    var indices = Array(0..<data.count)
    var trainIndices: [Int] = []
    if measured == .test {
        guard split.hasTestPart else {
            throw usageFailure(
                "\(modelPath) was trained on all of its file (\(LabelledSequenceJob.shares(split)) split, no test part)"
                    + "; evaluate it on the benchmark's test file, or give --part all")
        }
        let parts = try reportingDataErrors { try split.parts(count: data.count) }
        indices = parts.test
        trainIndices = parts.train
    }
    let (metrics, truthCounts) = try reportingDataErrors {
        let batch = try data.batch(indices, encoding: file.encoding, classes: file.classes)
        let metrics = try ClassificationMetrics(
            truth: batch.targets.scalars.map { Int($0) }, predicted: try file.network.predictedClasses(batch),
            classCount: file.classes.count)
        return (metrics, countClasses(trainIndices, of: data, classes: file.classes))
    }
    // The majority class of the training part: recorded in the model, or counted in the file's
    // training part; for another file without the record, the measured sequences' own.
    let recorded = metadata[trainingClassCountsKey].flatMap {
        try? JSONDecoder().decode([Int].self, from: Data($0.utf8))
    }.flatMap { $0.count == file.classes.count ? $0 : nil }
    let counts = recorded ?? (measured == .test ? truthCounts : metrics.support)
    let majority = counts.indices.max { counts[$0] < counts[$1] || (counts[$0] == counts[$1] && $0 > $1) }!
    let majorityName = recorded == nil && measured == .all ? "majority class of these sequences" : "majority class"
    if measured == .test, isTrainingFile == nil {
        note(
            "\(modelPath) records no fingerprint of its training file; \(dataPath) is taken to be it "
                + "(\(data.count) sequences, as in training)")
    } else if measured == .test, isTrainingFile == false {
        note(
            "\(dataPath) is not the file the model was trained on; its test part is a split of other sequences "
                + "(--part all measures every one)")
    }
    if case .mlp(let mlp) = file.network {
        let longer = indices.filter { data.length(of: $0) > mlp.steps }.count
        if longer > 0 {
            note(
                "the MLP reads the first \(mlp.steps) steps of a sequence; \(longer) measured sequence(s) are "
                    + "longer and were cut")
        }
    }
    let whatFile =
        isTrainingFile == true ? "the training file" : isTrainingFile == false ? "not the training file" : nil
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
                "measured": measured.rawValue, "file_sequences": data.count,
                "training_file": isTrainingFile.map { $0 as Any } ?? NSNull(),
                "test_sequences": metrics.total, "test_accuracy": metrics.accuracy,
                "majority_baseline_test_accuracy": baseline, "majority_class": classes[majority],
                "test_macro_precision": macro.precision, "test_macro_recall": macro.recall,
                "test_macro_f1": macro.f1, "test_weighted_precision": weighted.precision,
                "test_weighted_recall": weighted.recall, "test_weighted_f1": weighted.f1, "classes": perClass,
                "confusion_matrix": metrics.confusion,
            ]))
        return
    }
    switch measured {
    case .test:
        print(
            "\(indices.count) test sequences of \(dataPath) (\(whatFile.map { $0 + "; " } ?? "")"
                + "the test part of the model's split, seed \(split.seed))")
    case .all:
        let which = isTrainingFile == true ? "the training file, its training sequences included" : whatFile
        print("\(indices.count) sequences of \(dataPath) (\(which ?? "perhaps the training file")): all measured")
    }
    print(
        "accuracy \(fixed(metrics.accuracy)) (\(majorityName) \"\(classes[majority])\" \(fixed(baseline)))")
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

/// One `note: …` line on stderr.
private func note(_ text: String) {
    FileHandle.standardError.write(Data("note: \(text)\n".utf8))
}

private func fixed(_ value: Double) -> String { String(format: "%.4f", value) }

private func leftPad(_ text: String, _ width: Int) -> String {
    String(repeating: " ", count: max(1, width - text.count)) + text
}
