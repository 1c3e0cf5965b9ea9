import Foundation
import Recurrent
import Testing

/// Models made of layers: PyTorch names, backward through a stack, training
/// end to end, and a trainer that refuses to apply non-finite updates.
@Suite struct MLPTests {
    private func xorModel(_ generator: inout RandomGenerator) throws -> Sequential {
        Sequential(
            try Dense(inputSize: 2, outputSize: 8, generator: &generator),
            Activation.tanh,
            try Dense(inputSize: 8, outputSize: 1, generator: &generator))
    }

    @Test func sequentialNamesParametersAsPyTorch() throws {
        var generator = RandomGenerator(seed: 0)
        let model = try xorModel(&generator)
        // nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1)).state_dict()
        #expect(model.parameters.names == ["0.weight", "0.bias", "2.weight", "2.bias"])
        #expect(model.parameters.map(\.tensor.shape) == [[8, 2], [8], [1, 8], [1]])
        #expect(model.parameterCount == 33)
    }

    @Test func sequentialLoadsAStateDictAllOrNothing() throws {
        var generator = RandomGenerator(seed: 1)
        var model = try xorModel(&generator)
        let other = try xorModel(&generator)
        try model.loadParameters(other.parameters)
        #expect(model.parameters == other.parameters)
        var partial = other.parameters
        partial["2.bias"] = Tensor.zeros([2])
        #expect(throws: RecurrentError.parameterShapeMismatch(name: "2.bias", expected: [1], actual: [2])) {
            try model.loadParameters(partial)
        }
        #expect(model.parameters == other.parameters)
    }

    /// The stack's gradients against finite differences, as for a single
    /// Dense (see DenseTests: tolerance 1e-3 relative to Σ|gᵢvᵢ|), with a
    /// softmax head so that every kind of backward runs in one chain.
    @Test func sequentialBackwardMatchesFiniteDifferences() throws {
        var generator = RandomGenerator(seed: 2)
        let model = Sequential(
            try Dense(inputSize: 3, outputSize: 5, activation: .tanh, generator: &generator),
            try Dense(inputSize: 5, outputSize: 4, generator: &generator),
            Activation.sigmoid,
            try Dense(inputSize: 4, outputSize: 3, activation: .softmax, generator: &generator))
        let x = Tensor.normal([2, 4, 3], using: &generator)  // [B, T, D]
        let results = try GradientCheck.check(model, input: x, generator: &generator)
        #expect(results.map(\.name) == ["input", "0.weight", "0.bias", "1.weight", "1.bias", "3.weight", "3.bias"])
        for result in results { #expect(result.relativeError < 1e-3, "\(result)") }
    }

    /// XOR is not linearly separable: a hidden layer must learn it. Full-batch
    /// Adam, 300 steps. Bound: loss below 0.01, where one example on the wrong
    /// side of 0.5 alone would cost ln 2 / 4 ≈ 0.17; seeds 0–9 reach at most
    /// 7.3e-4.
    @Test func learnsXOR() throws {
        var generator = RandomGenerator(seed: 3)
        let inputs = Tensor(rows: [[0, 0], [0, 1], [1, 0], [1, 1]])
        let targets = Tensor(rows: [[0], [1], [1], [0]])
        var trainer = try Trainer(
            model: try xorModel(&generator), optimizer: try Adam(learningRate: 0.05),
            loss: .binaryCrossEntropyWithLogits, maxGradientNorm: 5)
        for _ in 0..<300 { _ = try trainer.trainStep(input: inputs, target: targets) }
        let loss = try trainer.evaluate(inputs: inputs, targets: targets)
        let probabilities = Activation.sigmoid.apply(try trainer.model(inputs)).scalars
        #expect(loss < 0.01, "loss \(loss)")
        #expect(probabilities[0] < 0.5 && probabilities[1] > 0.5 && probabilities[2] > 0.5 && probabilities[3] < 0.5,
                "probabilities \(probabilities)")
    }

    /// y = sin x on [−π, π] from 256 seeded samples, mini-batches of 32,
    /// Adam with warm-up and cosine decay. Always answering 0 gives an MSE of
    /// 0.5; the bound 2e-4 on a held-out grid of 101 points asks for a fit
    /// within about 0.014 RMS. Seeds 0–9 reach at most 3.4e-5.
    @Test func learnsASineRegression() throws {
        var generator = RandomGenerator(seed: 4)
        let x = Tensor.uniform([256, 1], low: -Float.pi, high: Float.pi, using: &generator)
        let y = x.map { Foundation.sin($0) }
        let model = Sequential(
            try Dense(inputSize: 1, outputSize: 32, activation: .tanh, generator: &generator),
            try Dense(inputSize: 32, outputSize: 32, activation: .tanh, generator: &generator),
            try Dense(inputSize: 32, outputSize: 1, generator: &generator))
        let epochs = 150, stepsPerEpoch = 8
        var trainer = try Trainer(
            model: model, optimizer: try Adam(learningRate: 0.01), loss: .meanSquaredError,
            schedule: try .cosine(steps: epochs * stepsPerEpoch - 40).afterWarmup(steps: 40))
        for _ in 0..<epochs {
            _ = try trainer.trainEpoch(inputs: x, targets: y, batchSize: 32, generator: &generator)
        }
        let grid = Tensor(shape: [101, 1], scalars: (0...100).map { -Float.pi + 2 * Float.pi * Float($0) / 100 })
        let testError = try trainer.evaluate(inputs: grid, targets: grid.map { Foundation.sin($0) })
        #expect(testError < 2e-4, "test MSE \(testError)")
    }

    @Test func sameSeedTrainsToTheSameBits() throws {
        func train() throws -> NamedTensors {
            var generator = RandomGenerator(seed: 5)
            let x = Tensor.normal([40, 2], using: &generator)
            let y = x.sum(alongAxis: 1).reshaped([40, 1])
            var trainer = try Trainer(
                model: try xorModel(&generator), optimizer: try SGD(learningRate: 0.05, momentum: 0.9),
                loss: try .huber(delta: 1), maxGradientNorm: 1)
            for _ in 0..<3 { _ = try trainer.trainEpoch(inputs: x, targets: y, batchSize: 8, generator: &generator) }
            return trainer.model.parameters
        }
        #expect(try train() == train())
    }

    @Test func nonFiniteLossOrGradientStopsBeforeTheUpdate() throws {
        var generator = RandomGenerator(seed: 6)
        let model = try xorModel(&generator)
        var trainer = try Trainer(model: model, optimizer: try Adam(), loss: .meanSquaredError)
        #expect(throws: RecurrentError.nonFinite(step: 1, what: "the loss")) {
            try trainer.trainStep(input: Tensor(rows: [[.nan, 0]]), target: Tensor(rows: [[1]]))
        }
        #expect(throws: RecurrentError.nonFinite(step: 1, what: "the gradient of 0.weight")) {
            try trainer.trainStep(input: Tensor(rows: [[.infinity, 0]]), target: Tensor(rows: [[1]]), weights: Tensor([0]))
        }
        #expect(trainer.model.parameters == model.parameters)
        #expect(trainer.step == 0)
        #expect(RecurrentError.nonFinite(step: 7, what: "the loss").description
                == "non-finite value in the loss at step 7; the update was not applied")
    }

    @Test func badTrainingArgumentsThrow() throws {
        var generator = RandomGenerator(seed: 7)
        let model = try xorModel(&generator)
        #expect(throws: RecurrentError.invalidArgument(name: "maxGradientNorm", value: "-1.0", reason: "must be finite and > 0")) {
            _ = try Trainer(model: model, optimizer: try SGD(learningRate: 0.1), loss: .meanSquaredError, maxGradientNorm: -1)
        }
        var trainer = try Trainer(model: model, optimizer: try SGD(learningRate: 0.1), loss: .meanSquaredError)
        #expect(throws: RecurrentError.invalidArgument(name: "batchSize", value: "0", reason: "must be ≥ 1")) {
            _ = try trainer.trainEpoch(inputs: Tensor.zeros([4, 2]), targets: Tensor.zeros([4, 1]), batchSize: 0, generator: &generator)
        }
    }
}
