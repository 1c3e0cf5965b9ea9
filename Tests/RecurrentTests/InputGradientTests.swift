import Foundation
import Recurrent
import RecurrentTestSupport
import Testing

/// `backward(…, inputGradient: false)`, which training uses: the first
/// layer then skips its product dx = dG·W_ih. Every parameter's gradient and
/// the initial state's must keep their bits (they are checked against finite
/// differences and PyTorch with the input gradient on), and no input
/// gradient is returned.
@Suite struct InputGradientTests {
    static func same(_ a: NamedTensors, _ b: NamedTensors) -> Bool {
        a.names == b.names && a.names.allSatisfy { a[$0]!.scalars.map(\.bitPattern) == b[$0]!.scalars.map(\.bitPattern) }
    }

    @Test(arguments: [
        FutureCovariatesTests.Config(cell: .lstm),
        FutureCovariatesTests.Config(cell: .gru, headSteps: 3, skip: 2),
        FutureCovariatesTests.Config(cell: .lstm, layers: 2, encoderDecoder: true),
        FutureCovariatesTests.Config(
            cell: .elman(.tanh), encoderDecoder: true, covariates: [2], skip: 3, revin: [0, 0, 0, 0, 0, 0]),
        FutureCovariatesTests.Config(cell: .lstm, encoderDecoder: true, covariates: [1], quantiles: [0.2, 0.8]),
    ])
    func modelGradientsKeepTheirBits(config: FutureCovariatesTests.Config) throws {
        var generator = RandomGenerator(seed: 21)
        let model = try FutureCovariatesTests.model(config, generator: &generator)
        let steps = FutureCovariatesTests.window + (config.covariates.isEmpty ? 0 : FutureCovariatesTests.horizon)
        let input = Tensor.normal([3, steps, FutureCovariatesTests.features], using: &generator)
        var unused = RandomGenerator(seed: 0)
        let (y, _, cache) = try model.forward(input, generator: &unused)
        let dy = Tensor.normal(y.shape, using: &generator)
        let full = model.backward(dy, cache: cache)
        let lean = model.backward(dy, cache: cache, inputGradient: false)
        #expect(full.dInput?.shape == input.shape)
        #expect(lean.dInput == nil)
        #expect(Self.same(full.gradients, lean.gradients))
        #expect(full.dInitialState == lean.dInitialState)
    }

    @Test("RevIN's learned level keeps its gradients (they come from ∂loss/∂y, not from the input's)")
    func levelPathGradients() throws {
        var generator = RandomGenerator(seed: 24)
        var model = try SequenceModel(
            input: .features(2), cell: .lstm, hiddenSize: 4, outputSize: 3, pooling: .last, generator: &generator
        ).withSkip(steps: 2).withInstanceNormalization(outputChannels: [0, 0, 1], levelPath: true)
        model.updateParameters { name, tensor in
            if name.hasPrefix("revin.") || name.hasPrefix("skip.") { tensor = Tensor.normal(tensor.shape, using: &generator) }
        }
        let x = Tensor.normal([3, 5, 2], using: &generator).map { $0 * 2 + 5 }
        var unused = RandomGenerator(seed: 0)
        let (y, _, cache) = try model.forward(x, generator: &unused)
        let dy = Tensor.normal(y.shape, using: &generator)
        let (full, lean) = (model.backward(dy, cache: cache), model.backward(dy, cache: cache, inputGradient: false))
        #expect(lean.gradients.names.contains("revin.level.weight") && lean.gradients.names.contains("revin.level.bias"))
        #expect(Self.same(full.gradients, lean.gradients))
    }

    @Test("a token model's embedding still gets its gradient")
    func embeddingGradient() throws {
        var generator = RandomGenerator(seed: 22)
        let model = try SequenceModel(
            input: .tokens(vocabularySize: 7), cell: .gru, hiddenSize: 5, outputSize: 7, pooling: .everyStep,
            generator: &generator)
        let ids = Tensor(shape: [2, 4], scalars: [0, 3, 6, 1, 2, 2, 5, 4])
        var unused = RandomGenerator(seed: 0)
        let (y, _, cache) = try model.forward(ids, generator: &unused)
        let dy = Tensor.normal(y.shape, using: &generator)
        let (full, lean) = (model.backward(dy, cache: cache), model.backward(dy, cache: cache, inputGradient: false))
        #expect(lean.gradients.names.contains { $0.hasPrefix("embedding.") })
        #expect(Self.same(full.gradients, lean.gradients))
    }

    @Test("a layer's gradients keep their bits: two layers, both directions, fp32 and bf16", arguments: [false, true])
    func layerGradientsKeepTheirBits(bf16: Bool) throws {
        var generator = RandomGenerator(seed: 23)
        var layer = try RecurrentLayer(
            cell: .lstm, inputSize: 3, hiddenSize: 6, layers: 2, bidirectional: true, generator: &generator)
        if bf16 { layer.precision = .bf16 }
        let x = Tensor.normal([4, 5, 3], using: &generator)
        let (y, _, cache) = try layer.forward(x, generator: &generator)
        let dy = Tensor.normal(y.shape, using: &generator)
        let full = layer.backward(dy, cache: cache)
        let lean = layer.backward(dy, cache: cache, inputGradient: false)
        #expect(full.dInput.shape == x.shape && lean.dInput.shape == [0])
        #expect(Self.same(full.gradients, lean.gradients))
        #expect(full.dInitialState == lean.dInitialState)
        #expect(full.dInput.scalars.contains { $0 != 0 })  // the other one computes it
    }
}
