import ArgumentParser
import Foundation
import Recurrent

// Placeholder: the text job (character or byte language model) lands here.

/// Options of `recurrent train --text`.
struct TextDataOptions: ParsableArguments {
    @Option(help: "The text's vocabulary: char (the characters of the training text) or byte (all 256 bytes).")
    var vocabulary = "char"
}

/// A character-level language model's data: `recurrent train --text FILE`.
struct TextJob: TrainingJob {
    init(path: String, window: Int?, options: TextDataOptions, model: ModelOptions) throws {
        throw usageFailure("--text is not available yet")
    }
    var description: String { "" }
    var train: SequenceBatch { fatalError() }
    var validation: SequenceBatch { fatalError() }
    var input: JobInput { .tokens(1) }
    var outputSize: Int { 1 }
    var pooling: SequencePooling { .everyStep }
    var loss: Loss { .softmaxCrossEntropy }
    func summary(of model: TrainedModel) throws -> JobSummary { JobSummary(lines: [], metrics: [:]) }
    func modelFile(for model: SequenceModel, metadata: [String: String]) throws -> ModelFile { fatalError() }
}

/// `recurrent evaluate --model M --text FILE` for a text model.
func evaluateText(model: ModelFile, modelPath: String, textPath: String, json: Bool) throws {
    throw usageFailure("--text is not available yet")
}
