import Foundation
import Recurrent
import RecurrentTestSupport
import Testing

/// RevIN's learned level path (``InstanceNormalization/levelWeight``) by
/// hand and through a model file, and ``RevINLevelChoice`` on windows made
/// so that the choice must go one way or the other. Its gradients are
/// checked in ``SequenceModelTests``.
@Suite struct RevINLevelTests {
    /// y = ŷσ + (1 + a)μ + b, with ŷ the plain model's output on x̂ computed here.
    @Test func levelPathAddsBackALearnedLevel() throws {
        var generator = RandomGenerator(seed: 11)
        let plain = try SequenceModel(
            input: .features(2), cell: .gru, hiddenSize: 3, outputSize: 2, pooling: .last, generator: &generator)
        var model = try plain.withInstanceNormalization(outputChannels: [1, 0], levelPath: true)
        #expect(model.parameters["revin.level.weight"] == Tensor.zeros([2]))
        let (a, bias): ([Float], [Float]) = ([-0.5, 0.25], [2, -1])
        model.updateParameters { name, tensor in
            if name == "revin.level.weight" { tensor = Tensor(shape: [2], scalars: a) }
            if name == "revin.level.bias" { tensor = Tensor(shape: [2], scalars: bias) }
        }
        let x = Tensor.normal([2, 5, 2], using: &generator).map { $0 * 2 + 4 }
        var xHat = Tensor.zeros(x.shape)
        var mean = [[Double]](repeating: [0, 0], count: 2), deviation = mean
        for b in 0..<2 {
            for d in 0..<2 {
                let values = (0..<5).map { Double(x[b, $0, d]) }
                let mu = values.reduce(0, +) / 5
                mean[b][d] = mu
                deviation[b][d] = (values.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / 5 + 1e-5).squareRoot()
                for t in 0..<5 { xHat[b, t, d] = Float((Double(x[b, t, d]) - mu) / deviation[b][d]) }
            }
        }
        let inner = try plain(xHat)
        var expected: [Double] = []
        for b in 0..<2 {
            for (o, c) in [1, 0].enumerated() {
                expected.append(
                    Double(inner[b, o]) * deviation[b][c] + (1 + Double(a[o])) * mean[b][c] + Double(bias[o]))
            }
        }
        #expect(mismatch(try model(x), expected, absolute: 1e-4, relative: 1e-5) == nil)
    }

    /// The level path's a and b survive a model file (the record says
    /// `level_path`); a file missing them, or holding them without the
    /// record, is refused naming the tensor.
    @Test func levelPathRoundTripsThroughAModelFile() throws {
        var generator = RandomGenerator(seed: 12)
        var model = try SequenceModel(
            input: .features(1), cell: .lstm, hiddenSize: 3, outputSize: 3, pooling: .last, generator: &generator
        ).withSkip(steps: 2).withInstanceNormalization(outputChannels: [0, 0, 0], levelPath: true)
        model.updateParameters { name, tensor in
            if name.hasPrefix("revin.") { tensor = Tensor.normal(tensor.shape, using: &generator) }
        }
        let file = try ModelFile(sequenceModel: model)
        #expect(file.metadata["head"]?.contains("\"level_path\":true") == true)
        let loaded = try ModelFile(data: try file.serialized(), name: "m").sequenceModel(name: "m")
        #expect(loaded.instanceNormalization == model.instanceNormalization)
        let x = Tensor.normal([2, 4, 1], using: &generator)
        #expect(try loaded(x) == (try model(x)))

        var missing = file
        missing.tensors = NamedTensors(file.tensors.filter { $0.name != "revin.level.bias" }.map { ($0.name, $0.tensor) })
        #expect(throws: SafetensorsError.self) { try missing.sequenceModel(name: "missing") }
        var stray = file
        stray.metadata["head"] = file.metadata["head"]!.replacingOccurrences(of: ",\"level_path\":true", with: "")
        #expect(stray.metadata["head"] != file.metadata["head"])
        #expect(throws: SafetensorsError.self) { try stray.sequenceModel(name: "stray") }
    }

    /// Windows x = μ + sin(phase + t), targets y_j = μ + sin(phase + L + j) + k·μ + noise.
    private static func windows(
        count: Int, window: Int, horizon: Int, levelEffect k: Double, seed: UInt64
    ) throws -> SequenceBatch {
        var generator = RandomGenerator(seed: seed)
        var input: [Float] = [], targets: [Float] = []
        for _ in 0..<count {
            let mu = 4 * (generator.nextDouble() - 0.5)
            let phase = 6.28 * generator.nextDouble()
            input += (0..<window).map { Float(mu + sin(phase + Double($0))) }
            targets += (0..<horizon).map {
                Float(mu + sin(phase + Double(window + $0)) + k * mu + 0.05 * (generator.nextDouble() - 0.5))
            }
        }
        return try SequenceBatch(
            input: Tensor(shape: [count, window, 1], scalars: input), targets: Tensor(shape: [count, horizon], scalars: targets))
    }

    /// Where the validation windows revert to the long-run level as the
    /// training windows do (k = −0.5 in both), μ predicts and the level path
    /// is chosen; where the training windows' tie to μ turns around in the
    /// validation part (k = +0.5, then −0.5), it is not. The plain
    /// regression's error is RidgeAutoregression's best over the same λ on
    /// the features [x − μ, σ] built here.
    @Test func choiceFollowsWhetherTheLevelPredictsTheValidationPart() throws {
        let (l, h) = (8, 3)
        let reverting = try RevINLevelChoice(
            train: Self.windows(count: 200, window: l, horizon: h, levelEffect: -0.5, seed: 1),
            validation: Self.windows(count: 60, window: l, horizon: h, levelEffect: -0.5, seed: 2),
            window: l, targetColumns: [0])
        #expect(reverting.levelPath && reverting.levelError < 0.5 * reverting.revinError, "\(reverting)")
        let turning = try RevINLevelChoice(
            train: Self.windows(count: 200, window: l, horizon: h, levelEffect: 0.5, seed: 3),
            validation: Self.windows(count: 60, window: l, horizon: h, levelEffect: -0.5, seed: 4),
            window: l, targetColumns: [0])
        #expect(!turning.levelPath && turning.revinError < turning.levelError, "\(turning)")

        func features(_ batch: SequenceBatch) -> (Tensor, Tensor) {
            let n = batch.input.shape[0]
            var z: [Float] = [], u: [Float] = []
            for i in 0..<n {
                let x = (0..<l).map { Double(batch.input[i, $0, 0]) }
                let mu = x.reduce(0, +) / Double(l)
                let sigma = (x.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(l) + 1e-5).squareRoot()
                z += x.map { Float($0 - mu) } + [Float(sigma)]
                u += (0..<h).map { Float(Double(batch.targets[i, $0]) - mu) }
            }
            return (Tensor(shape: [n, l + 1], scalars: z), Tensor(shape: [n, h], scalars: u))
        }
        let (z, u) = features(try Self.windows(count: 200, window: l, horizon: h, levelEffect: -0.5, seed: 1))
        let (zv, uv) = features(try Self.windows(count: 60, window: l, horizon: h, levelEffect: -0.5, seed: 2))
        let best = try [0.01, 0.1, 1, 10, 100, 1000].map { lambda in
            let prediction = try RidgeAutoregression(inputs: z, targets: u, lambda: lambda)(zv)
            return zip(prediction.scalars, uv.scalars).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +)
                / Double(uv.count)
        }.min()!
        #expect(abs(reverting.revinError - best) <= 1e-4 * best, "\(reverting.revinError) against \(best)")
    }

    /// Windows shorter than 2 steps, a target column outside the features, or an empty part are refused.
    @Test func choiceRefusesWindowsThatDoNotFit() throws {
        let batch = try Self.windows(count: 10, window: 4, horizon: 2, levelEffect: 0, seed: 5)
        #expect(throws: RecurrentError.self) {
            _ = try RevINLevelChoice(train: batch, validation: batch, window: 1, targetColumns: [0])
        }
        #expect(throws: RecurrentError.self) {
            _ = try RevINLevelChoice(train: batch, validation: batch, window: 4, targetColumns: [1])
        }
        #expect(throws: RecurrentError.self) {
            _ = try RevINLevelChoice(train: batch, validation: batch, window: 5, targetColumns: [0])
        }
    }
}
