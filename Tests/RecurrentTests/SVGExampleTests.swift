import Foundation
import Recurrent
import Testing

/// One plot of each kind from the project's own data and layers: a loss
/// curve, a Mackey-Glass forecast with its train/test boundary, an LSTM's
/// hidden states, a model comparison. They must parse and draw their data;
/// with `RECURRENT_SVG_EXAMPLES=FOLDER` set, they are also written there to
/// be looked at (`rsvg-convert -o loss.png loss.svg`).
@Suite struct SVGExampleTests {
    static func examples() throws -> [(name: String, plot: any SVGPlot)] {
        // Loss curves that fall from about 1 to 10⁻³, validation a little above.
        var generator = RandomGenerator(seed: 3)
        let epochs = 60
        let training = (0..<epochs).map { 0.9 * exp(-Double($0) / 9) + 0.001 + 0.002 * generator.nextDouble() }
        let validation = training.map { $0 * 1.15 + 0.002 }
        let loss = LinePlot(
            title: "LSTM on Mackey-Glass (τ = 17)", xAxis: PlotAxis("Epoch"),
            yAxis: PlotAxis("Loss", unit: "MSE", scale: .logarithmic),
            series: [LineSeries(name: "training", y: training, xStart: 1),
                     LineSeries(name: "validation", y: validation, xStart: 1)])

        // Truth, and a forecast over the last fifth with the boundary marked.
        let truth = try MackeyGlass().series(length: 1500).scalars.map(Double.init)
        let boundary = 1200
        let forecastValues = (boundary..<truth.count).map { truth[$0] + 0.03 * sin(Double($0) / 7) }
        let forecast = LinePlot(
            title: "One-step forecast <test period>", xAxis: PlotAxis("Time", unit: "steps"),
            yAxis: PlotAxis("x(t)", unit: "a.u."),
            series: [LineSeries(name: "truth", y: truth),
                     LineSeries(name: "forecast", y: forecastValues, xStart: Double(boundary), dashed: true)],
            markers: [VerticalMarker(x: Double(boundary), label: "train | test")])

        // An LSTM's hidden states over a sine-mixture sequence.
        var weights = RandomGenerator(seed: 42)
        let lstm = try RecurrentLayer(cell: .lstm, inputSize: 1, hiddenSize: 24, generator: &weights)
        let input = try SineMixture().series(length: 160, generator: &weights)
        let (output, _) = try lstm(input.reshaped([1, 160, 1]))                      // [1, T, H]
        let states = output.reshaped([160, 24]).transposed()                         // [H, T]
        let hidden = HeatMap(title: "LSTM hidden state h", values: states, xAxis: PlotAxis("Time step"),
                             yAxis: PlotAxis("Hidden unit"), colorLabel: "h")

        let compare = BarChart(
            title: "Mackey-Glass, one step ahead", categories: ["persistence", "MLP", "Elman RNN", "LSTM", "GRU"],
            series: [BarSeries(name: "validation", values: [0.0412, 0.0121, 0.0098, 0.0031, 0.0035]),
                     BarSeries(name: "test", values: [0.0425, 0.0133, 0.0104, 0.0034, 0.0037])],
            categoryAxis: PlotAxis("Model"), valueAxis: PlotAxis("RMSE", unit: "a.u."))
        return [("loss", loss), ("forecast", forecast), ("hidden", hidden), ("compare", compare)]
    }

    @Test func examplesParseAndDrawTheirData() throws {
        let examples = try SVGExampleTests.examples()
        let counts = try examples.map { try ParsedSVG($0.plot.svg) }.map { svg in
            [svg.all("path", class: "series").count, svg.all("rect", inGroup: "cells").count,
             svg.all("rect", class: "bar").count]
        }
        #expect(counts == [[2, 0, 0], [2, 0, 0], [0, 24 * 160, 0], [0, 0, 10]])
        if let folder = ProcessInfo.processInfo.environment["RECURRENT_SVG_EXAMPLES"] {
            for (name, plot) in examples {
                try plot.write(to: URL(fileURLWithPath: folder).appendingPathComponent(name + ".svg"))
            }
        }
    }
}
