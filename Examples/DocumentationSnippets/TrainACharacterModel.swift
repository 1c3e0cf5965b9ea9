import Foundation
import Recurrent

/// Recurrent.docc, "Train a character model".
enum TrainACharacterModel {
    static func run() throws {
        try Inputs.writeCorpus()
        let corpus = try TextCorpus(contentsOf: URL(fileURLWithPath: "corpus.txt"), kind: .characters)
        let v = corpus.vocabulary.count
        let model = try SequenceModel(
            input: .tokens(vocabularySize: v), embeddingSize: 32, cell: .lstm, hiddenSize: 128,
            outputSize: v, pooling: .everyStep, seed: 1)
        var trainer = try SequenceTrainer(
            model: model, optimizer: try Adam(learningRate: 5e-3), loss: .softmaxCrossEntropy, maxGradientNorm: 1)
        let train = corpus.windows(of: .train, length: 100)!          // input [N, 100], targets [N, 100]
        let validation = corpus.windows(of: .validation, length: 100)!
        try trainer.fit(train, validation: validation, options: FitOptions(epochs: 20, patience: 3), callbacks: [EpochLog()])

        let bits = try trainer.model.meanLoss(.softmaxCrossEntropy, on: validation) / log(2)
        print(bits, "bits per character; unigram entropy", corpus.unigramEntropy)

        var sampler = try TextSampler(model: trainer.model)
        let prime = try corpus.vocabulary.encode("The ", source: "prime")
        var generator = RandomGenerator(seed: 1)
        let ids = try sampler.generate(after: prime, count: 200, temperature: 0.8, topK: 10, generator: &generator)
        print(String(decoding: corpus.vocabulary.decode(ids), as: UTF8.self))

        try expect(bits < corpus.unigramEntropy && ids.count == 200, "a model below the unigram entropy")
    }
}
