import Foundation
import Recurrent
import Testing

/// Grouped bar charts: bar geometry worked out by hand, printed values,
/// and the robustness cases.
@Suite struct SVGBarChartTests {
    private let pixelTolerance = 0.0051

    @Test func barHeightsFollowTheValueAxis() throws {
        // Values 1 and 2, plus 8 % room for the labels: 0…2.16 on at most
        // 4 intervals (208 px / 50) → step 1, axis 0…3.
        let chart = BarChart(
            title: "errors", categories: ["a", "b"], series: [BarSeries(name: "test", values: [1.0, 2.0])],
            categoryAxis: PlotAxis("Model"), valueAxis: PlotAxis("RMSE", unit: "K"), width: 400, height: 300)
        let f = chart.plotFrame
        #expect(f.y == 40 && f.height == 208)
        let svg = try ParsedSVG(chart.svg)
        let bars = svg.all("rect", class: "bar")
        #expect(bars.count == 2)
        let groupWidth = f.width / 2, slot = groupWidth * 0.8, barWidth = slot * 0.9
        for (index, value) in [1.0, 2.0].enumerated() {
            let bar = bars[index]
            let expectedHeight = value / 3 * 208
            #expect(abs(try #require(bar.number("height")) - expectedHeight) <= pixelTolerance,
                    "bar \(index): expected height \(expectedHeight), observed \(bar.attributes["height"] ?? "-")")
            #expect(abs(try #require(bar.number("y")) - (f.maxY - expectedHeight)) <= pixelTolerance)
            let expectedX = f.x + Double(index) * groupWidth + groupWidth * 0.1 + (slot - barWidth) / 2
            #expect(abs(try #require(bar.number("x")) - expectedX) <= pixelTolerance)
            #expect(abs(try #require(bar.number("width")) - barWidth) <= pixelTolerance)
        }
        let valueLabels = svg.all("text", class: "value-label").map(\.text)
        #expect(valueLabels == ["1", "2"])
        for text in ["0", "1", "2", "3", "RMSE (K)", "Model", "a", "b", "test"] {
            #expect(svg.texts.contains(text), "missing \(text)")
        }
    }

    @Test func modelsBySplitHaveOneBarEach() throws {
        let chart = BarChart(
            title: "Compare", categories: ["MLP", "RNN", "LSTM", "GRU"],
            series: [BarSeries(name: "validation", values: [0.1234, 0.0567, 0.0123, 0.0131]),
                     BarSeries(name: "test", values: [0.1301, 0.0601, 0.0135, 0.0142])],
            categoryAxis: PlotAxis("Model"), valueAxis: PlotAxis("RMSE", unit: "normalised"))
        let svg = try ParsedSVG(chart.svg)
        #expect(svg.all("rect", class: "bar").count == 8)
        #expect(svg.all("rect").count == 8 + 2 + 1)   // bars, legend swatches, background
        #expect(svg.all("text", class: "value-label").map(\.text)
                == ["0.123", "0.13", "0.0567", "0.0601", "0.0123", "0.0135", "0.0131", "0.0142"])
        // Series take the palette's colours in order, in the bars and the legend.
        let bars = svg.all("rect", class: "bar")
        #expect(bars[0].attributes["fill"] == bars[2].attributes["fill"])
        #expect(bars[0].attributes["fill"] != bars[1].attributes["fill"])
        #expect(svg.all("title").map(\.text).contains("LSTM, test: 0.0135"))
    }

    @Test func negativeAndMissingValues() throws {
        let chart = BarChart(
            title: "", categories: ["x", "y", "z"], series: [BarSeries(name: "change", values: [2.0, -1.0])],
            categoryAxis: PlotAxis("Case"), valueAxis: PlotAxis("Δ", unit: "%"))
        let svg = try ParsedSVG(chart.svg)
        let bars = svg.all("rect", class: "bar")
        #expect(bars.count == 2)   // z has no value
        #expect(svg.all("text", class: "value-label").map(\.text) == ["2", "−1", "n/a"])
        // The negative bar hangs from the zero line.
        let zero = try #require(svg.all("line", class: "zero").first?.number("y1"))
        #expect(abs(try #require(bars[1].number("y")) - zero) <= pixelTolerance)
        #expect(abs(try #require(bars[0].number("y")) + (try #require(bars[0].number("height"))) - zero) <= pixelTolerance)

        for values in [[Double](), [.nan, .infinity], [0, 0], [5, 5]] {
            let edge = BarChart(title: "edge", categories: ["a", "b"], series: [BarSeries(name: "s", values: values)],
                                categoryAxis: PlotAxis("c"), valueAxis: PlotAxis("v"))
            _ = try ParsedSVG(edge.svg)
            #expect(!edge.svg.contains("nan") && !edge.svg.contains("inf"))
        }
        let nothing = BarChart(title: "", categories: [], series: [], categoryAxis: PlotAxis("c"), valueAxis: PlotAxis("v"))
        #expect(try ParsedSVG(nothing.svg).all("rect", class: "bar").isEmpty)
    }

    @Test func longNamesAreSlantedAndEscaped() throws {
        let names = ["LSTM <2 layers> & dropout", "GRU \"bidirectional\" 128 units", "Elman RNN 'tanh' 64 units"]
        let chart = BarChart(title: "", categories: names, series: [BarSeries(name: "test", values: [1.0, 2, 3])],
                             categoryAxis: PlotAxis("Model"), valueAxis: PlotAxis("MAE"), width: 500)
        let svg = try ParsedSVG(chart.svg)
        let labels = svg.all("text", class: "category-label")
        #expect(labels.map(\.text) == names)
        #expect(labels.allSatisfy { ($0.attributes["transform"] ?? "").hasPrefix("rotate(-30") })
        // The slanted names get room: the frame ends higher than with short names.
        let short = BarChart(title: "", categories: ["a", "b", "c"], series: [BarSeries(name: "test", values: [1.0, 2, 3])],
                             categoryAxis: PlotAxis("Model"), valueAxis: PlotAxis("MAE"), width: 500)
        #expect(chart.plotFrame.maxY < short.plotFrame.maxY)
    }

    @Test func errorsSpanningDecadesGetALogAxisAndTheBaselineALine() throws {
        // Bars 0.001 … 0.2, persistence at 0.05: with room for the labels the
        // axis covers 10⁻⁴ … 1, one tick per decade.
        let chart = BarChart(
            title: "log", categories: ["RNN", "LSTM"],
            series: [BarSeries(name: "validation", values: [0.1, 0.001]), BarSeries(name: "test", values: [0.2, 0.002])],
            categoryAxis: PlotAxis("model"), valueAxis: PlotAxis("MSE", scale: .logarithmic),
            references: [ReferenceLine(value: 0.05, label: "persistence (validation): 0.05", series: 0),
                         ReferenceLine(value: 0.06, label: "persistence (test): 0.06", series: 1)])
        #expect(chart.drawnScale == .logarithmic)
        let f = chart.plotFrame
        let svg = try ParsedSVG(chart.svg)
        let ticks = svg.all("text", inGroup: "y-axis").filter { $0.classes.contains("tick-label") }
        #expect(ticks.map(\.text) == ["0.0001", "0.001", "0.01", "0.1", "1"])
        // Decades equally spaced: tick i at maxY − i/4 of the height (labels sit 4 px below their tick).
        for (i, tick) in ticks.enumerated() {
            let expected = f.maxY - Double(i) / 4 * f.height + 4
            #expect(abs(try #require(tick.number("y")) - expected) <= pixelTolerance, "tick \(tick.text)")
        }
        // A bar rises from the axis's bottom to log10(v) + 4 quarters of the height.
        let bars = svg.all("rect", class: "bar")
        for (bar, value) in zip(bars, [0.1, 0.2, 0.001, 0.002]) {
            let top = f.maxY - (log10(value) + 4) / 4 * f.height
            #expect(abs(try #require(bar.number("y")) - top) <= pixelTolerance, "bar \(value)")
            #expect(abs(try #require(bar.number("y")) + (try #require(bar.number("height"))) - f.maxY) <= pixelTolerance)
        }
        // The baselines: dashed lines at their values, labelled, in their series' colours.
        let lines = svg.all("line", class: "reference")
        #expect(lines.count == 2)
        for (line, value) in zip(lines, [0.05, 0.06]) {
            let y = f.maxY - (log10(value) + 4) / 4 * f.height
            #expect(abs(try #require(line.number("y1")) - y) <= pixelTolerance)
            #expect(line.number("x1") == f.x && line.number("x2") == f.maxX)
        }
        #expect(lines[0].attributes["stroke"] == bars[0].attributes["fill"])
        #expect(lines[1].attributes["stroke"] == bars[1].attributes["fill"])
        let labels = svg.all("text", class: "reference-label")
        #expect(labels.map(\.text) == ["persistence (validation): 0.05", "persistence (test): 0.06"])
        // Close values, labels apart: their boxes (0.6 em a character) do not meet.
        let boxes = try labels.map { label -> (ClosedRange<Double>, ClosedRange<Double>) in
            let x = try #require(label.number("x")), y = try #require(label.number("y"))
            return (x...(x + Double(label.text.count) * 6.6), (y - 10)...(y + 2))
        }
        #expect(boxes[0].0.upperBound <= boxes[1].0.lowerBound || boxes[1].0.upperBound <= boxes[0].0.lowerBound
                || boxes[0].1.upperBound <= boxes[1].1.lowerBound || boxes[1].1.upperBound <= boxes[0].1.lowerBound)

        // A log axis cannot show 0: the chart falls back to linear.
        let zero = BarChart(
            title: "", categories: ["a", "b"], series: [BarSeries(name: "s", values: [0, 1])],
            categoryAxis: PlotAxis("c"), valueAxis: PlotAxis("v", scale: .logarithmic))
        #expect(zero.drawnScale == .linear)
        #expect(try ParsedSVG(zero.svg).all("line", class: "zero").count == 1)
    }
}
