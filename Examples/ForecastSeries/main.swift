// Forecast a series from a CSV table with an LSTM, in about 30 lines:
//   swift run -c release ForecastSeries [file.csv column]
// Without arguments it makes its own table: a noisy daily cycle.
import Foundation
import Recurrent

let arguments = CommandLine.arguments.dropFirst()
let table: CSVTable
let column: String
if arguments.count == 2 {
    table = try CSVTable(contentsOf: URL(fileURLWithPath: arguments.first!))
    column = arguments.last!
} else {
    var generator = RandomGenerator(seed: 7)
    let rows = (0..<2000).map { t in "\(t),\(sin(Double(t) * 2 * .pi / 24) + 0.1 * Double(generator.nextFloat()))" }
    table = try CSVTable(string: (["hour,load"] + rows).joined(separator: "\n"), name: "generated.csv")
    column = "load"
}

// Windows of 48 steps, one step ahead; normalised with the training part's statistics.
let options = SeriesOptions(features: [column], targets: [column], inputLength: 48)
let data = try SeriesDataset(table: table, options: options)

var generator = RandomGenerator(seed: 42)
let model = try SequenceModel(
    input: .features(1), cell: .lstm, hiddenSize: 32, outputSize: 1, pooling: .last, generator: &generator)
var trainer = try SequenceTrainer(
    model: model, optimizer: try Adam(learningRate: 5e-3), loss: .meanSquaredError, maxGradientNorm: 1)
for epoch in 1...20 {
    let loss = try trainer.trainEpoch(data.train.batch!, batchSize: 32, generator: &generator)
    if epoch % 5 == 0 { print("epoch \(epoch): training loss \(loss)") }
}

let forecast = try data.targetsInOriginalUnits(try trainer.model(data.test.input))
let lstm = try ForecastErrors(prediction: forecast, truth: data.test.targetsInOriginalUnits)
let persistence = try ForecastErrors(
    prediction: data.persistenceForecast(for: .test), truth: data.test.targetsInOriginalUnits)
print("test RMSE: LSTM \(lstm.rmse), persistence \(persistence.rmse)")
