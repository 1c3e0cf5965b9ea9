import Foundation
import Recurrent

/// README.md, "Use it from Swift": the layer, its gradients, streaming and files.
enum ReadmeLayer {
    static func run() throws {
        try Inputs.writeLSTM("from_pytorch.safetensors")
        var generator = RandomGenerator(seed: 42)
        let lstm = try RecurrentLayer(cell: .lstm, inputSize: 8, hiddenSize: 32, layers: 2, generator: &generator)
        let x = Tensor.normal([4, 10, 8], using: &generator)            // [B, T, D]
        let (y, state) = try lstm(x, lengths: [10, 7, 3, 10])            // y: [4, 10, 32]

        // Training: forward keeps what backward needs.
        let (output, _, cache) = try lstm.forward(x, generator: &generator)
        let (dx, dState, gradients) = lstm.backward(output, cache: cache)   // ∂(½Σy²)/∂…

        // Streaming, one step at a time, bit-identical to the whole sequence.
        let stream = try RecurrentStream(lstm)
        var s = lstm.zeroState(batchSize: 4)
        let y0 = try stream.step(Tensor.zeros([4, 8]), state: &s)       // [4, 32]; s is Codable

        // Weights in and out, PyTorch's names.
        try ModelFile(layer: lstm).write(to: URL(fileURLWithPath: "lstm.safetensors"))
        let imported = try ModelFile(contentsOf: URL(fileURLWithPath: "from_pytorch.safetensors")).layer

        try expect(y.shape == [4, 10, 32] && y0.shape == [4, 32] && dx.shape == x.shape, "shapes")
        try expect(state.h.shape == [2, 4, 32] && dState.h.shape == [2, 4, 32] && !gradients.names.isEmpty, "states")
        try expect(imported.hiddenSize == 32, "the imported layer")
    }
}

/// README.md, "Use it from Swift": a forecaster through `fit`.
enum ReadmeFit {
    static func run() throws {
        try Inputs.writeLoadCSV()
        let table = try CSVTable(contentsOf: URL(fileURLWithPath: "load.csv"))
        let data = try SeriesDataset(table: table, options: SeriesOptions(features: ["load"], targets: ["load"], window: 48))
        let model = try SequenceModel(input: .features(1), cell: .lstm, hiddenSize: 32, outputSize: 1, pooling: .last, seed: 42)
        var trainer = try SequenceTrainer(model: model, optimizer: try Adam(learningRate: 5e-3), loss: .meanSquaredError)
        let history = try trainer.fit(data.train.batch, validation: data.validation.batch,
                                      options: FitOptions(epochs: 20, patience: 5), callbacks: [EpochLog()])
        try expect(history.epochs.count >= 1 && history.bestValidationLoss! < history.epochs[0].trainLoss, "fit learned")
    }
}

/// README.md, "Backtest a forecaster": a model file rolled over the test part with refits.
enum ReadmeBacktest {
    static func run() throws {
        try Inputs.writeLoadCSV()
        try Inputs.writeLoadForecaster("load.safetensors")
        let series = try CSVTable(contentsOf: URL(fileURLWithPath: "load.csv")).numericColumns(["load"])
        let file = try ForecastModelFile(contentsOf: URL(fileURLWithPath: "load.safetensors"))
        let backtest = try Backtest(forecaster: file, series: series, options: BacktestOptions(stride: 6, refitEvery: 4, season: 24))
        for (j, step) in backtest.errors.model.perStep.enumerated() { print("h=\(j + 1)", step.rmse, step.mase ?? .nan) }
        if backtest.errors.modelLoses, let best = backtest.errors.bestBaseline { print("loses to", best.baseline.rawValue) }
        // Test rows 510…599, origins 509, 515, …, 593 (15), refitted at every 4th.
        try expect(backtest.origins == Array(stride(from: 509, through: 593, by: 6)), "origins")
        try expect(backtest.refitOrigins == [509, 533, 557, 581], "refit origins")
        try expect(backtest.errors.model.perStep.count == 2, "one row per horizon step")
    }
}

/// Throws when a snippet's result is not what its document says.
func expect(_ condition: Bool, _ what: String) throws {
    struct SnippetFailure: Error, CustomStringConvertible { var description: String }
    if !condition { throw SnippetFailure(description: "unexpected \(what)") }
}
