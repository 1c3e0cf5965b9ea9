import Foundation
import Recurrent

/// Recurrent.docc, "Classify sequences".
enum ClassifySequences {
    static func run() throws {
        let (train, validation) = try Inputs.motifBatches(count: 200)
        let model = try SequenceModel(
            input: .tokens(vocabularySize: 4), embeddingSize: 8, cell: .gru, hiddenSize: 32,
            outputSize: 3, pooling: .last, seed: 42)
        var trainer = try SequenceTrainer(
            model: model, optimizer: try Adam(learningRate: 5e-3), loss: .softmaxCrossEntropy, maxGradientNorm: 1)
        let history = try trainer.fit(
            train, validation: validation, options: FitOptions(epochs: 25, patience: 5), callbacks: [EpochLog()])
        try expect(history.bestValidationLoss! < log(3), "a classifier better than chance")
    }
}
