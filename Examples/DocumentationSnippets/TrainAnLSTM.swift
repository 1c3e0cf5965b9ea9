import Foundation
import Recurrent

/// Recurrent.docc, "Train an LSTM on a CSV".
enum TrainAnLSTM {
    static func run() throws {
        try Inputs.writeLoadCSV()
        let table = try CSVTable(contentsOf: URL(fileURLWithPath: "load.csv"))

        let options = SeriesOptions(features: ["load"], targets: ["load"], window: 48)
        let data = try SeriesDataset(table: table, options: options)

        let model = try SequenceModel(
            input: .features(1), cell: .lstm, hiddenSize: 32, outputSize: 1, pooling: .last, seed: 42)
        var trainer = try SequenceTrainer(
            model: model, optimizer: try Adam(learningRate: 5e-3), loss: .meanSquaredError, maxGradientNorm: 1)
        let history = try trainer.fit(
            data.train.batch, validation: data.validation.batch,
            options: FitOptions(epochs: 20, batchSize: 32, patience: 5), callbacks: [EpochLog()])

        let forecast = try data.targetsInOriginalUnits(try trainer.model(data.test.input))
        let lstm = try ForecastErrors(prediction: forecast, truth: data.test.targetsInOriginalUnits)
        let naive = try ForecastErrors(prediction: data.persistenceForecast(for: .test), truth: data.test.targetsInOriginalUnits)
        print("RMSE: LSTM \(lstm.rmse), persistence \(naive.rmse)")

        try ModelFile(layer: trainer.model.recurrent).write(to: URL(fileURLWithPath: "load-lstm.safetensors"))

        try expect(lstm.rmse < naive.rmse && history.modelEpoch >= 1, "the LSTM to beat persistence")
    }
}
