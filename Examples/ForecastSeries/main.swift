// Train, evaluate and save an LSTM forecaster through `fit`, in 20 lines:
//   swift run -c release ForecastSeries [file.csv column]
// Without arguments it makes its own table: a noisy daily cycle.
import Foundation
import Recurrent

let arguments = Array(CommandLine.arguments.dropFirst())
let (table, column) =
    arguments.count == 2
    ? (try CSVTable(contentsOf: URL(fileURLWithPath: arguments[0])), arguments[1])
    : (try CSVTable(string: "hour,load\n" + (0..<2000).map { "\($0),\(sin(Double($0) * .pi / 12) + 0.1 * sin(Double($0 * $0)))" }.joined(separator: "\n"), name: "generated.csv"), "load")

// Windows of 48 steps, one step ahead, normalised with the training part's statistics.
let data = try SeriesDataset(table: table, options: SeriesOptions(features: [column], targets: [column], window: 48))
let model = try SequenceModel(input: .features(1), cell: .lstm, hiddenSize: 32, outputSize: 1, pooling: .last, seed: 42)
var trainer = try SequenceTrainer(model: model, optimizer: try Adam(learningRate: 5e-3), loss: .meanSquaredError, maxGradientNorm: 1)
let history = try trainer.fit(data.train.batch, validation: data.validation.batch, options: FitOptions(epochs: 20, patience: 5), callbacks: [EpochLog()])

let lstm = try ForecastErrors(prediction: data.targetsInOriginalUnits(trainer.model(data.test.input)), truth: data.test.targetsInOriginalUnits)
let persistence = try ForecastErrors(prediction: data.persistenceForecast(for: .test), truth: data.test.targetsInOriginalUnits)
print("test RMSE: LSTM \(lstm.rmse) (epoch \(history.modelEpoch)), persistence \(persistence.rmse)")
try ForecastModelFile(model: trainer.model, options: data.options, normalization: data.normalization).write(to: URL(fileURLWithPath: "forecaster.safetensors"))
