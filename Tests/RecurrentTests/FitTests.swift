import Foundation
import Recurrent
import RecurrentTestSupport
import Testing

/// `fit`: the epochs it runs, the best weights it keeps under patience, what
/// its callbacks see and stop, checkpoints that resume bit for bit, and the
/// files it refuses to overwrite.
@Suite struct FitTests {
    /// 40 sequences of 5 steps whose target is the sum of the first feature,
    /// ragged, and 12 for validation.
    private func data(seed: UInt64 = 5) throws -> (train: SequenceBatch, validation: SequenceBatch) {
        var generator = RandomGenerator(seed: seed)
        func batch(_ n: Int) throws -> SequenceBatch {
            let input = Tensor.normal([n, 5, 2], using: &generator)
            let lengths = (0..<n).map { 2 + $0 % 4 }
            let sums = (0..<n).map { b in (0..<lengths[b]).reduce(Float(0)) { $0 + input.scalars[(b * 5 + $1) * 2] } }
            return try SequenceBatch(input: input, lengths: lengths, targets: Tensor(shape: [n, 1], scalars: sums))
        }
        return (try batch(40), try batch(12))
    }

    private func trainer(dropout: Float = 0) throws -> SequenceTrainer<Adam> {
        let model = try SequenceModel(
            input: .features(2), cell: .gru, hiddenSize: 6, layers: dropout > 0 ? 2 : 1, dropout: dropout,
            outputSize: 1, pooling: .last, seed: 3)
        return try SequenceTrainer(
            model: model, optimizer: try Adam(learningRate: 0.02), loss: .meanSquaredError, maxGradientNorm: 1,
            seed: 9)
    }

    private func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("FitTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    private func bits(_ model: SequenceModel) -> [[UInt32]] { model.parameters.map { $0.tensor.scalars.map(\.bitPattern) } }

    /// Records every call, in order.
    private final class Recorder: FitCallback {
        var calls: [String] = []
        var steps: [StepSummary] = []
        func fitWillStart(_ plan: FitPlan) { calls.append("start \(plan.epochs)×\(plan.stepsPerEpoch)") }
        func stepDidEnd(_ step: StepSummary) -> FitControl {
            steps.append(step)
            return .proceed
        }
        func epochDidEnd(_ epoch: EpochSummary) -> FitControl {
            calls.append("epoch \(epoch.epoch)")
            return .proceed
        }
        func fitDidEnd(_ history: History) { calls.append("end \(history.epochs.count)") }
    }

    @Test func epochsBatchesAndCallbacksAreWhatTheOptionsSay() throws {
        let (train, validation) = try data()
        var trainer = try trainer()
        let recorder = Recorder()
        let history = try trainer.fit(
            train, validation: validation, options: FitOptions(epochs: 3, batchSize: 16), callbacks: [recorder])
        // 40 rows in batches of 16: 3 batches per epoch, the last of 8.
        #expect(recorder.calls == ["start 3×3", "epoch 1", "epoch 2", "epoch 3", "end 3"])
        #expect(recorder.steps.count == 9 && trainer.step == 9)
        #expect(recorder.steps.map(\.batch) == [1, 2, 3, 1, 2, 3, 1, 2, 3])
        #expect(history.epochs.map(\.steps) == [3, 3, 3] && history.epochs.map(\.updates) == [3, 3, 3])
        #expect(history.stop == .completed && history.modelEpoch == 3)
        // The epoch's loss is the row-weighted mean of its batches' losses.
        let first = recorder.steps.prefix(3).map { Double($0.loss) }
        let expected = (first[0] * 16 + first[1] * 16 + first[2] * 8) / 40
        #expect(abs(history.epochs[0].trainLoss - expected) < 1e-12)
        // The validation loss is the trained model's, measured independently.
        let measured = try trainer.evaluate(validation)
        #expect(abs(history.epochs[2].validationLoss! - Double(measured)) < 1e-5)
        #expect(history.trainLosses.last! < history.trainLosses.first!)
    }

    @Test func stepsStopPartWayThroughAnEpoch() throws {
        let (train, _) = try data()
        var trainer = try trainer()
        let history = try trainer.fit(train, options: FitOptions(steps: 7, batchSize: 16))
        #expect(trainer.step == 7 && history.epochs.map(\.steps) == [3, 3, 1])
        #expect(history.epochs.allSatisfy { $0.validationLoss == nil } && history.bestEpoch == nil)
    }

    /// With patience, the run stops once the validation loss has not improved
    /// for that many epochs, and the model holds the best epoch's weights.
    @Test func patienceKeepsTheBestEpochsWeights() throws {
        let (train, validation) = try data()
        var trainer = try SequenceTrainer(
            model: try SequenceModel(input: .features(2), cell: .lstm, hiddenSize: 6, outputSize: 1, pooling: .last, seed: 1),
            optimizer: try SGD(learningRate: 0.9), loss: .meanSquaredError)  // too fast: the loss wanders
        let history = try trainer.fit(
            train, validation: validation, options: FitOptions(epochs: 40, batchSize: 8, patience: 2))
        let losses = history.validationLosses
        let best = losses.indices.min { losses[$0] < losses[$1] }!
        #expect(history.bestEpoch == best + 1 && history.modelEpoch == best + 1)
        if history.stop == .earlyStopping { #expect(losses.count - 1 - best == 2) }
        // The model now scores the best epoch's validation loss.
        #expect(mismatch(try trainer.evaluate(validation), losses[best], absolute: 1e-5, relative: 1e-5) == nil)
    }

    @Test func aCallbackStopsTheRun() throws {
        let (train, validation) = try data()
        var trainer = try trainer()
        let history = try trainer.fit(
            train, validation: validation, options: FitOptions(epochs: 10, batchSize: 16),
            callbacks: [StopWhen { $0.epoch == 2 }])
        #expect(history.stop == .callback && history.epochs.count == 2 && trainer.step == 6)
    }

    /// A run stopped mid-epoch by a callback and resumed from its checkpoint
    /// ends with the bits of a run never stopped, dropout and patience included.
    @Test(arguments: [2, 4, 7]) func aResumedRunEqualsAnUninterruptedOne(stopAfter: Int) throws {
        let (train, validation) = try data()
        let options = FitOptions(epochs: 4, batchSize: 16, patience: 3, seed: 11)
        var whole = try trainer(dropout: 0.3)
        let wholeHistory = try whole.fit(train, validation: validation, options: options)

        final class StopAfter: FitCallback {
            let count: Int
            var seen = 0
            init(_ count: Int) { self.count = count }
            func stepDidEnd(_ step: StepSummary) -> FitControl {
                seen += 1
                return seen >= count ? .stop : .proceed
            }
        }
        let url = try folder().appendingPathComponent("run.checkpoint")
        var checkpointed = options
        checkpointed.checkpoint = FitCheckpoint(url: url, every: 1, fingerprint: ["model": "gru"])
        var first = try trainer(dropout: 0.3)
        let stopped = try first.fit(train, validation: validation, options: checkpointed, callbacks: [StopAfter(stopAfter)])
        #expect(stopped.stop == .callback && first.step == stopAfter)

        checkpointed.checkpoint?.resume = true
        var second = try SequenceTrainer(
            model: try SequenceModel(
                input: .features(2), cell: .gru, hiddenSize: 6, layers: 2, dropout: 0.3, outputSize: 1,
                pooling: .last, seed: 99),
            optimizer: try Adam(learningRate: 0.02), loss: .meanSquaredError, maxGradientNorm: 1, seed: 1)
        let resumed = try second.fit(train, validation: validation, options: checkpointed)
        #expect(bits(second.model) == bits(whole.model))
        #expect(resumed.epochs.map(\.validationLoss) == wholeHistory.epochs.map(\.validationLoss))
        #expect(resumed.modelEpoch == wholeHistory.modelEpoch && second.step == whole.step)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path)
        #expect(leftovers == ["run.checkpoint"])

        // Another run's options, another run's data, or a fresh run over the file: refused by name.
        var other = checkpointed
        other.checkpoint?.fingerprint = ["model": "lstm"]
        var third = try trainer(dropout: 0.3)
        let message = String(describing: #expect(throws: RecurrentError.self) {
            try third.fit(train, validation: validation, options: other)
        }!)
        #expect(message.contains("model gru; this run has lstm"), "\(message)")
        #expect(throws: RecurrentError.self) { try third.fit(validation, validation: train, options: checkpointed) }
        var fresh = checkpointed
        fresh.checkpoint?.resume = false
        let before = try Data(contentsOf: url)
        #expect(throws: RecurrentError.self) { try third.fit(train, validation: validation, options: fresh) }
        #expect(try Data(contentsOf: url) == before)
        fresh.checkpoint?.overwrite = true
        try third.fit(train, validation: validation, options: fresh)
        #expect(try Data(contentsOf: url) != before)
    }

    @Test func badOptionsAreNamed() throws {
        let (train, validation) = try data()
        var trainer = try trainer()
        for (options, name) in [
            (FitOptions(epochs: 0), "epochs"), (FitOptions(batchSize: 0), "batchSize"),
            (FitOptions(steps: 0), "steps"), (FitOptions(patience: 0), "patience"),
        ] {
            let error = #expect(throws: RecurrentError.self) { try trainer.fit(train, validation: validation, options: options) }
            #expect(String(describing: error!).contains(name))
        }
        // Patience with nothing to watch.
        #expect(throws: RecurrentError.self) { try trainer.fit(train, options: FitOptions(patience: 2)) }
        #expect(trainer.step == 0)
    }

    @Test func aNonFiniteValidationLossStopsTheRunNamingIt() throws {
        let (train, validation) = try data()
        var poisoned = validation
        poisoned.targets = Tensor(shape: poisoned.targets.shape, scalars: poisoned.targets.scalars.map { _ in .infinity })
        var trainer = try trainer()
        let error = #expect(throws: RecurrentError.self) {
            try trainer.fit(train, validation: poisoned, options: FitOptions(epochs: 2, batchSize: 16))
        }
        #expect(String(describing: error!).contains("validation loss of epoch 1"))
    }

    /// The MLP baseline (any ``Layer``) trains through the same `fit`.
    @Test func aTrainerOverTensorsFitsToo() throws {
        var generator = RandomGenerator(seed: 2)
        let x = Tensor.normal([64, 3], using: &generator)
        let y = Tensor(shape: [64, 1], scalars: (0..<64).map { x.scalars[$0 * 3] - 2 * x.scalars[$0 * 3 + 2] })
        let model = Sequential(
            try Dense(inputSize: 3, outputSize: 8, activation: .tanh, generator: &generator),
            try Dense(inputSize: 8, outputSize: 1, generator: &generator))
        var trainer = try Trainer(model: model, optimizer: try Adam(learningRate: 0.02), loss: .meanSquaredError)
        let data = try TensorDataset(inputs: x, targets: y)
        let history = try trainer.fit(data, validation: data, options: FitOptions(epochs: 30, batchSize: 16))
        #expect(history.epochs.count == 30 && trainer.step == 120)
        #expect(history.validationLosses.last! < 0.1 * history.validationLosses.first!)
        #expect(throws: RecurrentError.self) { try TensorDataset(inputs: x, targets: Tensor.zeros([3, 1])) }
    }
}
