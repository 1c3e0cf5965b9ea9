import ArgumentParser
import Recurrent

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a multilayer perceptron on y = sin(x) and print what it learned.",
        discussion: """
            Generates 512 points of y = sin(x) on [−π, π] (seeded), trains an MLP \
            1 → H → H → 1 with tanh units by Adam on mini-batches, and prints the \
            training loss per epoch, the test mean squared error against always \
            answering the mean (0.5 for sin on a full period), and a few predictions.
            """)

    @Option(help: "Hidden units per layer (≥ 1).")
    var hidden = 32

    @Option(help: "Passes over the training data (≥ 1).")
    var epochs = 200

    @Option(help: "Rows per update (≥ 1).")
    var batchSize = 32

    @Option(help: "Adam's learning rate (> 0).")
    var learningRate: Float = 0.01

    @Option(help: "Seed of the data, the weights and the shuffle.")
    var seed: UInt64 = 42

    func validate() throws {
        guard hidden >= 1 else { throw ValidationError("--hidden must be at least 1, got \(hidden)") }
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        guard learningRate.isFinite, learningRate > 0 else {
            throw ValidationError("--learning-rate must be finite and positive, got \(learningRate)")
        }
    }

    func run() throws {
        var generator = RandomGenerator(seed: seed)
        let x = Tensor.uniform([512, 1], low: -Float.pi, high: Float.pi, using: &generator)
        let y = x.map { sinf($0) }
        let trainRows = Array(0..<448), testRows = Array(448..<512)
        let (trainX, trainY) = (x.gatheringRows(trainRows), y.gatheringRows(trainRows))
        let (testX, testY) = (x.gatheringRows(testRows), y.gatheringRows(testRows))

        let model = Sequential(
            try Dense(inputSize: 1, outputSize: hidden, activation: .tanh, generator: &generator),
            try Dense(inputSize: hidden, outputSize: hidden, activation: .tanh, generator: &generator),
            try Dense(inputSize: hidden, outputSize: 1, generator: &generator))
        var trainer = try Trainer(model: model, optimizer: try Adam(learningRate: learningRate), loss: .meanSquaredError)
        print("MLP 1 → \(hidden) → \(hidden) → 1 (tanh), \(model.parameterCount) parameters, Adam lr \(learningRate)")
        print("y = sin(x) on [−π, π]: \(trainRows.count) training points, \(testRows.count) test points, seed \(seed)")
        for epoch in 1...epochs {
            let loss = try trainer.trainEpoch(inputs: trainX, targets: trainY, batchSize: batchSize, generator: &generator)
            if epoch == 1 || epoch % max(1, epochs / 10) == 0 || epoch == epochs {
                print("epoch \(pad(epoch, 4))  training MSE \(format(loss))")
            }
        }
        let testMSE = trainer.evaluate(inputs: testX, targets: testY)
        let mean = trainY.mean()
        let baseline = Loss.meanSquaredError(Tensor(repeating: mean, shape: testY.shape), target: testY).value
        print("test MSE \(format(testMSE))   (always answering the mean: \(format(baseline)))")
        let prediction = trainer.model(testX)
        print("     x    sin(x)   predicted")
        for row in 0..<5 {
            print("\(format(testX[row, 0], 6))  \(format(testY[row, 0], 8))  \(format(prediction[row, 0], 10))")
        }
    }
}

func pad(_ value: Int, _ width: Int) -> String {
    let text = String(value)
    return String(repeating: " ", count: max(0, width - text.count)) + text
}

/// A float with 4 decimals, right-aligned to `width`.
func format(_ value: Float, _ width: Int = 0) -> String {
    let scaled = (Double(value) * 10_000).rounded() / 10_000
    var text = String(scaled)
    if let dot = text.firstIndex(of: "."), !text.contains("e") {
        let decimals = text.distance(from: dot, to: text.endIndex) - 1
        text += String(repeating: "0", count: max(0, 4 - decimals))
    }
    return String(repeating: " ", count: max(0, width - text.count)) + text
}
