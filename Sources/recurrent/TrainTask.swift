import ArgumentParser
import Foundation
import Recurrent

/// Options of `recurrent train --task adding|copy|reber`.
struct TaskDataOptions: ParsableArguments {
    @Option(
        parsing: .unconditional,
        help:
            "Training sequences of a generated sequence task (adding, copy, reber; ≥ 1); validation and test get 15% as many each."
    )
    var samples = 10_000
}

/// A generated sequence task: which one, and its size.
struct GeneratedTaskSpec: Codable, Equatable {
    /// `adding`, `copy` or `reber`.
    var name: String
    /// T for the adding problem, the delay for copy memory; 0 for Reber.
    var length: Int
    /// Training sequences; validation and test hold 15% as many.
    var samples: Int
    /// Seeds the three parts' generators (seed, seed + 1, seed + 2).
    var seed: UInt64

    static let names = ["adding", "copy", "reber"]

    /// The default `--length` per task.
    static func defaultLength(_ name: String) -> Int { name == "copy" ? 20 : name == "adding" ? 50 : 0 }

    var validationCount: Int { max(1, samples * 15 / 100) }

    /// Steps of one sequence.
    var steps: Int { name == "copy" ? length + 20 : name == "adding" ? length : 30 }

    /// Throws unless the task is known and its sizes lie within ``Limits``,
    /// as on the command line: for a spec read from a model file.
    func check() throws {
        guard Self.names.contains(name) else {
            throw RecurrentError.invalidArgument(name: "name", value: "\"\(name)\"", reason: "must be adding, copy or reber")
        }
        let least = name == "copy" ? 1 : name == "adding" ? 2 : 0
        try Limits.check(length, "length", in: least...(name == "reber" ? 0 : Limits.taskLength))
        try Limits.check(samples, "samples", in: 1...max(1, Limits.taskElements / (steps * (name == "adding" ? 2 : 1))))
    }

    /// A part's sequences: 0 training, 1 validation, 2 test.
    func batch(part: Int) throws -> SequenceBatch {
        // Streams of their own: not the weights' (seed) nor another seed's parts.
        var generator = RandomGenerator(seed: (seed ^ 0x7A5C_DA7A_5EED_0000) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(part))
        let count = part == 0 ? samples : validationCount
        switch name {
        case "adding": return try AddingProblem(length: length).batch(count: count, generator: &generator)
        case "copy": return try CopyMemoryTask(delay: length).batch(count: count, generator: &generator)
        default: return EmbeddedReberGrammar().batch(count: count, generator: &generator)
        }
    }

    var input: SequenceInput {
        switch name {
        case "adding": .features(2)
        case "copy": .tokens(vocabularySize: (try? CopyMemoryTask(delay: length).vocabularySize) ?? 10)
        default: .tokens(vocabularySize: EmbeddedReberGrammar.symbols.count)
        }
    }
    var outputSize: Int {
        switch name {
        case "adding": 1
        case "copy": (try? CopyMemoryTask(delay: length).vocabularySize) ?? 10
        default: EmbeddedReberGrammar.symbols.count
        }
    }
    var pooling: SequencePooling { name == "adding" ? .last : .everyStep }
    var loss: Loss {
        switch name {
        case "adding": .meanSquaredError
        case "copy": .softmaxCrossEntropy
        default: .binaryCrossEntropyWithLogits
        }
    }

    /// The task's loss, named with what it is computed on.
    var lossMeaning: LossMeaning {
        switch name {
        case "adding":
            LossMeaning(description: "MSE of the sum of the two marked numbers", axis: PlotAxis("MSE"))
        case "copy": .crossEntropy(of: "each step's symbol", per: "step")
        default:
            LossMeaning(
                description: "binary cross-entropy of each symbol that may come next",
                axis: PlotAxis("binary cross-entropy", unit: "nats per symbol and step"))
        }
    }

    /// The task's figures for `model` on `batch`: the loss beside the task's
    /// baseline, and for Reber the share of strings whose every next-symbol
    /// set is predicted exactly (logit > 0).
    func figures(_ model: TrainedModel, _ batch: SequenceBatch, part: String) throws -> JobSummary {
        let output = try model(batch.input, lengths: batch.lengths)
        let weights = pooling == .everyStep && batch.lengths != nil ? batch.stepMask : nil
        let value = Double(loss(output, target: batch.targets, weights: weights).value)
        switch name {
        case "adding":
            let baseline = AddingProblem.constantPredictorMSE
            return JobSummary(
                lines: ["\(part) MSE \(format(Float(value))) (answering 1: \(format(Float(baseline))))"],
                metrics: ["\(part)_mse": value, "constant_baseline_mse": baseline])
        case "copy":
            let task = try CopyMemoryTask(delay: length)
            let baseline = task.baselineCrossEntropy
            let (b, t, v) = (output.shape[0], output.shape[1], output.shape[2])
            var right = 0
            for row in 0..<b {
                for step in (t - task.copyLength)..<t {
                    let logits = (0..<v).map { output[row, step, $0] }
                    if Float(logits.indices.max { logits[$0] < logits[$1] }!) == batch.targets[row, step] { right += 1 }
                }
            }
            let accuracy = Double(right) / Double(b * task.copyLength)
            return JobSummary(
                lines: [
                    "\(part) cross-entropy \(format(Float(value))) per step (remembering nothing: "
                        + "\(format(Float(baseline)))), symbols copied right \(format(Float(accuracy * 100))) %"
                ],
                metrics: [
                    "\(part)_cross_entropy": value, "memoryless_baseline_cross_entropy": baseline,
                    "\(part)_copy_accuracy": accuracy,
                ])
        default:
            let (b, t, k) = (output.shape[0], output.shape[1], output.shape[2])
            var solved = 0
            for row in 0..<b {
                let steps = batch.lengths?[row] ?? t
                let exact = (0..<steps).allSatisfy { step in
                    (0..<k).allSatisfy { (output[row, step, $0] > 0) == (batch.targets[row, step, $0] > 0.5) }
                }
                if exact { solved += 1 }
            }
            let share = Double(solved) / Double(b)
            return JobSummary(
                lines: [
                    "\(part) binary cross-entropy \(format(Float(value))), strings with every next-symbol set "
                        + "right \(format(Float(share * 100))) %"
                ],
                metrics: ["\(part)_binary_cross_entropy": value, "\(part)_strings_right": share])
        }
    }

    var description: String {
        switch name {
        case "adding":
            "the adding problem, T = \(length): answering 1 scores MSE \(format(Float(AddingProblem.constantPredictorMSE)))"
        case "copy": "copy memory, delay \(length): recall 10 symbols (from 8 kinds) after the delay"
        default: "the embedded Reber grammar: predict the set of symbols that may come next"
        }
    }
}

/// Training on a generated sequence task: `recurrent train --task adding|copy|reber`.
struct GeneratedTaskJob: TrainingJob {
    let spec: GeneratedTaskSpec
    let train: SequenceBatch
    let validation: SequenceBatch

    init(_ spec: GeneratedTaskSpec) throws {
        self.spec = spec
        self.train = try spec.batch(part: 0)
        self.validation = try spec.batch(part: 1)
    }

    var description: String {
        "--task \(spec.name): \(spec.description); \(spec.samples) training and \(spec.validationCount) validation "
            + "and test sequences"
    }
    var input: SequenceInput { spec.input }
    var outputSize: Int { spec.outputSize }
    var pooling: SequencePooling { spec.pooling }
    var loss: Loss { spec.loss }
    var lossMeaning: LossMeaning { spec.lossMeaning }

    func summary(of model: TrainedModel) throws -> JobSummary {
        try spec.figures(model, validation, part: "validation")
    }

    func testSummary(of model: TrainedModel) throws -> JobSummary? {
        try spec.figures(model, try spec.batch(part: 2), part: "test")
    }

    func write(_ model: TrainedModel, metadata: [String: String], to url: URL) throws {
        guard let model = model.sequenceModel else {
            throw RecurrentError.invalidArgument(
                name: "--model", value: "mlp",
                reason: "is not written for the generated sequence tasks; `compare` runs it beside the others on adding"
            )
        }
        var file = try ModelFile(sequenceModel: model, metadata: metadata)
        file.metadata["task"] = "generated-task"
        file.metadata["generated_task"] = try metadataJSON(spec)
        try file.write(to: url)
    }
}

/// `recurrent evaluate --model M` for a model trained on a generated task:
/// fresh test sequences drawn with the model's seed + 2.
func evaluateGeneratedTask(_ file: ModelFile, modelPath: String, json: Bool) throws {
    let model = try reportingDataErrors { () throws -> SequenceModel in
        guard let text = file.metadata["generated_task"],
            let spec = try? JSONDecoder().decode(GeneratedTaskSpec.self, from: Data(text.utf8))
        else {
            throw SafetensorsError(file: modelPath, problem: "metadata \"generated_task\" is missing or not valid")
        }
        do { try spec.check() } catch {
            throw SafetensorsError(file: modelPath, problem: "metadata \"generated_task\": \(error)")
        }
        return try file.sequenceModel(name: modelPath)
    }
    let spec = try JSONDecoder().decode(GeneratedTaskSpec.self, from: Data(file.metadata["generated_task"]!.utf8))
    let figures = try reportingDataErrors { try spec.figures(.recurrent(model), try spec.batch(part: 2), part: "test") }
    if json {
        print(jsonLine(figures.metrics))
    } else {
        print("--task \(spec.name): \(spec.validationCount) fresh test sequences (seed \(spec.seed), part 2)")
        for line in figures.lines { print(line) }
    }
}
