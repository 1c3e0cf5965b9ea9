import Recurrent
import Testing

/// `SequenceTrainer.trainStep(_:truncation:)`: windows of k steps, the state
/// carried between them without gradient, one update per window.
@Suite struct TruncatedTrainingTests {
    static func model(pooling: SequencePooling, seed: UInt64 = 5) throws -> SequenceModel {
        var generator = RandomGenerator(seed: seed)
        return try SequenceModel(
            input: .features(3), cell: .gru, hiddenSize: 5, outputSize: 2, pooling: pooling, generator: &generator)
    }

    static func batch(steps: Int, manyToMany: Bool) -> SequenceBatch {
        var generator = RandomGenerator(seed: 9)
        let input = Tensor.normal([4, steps, 3], using: &generator)
        let targets = Tensor.normal(manyToMany ? [4, steps, 2] : [4, 2], using: &generator)
        return try! SequenceBatch(input: input, targets: targets)
    }

    @Test func aWindowAsLongAsTheSequenceIsOrdinaryBackpropagation() throws {
        for pooling in [SequencePooling.everyStep, .last] {
            let batch = Self.batch(steps: 7, manyToMany: pooling == .everyStep)
            for window in [7, 9] {
                var a = try SequenceTrainer(
                    model: Self.model(pooling: pooling), optimizer: try Adam(), loss: .meanSquaredError)
                var b = a
                let ra = try a.trainStep(batch, truncation: window)
                let rb = try b.trainStep(batch)
                #expect(ra.loss == rb.loss && a.model.parameters == b.model.parameters && a.step == 1, "k = \(window)")
            }
        }
    }

    /// The reference, built from the model's public forward and backward: each
    /// window starts from the previous window's final state (a constant), its
    /// own loss, one SGD update.
    @Test func manyToManyUpdatesOncePerWindowFromTheCarriedState() throws {
        let batch = Self.batch(steps: 7, manyToMany: true)
        let rate: Float = 0.1
        var trainer = try SequenceTrainer(
            model: Self.model(pooling: .everyStep), optimizer: try SGD(learningRate: rate), loss: .meanSquaredError)
        var reference = trainer.model
        let result = try trainer.trainStep(batch, truncation: 3)
        #expect(trainer.step == 3)  // windows 0..<3, 3..<6, 6..<7

        var state: RecurrentState?
        var total = 0.0
        var unused = RandomGenerator(seed: 0)
        for range in [0..<3, 3..<6, 6..<7] {
            let (output, next, cache) = try reference.forward(
                batch.input.timeSlice(range), initialState: state, generator: &unused)
            let loss = Loss.meanSquaredError(output, target: batch.targets.timeSlice(range))
            total += Double(loss.value) * Double(range.count)
            let (_, _, gradients) = reference.backward(loss.gradient, cache: cache)
            var sgd = try SGD(learningRate: rate)
            sgd.step(&reference, gradients: gradients)
            state = next
        }
        #expect(trainer.model.parameters == reference.parameters)
        #expect(abs(Double(result.loss) - total / 7) < 1e-6)
    }

    @Test func manyToOneWarmsUpThenUpdatesOnTheLastWindow() throws {
        let batch = Self.batch(steps: 8, manyToMany: false)
        var trainer = try SequenceTrainer(
            model: Self.model(pooling: .last), optimizer: try SGD(learningRate: 0.1), loss: .meanSquaredError)
        var reference = trainer.model
        _ = try trainer.trainStep(batch, truncation: 3)
        #expect(trainer.step == 1)

        var unused = RandomGenerator(seed: 0)
        var state = try reference.forward(batch.input.timeSlice(0..<3), generator: &unused).state
        state = try reference.forward(batch.input.timeSlice(3..<6), initialState: state, generator: &unused).state
        let (output, _, cache) = try reference.forward(
            batch.input.timeSlice(6..<8), initialState: state, generator: &unused)
        let loss = Loss.meanSquaredError(output, target: batch.targets)
        var sgd = try SGD(learningRate: 0.1)
        sgd.step(&reference, gradients: reference.backward(loss.gradient, cache: cache).gradients)
        #expect(trainer.model.parameters == reference.parameters)
    }

    @Test func raggedBatchesAndBadWindowsAreRefused() throws {
        var trainer = try SequenceTrainer(
            model: Self.model(pooling: .everyStep), optimizer: try Adam(), loss: .meanSquaredError)
        var generator = RandomGenerator(seed: 1)
        let ragged = try SequenceBatch(
            input: Tensor.normal([2, 6, 3], using: &generator), lengths: [6, 4],
            targets: Tensor.normal([2, 6, 2], using: &generator))
        #expect(throws: RecurrentError.self) { try trainer.trainStep(ragged, truncation: 2) }
        #expect(throws: RecurrentError.self) {
            try trainer.trainStep(Self.batch(steps: 6, manyToMany: true), truncation: 0)
        }
        #expect(trainer.step == 0)
        // A mean or max over the sequence cannot be trained on its last window alone.
        var pooled = try SequenceTrainer(
            model: Self.model(pooling: .mean), optimizer: try Adam(), loss: .meanSquaredError)
        #expect(throws: RecurrentError.self) {
            try pooled.trainStep(Self.batch(steps: 6, manyToMany: false), truncation: 2)
        }
    }
}
