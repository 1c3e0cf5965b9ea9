import Foundation
import Recurrent
import RecurrentTestSupport
import Testing

/// Known-future covariates (``FutureCovariates``) read by the direct head,
/// the per-step head and the encoder–decoder: outputs computed by hand,
/// gradients against finite differences, a model file round trip, refusals,
/// and a learning test where the covariates carry what the past cannot.
@Suite struct FutureCovariatesTests {
    struct Config: CustomTestStringConvertible, Sendable {
        var cell: Cell
        var layers = 1
        var headSteps = 1
        var encoderDecoder = false
        var covariates = [1, 2]
        var skip: Int?
        var revin: [Int]?
        var quantiles: [Float]?
        var testDescription: String {
            "\(cell) layers \(layers) \(encoderDecoder ? "encoder-decoder" : headSteps > 1 ? "per-step" : "direct") "
                + "covariates \(covariates)\(skip.map { " skip \($0)" } ?? "")\(revin.map { " revin \($0)" } ?? "")"
                + (quantiles.map { " quantiles \($0)" } ?? "")
        }
    }

    static let (window, horizon, features) = (4, 3, 3)

    static func model(_ config: Config, outputsPerStep: Int = 2, generator: inout RandomGenerator) throws -> SequenceModel {
        let outputs = horizon * outputsPerStep
        var model = try SequenceModel(
            input: .features(features), cell: config.cell, hiddenSize: 4, layers: config.layers, outputSize: outputs,
            pooling: .last, headSteps: config.headSteps, generator: &generator)
        if let quantiles = config.quantiles {
            model = try SequenceModel(
                input: .features(features), cell: config.cell, hiddenSize: 4, layers: config.layers,
                outputSize: outputs * quantiles.count, pooling: .last, headSteps: config.headSteps, generator: &generator
            ).withDistribution(try ForecastDistribution(quantiles: quantiles))
        }
        return try model.withFutureCovariates(
            try FutureCovariates(steps: horizon, featureIndices: config.covariates),
            encoderDecoder: config.encoderDecoder, generator: &generator
        ).withSkip(steps: config.skip).withInstanceNormalization(outputChannels: config.revin)
    }

    /// f = Σ R ⊙ model(x) against the five-point difference along a random
    /// direction for every parameter (the decoder's included) and the packed
    /// input, whose unread future features have gradient 0 and do not move
    /// f either. h = 1e-2 and the bound 1e-3 of the scale as in
    /// ``SequenceModelTests``: a wrong covariate column or a decoder state
    /// gradient not reaching the encoder is an error of order 1.
    @Test(arguments: [
        Config(cell: .lstm),
        Config(cell: .gru, headSteps: 3, skip: 2),
        Config(cell: .lstm, layers: 2, encoderDecoder: true),
        Config(cell: .gru, encoderDecoder: true, covariates: []),
        Config(cell: .elman(.tanh), encoderDecoder: true, covariates: [2], skip: 3, revin: [0, 0, 0, 0, 0, 0]),
        Config(cell: .lstm, headSteps: 3, covariates: [0], quantiles: [0.1, 0.5, 0.9]),
        Config(cell: .lstm, encoderDecoder: true, covariates: [1], quantiles: [0.2, 0.8]),
    ])
    func backwardMatchesFiniteDifferences(config: Config) throws {
        var generator = RandomGenerator(seed: 7)
        var model = try Self.model(config, generator: &generator)
        model.updateParameters { name, tensor in
            if name.hasPrefix("skip.") { tensor = Tensor.normal(tensor.shape, using: &generator) }
        }
        let steps = Self.window + (config.covariates.isEmpty ? 0 : Self.horizon)  // no covariates: the window alone
        let input = Tensor.normal([3, steps, Self.features], using: &generator)
        func f(_ model: SequenceModel, _ input: Tensor) throws -> Double {
            var unused = RandomGenerator(seed: 0)
            return SequenceTestMath.dot(try model.forward(input, generator: &unused).output, r)
        }
        var unused = RandomGenerator(seed: 0)
        let (y, _, cache) = try model.forward(input, generator: &unused)
        #expect(y.shape == [3, model.head.outputSize])
        let r = Tensor.normal(y.shape, using: &generator)
        let (dInput, _, gradients) = model.backward(r, cache: cache)
        #expect(gradients.names == model.parameters.names)
        if config.encoderDecoder { #expect(model.parameters.names.contains("decoder.weight_hh_l0")) }
        let dx = try #require(dInput)
        // The future steps' features that are not covariates are not read.
        for j in Self.window..<steps {
            for d in 0..<Self.features where !config.covariates.contains(d) { #expect(dx[0, j, d] == 0) }
        }
        var results = [
            try GradientCheck.compare(
                "input", at: input, gradient: dx, direction: GradientCheck.direction(along: dx, using: &generator),
                step: 1e-2
            ) { try f(model, $0) }
        ]
        for (name, value) in model.parameters {
            let gradient = gradients[name]!
            results.append(
                try GradientCheck.compare(
                    name, at: value, gradient: gradient,
                    direction: GradientCheck.direction(along: gradient, using: &generator), step: 1e-2
                ) { moved in
                    var copy = model
                    copy.updateParameters { other, tensor in if other == name { tensor = moved } }
                    return try f(copy, input)
                })
        }
        for result in results { #expect(result.relativeError < 1e-3, "\(config) \(result)") }
    }

    /// The direct head is `W·[h_L ; vec(c)] + b` and the per-step head
    /// `W·[o_{L−h+j} ; c_j] + b`, element by element from the recurrent
    /// outputs of the window alone.
    @Test func headsReadTheCovariatesBesideTheRecurrentOutput() throws {
        for steps in [1, Self.horizon] {
            var generator = RandomGenerator(seed: 11)
            let model = try Self.model(Config(cell: .gru, headSteps: steps), generator: &generator)
            let x = Tensor.normal([2, Self.window + Self.horizon, Self.features], using: &generator)
            let y = try model(x)
            let window = x.timeSlice(0..<Self.window)
            let o = try model.recurrent(window).output  // [B, L, H]
            let w = model.parameters["head.weight"]!, bias = model.parameters["head.bias"]!
            var expected: [Double] = []
            for b in 0..<2 {
                if steps == 1 {
                    let row = (0..<4).map { Double(o[b, Self.window - 1, $0]) }
                        + (0..<Self.horizon).flatMap { j in [1, 2].map { Double(x[b, Self.window + j, $0]) } }
                    for p in 0..<(Self.horizon * 2) {
                        expected.append(Double(bias[p]) + row.enumerated().reduce(0) { $0 + Double(w[p, $1.offset]) * $1.element })
                    }
                } else {
                    for j in 0..<Self.horizon {
                        let row = (0..<4).map { Double(o[b, Self.window - Self.horizon + j, $0]) }
                            + [1, 2].map { Double(x[b, Self.window + j, $0]) }
                        for p in 0..<2 {
                            expected.append(
                                Double(bias[p]) + row.enumerated().reduce(0) { $0 + Double(w[p, $1.offset]) * $1.element })
                        }
                    }
                }
            }
            #expect(mismatch(y, expected, absolute: 1e-5) == nil, "steps \(steps)")
            #expect(w.shape == (steps == 1 ? [6, 4 + 3 * 2] : [2, 4 + 2]))
        }
    }

    /// The encoder–decoder runs the encoder over the window, then one layer
    /// of the same cell from the encoder's last layer's final state (h and
    /// c) over the covariates, and the shared Dense layer on each output.
    /// Changing a future value of a feature that is not a covariate changes
    /// nothing; changing a covariate at step j leaves the steps before j alone.
    @Test func encoderDecoderStartsTheDecoderFromTheEncodersFinalState() throws {
        var generator = RandomGenerator(seed: 5)
        let model = try Self.model(Config(cell: .lstm, layers: 2, encoderDecoder: true), generator: &generator)
        let decoder = try #require(model.decoder)
        #expect(decoder.cell == .lstm && decoder.hiddenSize == 4 && decoder.inputSize == 2 && decoder.layers == 1)
        let x = Tensor.normal([2, Self.window + Self.horizon, Self.features], using: &generator)
        let (_, state) = try model.recurrent(x.timeSlice(0..<Self.window))
        let start = RecurrentState(h: state.h.gatheringRows([1]), c: state.c!.gatheringRows([1]))
        var covariates = Tensor.zeros([2, Self.horizon, 2])
        for b in 0..<2 {
            for j in 0..<Self.horizon {
                for (i, d) in [1, 2].enumerated() { covariates[b, j, i] = x[b, Self.window + j, d] }
            }
        }
        let (o, _) = try decoder(covariates, initialState: start)  // [B, h, H]
        let w = model.parameters["head.weight"]!, bias = model.parameters["head.bias"]!
        var expected: [Double] = []
        for b in 0..<2 {
            for j in 0..<Self.horizon {
                for p in 0..<2 {
                    expected.append(Double(bias[p]) + (0..<4).reduce(0) { $0 + Double(w[p, $1]) * Double(o[b, j, $1]) })
                }
            }
        }
        let y = try model(x)
        #expect(mismatch(y, expected, absolute: 1e-5) == nil)

        var unread = x
        unread[0, Self.window + 1, 0] += 5
        #expect(try model(unread) == y)
        var moved = x
        moved[0, Self.window + 1, 2] += 1
        let after = try model(moved)
        #expect(after[0, 0] == y[0, 0] && after[0, 1] == y[0, 1])  // step 0 read no later covariate
        #expect(after[0, 2] != y[0, 2] && after[1, 2] == y[1, 2])
    }

    /// A model with covariates or a decoder survives a model file; a file
    /// without the keys loads a model without them; a decoder weight without
    /// the key is refused.
    @Test func roundTripsThroughAModelFile() throws {
        var generator = RandomGenerator(seed: 3)
        for config in [Config(cell: .gru, headSteps: 3), Config(cell: .lstm, layers: 2, encoderDecoder: true, covariates: [])] {
            let model = try Self.model(config, generator: &generator)
            let file = try ModelFile(sequenceModel: model)
            let loaded = try ModelFile(data: try file.serialized(), name: "m").sequenceModel(name: "m")
            #expect(loaded.future == model.future && (loaded.decoder == nil) == (model.decoder == nil))
            let x = Tensor.normal([2, Self.window + (config.covariates.isEmpty ? 0 : Self.horizon), Self.features], using: &generator)
            #expect(try loaded(x) == (try model(x)), "\(config)")
        }
        let plain = try SequenceModel(
            input: .features(3), cell: .lstm, hiddenSize: 3, outputSize: 6, pooling: .last, generator: &generator)
        let old = try ModelFile(sequenceModel: plain)
        #expect(old.metadata["head"]?.contains("future") == false)
        let reloaded = try ModelFile(data: try old.serialized(), name: "old").sequenceModel(name: "old")
        #expect(reloaded.future == nil && reloaded.decoder == nil)

        let encoderDecoder = try ModelFile(
            sequenceModel: try Self.model(Config(cell: .lstm, encoderDecoder: true), generator: &generator))
        var stray = encoderDecoder
        stray.metadata["head"] = encoderDecoder.metadata["head"]!.replacingOccurrences(of: "\"decoder\":true,", with: "")
        #expect(stray.metadata["head"] != encoderDecoder.metadata["head"])
        #expect(throws: SafetensorsError.self) { try stray.sequenceModel(name: "s") }
    }

    /// Covariates need numeric input into one direction and a many-to-one
    /// head; a per-step head reads all h steps; whole windows only.
    @Test func refusesWhatDoesNotFit() throws {
        var generator = RandomGenerator(seed: 2)
        let future = try FutureCovariates(steps: 3, featureIndices: [0])
        let bidirectional = try SequenceModel(
            input: .features(2), cell: .lstm, hiddenSize: 2, bidirectional: true, outputSize: 3, pooling: .last,
            generator: &generator)
        #expect(throws: RecurrentError.self) { _ = try bidirectional.withFutureCovariates(future, generator: &generator) }
        let tokens = try SequenceModel(
            input: .tokens(vocabularySize: 4), embeddingSize: 2, cell: .gru, hiddenSize: 2, outputSize: 3,
            pooling: .last, generator: &generator)
        #expect(throws: RecurrentError.self) { _ = try tokens.withFutureCovariates(future, generator: &generator) }
        let perStepOfTwo = try SequenceModel(
            input: .features(2), cell: .gru, hiddenSize: 2, outputSize: 4, pooling: .last, headSteps: 2,
            generator: &generator)
        #expect(throws: RecurrentError.self) { _ = try perStepOfTwo.withFutureCovariates(future, generator: &generator) }
        let direct = try SequenceModel(
            input: .features(2), cell: .gru, hiddenSize: 2, outputSize: 3, pooling: .last, generator: &generator)
        #expect(throws: RecurrentError.self) {
            _ = try direct.withFutureCovariates(try FutureCovariates(steps: 3, featureIndices: []), generator: &generator)
        }
        let model = try direct.withFutureCovariates(future, generator: &generator)
        #expect(throws: RecurrentError.self) { _ = try model(Tensor.zeros([2, 3, 2])) }  // no window before the future
        #expect(throws: RecurrentError.self) { _ = try model(Tensor.zeros([2, 6, 2]), lengths: [6, 5]) }
        #expect(throws: RecurrentError.self) { _ = try FutureCovariates(steps: 0, featureIndices: []) }
        #expect(throws: RecurrentError.self) { _ = try FutureCovariates(steps: 2, featureIndices: [1, 1]) }
    }

    /// A series whose level jumps on "holidays" known in advance:
    /// y_t = 0.5·sin(2πt/24) + 1.5·s_t + 0.05·ε, s_t = 1 on blocks of 4 steps
    /// drawn at random (probability 0.2 each), so no window's past tells
    /// whether its next 6 steps hold one. The direct head and the
    /// encoder–decoder reading s for the forecast steps both beat the direct
    /// head that sees s only in its past, on the test part, by a wide margin.
    @Test func knownFutureCovariatesBeatTheSameHeadWithoutThem() throws {
        let n = 720, h = 6
        var generator = RandomGenerator(seed: 4)
        let noise = Tensor.normal([n], using: &generator).scalars
        let blocks = (0..<(n / 4)).map { _ in generator.next(below: 5) == 0 ? 1.0 : 0.0 }
        let holiday = (0..<n).map { blocks[$0 / 4] }
        let y = (0..<n).map { t in 0.5 * sin(2 * Double.pi * Double(t) / 24) + 1.5 * holiday[t] + 0.05 * Double(noise[t]) }
        let columns = try NumericColumns(names: ["y", "holiday"], values: [y, holiday], source: "holidays")
        var options = SeriesOptions(features: ["y", "holiday"], targets: ["y"], window: 24, horizon: h)
        let without = try SeriesDataset(columns, options: options)
        options.futureFeatures = ["holiday"]
        let with = try SeriesDataset(columns, options: options)

        func testRMSE(_ model: SequenceModel, _ data: SeriesDataset) throws -> Double {
            var trainer = try SequenceTrainer(
                model: model, optimizer: try Adam(learningRate: 1e-2), loss: .meanSquaredError, maxGradientNorm: 1)
            try trainer.fit(
                data.train.batch, validation: data.validation.batch,
                options: FitOptions(epochs: 30, batchSize: 32, patience: 8, seed: 1))
            let forecast = try data.targetsInOriginalUnits(try trainer.model(data.test.modelInput))
            return try ForecastErrors(prediction: forecast, truth: data.test.targetsInOriginalUnits).rmse
        }
        let plain = try SequenceModel(
            input: .features(2), cell: .lstm, hiddenSize: 16, outputSize: h, pooling: .last, seed: 2)
        var draw = RandomGenerator(seed: 5)
        let future = try FutureCovariates(steps: h, featureIndices: [1])
        let direct = try plain.withFutureCovariates(future, generator: &draw)
        let encoderDecoder = try plain.withFutureCovariates(future, encoderDecoder: true, generator: &draw)
        let (blind, seeing, decoding) = (
            try testRMSE(plain, without), try testRMSE(direct, with), try testRMSE(encoderDecoder, with)
        )
        let figures = "without covariates \(blind), direct with \(seeing), encoder-decoder with \(decoding)"
        #expect(seeing < 0.6 * blind, "\(figures)")
        #expect(decoding < 0.6 * blind, "\(figures)")
    }
}
