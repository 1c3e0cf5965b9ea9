import Recurrent
import Testing

/// Heads: last, mean and max over real steps on a hand-computed ragged
/// batch (forward and backward), the bidirectional `last` against the
/// recurrent layer's own final states, many-to-many masking, and backward
/// against finite differences.
@Suite struct SequenceHeadTests {
    /// [B=2, T=3, F=2] with lengths [3, 1]: sequence 1's steps 1 and 2 are
    /// padding holding values larger than any real one, and NaN.
    private let features = Tensor(
        shape: [2, 3, 2],
        scalars: [
            1, 6, 3, 2, 3, 4,  // sequence 0: t0 [1, 6], t1 [3, 2], t2 [3, 4]
            5, -1, 9, 9, .nan, .nan,  // sequence 1: t0 [5, −1], then padding
        ])
    private let lengths = [3, 1]

    @Test func poolingsUseOnlyRealSteps() throws {
        func pooled(_ pooling: SequencePooling, directions: Int = 1) throws -> [Float] {
            try pooling.forward(features, lengths: lengths, directions: directions).output.scalars
        }
        // last: sequence 0 at t = 2, sequence 1 at t = 0.
        #expect(try pooled(.last) == [3, 4, 5, -1])
        // mean: sequence 0 (1 + 3 + 3) / 3 and (6 + 2 + 4) / 3; sequence 1 its only step.
        #expect(try pooled(.mean) == [Float(7.0 / 3), 4, 5, -1])
        // max: sequence 0 max(1, 3, 3) and max(6, 2, 4); sequence 1 its only step, not 9.
        #expect(try pooled(.max) == [3, 6, 5, -1])
        // last of a bidirectional layer (H = 1): forward half at t = L − 1, backward half at t = 0.
        #expect(try pooled(.last, directions: 2) == [3, 6, 5, -1])
        #expect(try SequencePooling.everyStep.forward(features, lengths: lengths).output.shape == [2, 3, 2])
    }

    @Test func poolingBackwardsRouteToTheStepsRead() throws {
        let dy = Tensor(rows: [[1, 10], [100, 1000]])  // [B, F]
        func dx(_ pooling: SequencePooling, directions: Int = 1) throws -> [Float] {
            let (_, cache) = try pooling.forward(features, lengths: lengths, directions: directions)
            return pooling.backward(dy, cache: cache).scalars
        }
        #expect(try dx(.last) == [0, 0, 0, 0, 1, 10, 100, 1000, 0, 0, 0, 0])
        #expect(try dx(.last, directions: 2) == [0, 10, 0, 0, 1, 0, 100, 1000, 0, 0, 0, 0])
        let third = Float(1) / 3
        #expect(try dx(.mean) == [third, 10 * third, third, 10 * third, third, 10 * third, 100, 1000, 0, 0, 0, 0])
        // max: feature 0's 3 first appears at t = 1 (the tie at t = 2 gets nothing); feature 1's 6 at t = 0.
        #expect(try dx(.max) == [0, 10, 1, 0, 0, 0, 100, 1000, 0, 0, 0, 0])
    }

    @Test func manyToManyZeroesPaddedStepsBothWays() throws {
        let head = try SequenceHead(
            pooling: .everyStep, dense: try Dense(weight: Tensor(rows: [[1, 1]]), bias: Tensor([0.5])))
        let (y, cache) = try head.forward(features, lengths: lengths)
        // y = x₀ + x₁ + 0.5 at real steps, 0 past each length.
        #expect(y == Tensor(shape: [2, 3, 1], scalars: [7.5, 5.5, 7.5, 4.5, 0, 0]))
        let (dFeatures, gradients) = head.backward(Tensor.ones([2, 3, 1]), cache: cache)
        #expect(dFeatures.scalars == [1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0])
        // dW = Σ over the four real steps of x; db = 4. The NaN padding never enters.
        #expect(gradients["weight"] == Tensor(rows: [[12, 11]]))
        #expect(gradients["bias"] == Tensor([4]))
    }

    /// PyTorch's practice for a bidirectional many-to-one model is
    /// `torch.cat([h_n[-2], h_n[-1]], dim=1)`: `last` must give exactly the
    /// recurrent layer's final states, with ragged lengths, for one or two
    /// directions and in the top layer of a stack.
    @Test(arguments: [(1, false), (1, true), (2, true)])
    func lastIsTheRecurrentLayersFinalState(layers: Int, bidirectional: Bool) throws {
        var generator = RandomGenerator(seed: 4)
        let layer = try RecurrentLayer(
            cell: .lstm, inputSize: 3, hiddenSize: 5, layers: layers, bidirectional: bidirectional,
            generator: &generator)
        let lengths = [6, 2, 4]
        let (output, state) = try layer(Tensor.normal([3, 6, 3], using: &generator), lengths: lengths)
        let pooled = try SequencePooling.last.forward(output, lengths: lengths, directions: layer.directions).output
        let top = (layers - 1) * layer.directions
        let finals = (top..<(top + layer.directions)).map { state.h.slice(at: $0, alongAxis: 0) }  // [B, H] each
        #expect(pooled == Tensor.concatenated(finals, alongAxis: 1))
    }

    struct Config: CustomStringConvertible, Sendable {
        var pooling: SequencePooling
        var directions = 1
        var activation = Activation.identity
        var description: String { "\(pooling) directions \(directions) \(activation)" }
    }

    /// f = Σ R ⊙ head(x) against the five-point difference along a random
    /// direction (``GradientCheck``), for the features, `weight` and `bias`.
    /// The features are distinct multiples of 0.5 (0.05 under tanh, which
    /// would saturate), so that steps of up to 2h·|v| ≈ 0.15 (h = 1e-2, a
    /// direction's elements below about 7) never reorder them and max stays
    /// differentiable. Then f is linear (identity) or smooth (tanh, where
    /// the O(h⁴) truncation is negligible) and the error is Float32 rounding
    /// of f over h, far inside 1e-3 of the scale, while a gradient sent to the
    /// wrong step is off by the whole of its term (more than 1/48 of the scale).
    @Test(arguments: [
        Config(pooling: .everyStep), Config(pooling: .everyStep, activation: .tanh), Config(pooling: .last),
        Config(pooling: .last, directions: 2), Config(pooling: .mean, activation: .tanh), Config(pooling: .max),
    ])
    func backwardMatchesFiniteDifferences(config: Config) throws {
        var generator = RandomGenerator(seed: 5)
        let (b, t, f) = (3, 4, 4)
        let order = generator.permutation(count: b * t * f)
        let spacing: Float = config.activation == .tanh ? 0.05 : 0.5
        let x = Tensor(shape: [b, t, f], scalars: order.map { spacing * Float($0 - b * t * f / 2) })
        let lengths = [4, 1, 3]
        let head = try SequenceHead(
            pooling: config.pooling, inputSize: f, outputSize: 3, directions: config.directions,
            activation: config.activation, generator: &generator)
        let (y, cache) = try head.forward(x, lengths: lengths)
        let r = Tensor.normal(y.shape, using: &generator)
        let (dx, gradients) = head.backward(r, cache: cache)
        var results = [
            try GradientCheck.compare(
                "features", at: x, gradient: dx, direction: GradientCheck.direction(along: dx, using: &generator),
                step: 1e-2) { SequenceTestMath.dot(try head($0, lengths: lengths), r) }
        ]
        for (name, value) in head.parameters {
            let gradient = gradients[name]!
            results.append(
                try GradientCheck.compare(
                    name, at: value, gradient: gradient,
                    direction: GradientCheck.direction(along: gradient, using: &generator), step: 1e-2
                ) { moved in
                    var copy = head
                    copy.updateParameters { other, tensor in if other == name { tensor = moved } }
                    return SequenceTestMath.dot(try copy(x, lengths: lengths), r)
                })
        }
        #expect(results.map(\.name) == ["features", "weight", "bias"])
        for result in results { #expect(result.relativeError < 1e-3, "\(config) \(result)") }
    }

    @Test func badInputThrows() throws {
        var generator = RandomGenerator(seed: 6)
        let head = try SequenceHead(pooling: .mean, inputSize: 2, outputSize: 1, generator: &generator)
        #expect(throws: RecurrentError.invalidArgument(name: "features", value: "of shape [2, 3, 3]", reason: "expected [B, T, 2]")) {
            _ = try head(Tensor.zeros([2, 3, 3]))
        }
        #expect(throws: RecurrentError.invalidArgument(name: "lengths[1]", value: "0", reason: "must lie in 1…3 (the input's T)")) {
            _ = try head(features, lengths: [3, 0])
        }
        #expect(throws: RecurrentError.invalidArgument(name: "lengths", value: "of count 1", reason: "expected one per sequence (2)")) {
            _ = try head(features, lengths: [3])
        }
        #expect(throws: RecurrentError.self) {
            _ = try SequenceHead(pooling: .last, inputSize: 3, outputSize: 1, directions: 2, generator: &generator)
        }
        #expect(head.parameters.names == ["weight", "bias"])
    }
}
