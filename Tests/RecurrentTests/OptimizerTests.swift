import Recurrent
import RecurrentTestSupport
import Testing

/// Optimisers against the torch.optim update rules, gradient clipping, and
/// hyperparameter checks.
///
/// Expected parameters come from `python3 scripts/optimizer_reference.py`,
/// which implements each rule from the torch.optim documentation in plain
/// Python floats: three steps from θ₀ = [0.5, −1, 2] with fixed gradients.
@Suite struct OptimizerTests {
    private let gradients: [[Float]] = [[0.1, -0.2, 0.3], [-0.4, 0.5, 0.05], [0.2, 0.2, -0.6]]

    /// θ after each of the three steps.
    private func run(_ optimizer: some Optimizer) -> [[Float]] {
        var optimizer = optimizer
        var theta = Tensor([0.5, -1, 2])
        return gradients.map { gradient in
            optimizer.update(&theta, gradient: Tensor(gradient), name: "p")
            return theta.scalars
        }
    }

    /// Each step is a handful of Float32 operations (rounding 6e-8 each)
    /// against a Double reference; three steps stay within ~1e-6 of θ ≈ 1.
    /// Tolerance 1e-5 · max(1, |expected|). A wrong rule (a missing bias correction, ε inside the
    /// square root, coupled instead of decoupled decay) moves θ by > 1e-3.
    private func expectSteps(_ observed: [[Float]], _ expected: [[Double]], _ what: String) {
        #expect(observed.count == expected.count, "\(what): \(observed.count) steps, expected \(expected.count)")
        for (step, (o, e)) in zip(observed, expected).enumerated() {
            #expect(mismatch(o, e, absolute: 1e-5, relative: 1e-5) == nil, "\(what) step \(step + 1)")
        }
    }

    @Test func sgd() throws {
        expectSteps(run(try SGD(learningRate: 0.1)), [[0.49, -0.98, 1.97], [0.53, -1.03, 1.965], [0.51, -1.05, 2.025]], "SGD")
        expectSteps(
            run(try SGD(learningRate: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01)),
            [[0.4895, -0.979, 1.968], [0.51560945, -1.0042189, 1.9329288],
             [0.520643906495, -1.04401211299, 1.95362508408]], "SGD momentum")
        expectSteps(
            run(try SGD(learningRate: 0.1, momentum: 0.9, weightDecay: 0.01, nesterov: true)),
            [[0.48005, -0.9601, 1.9392], [0.546632905, -1.03626581, 1.90009552],
             [0.5319509619805, -1.096710223961, 1.981536586512]], "SGD Nesterov")
    }

    @Test func adamAndAdamW() throws {
        expectSteps(
            run(try Adam(learningRate: 0.1)),
            [[0.40000000999999896, -0.9000000049999998, 1.9000000033333333],
             [0.45595035748512835, -0.9442215302172329, 1.821667272150606],
             [0.4669677234642676, -0.9985158281281918, 1.8513024131101938]], "Adam")
        expectSteps(
            run(try Adam(learningRate: 0.1, epsilon: 0.1)),
            [[0.45, -0.9333333333333333, 1.925], [0.4916631571957355, -0.9683584729657272, 1.8715342283462544],
             [0.49965870587034283, -1.0100748194569271, 1.8951026694574717]], "Adam, ε = 0.1")
        expectSteps(
            run(try Adam(learningRate: 0.1, weightDecay: 0.1, amsgrad: true)),
            [[0.40000000666666624, -0.9000000033333332, 1.900000002],
             [0.4429341513610014, -0.9205098564205757, 1.8073841626213918],
             [0.4371302589336939, -0.9493032297697915, 1.7888373703392126]], "Adam, L2 and AMSGrad")
        expectSteps(
            run(try AdamW(learningRate: 0.1, weightDecay: 0.1)),
            [[0.39500000999999896, -0.8900000049999998, 1.8800000033333333],
             [0.44700035738512833, -0.9253215301672328, 1.7828672721172727],
             [0.4535477197904163, -0.9703626127765195, 1.7946737403556878]], "AdamW")
    }

    @Test func rmsprop() throws {
        expectSteps(
            run(try RMSprop(learningRate: 0.01)),
            [[0.40000009999990005, -0.9000000499999751, 1.9000000333333222],
             [0.49704287266865177, -0.9929118010156807, 1.8834795737804584],
             [0.4532111545062486, -1.0279025060930336, 1.9728543804959826]], "RMSprop")
        expectSteps(
            run(try RMSprop(learningRate: 0.01, epsilon: 0.05, weightDecay: 0.1, momentum: 0.9, centered: true)),
            [[0.4768963518871002, -0.9624293780855163, 1.9498743710661997],
             [0.4960441046577752, -0.9689108624695123, 1.881419929774713],
             [0.48714614924179456, -0.9849560353927512, 1.8544855220050243]], "RMSprop centered, momentum")
    }

    @Test func adagrad() throws {
        expectSteps(
            run(try Adagrad(learningRate: 0.1, learningRateDecay: 0.5, weightDecay: 0.1, initialAccumulatorValue: 0.1, epsilon: 0.1)),
            [[0.4666666666666667, -0.9440183509409887, 1.9277047090720645],
             [0.5061009249926518, -0.9829018614490197, 1.9058181812256254],
             [0.4870260356878928, -0.9901252406296877, 1.9296405116608957]], "Adagrad")
    }

    @Test func stepUpdatesAModelByNameAndSkipsMissingGradients() throws {
        var model = Sequential(try Dense(weight: Tensor(rows: [[1, 2]]), bias: Tensor([3])), Activation.tanh)
        var optimizer = try SGD(learningRate: 0.5)
        optimizer.step(&model, gradients: NamedTensors([("0.weight", Tensor(rows: [[2, -2]]))]))
        #expect(model.parameters["0.weight"] == Tensor(rows: [[0, 3]]))
        #expect(model.parameters["0.bias"] == Tensor([3]))
    }

    @Test func stateIsKeptPerParameterName() throws {
        var optimizer = try Adam(learningRate: 0.1)
        var a = Tensor([1]), b = Tensor([1])
        optimizer.update(&a, gradient: Tensor([1]), name: "a")
        optimizer.update(&a, gradient: Tensor([1]), name: "a")
        optimizer.update(&b, gradient: Tensor([1]), name: "b")
        #expect(optimizer.state["a"]?.step == 2 && optimizer.state["b"]?.step == 1)
        #expect(optimizer.state["b"]?.maxExpAvgSq == nil)
    }

    @Test func clippingScalesToTheMaximumNormAndReturnsTheTotal() throws {
        var gradients = NamedTensors([("a", Tensor([3, 4])), ("b", Tensor([12]))])  // ‖g‖ = 13
        let untouched = gradients
        #expect(try gradients.clipGlobalNorm(maxNorm: 20) == 13)
        #expect(gradients == untouched)
        #expect(try gradients.clipGlobalNorm(maxNorm: 6.5) == 13)
        let scale = Float(6.5 / (13 + 1e-6))
        #expect(gradients["a"] == Tensor([3 * scale, 4 * scale]) && gradients["b"] == Tensor([12 * scale]))
        #expect(abs(Float(gradients.globalNorm()) - 6.5) < 1e-5)
        var poisoned = NamedTensors([("a", Tensor([.infinity, 1]))])
        #expect(try poisoned.clipGlobalNorm(maxNorm: 1) == .infinity)
        #expect(throws: RecurrentError.self) { try gradients.clipGlobalNorm(maxNorm: 0) }
    }

    @Test func badHyperparametersThrowNamingTheValue() {
        #expect(throws: RecurrentError.invalidArgument(name: "learningRate", value: "-0.1", reason: "must be finite and ≥ 0")) {
            _ = try SGD(learningRate: -0.1)
        }
        do {
            _ = try SGD(learningRate: -0.1)
        } catch {
            #expect("\(error)" == "invalid learningRate -0.1: must be finite and ≥ 0")
        }
        #expect(throws: RecurrentError.invalidArgument(name: "momentum", value: "1.0", reason: "must lie in [0, 1)")) {
            _ = try SGD(learningRate: 0.1, momentum: 1)
        }
        #expect(throws: RecurrentError.self) { _ = try SGD(learningRate: 0.1, nesterov: true) }
        #expect(throws: RecurrentError.self) { _ = try SGD(learningRate: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true) }
        #expect(throws: RecurrentError.self) { _ = try SGD(learningRate: .nan) }
        #expect(throws: RecurrentError.invalidArgument(name: "epsilon", value: "0.0", reason: "must be finite and > 0")) {
            _ = try Adam(epsilon: 0)
        }
        #expect(throws: RecurrentError.self) { _ = try Adam(beta1: 1) }
        #expect(throws: RecurrentError.self) { _ = try Adam(beta2: -0.5) }
        #expect(throws: RecurrentError.self) { _ = try AdamW(weightDecay: -1) }
        #expect(throws: RecurrentError.self) { _ = try AdamW(learningRate: .infinity) }
        #expect(throws: RecurrentError.self) { _ = try RMSprop(alpha: 1) }
        #expect(throws: RecurrentError.self) { _ = try RMSprop(momentum: -0.1) }
        #expect(throws: RecurrentError.self) { _ = try Adagrad(learningRateDecay: -1) }
        #expect(throws: RecurrentError.self) { _ = try Adagrad(initialAccumulatorValue: -1) }
    }
}
