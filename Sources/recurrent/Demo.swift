import ArgumentParser
import Foundation
import Recurrent

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Forecast the Mackey–Glass series with an LSTM, beside an MLP and the persistence forecast.",
        discussion: """
            Generates the chaotic Mackey–Glass series (τ = 17, one sample per unit of \
            time), splits it in time into 70% training and 30% test, normalises it \
            with the training part's mean and deviation, and forecasts the value \
            `horizon` steps after each window of `window` steps. It trains a \
            recurrent network (an LSTM by default) and an MLP that sees the same \
            window flattened, both by Adam, and prints each one's test RMSE in the \
            series' own units beside the persistence forecast (the window's last \
            value), which any useful model must beat.
            """)

    @Option(help: "The recurrent cell: lstm, gru or rnn.")
    var cell = "lstm"

    @Option(parsing: .unconditional, help: "Hidden units of the recurrent layer and of each MLP layer (≥ 1).")
    var hidden = 32

    @Option(parsing: .unconditional, help: "Steps of history each forecast sees (≥ 2).")
    var window = 24

    @Option(parsing: .unconditional, help: "How many steps ahead to forecast (≥ 1).")
    var horizon = 6

    @Option(parsing: .unconditional, help: "Passes over the training windows (≥ 1).")
    var epochs = 150

    @Option(parsing: .unconditional, help: "Seed of the weights and the shuffle.")
    var seed: UInt64 = 42

    @Option(
        parsing: .unconditional,
        help:
            "The folder for the SVG plots (loss per epoch, forecasts against the truth, hidden states); created if missing."
    )
    var plots = "demo-plots"

    @Flag(help: "Write no plots.")
    var noPlots = false

    func validate() throws {
        guard ["lstm", "gru", "rnn"].contains(cell) else {
            throw ValidationError("--cell must be lstm, gru or rnn, got '\(cell)'")
        }
        guard hidden >= 1 else { throw ValidationError("--hidden must be at least 1, got \(hidden)") }
        guard window >= 2 else { throw ValidationError("--window must be at least 2, got \(window)") }
        guard horizon >= 1 else { throw ValidationError("--horizon must be at least 1, got \(horizon)") }
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        guard window + horizon <= 400 else {
            throw ValidationError(
                "--window plus --horizon must be at most 400 (the test part), got \(window + horizon)")
        }
    }

    func run() throws {
        if !noPlots { try makeOutputFolder(plots, "--plots") }
        let length = 2000
        let series = try MackeyGlass().series(length: length).scalars
        // 70% training, 30% test in time, z-scored with the training part's statistics;
        // each window of `window` steps forecasts the next `horizon` steps.
        let data = try SeriesDataset(
            NumericColumns(names: ["x"], values: [series], source: "Mackey–Glass"),
            options: SeriesOptions(
                features: ["x"], targets: ["x"], window: window, horizon: horizon,
                split: SplitFractions(train: 0.7, validation: 0, test: 0.3)))
        print("Mackey–Glass τ = 17: \(length) steps, \(data.train.count) training and \(data.test.count) test windows")
        print("forecast steps 1 … \(horizon) ahead from \(window) steps of history, seed \(seed)\n")
        let truth = data.test.targetsInOriginalUnits
        let persistence = try ForecastErrors(prediction: data.persistenceForecast(for: .test), truth: truth)
        let fitOptions = FitOptions(epochs: epochs, batchSize: 32, seed: seed)

        let recurrentCell: Cell = cell == "lstm" ? .lstm : cell == "gru" ? .gru : .elman(.tanh)
        let model = try SequenceModel(
            input: .features(1), cell: recurrentCell, hiddenSize: hidden, outputSize: horizon, pooling: .last,
            seed: seed)
        var trainer = try SequenceTrainer(
            model: model, optimizer: try Adam(learningRate: 5e-3), loss: .meanSquaredError, maxGradientNorm: 1,
            seed: seed)
        let recurrentHistory = try trainer.fit(data.train.batch, options: fitOptions)
        let recurrentPrediction = try data.targetsInOriginalUnits(trainer.model(data.test.input))
        let recurrentError = try ForecastErrors(prediction: recurrentPrediction, truth: truth)

        var generator = RandomGenerator(seed: seed &+ 1)
        var mlp = try WindowMLP(
            input: .features(1), steps: window, hiddenSizes: [hidden, hidden], outputSize: horizon,
            generator: &generator)
        var mlpTrainer = try Trainer(
            model: mlp.network, optimizer: try Adam(learningRate: 5e-3), loss: .meanSquaredError, maxGradientNorm: 1)
        let mlpHistory = try mlpTrainer.fit(
            TensorDataset(inputs: mlp.flatten(data.train.input), targets: data.train.targets), options: fitOptions)
        mlp.replaceNetwork(mlpTrainer.model)
        let mlpPrediction = try data.targetsInOriginalUnits(mlp(data.test.input))
        let mlpError = try ForecastErrors(prediction: mlpPrediction, truth: truth)

        func rmse(_ errors: ForecastErrors) -> Float { Float(errors.rmse) }
        print("model                          parameters   training s   test RMSE")
        print("persistence (last value)       \(pad(0, 10))   \(format(0, 10))   \(format(rmse(persistence), 9))")
        print(
            "MLP \(window) → \(hidden) → \(hidden) → \(horizon)".padding(toLength: 31, withPad: " ", startingAt: 0)
                + "\(pad(mlp.parameterCount, 10))   \(format(Float(mlpHistory.seconds), 10))   \(format(rmse(mlpError), 9))")
        print(
            "\(cell.uppercased()) 1 → \(hidden), last step → \(horizon)".padding(toLength: 31, withPad: " ", startingAt: 0)
                + "\(pad(trainer.model.parameterCount, 10))   \(format(Float(recurrentHistory.seconds), 10))   "
                + format(rmse(recurrentError), 9))
        print(
            "\n\(cell.uppercased()) test RMSE is \(format(rmse(recurrentError) / rmse(persistence))) × persistence's, "
                + "\(format(rmse(recurrentError) / rmse(mlpError))) × the MLP's"
        )
        guard !noPlots else { return }
        let name = cell.uppercased()
        // The last output of the window ending at row e forecasts row e + horizon.
        let rows = data.test.endRows.map { Double($0 + horizon) }
        func lastStep(_ t: Tensor) -> [Double] { (0..<t.shape[0]).map { Double(t[$0, horizon - 1]) } }
        let figures: [(String, any SVGPlot)] = [
            (
                "loss.svg",
                LinePlot(
                    title: "Training loss per epoch: MSE of the z-scored series",
                    xAxis: PlotAxis("epoch", ticks: epochTicks((1...epochs).map(Double.init))),
                    yAxis: PlotAxis("MSE", unit: "z-score units²", scale: .logarithmic),
                    series: [
                        LineSeries(name: name, y: recurrentHistory.trainLosses, xStart: 1),
                        LineSeries(name: "MLP", y: mlpHistory.trainLosses, xStart: 1, dashed: true),
                    ])
            ),
            (
                "forecast.svg",
                LinePlot(
                    title: "Mackey–Glass: \(horizon)-step forecasts against the truth",
                    xAxis: PlotAxis("time step"), yAxis: PlotAxis("x(t)"),
                    series: [
                        LineSeries(name: "truth", x: (0..<length).map(Double.init), y: series.map(Double.init)),
                        LineSeries(name: "\(name) forecast", x: rows, y: lastStep(recurrentPrediction)),
                        LineSeries(name: "MLP forecast", x: rows, y: lastStep(mlpPrediction), dashed: true),
                    ],
                    markers: [VerticalMarker(x: Double(data.test.rows.lowerBound), label: "test")])
            ),
        ]
        var written: [String] = []
        do {
            var all = figures
            all.append(
                (
                    "hidden.svg",
                    try HeatMap.hiddenStates(
                        of: trainer.model, sequence: data.test.batch, title: "\(name) hidden states over the first test window")
                ))
            for (file, plot) in all {
                let path = (plots.hasSuffix("/") ? plots : plots + "/") + file
                try plot.write(to: URL(fileURLWithPath: path))
                written.append(path)
            }
        } catch {
            throw usageFailure("--plots \(plots): cannot be written: \(error.localizedDescription)")
        }
        print("plots: \(written.joined(separator: ", "))")
    }
}

/// Seconds on a monotonic clock (the library's, which runs on every platform).
func now() -> Double { monotonicSeconds() }

func pad(_ value: Int, _ width: Int) -> String {
    let text = String(value)
    return String(repeating: " ", count: max(0, width - text.count)) + text
}

/// A float with 4 decimals, right-aligned to `width`; 4 significant digits
/// in exponent form beyond a million.
func format(_ value: Float, _ width: Int = 0) -> String {
    if value.isFinite, abs(value) >= 1e6 {
        let text = String(format: "%.3e", Double(value))
        return String(repeating: " ", count: max(0, width - text.count)) + text
    }
    let scaled = (Double(value) * 10_000).rounded() / 10_000
    var text = String(scaled)
    if let dot = text.firstIndex(of: "."), !text.contains("e") {
        let decimals = text.distance(from: dot, to: text.endIndex) - 1
        text += String(repeating: "0", count: max(0, 4 - decimals))
    }
    return String(repeating: " ", count: max(0, width - text.count)) + text
}
