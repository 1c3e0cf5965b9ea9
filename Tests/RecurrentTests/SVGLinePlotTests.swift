import Foundation
import Recurrent
import Testing

/// Line plots: what is drawn where, checked against pixel positions worked
/// out from the frame and the axis bounds, and the robustness cases.
@Suite struct SVGLinePlotTests {
    /// Points agree to the printed precision: coordinates carry 2 decimals,
    /// so rounding moves them by at most 0.005 px.
    private let pixelTolerance = 0.0051

    private func expectPoint(
        _ observed: (x: Double, y: Double), _ expected: (x: Double, y: Double),
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(abs(observed.x - expected.x) <= pixelTolerance && abs(observed.y - expected.y) <= pixelTolerance,
                "expected \(expected), observed \(observed)", sourceLocation: sourceLocation)
    }

    private func seriesPaths(_ plot: LinePlot) throws -> [[[(x: Double, y: Double)]]] {
        try ParsedSVG(plot.svg).all("path", class: "series").map { pathSegments($0.attributes["d"] ?? "") }
    }

    @Test func lossAndForecastPlotsHaveTheirElements() throws {
        let plot = LinePlot(
            title: "Forecast", xAxis: PlotAxis("Time", unit: "steps"), yAxis: PlotAxis("Value", unit: "°C"),
            series: [
                LineSeries(name: "truth", y: (0..<100).map { sin(Double($0) / 10) }),
                LineSeries(name: "forecast", x: Array(80..<100).map(Double.init),
                           y: (80..<100).map { sin(Double($0) / 10) + 0.1 }, dashed: true),
            ],
            markers: [VerticalMarker(x: 80, label: "test →")])
        let svg = try ParsedSVG(plot.svg)
        #expect(svg.all("path", class: "series").count == 2)
        #expect(svg.all("path", class: "series")[1].attributes["stroke-dasharray"] == "6 4")
        #expect(svg.all("line", class: "marker").count == 1)
        #expect(svg.all("rect").count == 3)   // background, clip region, the marker label's background
        #expect(svg.all("polyline").isEmpty)
        for text in ["Forecast", "Time (steps)", "Value (°C)", "truth", "forecast", "test →"] {
            #expect(svg.texts.contains(text), "missing text \(text)")
        }
        // The marker at x = 80 on an x axis spanning exactly 0…99.
        let frame = plot.plotFrame
        let marker = try #require(svg.all("line", class: "marker").first)
        #expect(abs(try #require(marker.number("x1")) - (frame.x + 80.0 / 99 * frame.width)) <= pixelTolerance)
        // The clip region is the frame.
        let clip = try #require(svg.elements.first { $0.name == "rect" && $0.ancestors.last == "clipPath" })
        #expect(clip.number("x") == frame.x && clip.number("width") == frame.width)
        #expect(clip.number("y") == frame.y && clip.number("height") == frame.height)
    }

    @Test func pointsLandWhereTheAxesPutThem() throws {
        // y covers 0…1 exactly (ticks 0, 0.5, 1); x spans the data, 0…2.
        let plot = LinePlot(
            title: "tiny", xAxis: PlotAxis("x"), yAxis: PlotAxis("y"),
            series: [LineSeries(name: "a", x: [0, 1, 2], y: [0, 1, 0.5])], width: 400, height: 300)
        let f = plot.plotFrame
        // Title 40 px above, 52 px below for ticks and axis title: 300 − 92 = 208.
        #expect(f.y == 40 && f.height == 208)
        let segments = try seriesPaths(plot)[0]
        #expect(segments.count == 1 && segments[0].count == 3)
        expectPoint(segments[0][0], (f.x, f.y + 208))
        expectPoint(segments[0][1], (f.x + f.width / 2, f.y))
        expectPoint(segments[0][2], (f.x + f.width, f.y + 104))
        let texts = try ParsedSVG(plot.svg).texts
        for label in ["0.0", "0.5", "1.0"] { #expect(texts.contains(label)) }
    }

    @Test func logarithmicAxisPlacesDecadesEvenly() throws {
        // 1, 0.1, 0.01 on a log axis 0.01…1: the middle point is half-way up.
        let plot = LinePlot(
            title: "", xAxis: PlotAxis("Epoch"), yAxis: PlotAxis("Loss", unit: "MSE", scale: .logarithmic),
            series: [LineSeries(name: "training", y: [1, 0.1, 0.01], xStart: 1)])
        let f = plot.plotFrame
        let segments = try seriesPaths(plot)[0]
        expectPoint(segments[0][0], (f.x, f.y))
        expectPoint(segments[0][1], (f.x + f.width / 2, f.y + f.height / 2))
        expectPoint(segments[0][2], (f.maxX, f.maxY))
        let texts = try ParsedSVG(plot.svg).texts
        for label in ["0.01", "0.1", "1", "Loss (MSE)"] { #expect(texts.contains(label)) }
    }

    @Test func nonFiniteValuesBreakTheLine() throws {
        let y: [Double] = [1, 2, .nan, 3, 4, .infinity, 5, -.infinity]
        let plot = LinePlot(title: "gaps", xAxis: PlotAxis("x"), yAxis: PlotAxis("y"), series: [LineSeries(name: "s", y: y)])
        let segments = try seriesPaths(plot)[0]
        #expect(segments.map(\.count) == [2, 2])
        // The lone 5 at x = 6 is a dot; x spans 0…7 including the points not drawn, y covers 1…5.
        let f = plot.plotFrame
        let dots = try ParsedSVG(plot.svg).all("circle", class: "point")
        #expect(dots.count == 1)
        let dot = try #require(dots.first)
        expectPoint((try #require(dot.number("cx")), try #require(dot.number("cy"))), (f.x + 6.0 / 7 * f.width, f.y))
        expectPoint(segments[1][1], (f.x + 4.0 / 7 * f.width, f.y + f.height / 4))
        // Zero and negative values are gaps on a log axis.
        let log = LinePlot(title: "", xAxis: PlotAxis("x"), yAxis: PlotAxis("y", scale: .logarithmic),
                           series: [LineSeries(name: "s", y: [1, 0.5, 0, 0.2, -1, 0.1])])
        #expect(try seriesPaths(log)[0].map(\.count) == [2])
        #expect(try ParsedSVG(log.svg).all("circle", class: "point").count == 2)
    }

    @Test func emptyAndConstantSeriesDoNotBreak() throws {
        let cases: [[LineSeries]] = [
            [],
            [LineSeries(name: "empty", x: [Double](), y: [Double]())],
            [LineSeries(name: "all NaN", y: [Double.nan, .nan])],
            [LineSeries(name: "constant", y: [0.25, 0.25, 0.25])],
            [LineSeries(name: "one point", x: [3.0], y: [7.0])],
            [LineSeries(name: "zero", y: [0.0, 0, 0])],
        ]
        for series in cases {
            for scale in [AxisScale.linear, .logarithmic] {
                let plot = LinePlot(title: "edge", xAxis: PlotAxis("x", scale: scale), yAxis: PlotAxis("y", scale: scale),
                                    series: series, markers: [VerticalMarker(x: .nan, label: "skipped")])
                let text = plot.svg
                let svg = try ParsedSVG(text)
                #expect(!text.contains("nan") && !text.contains("inf"))
                #expect(svg.all("line", class: "marker").isEmpty)
                // Every series has its legend entry, drawn or not.
                for line in series { #expect(svg.texts.contains(line.name)) }
            }
        }
        // A constant value sits inside padded ticks: 0.25 ± 0.025 → 0.22…0.28 in steps of 0.01.
        let constant = LinePlot(title: "", xAxis: PlotAxis("x"), yAxis: PlotAxis("y"),
                                series: [LineSeries(name: "c", y: [0.25, 0.25])])
        let segments = try seriesPaths(constant)[0]
        #expect(abs(segments[0][0].y - (constant.plotFrame.y + constant.plotFrame.height / 2)) <= pixelTolerance)
    }

    @Test func longSeriesAreDecimatedKeepingTheEnvelope() throws {
        // 100 000 points in −1…1 (both reached): the y axis is exactly −1…1,
        // so the extremes must stay at the frame's top and bottom.
        let n = 100_000
        var y = (0..<n).map { (i: Int) -> Double in
            let t = Double(i)
            return 0.9 * sin(t * 0.001) + 0.05 * sin(t * 0.37)
        }
        y[31_234] = 1
        y[77_777] = -1
        let plot = LinePlot(title: "long", xAxis: PlotAxis("Step"), yAxis: PlotAxis("y"), series: [LineSeries(name: "s", y: y)])
        let f = plot.plotFrame
        let points = try seriesPaths(plot)[0].flatMap { $0 }
        #expect(points.count <= LinePlot.maximumPointsPerSeries)
        #expect(points.count >= Int(f.width), "one point per pixel column at least: \(points.count)")
        #expect(points.contains { abs($0.y - f.y) <= pixelTolerance })
        #expect(points.contains { abs($0.y - f.maxY) <= pixelTolerance })
        #expect(zip(points, points.dropFirst()).allSatisfy { $0.x <= $1.x }, "x stays in order")
        // The spike at 31 234 stays at its own x.
        let spike = try #require(points.first { abs($0.y - f.y) <= pixelTolerance })
        #expect(abs(spike.x - (f.x + 31_234.0 / Double(n - 1) * f.width)) <= pixelTolerance)

        // Unsorted x and alternating gaps: still bounded.
        var generator = RandomGenerator(seed: 7)
        let shuffledX = (0..<50_000).map { _ in Double(generator.next() % 1_000_000) }
        let scattered = LinePlot(title: "", xAxis: PlotAxis("x"), yAxis: PlotAxis("y"),
                                 series: [LineSeries(name: "s", x: shuffledX, y: shuffledX.map { $0.squareRoot() })])
        #expect(try seriesPaths(scattered)[0].flatMap { $0 }.count <= LinePlot.maximumPointsPerSeries)
        let gappy = LinePlot(title: "", xAxis: PlotAxis("x"), yAxis: PlotAxis("y"),
                             series: [LineSeries(name: "s", y: (0..<100_000).map { $0 % 2 == 0 ? Double($0) : .nan })])
        #expect(try seriesPaths(gappy)[0].flatMap { $0 }.count <= LinePlot.maximumPointsPerSeries)
        // Short series are drawn point for point.
        let short = LinePlot(title: "", xAxis: PlotAxis("x"), yAxis: PlotAxis("y"), series: [LineSeries(name: "s", y: y.prefix(1000))])
        #expect(try seriesPaths(short)[0].flatMap { $0 }.count == 1000)
    }

    @Test func fixedRangesClipTheLines() throws {
        let plot = LinePlot(
            title: "", xAxis: PlotAxis("x", range: 0...10), yAxis: PlotAxis("y", range: 0...1),
            series: [LineSeries(name: "s", y: [0.5, 3, -2, 0.5], xStart: -5, xStep: 5)])
        let svg = try ParsedSVG(plot.svg)
        let group = try #require(svg.all("g", class: "lines").first)
        let clipID = try #require(svg.elements.first { $0.name == "clipPath" }?.attributes["id"])
        #expect(group.attributes["clip-path"] == "url(#\(clipID))")
        // Ticks stay inside the fixed range: 0, 0.2, …, 1 on y; 0, 2, …, 10 on x.
        for label in ["0.0", "1.0", "0", "10"] { #expect(svg.texts.contains(label)) }
        #expect(!svg.texts.contains("−5") && !svg.texts.contains("1.2"))
    }
}
