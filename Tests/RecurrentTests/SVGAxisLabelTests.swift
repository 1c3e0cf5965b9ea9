import Foundation
import Recurrent
import Testing

/// Labels that say what a plot shows: a time column's dates along the time
/// axis (rows chosen at calendar boundaries worked out by hand), marker
/// labels that never overlap, given ticks that thin instead of colliding,
/// and a character model's inputs along its hidden-state map.
@Suite struct SVGAxisLabelTests {
    /// `count` ISO 8601 cells from `start` (seconds since the epoch), `step` seconds apart.
    private func times(from start: Int64, step: Int64, count: Int) -> [String] {
        (0..<count).map { i in
            let f = TimeStamp(secondsSinceEpoch: start + Int64(i) * step).local
            return String(format: "%04d-%02d-%02dT%02d:%02d:%02d", f.year, f.month, f.day, f.hour, f.minute, f.second)
        }
    }

    /// 2024-01-01T00:00:00Z, a Monday.
    private let newYear2024: Int64 = 1_704_067_200

    @Test func hourlyTicksFallOnMondays() {
        let hours = times(from: newYear2024, step: 3600, count: 1000)
        // Days, two days: too many; weeks from Monday: six, at 0, 168, … hours.
        let rows = TimeStamp.tickRows(ofTimes: hours, count: 6)
        #expect(rows == [0, 168, 336, 504, 672, 840])
        #expect(rows.map { hours[$0] } == [
            "2024-01-01T00:00:00", "2024-01-08T00:00:00", "2024-01-15T00:00:00", "2024-01-22T00:00:00",
            "2024-01-29T00:00:00", "2024-02-05T00:00:00",
        ])
        // Room for 3: fortnights from the first Monday.
        #expect(TimeStamp.tickRows(ofTimes: hours, count: 3) == [0, 336, 672])
        // Room for 42: one per midnight.
        #expect(TimeStamp.tickRows(ofTimes: hours, count: 42) == Array(stride(from: 0, to: 1000, by: 24)))
    }

    @Test func dailyTicksFallOnFirstsOfMonths() {
        // 2023-01-01 … 2024-12-30: months (24) are too many for 12, every other month fits.
        let days = times(from: newYear2024 - 365 * 86_400, step: 86_400, count: 730)
        let rows = TimeStamp.tickRows(ofTimes: days, count: 12)
        #expect(rows.map { String(days[$0].prefix(10)) } == [
            "2023-01-01", "2023-03-01", "2023-05-01", "2023-07-01", "2023-09-01", "2023-11-01",
            "2024-01-01", "2024-03-01", "2024-05-01", "2024-07-01", "2024-09-01", "2024-11-01",
        ])
        // Two ticks' room: the new year only (the first row starts a year too).
        #expect(TimeStamp.tickRows(ofTimes: days, count: 2) == [0, 365])
    }

    @Test func numbersAndOtherTextGetEvenTicks() {
        // 0, 0.5, …, 99.5: multiples of 20 at rows 0, 40, …, 160.
        let numbers = (0..<200).map { String(Double($0) / 2) }
        #expect(TimeStamp.tickRows(ofTimes: numbers, count: 5) == [0, 40, 80, 120, 160])
        // Starting off a multiple: 3.5 … is labelled from 10 on.
        let offset = (7..<200).map { String(Double($0) / 2) }
        #expect(TimeStamp.tickRows(ofTimes: offset, count: 10).prefix(2) == [13, 33])
        // Labels that are neither: every 10th row from 0.
        let letters = (0..<26).map { String(Character(Unicode.Scalar(UInt8(97 + $0)))) }
        #expect(TimeStamp.tickRows(ofTimes: letters, count: 5) == [0, 10, 20])
        // Dates out of order are not read as a calendar.
        let shuffled = ["2024-01-03", "2024-01-01", "2024-01-02", "2024-01-04"]
        #expect(TimeStamp.tickRows(ofTimes: shuffled, count: 2) == [0, 2])
        #expect(TimeStamp.tickRows(ofTimes: [], count: 3).isEmpty)
    }

    /// The box of a `<text>`, `0.6 em` a character as the plots estimate
    /// it, from its anchor and turn.
    private func box(_ text: ParsedSVG.Element) throws -> (x: ClosedRange<Double>, y: ClosedRange<Double>) {
        let x = try #require(text.number("x")), y = try #require(text.number("y"))
        let size = text.number("font-size") ?? 12
        let width = Double(text.text.count) * size * 0.6
        if (text.attributes["transform"] ?? "").hasPrefix("rotate(90 ") {
            // Running down from (x, y), the glyphs' tops to the right.
            return ((x - 3)...(x + size - 1), y...(y + width))
        }
        let left: Double
        switch text.attributes["text-anchor"] {
        case "end": left = x - width
        case "middle": left = x - width / 2
        default: left = x
        }
        return (left...(left + width), (y - size + 1)...(y + 2))
    }

    private func disjoint(_ a: (x: ClosedRange<Double>, y: ClosedRange<Double>),
                          _ b: (x: ClosedRange<Double>, y: ClosedRange<Double>)) -> Bool {
        a.x.upperBound <= b.x.lowerBound || b.x.upperBound <= a.x.lowerBound
            || a.y.upperBound <= b.y.lowerBound || b.y.upperBound <= a.y.lowerBound
    }

    @Test(arguments: [[0.0, 920, 960], [0, 980, 990], [0, 500, 505], [0, 2, 4]])
    func markerLabelsNeverOverlap(_ starts: [Double]) throws {
        let plot = LinePlot(
            title: "split", xAxis: PlotAxis("row"), yAxis: PlotAxis("load"),
            series: [LineSeries(name: "load (truth)", y: (0..<1000).map { sin(Double($0) / 10) })],
            markers: zip(starts, ["training", "validation", "test"]).map { VerticalMarker(x: $0, label: $1) })
        let svg = try ParsedSVG(plot.svg)
        let labels = svg.all("text", class: "marker-label")
        #expect(labels.map(\.text) == ["training", "validation", "test"])
        let boxes = try labels.map(box)
        let frame = plot.plotFrame
        for i in boxes.indices {
            #expect(boxes[i].x.lowerBound >= frame.x - 0.5 && boxes[i].x.upperBound <= frame.maxX + 0.5,
                    "\(labels[i].text) at \(boxes[i].x) leaves the frame \(frame.x)…\(frame.maxX)")
            for j in boxes.indices where j > i {
                #expect(disjoint(boxes[i], boxes[j]), "\(labels[i].text) \(boxes[i]) overlaps \(labels[j].text) \(boxes[j])")
            }
        }
        // Each label stands beside its own line: starts right of it or ends left of it.
        let lines = svg.all("line", class: "marker").compactMap { $0.number("x1") }
        for (label, line) in zip(boxes, lines) {
            #expect(label.x.lowerBound >= line || label.x.upperBound <= line)
        }
    }

    @Test func givenTicksAreDrawnAndThinnedWhenCrowded() throws {
        let labels = ["2024-01-01", "2024-01-08", "2024-01-15"]
        let plot = LinePlot(
            title: "", xAxis: PlotAxis("date", ticks: zip([0.0, 7, 14], labels).map { AxisTick(value: $0, label: $1) }),
            yAxis: PlotAxis("y"), series: [LineSeries(name: "y", y: (0..<15).map(Double.init))])
        let svg = try ParsedSVG(plot.svg)
        let drawn = svg.all("text", inGroup: "x-axis").filter { $0.classes.contains("tick-label") }
        #expect(drawn.map(\.text) == labels)
        // The labels' centres are at the rows' positions (x spans the data, 0…14).
        let frame = plot.plotFrame
        for (label, row) in zip(drawn, [0.0, 7, 14]) {
            #expect(abs(try #require(label.number("x")) - (frame.x + row / 14 * frame.width)) <= 0.0051)
        }

        // A label at every row of 200: too many to fit, so every kept one is clear of the next.
        let crowded = LinePlot(
            title: "", xAxis: PlotAxis("date", ticks: (0..<200).map { AxisTick(value: Double($0), label: "row \($0)") }),
            yAxis: PlotAxis("y"), series: [LineSeries(name: "", y: (0..<200).map(Double.init))])
        let kept = try ParsedSVG(crowded.svg).all("text", inGroup: "x-axis").filter { $0.classes.contains("tick-label") }
        #expect(kept.count > 5 && kept.count < 200)
        let boxes = try kept.map(box)
        for (a, b) in zip(boxes, boxes.dropFirst()) { #expect(a.x.upperBound < b.x.lowerBound) }
    }

    @Test func hiddenStatesAreLabelledWithTheirCharacters() throws {
        var generator = RandomGenerator(seed: 5)
        let symbols = ["a", " ", "\n", "<", "&", "\t", "\"", "é"]
        let model = try SequenceModel(
            input: .tokens(vocabularySize: symbols.count), cell: .gru, hiddenSize: 4, outputSize: symbols.count,
            pooling: .everyStep, generator: &generator)
        let ids = Tensor(shape: [1, symbols.count], scalars: (0..<symbols.count).map(Float.init))
        let batch = try SequenceBatch(input: ids, targets: ids)
        let map = try HeatMap.hiddenStates(of: model, sequence: batch, title: "Hidden states", symbols: symbols)
        let text = map.svg
        let svg = try ParsedSVG(text)
        let labels = svg.all("text", inGroup: "x-axis").filter { $0.classes.contains("tick-label") }.map(\.text)
        #expect(labels == ["a", "␣", "⏎", "<", "&", "⇥", "\"", "é"])
        // Written escaped: the parser above read them back from entities.
        for escaped in [">&lt;</text>", ">&amp;</text>", ">&quot;</text>"] {
            #expect(text.contains(escaped), "missing \(escaped)")
        }
        // Each label at its column's centre.
        let frame = map.plotFrame
        let xs = svg.all("text", inGroup: "x-axis").filter { $0.classes.contains("tick-label") }.compactMap { $0.number("x") }
        for (t, x) in xs.enumerated() {
            #expect(abs(x - (frame.x + (Double(t) + 0.5) * frame.width / Double(symbols.count))) <= 0.0051)
        }
        #expect(HeatMap.visibleSymbol("\u{1}") == "␁" && HeatMap.visibleSymbol("") == "∅")
        #expect(HeatMap.visibleSymbol("\u{A0}") == "␣" && HeatMap.visibleSymbol("\u{7F}") == "␡")
    }
}
