import Foundation
import Recurrent
import RecurrentTestSupport
import Testing

/// RevIN and the linear skip reading only the leading features of each
/// step, so that the 0/1 columns of a one-hot series identity after them
/// stay as they are (gradients in ``SequenceModelTests``).
@Suite struct IdentityColumnsTests {
    /// The network behind RevIN of 1 of 3 features reads x̂ of column 0,
    /// computed here, and columns 1 and 2 unchanged: its hidden states are
    /// those of the same network without RevIN on that input.
    @Test func normalisationPassesTheColumnsAfterItsFeaturesThrough() throws {
        var generator = RandomGenerator(seed: 21)
        let plain = try SequenceModel(
            input: .features(3), cell: .gru, hiddenSize: 3, outputSize: 2, pooling: .last, generator: &generator)
        let model = try plain.withInstanceNormalization(outputChannels: [0, 0], features: 1)
        #expect(model.input == .features(3))
        let x = Tensor.normal([2, 5, 3], using: &generator).map { $0 * 2 + 3 }
        let lengths = [5, 3]
        var expected = x
        for b in 0..<2 {
            let values = (0..<lengths[b]).map { Double(x[b, $0, 0]) }
            let mu = values.reduce(0, +) / Double(values.count)
            let sigma = (values.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(values.count) + 1e-5).squareRoot()
            for t in 0..<5 { expected[b, t, 0] = t < lengths[b] ? Float((Double(x[b, t, 0]) - mu) / sigma) : 0 }
        }
        let h = try model.hiddenStates(x, lengths: lengths)
        #expect(mismatch(h, try plain.hiddenStates(expected, lengths: lengths), absolute: 1e-5) == nil)
    }

    /// The skip's output on [B, T, 3] reading 2 features equals the same
    /// weights on the first 2 features alone.
    @Test func skipReadsTheLeadingFeaturesOnly() throws {
        var generator = RandomGenerator(seed: 22)
        let dense = try Dense(weight: Tensor.normal([2, 3 * 2], using: &generator), bias: Tensor.normal([2], using: &generator))
        let skip = try LinearSkip(steps: 3, features: 2, dense: dense)
        let x = Tensor.normal([2, 4, 3], using: &generator)
        let leading = Tensor(shape: [2, 4, 2], scalars: (0..<8).flatMap { [x.scalars[3 * $0], x.scalars[3 * $0 + 1]] })
        #expect(try skip(x, lengths: [4, 2]) == (try skip(leading, lengths: [4, 2])))
        let model = try SequenceModel(
            input: .features(3), cell: .lstm, hiddenSize: 2, outputSize: 2, pooling: .last, generator: &generator
        ).withSkip(steps: 3, features: 2).withInstanceNormalization(outputChannels: [0, 1], features: 2)
        let loaded = try ModelFile(data: try ModelFile(sequenceModel: model).serialized(), name: "m").sequenceModel(name: "m")
        #expect(loaded.skip?.features == 2 && loaded.instanceNormalization?.features == 2 && loaded.input == .features(3))
        #expect(try loaded(x) == (try model(x)))
    }
}
