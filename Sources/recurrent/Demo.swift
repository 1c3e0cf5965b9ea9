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
        if !noPlots { try makePlotsFolder(plots) }
        let length = 2000
        let series = try MackeyGlass().series(length: length).scalars
        let trainEnd = length * 7 / 10
        let mean = series[..<trainEnd].reduce(0, +) / Float(trainEnd)
        let deviation = (series[..<trainEnd].map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(trainEnd))
            .squareRoot()
        let normal = series.map { ($0 - mean) / deviation }

        // Window i covers steps i ..< i + window and forecasts step i + window + horizon − 1.
        func windows(_ range: Range<Int>) -> (input: Tensor, target: Tensor) {
            let starts = Array(range.lowerBound...(range.upperBound - window - horizon))
            let input = starts.flatMap { normal[$0..<($0 + window)] }
            let target = starts.map { normal[$0 + window + horizon - 1] }
            return (
                Tensor(shape: [starts.count, window, 1], scalars: input),
                Tensor(shape: [starts.count, 1], scalars: target)
            )
        }
        let train = windows(0..<trainEnd)
        let test = windows(trainEnd..<length)
        func rmse(_ prediction: Tensor, _ target: Tensor) -> Float {
            let squares = zip(prediction.scalars, target.scalars).map { ($0 - $1) * ($0 - $1) * deviation * deviation }
            return (squares.reduce(0, +) / Float(squares.count)).squareRoot()
        }
        print(
            "Mackey–Glass τ = 17: \(length) steps, \(train.input.shape[0]) training and \(test.input.shape[0]) test windows"
        )
        print("forecast \(horizon) step(s) ahead from \(window) steps of history, seed \(seed)\n")

        let last = Tensor(
            shape: [test.input.shape[0], 1], scalars: (0..<test.input.shape[0]).map { test.input[$0, window - 1, 0] })
        let persistence = rmse(last, test.target)

        var generator = RandomGenerator(seed: seed)
        let recurrentCell: Cell = cell == "lstm" ? .lstm : cell == "gru" ? .gru : .elman(.tanh)
        let model = try SequenceModel(
            input: .features(1), cell: recurrentCell, hiddenSize: hidden, outputSize: 1, pooling: .last,
            generator: &generator)
        var trainer = try SequenceTrainer(
            model: model, optimizer: try Adam(learningRate: 5e-3), loss: .meanSquaredError, maxGradientNorm: 1,
            seed: seed)
        let batch = try SequenceBatch(input: train.input, targets: train.target)
        var start = now()
        var recurrentLosses: [Double] = []
        for _ in 0..<epochs {
            recurrentLosses.append(Double(try trainer.trainEpoch(batch, batchSize: 32, generator: &generator)))
        }
        let recurrentSeconds = now() - start
        let recurrentPrediction = try trainer.model(test.input)
        let recurrentError = rmse(recurrentPrediction, test.target)

        let mlp = Sequential(
            try Dense(inputSize: window, outputSize: hidden, activation: .tanh, generator: &generator),
            try Dense(inputSize: hidden, outputSize: hidden, activation: .tanh, generator: &generator),
            try Dense(inputSize: hidden, outputSize: 1, generator: &generator))
        var mlpTrainer = try Trainer(
            model: mlp, optimizer: try Adam(learningRate: 5e-3), loss: .meanSquaredError, maxGradientNorm: 1)
        let flat = train.input.reshaped([train.input.shape[0], window])
        start = now()
        var mlpLosses: [Double] = []
        for _ in 0..<epochs {
            mlpLosses.append(
                Double(
                    try mlpTrainer.trainEpoch(inputs: flat, targets: train.target, batchSize: 32, generator: &generator)
                ))
        }
        let mlpSeconds = now() - start
        let mlpPrediction = mlpTrainer.model(test.input.reshaped([test.input.shape[0], window]))
        let mlpError = rmse(mlpPrediction, test.target)

        print("model                          parameters   training s   test RMSE")
        print("persistence (last value)       \(pad(0, 10))   \(format(0, 10))   \(format(persistence, 9))")
        print(
            "MLP \(window) → \(hidden) → \(hidden) → 1".padding(toLength: 31, withPad: " ", startingAt: 0)
                + "\(pad(mlp.parameterCount, 10))   \(format(Float(mlpSeconds), 10))   \(format(mlpError, 9))")
        print(
            "\(cell.uppercased()) 1 → \(hidden), last step → 1".padding(toLength: 31, withPad: " ", startingAt: 0)
                + "\(pad(trainer.model.parameterCount, 10))   \(format(Float(recurrentSeconds), 10))   \(format(recurrentError, 9))"
        )
        print(
            "\n\(cell.uppercased()) test RMSE is \(format(recurrentError / persistence)) × persistence's, \(format(recurrentError / mlpError)) × the MLP's"
        )
        guard !noPlots else { return }
        let name = cell.uppercased()
        // Forecast row of test window n: trainEnd + n + window + horizon − 1.
        let rows = (0..<test.input.shape[0]).map { Double(trainEnd + $0 + window + horizon - 1) }
        func units(_ t: Tensor) -> [Double] { t.scalars.map { Double($0 * deviation + mean) } }
        let figures: [(String, any SVGPlot)] = [
            (
                "loss.svg",
                LinePlot(
                    title: "Training loss per epoch: MSE of the z-scored series",
                    xAxis: PlotAxis("epoch", ticks: epochTicks((1...epochs).map(Double.init))),
                    yAxis: PlotAxis("MSE", unit: "z-score units²", scale: .logarithmic),
                    series: [
                        LineSeries(name: name, y: recurrentLosses, xStart: 1),
                        LineSeries(name: "MLP", y: mlpLosses, xStart: 1, dashed: true),
                    ])
            ),
            (
                "forecast.svg",
                LinePlot(
                    title: "Mackey–Glass: \(horizon)-step forecasts against the truth",
                    xAxis: PlotAxis("time step"), yAxis: PlotAxis("x(t)"),
                    series: [
                        LineSeries(name: "truth", x: (0..<length).map(Double.init), y: series.map(Double.init)),
                        LineSeries(name: "\(name) forecast", x: rows, y: units(recurrentPrediction)),
                        LineSeries(name: "MLP forecast", x: rows, y: units(mlpPrediction), dashed: true),
                    ],
                    markers: [VerticalMarker(x: Double(trainEnd), label: "test")])
            ),
        ]
        var written: [String] = []
        do {
            var all = figures
            all.append(
                (
                    "hidden.svg",
                    try HeatMap.hiddenStates(
                        of: trainer.model, sequence: try SequenceBatch(input: test.input, targets: test.target), title: "\(name) hidden states over the first test window")
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
