import Foundation
import Recurrent
import RecurrentTestSupport
import Testing

/// ``LinearSkip`` inside a ``SequenceModel``: the output is the head's plus
/// W·vec(last p steps) + b (checked by hand), it round-trips through a model file (and files without it
/// still load), and on a trending seasonal series it beats the plain head.
/// Its gradients are checked in ``SequenceModelTests``.
@Suite struct LinearSkipTests {
    /// A model with a skip of random (non-zero) weights.
    private func model(steps: Int, seed: UInt64 = 4) throws -> SequenceModel {
        var generator = RandomGenerator(seed: seed)
        var model = try SequenceModel(
            input: .features(2), cell: .lstm, hiddenSize: 3, outputSize: 2, pooling: .last, generator: &generator
        ).withSkip(steps: steps)
        model.updateParameters { name, tensor in
            if name.hasPrefix("skip.") { tensor = Tensor.normal(tensor.shape, using: &generator) }
        }
        return model
    }

    /// y − head(h) is W·vec(x[L−p..<L]) + b computed element by element, with
    /// steps before 0 read as zeros; a fresh skip changes nothing.
    @Test func outputAddsTheLinearMapOfTheLastSteps() throws {
        let (p, t) = (3, 4)
        let model = try model(steps: p)
        var generator = RandomGenerator(seed: 8)
        let x = Tensor.normal([3, t, 2], using: &generator)
        let lengths = [4, 2, 3]
        let y = try model(x, lengths: lengths)
        let plain = try SequenceModel(embedding: nil, recurrent: model.recurrent, head: model.head)
        let base = try plain(x, lengths: lengths)
        let weight = model.parameters["skip.weight"]!, bias = model.parameters["skip.bias"]!
        #expect(weight.shape == [2, p * 2] && bias.shape == [2])
        var expected: [Double] = []  // [3, 2], row-major
        for b in 0..<3 {
            for o in 0..<2 {
                var sum = Double(base[b, o]) + Double(bias[o])
                for k in 0..<p where lengths[b] - p + k >= 0 {
                    for d in 0..<2 { sum += Double(weight[o, k * 2 + d]) * Double(x[b, lengths[b] - p + k, d]) }
                }
                expected.append(sum)
            }
        }
        #expect(y.shape == [3, 2] && mismatch(y, expected, absolute: 1e-5) == nil)
        #expect(try plain.withSkip(steps: p)(x, lengths: lengths) == base)
        #expect(model.parameters.names.suffix(2) == ["skip.weight", "skip.bias"])
    }

    /// skip.weight and skip.bias and the head record's skip_steps survive a
    /// model file; a file without a skip loads without one; a skip without
    /// skip_steps, or of the wrong shape, is refused naming the tensor.
    @Test func roundTripsThroughAModelFile() throws {
        let model = try model(steps: 3)
        let data = try ModelFile(sequenceModel: model).serialized()
        let loaded = try ModelFile(data: data, name: "skip.safetensors").sequenceModel(name: "skip.safetensors")
        #expect(loaded.skip?.steps == 3)
        #expect(loaded.parameters.names == model.parameters.names)
        for (name, tensor) in model.parameters { #expect(loaded.parameters[name] == tensor, "\(name)") }

        let plain = try SequenceModel(embedding: nil, recurrent: model.recurrent, head: model.head)
        let old = try ModelFile(sequenceModel: plain)
        #expect(old.metadata["head"]?.contains("skip") == false)
        #expect(try ModelFile(data: try old.serialized(), name: "old").sequenceModel(name: "old").skip == nil)

        var stray = old
        stray.tensors["skip.weight"] = model.parameters["skip.weight"]!
        #expect(throws: SafetensorsError.self) { try stray.sequenceModel(name: "stray") }
        var wrong = try ModelFile(sequenceModel: model)
        wrong.tensors["skip.weight"] = Tensor.zeros([2, 5])
        #expect(throws: SafetensorsError.self) { try wrong.sequenceModel(name: "wrong") }
    }

    /// Truncated backpropagation trains through its last window only: a
    /// skip longer than that window (T − (T − 1)/k·k steps) is refused.
    @Test func truncationShorterThanTheSkipIsRefused() throws {
        var generator = RandomGenerator(seed: 6)
        let batch = try SequenceBatch(
            input: Tensor.normal([4, 10, 2], using: &generator), lengths: nil,
            targets: Tensor.normal([4, 2], using: &generator))
        var trainer = try SequenceTrainer(
            model: try model(steps: 3), optimizer: try Adam(learningRate: 0.01), loss: .meanSquaredError)
        #expect(throws: RecurrentError.self) { try trainer.trainStep(batch, truncation: 4) }  // last window: 2 steps
        #expect(throws: RecurrentError.self) { try trainer.trainStep(batch, truncation: 3) }  // 1 step
        #expect(try trainer.trainStep(batch, truncation: 5).loss.isFinite)  // 5 steps
    }

    /// A skip needs numeric input and a many-to-one head.
    @Test func refusesAManyToManyHead() throws {
        let model = try SequenceModel(input: .features(2), cell: .gru, hiddenSize: 3, outputSize: 2, pooling: .everyStep, seed: 1)
        #expect(throws: RecurrentError.self) { try model.withSkip(steps: 2) }
        #expect(throws: (any Error).self) { try LinearSkip(steps: 0, features: 1, outputSize: 1) }
    }

    /// On y = 0.02·t + sin(2πt/12) + noise, windows of 12 forecasting the
    /// next step, trained on the first 70% and tested on the last 30% (beyond
    /// the training range: the trend must be extrapolated), the same LSTM
    /// with a skip has a lower test RMSE than without after the same 60 steps.
    @Test func skipBeatsThePlainHeadOnATrendingSeasonalSeries() throws {
        var generator = RandomGenerator(seed: 21)
        let n = 300
        let noise = Tensor.normal([n], using: &generator)
        let series = (0..<n).map { t in
            Float(0.02 * Double(t) + sin(2 * Double.pi * Double(t) / 12)) + 0.1 * noise[t]
        }
        // Scaled by the training part's mean and standard deviation, as the CLI does.
        let trainEnd = 210
        let mean = series[..<trainEnd].reduce(0, +) / Float(trainEnd)
        let sd = (series[..<trainEnd].map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(trainEnd)).squareRoot()
        let z = series.map { ($0 - mean) / sd }
        let window = 12
        func batch(_ ends: Range<Int>) throws -> SequenceBatch {
            let ends = Array(ends)  // each window is z[e − window ..< e], its target z[e]
            return try SequenceBatch(
                input: Tensor(shape: [ends.count, window, 1], scalars: ends.flatMap { z[($0 - window)..<$0] }),
                lengths: nil, targets: Tensor(shape: [ends.count, 1], scalars: ends.map { z[$0] }))
        }
        let train = try batch(window..<trainEnd), test = try batch(trainEnd..<n)
        func testRMSE(skip: Bool) throws -> Double {
            let plain = try SequenceModel(input: .features(1), cell: .lstm, hiddenSize: 8, outputSize: 1, pooling: .last, seed: 5)
            var trainer = try SequenceTrainer(
                model: try plain.withSkip(steps: skip ? window : nil), optimizer: try Adam(learningRate: 0.02),
                loss: .meanSquaredError, maxGradientNorm: 1, seed: 2)
            _ = try trainer.fit(train, options: FitOptions(steps: 60, batchSize: 32, seed: 3))
            let forecast = try trainer.model(test.input)
            let squares = zip(forecast.scalars, test.targets.scalars).map { Double(($0 - $1) * sd) * Double(($0 - $1) * sd) }
            return (squares.reduce(0, +) / Double(squares.count)).squareRoot()
        }
        let (withSkip, without) = (try testRMSE(skip: true), try testRMSE(skip: false))
        print("trend + season, test RMSE: with skip \(withSkip), without \(without)")
        #expect(withSkip < 0.8 * without, "with skip \(withSkip), without \(without)")
    }
}
