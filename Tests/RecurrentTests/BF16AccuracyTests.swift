import Foundation
import Recurrent
import RecurrentTestSupport
import Testing

/// A ``RecurrentLayer`` in bf16 against PyTorch's fp32 values and against
/// itself in fp32.
///
/// The bound, derived: rounding an operand to bf16 (8 significant bits) has a
/// relative error of at most u = 2⁻⁹, so each exact product â·b̂ is within
/// (2u + u²)·|a·b| of a·b and a gate's pre-activation z = Σ x·w + Σ h·w
/// within about 2⁻⁸·Σ|x·w| + 2⁻⁸·Σ|h·w| (the fp32 sums add only 2⁻²⁴·K).
/// σ and tanh have slopes ≤ 1/4 and ≤ 1, so one step's h and c move by about
/// that much; the recurrence carries earlier steps' errors on, shrunk by the
/// gates. In these fixtures (D ≤ 5, H ≤ 8, weights ~ U(−1/√H, 1/√H), inputs
/// ~ N(0, 1)) Σ|a·b| is at most about 4, so one step contributes ~2⁻⁶ and a
/// sequence a few of those: the tests hold every output and final state to
/// 2⁻⁵ (0.031) of the tensor's largest entry, and the gradients to 2⁻⁴.
/// Measured: the worst output error over the fixtures is 0.0078 (2⁻⁷) of
/// the tensor's largest entry, and bf16 is not within fp32's 10⁻⁵ of PyTorch
/// (it does round).
struct BF16AccuracyTests {
    static let forwardTolerance = 0x1p-5
    static let gradientTolerance = 0x1p-4

    @Test("bf16 outputs, states and gradients against PyTorch's fp32", arguments: RecurrentReferenceTests.cases)
    func matchesPyTorch(name: String) throws {
        let file = try SafetensorsFile(contentsOf: RecurrentReferenceTests.folder.appendingPathComponent(name))
        var layer = try RecurrentReferenceTests.layer(from: file)
        layer.precision = .bf16
        let input = file.tensors["input"]!
        let lengths = file.integerTensors["lengths"]!.values.map { Int($0) }
        let initial = RecurrentState(h: file.tensors["h0"]!, c: file.tensors["c0"])
        var generator = RandomGenerator(seed: 2)
        let (output, state, cache) = try layer.forward(
            input, lengths: lengths, initialState: initial, generator: &generator)
        func expectReference(_ observed: Tensor?, _ key: String, _ tolerance: Double) throws {
            let expected = try #require(file.tensors[key])
            let observed = try #require(observed)
            #expect(mismatch(observed, expected, relativeToLargest: tolerance) == nil, "\(name) \(key)")
        }
        try expectReference(output, "output", Self.forwardTolerance)
        try expectReference(state.h, "h_n", Self.forwardTolerance)
        if layer.cell == .lstm { try expectReference(state.c, "c_n", Self.forwardTolerance) }
        let inference = try layer(input, lengths: lengths, initialState: initial)
        #expect(inference.output == output, "\(name): bf16 inference and training forward differ")

        let dFinal = RecurrentState(h: file.tensors["w_h_n"]!, c: file.tensors["w_c_n"])
        let (dInput, dInitial, gradients) = layer.backward(
            file.tensors["w_output"]!, finalStateGradient: dFinal, cache: cache)
        try expectReference(dInput, "grad.input", Self.gradientTolerance)
        try expectReference(dInitial.h, "grad.h0", Self.gradientTolerance)
        for (parameter, gradient) in gradients {
            try expectReference(gradient, "grad." + parameter, Self.gradientTolerance)
        }
    }

    @Test("bf16 does round: some fixture's output differs from PyTorch by more than fp32's 1e-5")
    func bf16IsNotFP32() throws {
        var worst = 0.0
        for name in RecurrentReferenceTests.cases {
            let file = try SafetensorsFile(contentsOf: RecurrentReferenceTests.folder.appendingPathComponent(name))
            var layer = try RecurrentReferenceTests.layer(from: file)
            layer.precision = .bf16
            let input = file.tensors["input"]!
            let lengths = file.integerTensors["lengths"]!.values.map { Int($0) }
            let initial = RecurrentState(h: file.tensors["h0"]!, c: file.tensors["c0"])
            let output = try layer(input, lengths: lengths, initialState: initial).output
            let expected = file.tensors["output"]!
            let largest = expected.scalars.map { abs(Double($0)) }.max()!
            let error = zip(output.scalars, expected.scalars).map { abs(Double($0) - Double($1)) }.max()!
            worst = max(worst, error / largest)
        }
        print("bf16 against PyTorch fp32, worst output error / largest entry: \(worst)")
        #expect(worst > 1e-5)
        #expect(worst < 0x1p-6)
    }

    /// A wider layer than the fixtures' (D 16, H 64, T 20, B 8, every cell):
    /// the bf16 gradient of L = Σ output ⊙ w against the fp32 one, per
    /// parameter within 2⁻⁵ of its largest entry, and pointing the same way
    /// (cosine ≥ 0.999).
    @Test("bf16 gradients close to fp32 gradients", arguments: [Cell.lstm, .gru, .elman(.tanh)])
    func gradientsCloseToFP32(cell: Cell) throws {
        var generator = RandomGenerator(seed: 11)
        var layer = try RecurrentLayer(cell: cell, inputSize: 16, hiddenSize: 64, generator: &generator)
        let x = Tensor.normal([8, 20, 16], using: &generator)
        let w = Tensor.normal([8, 20, 64], using: &generator)
        func gradients(_ precision: Precision) throws -> NamedTensors {
            layer.precision = precision
            var unused = RandomGenerator(seed: 0)
            let cache = try layer.forward(x, generator: &unused).cache
            return layer.backward(w, cache: cache).gradients
        }
        let (fp32, bf16) = (try gradients(.fp32), try gradients(.bf16))
        var worstCosine = 1.0
        for (name, expected) in fp32 {
            let observed = try #require(bf16[name])
            #expect(mismatch(observed, expected, relativeToLargest: 0x1p-5) == nil, "\(cell) \(name)")
            let (o, e) = (observed.scalars.map(Double.init), expected.scalars.map(Double.init))
            let dot = zip(o, e).map(*).reduce(0, +)
            let cosine = dot / (o.map { $0 * $0 }.reduce(0, +) * e.map { $0 * $0 }.reduce(0, +)).squareRoot()
            worstCosine = min(worstCosine, cosine)
            #expect(cosine >= 0.999, "\(cell) \(name): cosine \(cosine)")
            #expect(observed != expected, "\(cell) \(name): bf16 gave fp32's bits")
        }
        print("bf16 gradient against fp32, \(cell): worst cosine \(worstCosine)")
    }

    /// The adding problem (T = 30, LSTM H 32, Adam 1e-2, clipping at 1, the
    /// same seeds) trained 400 steps in fp32 and in bf16: the bf16 run's MSE
    /// on 500 unseen sequences must lie within 0.01 of fp32's (or below it),
    /// both far below answering 1 (0.167).
    @Test func bf16LearnsTheAddingProblemAsFP32Does() throws {
        func train(_ precision: Precision) throws -> Double {
            var generator = RandomGenerator(seed: 1)
            var data = RandomGenerator(seed: 1001)
            let task = try AddingProblem(length: 30)
            var model = try SequenceModel(
                input: .features(2), cell: .lstm, hiddenSize: 32, outputSize: 1, pooling: .last,
                generator: &generator)
            model.precision = precision
            var trainer = try SequenceTrainer(
                model: model, optimizer: try Adam(learningRate: 1e-2), loss: .meanSquaredError, maxGradientNorm: 1)
            #expect(trainer.precision == precision)
            for _ in 0..<400 { _ = try trainer.trainStep(task.batch(count: 32, generator: &data)) }
            var unseen = RandomGenerator(seed: 77)
            return try trainer.evaluate(task.batch(count: 500, generator: &unseen))
        }
        let (fp32, bf16) = (try train(.fp32), try train(.bf16))
        print("adding problem T=30, 400 steps: test MSE fp32 \(fp32), bf16 \(bf16)")
        #expect(bf16 <= fp32 + 0.01, "bf16 \(bf16) against fp32 \(fp32)")
        #expect(fp32 < 0.05 && bf16 < 0.05)
    }

    /// The bf16 packings live in the layer's cache: a change to the weights
    /// must be repacked (as a fresh layer with those weights computes), and a
    /// stream in bf16 gives the whole sequence's bits step by step.
    @Test func changedWeightsAreRepackedAndStreamsMatch() throws {
        var generator = RandomGenerator(seed: 5)
        var layer = try RecurrentLayer(cell: .lstm, inputSize: 3, hiddenSize: 40, generator: &generator)
        layer.precision = .bf16
        let x = Tensor.normal([2, 6, 3], using: &generator)
        let before = try layer(x).output
        #expect(try layer(x).output == before)
        layer.weights[0].weightHH[0, 0] += 0.5
        layer.weights[0].weightIH[1, 1] -= 0.5
        let after = try layer(x).output
        var fresh = try RecurrentLayer(cell: .lstm, inputSize: 3, hiddenSize: 40, weights: layer.weights)
        fresh.precision = .bf16
        #expect(after != before)
        #expect(after == (try fresh(x).output))

        let stream = try RecurrentStream(layer)
        var state = layer.zeroState(batchSize: 2)
        for t in 0..<6 {
            let step = try stream.step(x.slice(at: t, alongAxis: 1), state: &state)
            #expect(step == after.slice(at: t, alongAxis: 1), "step \(t)")
        }
    }

    /// A file written with `floatStorage = .bf16` holds BF16 entries of two
    /// bytes each, which read back as the values rounded to bf16 (ties to
    /// even, NaN kept); integer tensors and metadata are unchanged.
    @Test func bf16StorageRoundTrips() throws {
        var generator = RandomGenerator(seed: 9)
        let weight = Tensor.normal([5, 7], using: &generator)
        var special = Tensor.zeros([4])
        special.scalars = [1 + 0x1p-8, -.infinity, .nan, 3.0e38]
        var file = SafetensorsFile(tensors: ["w": weight, "s": special], integerTensors: ["n": IntegerTensor([3])])
        file.metadata["k"] = "v"
        let fp32Bytes = try file.serialized().count
        file.floatStorage = .bf16
        let data = try file.serialized()
        #expect(try SafetensorsFile.storedTypes(data: data, name: "bf16") == ["w": "BF16", "s": "BF16", "n": "I64"])
        #expect(fp32Bytes - data.count >= 2 * (35 + 4) - 8)  // the header changes a little too
        let loaded = try SafetensorsFile(data: data, name: "bf16")
        #expect(loaded.tensors["w"]!.scalars == weight.scalars.map(Float.bf16Rounded))
        let s = loaded.tensors["s"]!.scalars
        #expect(s[0] == 1 && s[1] == -.infinity && s[2].isNaN && s[3] == Float.bf16Rounded(3.0e38))
        #expect(loaded.integerTensors == file.integerTensors && loaded.metadata == file.metadata)
    }

    /// A layer large enough to split its hidden units between threads (LSTM
    /// H 384: W_hh of 2.4 MB) runs that split in bf16 too, with its own
    /// packings: its outputs lie within the bf16 tolerance of fp32's, and a
    /// second call (the packings kept) gives the same bits.
    @Test func hiddenSplitInBF16() throws {
        var generator = RandomGenerator(seed: 21)
        var layer = try RecurrentLayer(cell: .lstm, inputSize: 8, hiddenSize: 384, generator: &generator)
        let x = Tensor.normal([4, 5, 8], using: &generator)
        let fp32 = try layer(x).output
        layer.precision = .bf16
        let bf16 = try layer(x).output
        #expect(mismatch(bf16, fp32, relativeToLargest: Self.forwardTolerance) == nil)
        #expect(bf16 != fp32)
        #expect(try layer(x).output == bf16)
        var unused = RandomGenerator(seed: 0)
        #expect(try layer.forward(x, generator: &unused).output == bf16, "training forward")
    }
}
