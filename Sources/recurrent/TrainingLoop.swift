import ArgumentParser
import Foundation
import Recurrent

/// What `train` and `compare` print while they train.
struct ProgressOptions: ParsableArguments {
    @Flag(help: "Print only the final lines.")
    var quiet = false

    @Flag(help: "Write one JSON object per epoch, then one with the final figures, instead of text.")
    var json = false
}

/// Trains a network for a ``TrainingJob``: builds it from ``ModelOptions``,
/// runs the epochs, reports each one, and returns the trained model.
struct TrainingLoop {
    let options: ModelOptions
    let progress: ProgressOptions

    /// The network the options and the job describe, freshly initialised.
    func makeModel(for job: some TrainingJob, generator: inout RandomGenerator) throws -> SequenceModel {
        guard let cell = options.cell else {
            throw RecurrentError.invalidArgument(name: "--model", value: options.model, reason: "is not a recurrent cell")
        }
        let input: SequenceInput =
            switch job.input {
            case .features(let d): .features(d)
            case .tokens(let v): .tokens(vocabularySize: v, embeddingSize: options.embedding)
            }
        return try SequenceModel(
            input: input, cell: cell, hiddenSize: options.hidden, layers: options.layers,
            bidirectional: options.bidirectional, dropout: options.dropout, outputSize: job.outputSize,
            pooling: job.pooling, generator: &generator)
    }

    /// Trains a fresh network on `job`; returns it.
    func train(_ job: some TrainingJob) throws -> SequenceModel {
        var generator = RandomGenerator(seed: options.seed)
        let model = try makeModel(for: job, generator: &generator)
        var trainer = try SequenceTrainer(
            model: model, optimizer: try Adam(learningRate: options.learningRate), loss: job.loss,
            maxGradientNorm: options.clip, seed: options.seed)
        let epochs = options.epochs
        let width = String(epochs).count
        for epoch in 1...epochs {
            let loss = try trainer.trainEpoch(job.train, batchSize: options.batchSize, generator: &generator)
            let validationLoss = try trainer.evaluate(job.validation)
            if !progress.quiet {
                print(
                    "epoch \(pad(epoch, width))/\(epochs)  train loss \(format(loss))  "
                        + "validation loss \(format(validationLoss))")
            }
        }
        return trainer.model
    }
}

/// One JSON object on one line, keys sorted: figures for `--json`.
func jsonLine(_ values: [String: Any]) -> String {
    let data = try! JSONSerialization.data(withJSONObject: values, options: [.sortedKeys, .withoutEscapingSlashes])
    return String(decoding: data, as: UTF8.self)
}
