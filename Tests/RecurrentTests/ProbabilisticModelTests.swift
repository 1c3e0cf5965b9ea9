import Foundation
import Recurrent
import RecurrentTestSupport
import Testing

/// A ``SequenceModel`` with a ``ForecastDistribution``: the map from raw
/// outputs by hand, quantiles that never cross for any weights, the way RevIN
/// and the linear skip act on them, gradients by finite differences, a model
/// file, ONNX's refusal, and a learning test whose 80% interval covers about
/// 80% of fresh points.
@Suite struct ProbabilisticModelTests {
    private static let levels: [Float] = [0.1, 0.5, 0.9]

    private func softplus(_ x: Double) -> Double { log1p(exp(x)) }

    /// A GRU forecaster of 2 steps with the distribution, optionally a skip (random weights) and RevIN.
    private func model(
        _ distribution: ForecastDistribution, skip: Int? = nil, revin: Bool = false, seed: UInt64 = 3
    ) throws -> SequenceModel {
        var generator = RandomGenerator(seed: seed)
        var model = try SequenceModel(
            input: .features(2), cell: .gru, hiddenSize: 4, outputSize: 2 * distribution.parametersPerOutput,
            pooling: .last, generator: &generator
        ).withDistribution(distribution).withSkip(steps: skip)
        if revin { model = try model.withInstanceNormalization(outputChannels: Array(repeating: 0, count: model.head.outputSize)) }
        model.updateParameters { name, tensor in
            if name.hasPrefix("skip.") { tensor = Tensor.normal(tensor.shape, using: &generator) }
        }
        return model
    }

    /// The map by hand: q_a = r_a, outward by softplus steps; the Gaussian's s = softplus(r_1) + 1e-3.
    /// The anchor is the level nearest 0.5.
    @Test func theMapFromRawOutputsByHand() throws {
        let quantiles = try ForecastDistribution(quantiles: [0.05, 0.25, 0.5, 0.9])
        #expect(quantiles.anchor == 2 && quantiles.parametersPerOutput == 4)
        let q = quantiles.parameters(fromRaw: Tensor(shape: [1, 4], scalars: [1, -2, 0.5, 3]))
        let expected = [0.5 - softplus(-2) - softplus(1), 0.5 - softplus(-2), 0.5, 0.5 + softplus(3)]
        #expect(mismatch(q, expected, relative: 1e-6) == nil)
        #expect(try ForecastDistribution(quantiles: [0.7, 0.9]).anchor == 0)
        #expect(try ForecastDistribution(quantiles: [0.1, 0.2]).anchor == 1)
        let gaussian = try ForecastDistribution.gaussian(quantiles: Self.levels)
        let p = gaussian.parameters(fromRaw: Tensor(shape: [1, 2], scalars: [1.5, -1]))
        #expect(mismatch(p, [1.5, softplus(-1) + 1e-3], relative: 1e-6) == nil)
        let z = 1.2815515655446004, s = softplus(-1) + 1e-3
        #expect(mismatch(gaussian.quantileForecast(p), [1.5 - z * s, 1.5, 1.5 + z * s], relative: 1e-6) == nil)
        #expect(mismatch(gaussian.pointForecast(p), [1.5], relative: 0) == nil)
    }

    /// Random weights of every size, random inputs far from the training range, RevIN and a skip of
    /// large random weights: every output's levels are non-decreasing, the Gaussian's s positive.
    @Test func quantilesNeverCrossOnRandomWeights() throws {
        var generator = RandomGenerator(seed: 11)
        for trial in 0..<20 {
            let levels: [Float] = trial % 2 == 0 ? [0.02, 0.1, 0.3, 0.5, 0.6, 0.9, 0.99] : [0.25, 0.75]
            let distribution =
                trial % 3 == 0
                ? try ForecastDistribution.gaussian(quantiles: levels) : try ForecastDistribution(quantiles: levels)
            var model = try self.model(distribution, skip: 3, revin: trial % 4 < 2, seed: UInt64(trial))
            let scale = Float(1 + trial)
            model.updateParameters { _, tensor in tensor = Tensor.normal(tensor.shape, using: &generator).map { $0 * scale } }
            let x = Tensor.normal([6, 5, 2], using: &generator).map { $0 * 50 * scale }
            let network = SequenceNetwork.recurrent(model)
            let q = try #require(try network.quantileForecast(x))
            #expect(q.shape == [6, 2 * levels.count])
            for o in stride(from: 0, to: q.count, by: levels.count) {
                let row = q.scalars[o..<(o + levels.count)]
                #expect(zip(row, row.dropFirst()).allSatisfy { $0 <= $1 }, "trial \(trial): \(Array(row))")
            }
            if distribution.kind == .gaussian {
                let parameters = try model(x)
                #expect(stride(from: 1, to: parameters.count, by: 2).allSatisfy { parameters.scalars[$0] > 0 })
            }
        }
    }

    /// RevIN scales every quantile by the window's σ and shifts it by μ; a Gaussian's mean likewise,
    /// its deviation by σ alone. Checked against the same network on x̂ computed here.
    @Test(arguments: [ForecastDistribution.Kind.quantiles, .gaussian])
    func instanceNormalizationScalesQuantilesBack(kind: ForecastDistribution.Kind) throws {
        let distribution = try ForecastDistribution(kind: kind, quantiles: Self.levels)
        let normalized = try model(distribution, revin: true)
        let plain = try normalized.withInstanceNormalization(outputChannels: nil)
        var generator = RandomGenerator(seed: 2)
        let x = Tensor.normal([2, 6, 2], using: &generator).map { $0 * 4 - 30 }
        var xHat = x, mean = [Double](repeating: 0, count: 2), deviation = mean
        for b in 0..<2 {
            for d in 0..<2 {
                let values = (0..<6).map { Double(x[b, $0, d]) }
                let mu = values.reduce(0, +) / 6
                let sigma = (values.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / 6 + 1e-5).squareRoot()
                for t in 0..<6 { xHat[b, t, d] = Float((Double(x[b, t, d]) - mu) / sigma) }
                if d == 0 { (mean[b], deviation[b]) = (mu, sigma) }
            }
        }
        let inner = try plain(xHat), outer = try normalized(x)
        let p = distribution.parametersPerOutput
        var expected: [Double] = []
        for b in 0..<2 {
            for j in 0..<(2 * p) {
                let scaleOnly = kind == .gaussian && j % p == 1
                expected.append(Double(inner[b, j]) * deviation[b] + (scaleOnly ? 0 : mean[b]))
            }
        }
        #expect(mismatch(outer, expected, absolute: 1e-4, relative: 1e-5) == nil)
    }

    /// The skip moves each output's location: the same amount is added to every one of its quantiles
    /// (and to the Gaussian's mean, not its deviation), so the skip cannot make them cross.
    @Test func theSkipShiftsEveryQuantileOfAnOutputAlike() throws {
        let with = try model(try ForecastDistribution(quantiles: Self.levels), skip: 2)
        let without = try with.withSkip(steps: nil)
        var generator = RandomGenerator(seed: 5)
        let x = Tensor.normal([3, 4, 2], using: &generator)
        let difference = try with(x).zipMap(try without(x)) { $0 - $1 }  // [3, 2·3]
        for o in stride(from: 0, to: difference.count, by: 3) {
            let shift = difference.scalars[o]
            #expect(abs(shift) > 1e-3)
            #expect(mismatch(Array(difference.scalars[o..<(o + 3)]), [shift, shift, shift], absolute: 1e-5) == nil)
        }
        let gaussian = try model(try ForecastDistribution.gaussian(), skip: 2)
        let gap = try gaussian(x).zipMap(try gaussian.withSkip(steps: nil)(x)) { $0 - $1 }
        #expect(stride(from: 1, to: gap.count, by: 2).allSatisfy { gap.scalars[$0] == 0 })
    }

    /// f = Σ R ⊙ model(x), and the model's own loss, against five-point differences along random
    /// directions for every parameter and the input, with the skip and RevIN in the chain.
    @Test(arguments: [
        (ForecastDistribution.Kind.quantiles, false, nil), (.quantiles, true, 3), (.gaussian, false, 2), (.gaussian, true, 4),
    ] as [(ForecastDistribution.Kind, Bool, Int?)])
    func backwardMatchesFiniteDifferences(kind: ForecastDistribution.Kind, revin: Bool, skip: Int?) throws {
        let distribution = try ForecastDistribution(kind: kind, quantiles: [0.1, 0.3, 0.5, 0.9])
        let model = try model(distribution, skip: skip, revin: revin)
        var generator = RandomGenerator(seed: 7)
        let input = Tensor.normal([3, 4, 2], using: &generator)
        let lengths = [4, 2, 3]
        let target = Tensor.normal([3, 2], using: &generator)
        var forward = RandomGenerator(seed: 0)
        let (y, _, cache) = try model.forward(input, lengths: lengths, generator: &forward)
        let r = Tensor.normal(y.shape, using: &generator)
        // The loss is smooth only away from its kinks: the Gaussian's, not the pinball's, is checked.
        let loss = distribution.kind == .gaussian ? distribution.loss : nil
        let dOutput = loss.map { $0(y, target: target).gradient } ?? r
        let (dInput, _, gradients) = model.backward(dOutput, cache: cache)
        func f(_ model: SequenceModel, _ x: Tensor) throws -> Double {
            let output = try model(x, lengths: lengths)
            return loss.map { Double($0(output, target: target).value) } ?? SequenceTestMath.dot(output, r)
        }
        var results = [
            try GradientCheck.compare(
                "input", at: input, gradient: try #require(dInput),
                direction: GradientCheck.direction(along: try #require(dInput), using: &generator), step: 1e-2
            ) { try f(model, $0) }
        ]
        for (name, value) in model.parameters {
            let gradient = try #require(gradients[name])
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
        #expect(results.count == model.parameters.count + 1)
        for result in results { #expect(result.relativeError < 1e-3, "\(kind) revin \(revin) skip \(skip ?? 0): \(result)") }
    }

    /// The head record's distribution (and RevIN's scale-only outputs) survive a model file and give
    /// the same outputs; a model without one writes no such key; ONNX export refuses, naming why.
    @Test func roundTripsThroughAModelFileAndONNXRefuses() throws {
        let gaussian = try model(try ForecastDistribution.gaussian(quantiles: [0.05, 0.5, 0.95]), skip: 2, revin: true)
        let file = try ModelFile(sequenceModel: gaussian)
        #expect(file.metadata["head"]?.contains("\"distribution\":{\"kind\":\"gaussian\"") == true)
        #expect(file.metadata["head"]?.contains("\"scale_only_outputs\":[1,3]") == true)
        let loaded = try ModelFile(data: try file.serialized(), name: "g").sequenceModel(name: "g")
        #expect(loaded.distribution == gaussian.distribution)
        #expect(loaded.instanceNormalization == gaussian.instanceNormalization)
        var generator = RandomGenerator(seed: 1)
        let x = Tensor.normal([2, 5, 2], using: &generator)
        #expect(try loaded(x) == (try gaussian(x)))

        let plain = try gaussian.withDistribution(nil)
        let old = try ModelFile(sequenceModel: plain)
        #expect(old.metadata["head"]?.contains("distribution") == false)
        #expect(old.metadata["head"]?.contains("scale_only") == false)
        #expect(try ModelFile(data: try old.serialized(), name: "o").sequenceModel(name: "o").distribution == nil)

        var bad = file
        bad.metadata["head"] = file.metadata["head"]!.replacingOccurrences(of: "[0.05,0.5,0.95]", with: "[0.5,0.05,0.95]")
        #expect(bad.metadata["head"] != file.metadata["head"])
        #expect(throws: SafetensorsError.self) { try bad.sequenceModel(name: "b") }

        do {
            _ = try model(try ForecastDistribution(quantiles: Self.levels)).onnxData()
            Issue.record("ONNX export wrote a quantile head")
        } catch let error as ONNXExportError {
            #expect("\(error)".contains("probabilistic output (quantiles at levels 0.1, 0.5, 0.9)"), "\(error)")
        }
    }

    /// Forecasts of N(0, 1) for truths drawn from N(0, 2²): the spread with the least pinball loss is
    /// about 2 (the grid's step is 4^(1/48) ≈ 1.03; 4000 draws put k within 10%), for quantiles and the
    /// Gaussian alike; with it the 80% interval covers about 80%. The spread survives a model file, and
    /// a file without one reads k = 1.
    @Test func theCalibratedSpreadWidensIntervalsThatAreTooNarrow() throws {
        var generator = RandomGenerator(seed: 13)
        let n = 4000
        let truth = Tensor.normal([n, 1], using: &generator).map { 2 * $0 }
        let z = Float(ForecastDistribution.normalQuantile(0.9))
        let quantiles = try ForecastDistribution(quantiles: Self.levels)
        let levels = Tensor(shape: [n, 3], scalars: (0..<n).flatMap { _ in [-z, 0, z] })
        let gaussian = try ForecastDistribution.gaussian(quantiles: Self.levels)
        let meanAndScale = Tensor(shape: [n, 2], scalars: (0..<n).flatMap { _ in [Float(0), 1] })
        for (distribution, parameters) in [(quantiles, levels), (gaussian, meanAndScale)] {
            let k = distribution.calibratedSpread(parameters: parameters, truth: truth)
            #expect(abs(k - 2) < 0.2, "\(distribution.kind): k \(k)")
            let before = try QuantileErrors(
                quantiles: distribution.quantileForecast(parameters), truth: truth, levels: Self.levels)
            let after = try QuantileErrors(
                quantiles: try distribution.withSpread(k).quantileForecast(parameters), truth: truth, levels: Self.levels)
            #expect(before.intervals[0].coverage < 0.55 && abs(after.intervals[0].coverage - 0.8) < 0.03)
            #expect(after.pinball < before.pinball)
        }
        let model = try model(quantiles, skip: 2).withSpread(1.5)
        let file = try ModelFile(sequenceModel: model)
        #expect(file.metadata["head"]?.contains("\"spread\":1.5") == true)
        #expect(try ModelFile(data: try file.serialized(), name: "k").sequenceModel(name: "k").distribution?.spread == 1.5)
        #expect(try ModelFile(sequenceModel: try model.withSpread(1)).metadata["head"]?.contains("spread") == false)
        #expect(throws: RecurrentError.self) { _ = try quantiles.withSpread(0) }
    }

    /// On y_t = sin(2πt/12) + ε, ε ~ N(0, 0.4²), a GRU trained by the pinball loss at 0.1, 0.5, 0.9
    /// gives an 80% interval that holds 65–95% of 400 fresh windows' next values (the ideal interval,
    /// ±1.28·0.4 around the sine, holds 80%), and a width near the ideal 1.03.
    @Test func anIntervalLearnedByPinballLossCoversAboutItsNominalShare() throws {
        var generator = RandomGenerator(seed: 21)
        func windows(_ count: Int, from start: Int) throws -> SequenceBatch {
            let length = count + 12
            let noise = Tensor.normal([length], using: &generator)
            let y = (0..<length).map { Float(sin(2 * Double.pi * Double(start + $0) / 12)) + 0.4 * noise.scalars[$0] }
            return try SequenceBatch(
                input: Tensor(shape: [count, 12, 1], scalars: (0..<count).flatMap { y[$0..<($0 + 12)] }),
                targets: Tensor(shape: [count, 1], scalars: (0..<count).map { y[$0 + 12] }))
        }
        let train = try windows(1200, from: 0), test = try windows(400, from: 5000)
        let distribution = try ForecastDistribution(quantiles: Self.levels)
        let model = try SequenceModel(
            input: .features(1), cell: .gru, hiddenSize: 12, outputSize: 3, pooling: .last, seed: 4
        ).withDistribution(distribution).withSkip(steps: 12)
        var trainer = try SequenceTrainer(model: model, optimizer: try Adam(learningRate: 1e-2), loss: distribution.loss)
        _ = try trainer.fit(train, options: FitOptions(epochs: 12, batchSize: 32, seed: 1))
        let q = try #require(try SequenceNetwork.recurrent(trainer.model).quantileForecast(test.input))
        let errors = try QuantileErrors(quantiles: q, truth: test.targets, levels: Self.levels)
        let interval = errors.intervals[0]
        #expect((0.65...0.95).contains(interval.coverage), "coverage \(interval.coverage), width \(interval.meanWidth)")
        #expect((0.7...1.5).contains(interval.meanWidth), "width \(interval.meanWidth)")
    }
}
