import Foundation
import Recurrent

/// The files and values the snippets read, made in the current folder.
enum Inputs {
    /// `load.csv`: 600 hourly readings of a daily cycle with a little noise.
    static func writeLoadCSV() throws {
        var generator = RandomGenerator(seed: 7)
        let noise = Tensor.normal([600], using: &generator).scalars
        let rows = (0..<600).map { t in "\(t),\(10 + 3 * sin(2 * Double.pi * Double(t) / 24) + 0.1 * Double(noise[t]))" }
        try ("hour,load\n" + rows.joined(separator: "\n") + "\n").write(toFile: "load.csv", atomically: true, encoding: .utf8)
    }

    /// A small LSTM forecaster of `load.csv` (window 24, horizon 2, untrained),
    /// recording one short epoch as its training options, written under `name`.
    static func writeLoadForecaster(_ name: String) throws {
        let table = try CSVTable(contentsOf: URL(fileURLWithPath: "load.csv"))
        let options = SeriesOptions(features: ["load"], targets: ["load"], window: 24, horizon: 2)
        let data = try SeriesDataset(table: table, options: options)
        let model = try SequenceModel(input: .features(1), cell: .lstm, hiddenSize: 8, outputSize: 2, pooling: .last, seed: 2)
        try ForecastModelFile(
            model: model, options: options, normalization: data.normalization,
            training: SeriesTrainingOptions(epochs: 1, batchSize: 64)
        ).write(to: URL(fileURLWithPath: name))
    }

    /// `corpus.txt`: a few kilobytes of repetitive English.
    static func writeCorpus() throws {
        let text = String(repeating: "The quick brown fox jumps over the lazy dog. The dog sleeps. ", count: 60)
        try text.write(toFile: "corpus.txt", atomically: true, encoding: .utf8)
    }

    /// A two-layer LSTM of 8 inputs and 32 units as PyTorch names it, written
    /// under `name`: what `torch.save` of a state_dict through safetensors gives.
    static func writeLSTM(_ name: String) throws {
        var generator = RandomGenerator(seed: 3)
        let lstm = try RecurrentLayer(cell: .lstm, inputSize: 8, hiddenSize: 32, layers: 2, generator: &generator)
        try ModelFile(layer: lstm).write(to: URL(fileURLWithPath: name))
    }

    /// A many-to-one GRU forecaster of 3 features as a whole-model file.
    static func writeSequenceModel(_ name: String) throws {
        let model = try SequenceModel(input: .features(3), cell: .gru, hiddenSize: 16, outputSize: 2, pooling: .last, seed: 5)
        try ModelFile(sequenceModel: model).write(to: URL(fileURLWithPath: name))
    }

    /// `count` sequences of tokens 0…3, each labelled by which of three
    /// motifs it holds, lengths 8…15: training and validation batches.
    static func motifBatches(count: Int) throws -> (SequenceBatch, SequenceBatch) {
        var generator = RandomGenerator(seed: 11)
        let motifs: [[Int]] = [[0, 1, 2], [2, 1, 0], [3, 3, 0]]
        func batch(_ n: Int) throws -> SequenceBatch {
            let length = 15
            var input = [Float](repeating: 0, count: n * length), labels = [Float]()
            var lengths = [Int]()
            for i in 0..<n {
                let label = Int(generator.next() % 3), real = 8 + Int(generator.next() % 8)
                let start = Int(generator.next() % UInt64(real - 2))
                for t in 0..<real {
                    let motif = t - start
                    input[i * length + t] = Float((0..<3).contains(motif) ? motifs[label][motif] : Int(generator.next() % 4))
                }
                labels.append(Float(label))
                lengths.append(real)
            }
            return try SequenceBatch(
                input: Tensor(shape: [n, length], scalars: input), lengths: lengths, targets: Tensor(labels))
        }
        return (try batch(count), try batch(count / 4))
    }
}
