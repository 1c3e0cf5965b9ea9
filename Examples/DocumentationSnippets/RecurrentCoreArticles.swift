import Foundation
import Recurrent

/// RecurrentCore.docc, "Weights from and to PyTorch".
enum WeightsFromAndToPyTorch {
    static func run() throws {
        try Inputs.writeLSTM("lstm.safetensors")
        var random = RandomGenerator(seed: 2)
        let x = Tensor.normal([3, 5, 8], using: &random)
        let trainer = try SequenceTrainer(
            model: try SequenceModel(input: .features(8), cell: .lstm, hiddenSize: 32, outputSize: 1, pooling: .last, seed: 1),
            optimizer: try SGD(learningRate: 0.1), loss: .meanSquaredError)

        let layer = try ModelFile(contentsOf: URL(fileURLWithPath: "lstm.safetensors")).layer
        let (output, state) = try layer(x)   // x: [B, T, 8], batch first as in the PyTorch module

        try ModelFile(layer: trainer.model.recurrent).write(to: URL(fileURLWithPath: "trained.safetensors"))

        try expect(output.shape == [3, 5, 32] && state.c?.shape == [2, 3, 32], "the layer's output and state")
    }
}

/// RecurrentCore.docc, "Serve a model".
enum ServeAModel {
    static func run() throws {
        try Inputs.writeSequenceModel("model.safetensors")
        var random = RandomGenerator(seed: 4)
        let batch = Tensor.normal([2, 6, 3], using: &random), lengths = [6, 4]

        let model = try ModelFile(contentsOf: URL(fileURLWithPath: "model.safetensors")).sequenceModel(name: "model.safetensors")
        // In each request: a batch of sequences [B, T, D], their lengths.
        let y = try model(batch, lengths: lengths)

        try model.exportONNX(to: URL(fileURLWithPath: "model.onnx"))

        try expect(y.shape == [2, 2] && FileManager.default.fileExists(atPath: "model.onnx"), "the answer and the ONNX file")
    }
}

/// RecurrentCore.docc, "Stream in an app".
enum StreamInAnApp {
    static func run() throws {
        let model = try SequenceModel(input: .features(3), cell: .lstm, hiddenSize: 16, outputSize: 1, pooling: .last, seed: 9)
        var random = RandomGenerator(seed: 6)
        let readings = Tensor.normal([1, 5, 3], using: &random)

        let layer = model.recurrent
        let stream = try RecurrentStream(layer)             // throws for a bidirectional layer
        var state = layer.zeroState(batchSize: 1)
        func answer(to reading: Tensor) throws -> Tensor {  // reading: [1, D]
            let h = try stream.step(reading, state: &state) // [1, H]
            return try model.head(h.reshaped([1, 1, layer.outputSize]))  // [1, outputSize]
        }

        var last = Tensor.zeros([1, 1])
        for t in 0..<5 { last = try answer(to: readings.timeStep(t)) }

        let saved = try JSONEncoder().encode(state)
        state = try JSONDecoder().decode(RecurrentState.self, from: saved)

        let whole = try model(readings)
        try expect(abs(whole[0, 0] - last[0, 0]) <= 1e-5 * max(1, abs(whole[0, 0])), "the stream to match the whole sequence")
    }
}
