import ArgumentParser
import Foundation
import Recurrent

// Placeholder: the labelled-sequence classification job lands here.

/// Options of `recurrent train --sequences`.
struct SequenceDataOptions: ParsableArguments {}

/// Labelled sequences for classification: `recurrent train --sequences FILE`.
struct LabelledSequenceJob: TrainingJob {
    init(path: String, features: [String]?, options: SequenceDataOptions, model: ModelOptions) throws {
        throw usageFailure("--sequences is not available yet")
    }
    var description: String { "" }
    var train: SequenceBatch { fatalError() }
    var validation: SequenceBatch { fatalError() }
    var input: JobInput { .tokens(1) }
    var outputSize: Int { 1 }
    var pooling: SequencePooling { .last }
    var loss: Loss { .softmaxCrossEntropy }
    func summary(of model: TrainedModel) throws -> JobSummary { JobSummary(lines: [], metrics: [:]) }
    func modelFile(for model: SequenceModel, metadata: [String: String]) throws -> ModelFile { fatalError() }
}

/// `recurrent evaluate --model M --sequences FILE` for a sequence classifier.
func evaluateLabelledSequences(model: ModelFile, modelPath: String, dataPath: String, json: Bool) throws {
    throw usageFailure("--sequences is not available yet")
}
