import Recurrent
import Testing

/// Dense: the equation on hand values, PyTorch's layout and names, sequences,
/// backward against finite differences, and bad arguments.
@Suite struct DenseTests {
    private let weight = Tensor(rows: [[1, 2, 3], [-1, 0, 0.5]])  // [O=2, I=3]
    private let bias = Tensor([0.5, -2])

    @Test func forwardIsXTimesWTransposedPlusB() throws {
        let layer = try Dense(weight: weight, bias: bias)
        let x = Tensor(rows: [[1, 1, 1], [2, 0, -2]])
        // row 0: [1+2+3+0.5, -1+0+0.5-2] = [6.5, -2.5]; row 1: [2-6+0.5, -2-1-2] = [-3.5, -5]
        #expect(try layer(x) == Tensor(rows: [[6.5, -2.5], [-3.5, -5]]))
        let relu = try Dense(weight: weight, bias: bias, activation: .relu)
        #expect(try relu(x) == Tensor(rows: [[6.5, 0], [0, 0]]))
        let noBias = try Dense(weight: weight, bias: nil)
        #expect(try noBias(x) == Tensor(rows: [[6, -0.5], [-4, -3]]))
    }

    @Test func sequenceInputActsAtEveryTimeStep() throws {
        var generator = RandomGenerator(seed: 1)
        let layer = try Dense(inputSize: 3, outputSize: 4, activation: .tanh, generator: &generator)
        let x = Tensor.normal([2, 5, 3], using: &generator)  // [B, T, I]
        let y = try layer(x)
        #expect(y.shape == [2, 5, 4])
        for t in 0..<5 { #expect(try y.timeStep(t) == layer(x.timeStep(t))) }
    }

    @Test func parametersCarryPyTorchNamesAndShapes() throws {
        var generator = RandomGenerator(seed: 2)
        let layer = try Dense(inputSize: 3, outputSize: 2, generator: &generator)
        #expect(layer.parameters.names == ["weight", "bias"])
        #expect(layer.weight.shape == [2, 3] && layer.bias?.shape == [2])
        #expect(layer.parameterCount == 8)
        // PyTorch's nn.Linear default: everything within 1/√in.
        let bound = 1 / Float(3).squareRoot()
        #expect(layer.weight.scalars.allSatisfy { abs($0) <= bound })
        let keras = try Dense(inputSize: 3, outputSize: 2, initialization: .glorotUniform, generator: &generator)
        #expect(keras.bias == Tensor.zeros([2]))
        let noBias = try Dense(inputSize: 3, outputSize: 2, bias: false, generator: &generator)
        #expect(noBias.parameters.names == ["weight"])
    }

    @Test func loadParametersChecksEverythingFirst() throws {
        var layer = try Dense(weight: weight, bias: bias)
        let replacement = NamedTensors([("weight", weight * 2), ("bias", bias * 2)])
        try layer.loadParameters(replacement)
        #expect(layer.weight == weight * 2 && layer.bias == bias * 2)

        let before = layer
        #expect(throws: RecurrentError.missingParameter(name: "bias")) {
            try layer.loadParameters(NamedTensors([("weight", weight)]))
        }
        #expect(throws: RecurrentError.parameterShapeMismatch(name: "bias", expected: [2], actual: [3])) {
            try layer.loadParameters(NamedTensors([("weight", weight), ("bias", Tensor.zeros([3]))]))
        }
        #expect(throws: RecurrentError.unexpectedParameter(name: "scale")) {
            try layer.loadParameters(NamedTensors([("weight", weight), ("bias", bias), ("scale", bias)]))
        }
        #expect(layer.weight == before.weight && layer.bias == before.bias)
    }

    @Test func badSizesThrowNamingTheValue() {
        var generator = RandomGenerator(seed: 3)
        #expect(throws: RecurrentError.invalidArgument(name: "outputSize", value: "0", reason: "must be ≥ 1")) {
            _ = try Dense(inputSize: 3, outputSize: 0, generator: &generator)
        }
        #expect(throws: RecurrentError.self) { _ = try Dense(weight: Tensor.zeros([2, 3]), bias: Tensor.zeros([3])) }
        #expect(throws: RecurrentError.self) { _ = try Dense(weight: Tensor.zeros([6]), bias: nil) }
        let error = RecurrentError.invalidArgument(name: "outputSize", value: "0", reason: "must be ≥ 1")
        #expect(error.description == "invalid outputSize 0: must be ≥ 1")
    }

    /// Directional derivatives of Σ R ⊙ Dense(x), R ~ N(0, 1), for the input,
    /// the weight and the bias, by ``GradientCheck`` (five-point stencil,
    /// h = 1e-2).
    ///
    /// Tolerance 1e-3 relative to Σ|gᵢvᵢ|: Float32 rounding of the 30
    /// outputs divided by 12h/18 is ≈ 1e-5 and truncation h⁴·f⁽⁵⁾/30 is of
    /// the same order; measured over 40 seeds and every activation: at most
    /// 2.4e-4. A gradient only 1% too large errs by more than 1.3e-3.
    /// For ReLU (h = 1e-3) the test first checks that no pre-activation lies
    /// within 0.05 of the kink; the stencil moves one by 2h·|Σⱼ vᵢⱼxⱼ|, far less.
    @Test(arguments: Activation.allCases)
    func backwardMatchesFiniteDifferences(activation: Activation) throws {
        var generator = RandomGenerator(seed: 20)
        let layer = try Dense(inputSize: 5, outputSize: 6, activation: activation, generator: &generator)
        let x = Tensor.normal([5, 5], using: &generator)
        if activation == .relu {
            let z = try Dense(weight: layer.weight, bias: layer.bias)(x)
            #expect(z.scalars.allSatisfy { abs($0) > 0.05 }, "choose another seed: a pre-activation is near 0")
        }
        let step: Float = activation == .relu ? 1e-3 : 1e-2
        let results = try GradientCheck.check(layer, input: x, step: step, generator: &generator)
        #expect(results.map(\.name) == ["input", "weight", "bias"])
        for result in results { #expect(result.relativeError < 1e-3, "\(activation) \(result)") }
    }

    @Test func backwardOnSequencesAndWithoutBias() throws {
        var generator = RandomGenerator(seed: 21)
        let layer = try Dense(inputSize: 4, outputSize: 3, bias: false, activation: .sigmoid, generator: &generator)
        let x = Tensor.normal([2, 3, 4], using: &generator)  // [B, T, I]
        let results = try GradientCheck.check(layer, input: x, generator: &generator)
        #expect(results.map(\.name) == ["input", "weight"])
        for result in results { #expect(result.relativeError < 1e-3, "\(result)") }
        let (_, cache) = try layer.forward(x)
        #expect(layer.backward(Tensor.ones([2, 3, 3]), cache: cache).dInput.shape == [2, 3, 4])
    }
}
