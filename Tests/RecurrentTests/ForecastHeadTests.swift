import Foundation
import Recurrent
import RecurrentTestSupport
import Testing

/// The forecasting heads beside the direct one: a per-step head
/// (``SequenceHead/steps``) and reversible instance normalisation
/// (``InstanceNormalization``), each computed by hand, through a model file
/// and refused where it does not apply. Their gradients are checked in
/// ``SequenceModelTests``.
@Suite struct ForecastHeadTests {
    /// y[b, s·P + p] is the Dense layer applied to the recurrent output at
    /// step L − S + s, element by element; steps before 0 read zeros.
    @Test func perStepHeadAppliesOneDenseLayerToEachOfTheLastSteps() throws {
        var generator = RandomGenerator(seed: 5)
        let model = try SequenceModel(
            input: .features(2), cell: .gru, hiddenSize: 3, outputSize: 6, pooling: .last, headSteps: 3,
            generator: &generator)
        #expect(model.head.steps == 3 && model.head.outputSize == 6)
        #expect(model.parameters["head.weight"]?.shape == [2, 3] && model.parameters["head.bias"]?.shape == [2])
        let x = Tensor.normal([3, 5, 2], using: &generator)
        let lengths = [5, 2, 4]
        let y = try model(x, lengths: lengths)
        let h = try model.hiddenStates(x, lengths: lengths)  // [B, T, 3]
        let w = model.parameters["head.weight"]!, bias = model.parameters["head.bias"]!
        var expected: [Double] = []
        for b in 0..<3 {
            for s in 0..<3 {
                let step = lengths[b] - 3 + s
                for p in 0..<2 {
                    var sum = Double(bias[p])
                    if step >= 0 { for f in 0..<3 { sum += Double(w[p, f]) * Double(h[b, step, f]) } }
                    expected.append(sum)
                }
            }
        }
        #expect(y.shape == [3, 6] && mismatch(y, expected, absolute: 1e-6) == nil)
    }

    /// A per-step head needs the last pooling of one direction and S dividing O.
    @Test func perStepHeadIsRefusedWhereItDoesNotApply() throws {
        var generator = RandomGenerator(seed: 1)
        for (pooling, bidirectional, outputs) in [(SequencePooling.mean, false, 4), (.last, true, 4), (.last, false, 5)] {
            #expect(throws: RecurrentError.self, "\(pooling) \(bidirectional) \(outputs)") {
                _ = try SequenceModel(
                    input: .features(1), cell: .lstm, hiddenSize: 2, bidirectional: bidirectional, outputSize: outputs,
                    pooling: pooling, headSteps: 2, generator: &generator)
            }
        }
    }

    /// With RevIN the network reads each window standardised by its own
    /// mean and population deviation (+ε), and the output is scaled back:
    /// checked against a plain model run on x̂ computed here.
    @Test func instanceNormalizationStandardisesEachWindowAndScalesBack() throws {
        var generator = RandomGenerator(seed: 9)
        let plain = try SequenceModel(
            input: .features(2), cell: .lstm, hiddenSize: 4, outputSize: 3, pooling: .last, generator: &generator)
        let model = try plain.withInstanceNormalization(outputChannels: [0, 1, 0])
        let x = Tensor.normal([2, 6, 2], using: &generator).map { $0 * 3 + 10 }
        let lengths = [6, 4]
        var xHat = Tensor.zeros(x.shape)
        var mean = [[Double]](repeating: [0, 0], count: 2), deviation = mean
        for b in 0..<2 {
            for d in 0..<2 {
                let values = (0..<lengths[b]).map { Double(x[b, $0, d]) }
                let mu = values.reduce(0, +) / Double(values.count)
                let variance = values.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(values.count)
                mean[b][d] = mu
                deviation[b][d] = (variance + 1e-5).squareRoot()
                for t in 0..<lengths[b] { xHat[b, t, d] = Float((Double(x[b, t, d]) - mu) / deviation[b][d]) }
            }
        }
        let inner = try plain(xHat, lengths: lengths)
        var expected: [Double] = []
        for b in 0..<2 {
            for (o, c) in [0, 1, 0].enumerated() { expected.append(Double(inner[b, o]) * deviation[b][c] + mean[b][c]) }
        }
        #expect(mismatch(try model(x, lengths: lengths), expected, absolute: 1e-4, relative: 1e-5) == nil)
    }

    /// Shifting and scaling a window (a > 0) shifts and scales the forecast
    /// the same way: the property that makes RevIN fit a drifting level.
    @Test func instanceNormalizationIsEquivariantToTheWindowsLevelAndScale() throws {
        var generator = RandomGenerator(seed: 4)
        let model = try SequenceModel(
            input: .features(1), cell: .gru, hiddenSize: 5, outputSize: 4, pooling: .last, headSteps: 2,
            generator: &generator
        ).withSkip(steps: 3).withInstanceNormalization(outputChannels: [0, 0, 0, 0])
        let x = Tensor.normal([3, 8, 1], using: &generator)
        let y = try model(x)
        let moved = try model(x.map { 7 * $0 - 250 })
        #expect(mismatch(moved, y.scalars.map { 7 * Double($0) - 250 }, absolute: 1e-3, relative: 1e-4) == nil)
        let plain = try model.withInstanceNormalization(outputChannels: nil)
        let plainMoved = try plain(x.map { 7 * $0 - 250 })
        #expect(mismatch(plainMoved, y.scalars.map { 7 * Double($0) - 250 }, absolute: 1e-3, relative: 1e-4) != nil)
    }

    /// Token input, a many-to-many head, or channels outside the features are refused.
    @Test func instanceNormalizationIsRefusedWhereItDoesNotApply() throws {
        var generator = RandomGenerator(seed: 2)
        let tokens = try SequenceModel(
            input: .tokens(vocabularySize: 4), embeddingSize: 2, cell: .lstm, hiddenSize: 2, outputSize: 1,
            pooling: .last, generator: &generator)
        #expect(throws: RecurrentError.self) { _ = try tokens.withInstanceNormalization(outputChannels: [0]) }
        let everyStep = try SequenceModel(
            input: .features(2), cell: .lstm, hiddenSize: 2, outputSize: 1, pooling: .everyStep, generator: &generator)
        #expect(throws: RecurrentError.self) { _ = try everyStep.withInstanceNormalization(outputChannels: [0]) }
        let last = try SequenceModel(
            input: .features(2), cell: .lstm, hiddenSize: 2, outputSize: 2, pooling: .last, generator: &generator)
        #expect(throws: RecurrentError.self) { _ = try last.withInstanceNormalization(outputChannels: [0, 2]) }
        #expect(throws: RecurrentError.self) { _ = try last.withInstanceNormalization(outputChannels: [0]) }
    }

    /// The head record's steps and instance_normalization survive a model
    /// file and give the same outputs; a file without them loads a direct
    /// head; a head weight that does not fit the steps, or a record naming a
    /// channel outside the features, is refused naming the file.
    @Test func roundTripsThroughAModelFile() throws {
        var generator = RandomGenerator(seed: 3)
        let model = try SequenceModel(
            input: .features(2), cell: .lstm, hiddenSize: 3, outputSize: 4, pooling: .last, headSteps: 2,
            generator: &generator
        ).withInstanceNormalization(outputChannels: [0, 1, 0, 1])
        let file = try ModelFile(sequenceModel: model)
        let loaded = try ModelFile(data: try file.serialized(), name: "m").sequenceModel(name: "m")
        #expect(loaded.head.steps == 2 && loaded.instanceNormalization == model.instanceNormalization)
        let x = Tensor.normal([2, 5, 2], using: &generator)
        #expect(try loaded(x) == (try model(x)))
        #expect(file.metadata["head"]?.contains("\"steps\":2") == true)

        let direct = try SequenceModel(
            input: .features(2), cell: .lstm, hiddenSize: 3, outputSize: 4, pooling: .last, generator: &generator)
        let old = try ModelFile(sequenceModel: direct)
        #expect(old.metadata["head"]?.contains("steps") == false)
        #expect(old.metadata["head"]?.contains("instance") == false)
        let reloaded = try ModelFile(data: try old.serialized(), name: "old").sequenceModel(name: "old")
        #expect(reloaded.head.steps == 1 && reloaded.instanceNormalization == nil)

        var wrongWeight = file
        wrongWeight.tensors["head.weight"] = Tensor.zeros([4, 3])
        #expect(throws: SafetensorsError.self) { try wrongWeight.sequenceModel(name: "w") }
        var wrongChannel = file
        wrongChannel.metadata["head"] = file.metadata["head"]!.replacingOccurrences(
            of: "\"output_channels\":[0,1,0,1]", with: "\"output_channels\":[0,1,0,5]")
        #expect(wrongChannel.metadata["head"] != file.metadata["head"])
        #expect(throws: SafetensorsError.self) { try wrongChannel.sequenceModel(name: "c") }
        var notDividing = file
        notDividing.metadata["head"] = file.metadata["head"]!.replacingOccurrences(of: "\"steps\":2", with: "\"steps\":3")
        #expect(throws: SafetensorsError.self) { try notDividing.sequenceModel(name: "s") }
    }

    /// ONNX export says what it cannot export yet instead of writing a wrong graph.
    @Test func onnxExportRefusesTheHeadsItDoesNotExportYet() throws {
        var generator = RandomGenerator(seed: 6)
        let perStep = try SequenceModel(
            input: .features(1), cell: .gru, hiddenSize: 2, outputSize: 2, pooling: .last, headSteps: 2,
            generator: &generator)
        #expect(throws: ONNXExportError.self) { _ = try perStep.onnxData() }
        let revin = try perStep.withInstanceNormalization(outputChannels: [0, 0])
        #expect(throws: ONNXExportError.self) { _ = try revin.onnxData() }
    }
}
