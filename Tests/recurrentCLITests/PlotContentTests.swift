import Foundation
import Recurrent
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// What the command line's plots say: the loss plot names its loss and
/// unit, the forecast plot's time axis shows the `--time` column's dates at
/// the rows they belong to with the split labels apart, a text model's
/// hidden-state map shows its characters, and `compare` names each model and
/// draws the baseline.
@Suite struct PlotContentTests {
    /// One element of an SVG file: name, attributes, text, enclosing group classes.
    struct Element {
        var name: String
        var attributes: [String: String]
        var text = ""
        var groups: [String]

        var classes: [String] { (attributes["class"] ?? "").split(separator: " ").map(String.init) }
        func number(_ key: String) -> Double? { attributes[key].flatMap(Double.init) }
    }

    /// The elements of the SVG file at `path`, in document order; fails when it does not parse.
    static func elements(atPath path: String) throws -> [Element] {
        final class Collector: NSObject, XMLParserDelegate {
            var elements: [Element] = []
            var open: [Int] = []
            func parser(
                _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
            ) {
                let groups = open.map { elements[$0].attributes["class"] ?? "" }
                elements.append(Element(name: elementName, attributes: attributeDict, groups: groups))
                open.append(elements.count - 1)
            }
            func parser(
                _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?
            ) { open.removeLast() }
            func parser(_ parser: XMLParser, foundCharacters string: String) {
                if let last = open.last { elements[last].text += string }
            }
        }
        let parser = XMLParser(data: try Data(contentsOf: URL(fileURLWithPath: path)))
        let collector = Collector()
        parser.delegate = collector
        try #require(parser.parse(), "\(path) does not parse")
        return collector.elements
    }

    /// The x-axis tick labels and, for each, the x of the tick mark drawn just before it.
    static func xTicks(_ elements: [Element]) -> [(label: String, x: Double)] {
        var ticks: [(String, Double)] = []
        var lastMark: Double?
        for element in elements where element.groups.last == "x-axis" {
            if element.name == "line", let x = element.number("x1"), element.number("x2") == x { lastMark = x }
            if element.name == "text", element.classes.contains("tick-label"), let mark = lastMark {
                ticks.append((element.text, mark))
            }
        }
        return ticks
    }

    @Test func forecastTimeAxisShowsTheDatesOfItsRows() throws {
        let folder = try TemporaryFolder()
        // 400 days from 2023-01-01, a weekly cycle; 90/5/5: validation and test 20 rows each.
        var csv = "date,value\n"
        var dates: [String] = []
        for day in 0..<400 {
            let f = TimeStamp(secondsSinceEpoch: 1_672_531_200 + Int64(day) * 86_400).local
            let date = String(format: "%04d-%02d-%02d", f.year, f.month, f.day)
            dates.append(date)
            csv += "\(date),\(String(format: "%.4f", 5 + sin(Double(day) * 2 * .pi / 7)))\n"
        }
        try csv.write(toFile: folder.path("daily.csv"), atomically: true, encoding: .utf8)
        let plots = folder.path("plots")
        let result = try runRecurrent([
            "train", "--csv", folder.path("daily.csv"), "--target", "value", "--time", "date", "--window", "7",
            "--split", "0.9,0.05", "--epochs", "1", "--hidden", "4", "--seed", "1", "--quiet", "--plots", plots,
            "-o", folder.path("m.safetensors"),
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")

        let forecast = try Self.elements(atPath: plots + "/forecast.svg")
        let ticks = Self.xTicks(forecast)
        // Dates, each the date column's value at some row, in order, and not row numbers.
        let rows = ticks.compactMap { dates.firstIndex(of: $0.label) }
        #expect(ticks.count >= 2 && rows.count == ticks.count, "tick labels \(ticks.map(\.label))")
        #expect(rows == rows.sorted() && Set(rows).count == rows.count)
        // At those rows: the tick marks stand on one linear scale of the row number.
        if rows.count >= 2 {
            let scale = (ticks[ticks.count - 1].x - ticks[0].x) / Double(rows[rows.count - 1] - rows[0])
            for (tick, row) in zip(ticks, rows) {
                #expect(abs(tick.x - (ticks[0].x + Double(row - rows[0]) * scale)) <= 0.02, "\(tick.label) at \(tick.x)")
            }
        }
        // Months at most a few, so the round boundary is a first of the month.
        #expect(ticks.allSatisfy { $0.label.hasSuffix("-01") }, "\(ticks.map(\.label))")
        #expect(forecast.contains { $0.classes.contains("axis-title") && $0.text == "date" })

        // The split labels: three, their boxes (0.6 em a character at 11 px) apart.
        let labels = forecast.filter { $0.classes.contains("marker-label") }
        #expect(labels.map(\.text) == ["training", "validation", "test"])
        let boxes = labels.compactMap { label -> (ClosedRange<Double>, ClosedRange<Double>)? in
            guard let x = label.number("x"), let y = label.number("y") else { return nil }
            let width = Double(label.text.count) * 6.6
            if (label.attributes["transform"] ?? "").hasPrefix("rotate(90 ") { return ((x - 3)...(x + 10), y...(y + width)) }
            let left = label.attributes["text-anchor"] == "end" ? x - width : x
            return (left...(left + width), (y - 10)...(y + 2))
        }
        for i in boxes.indices {
            for j in boxes.indices where j > i {
                let apart = boxes[i].0.upperBound <= boxes[j].0.lowerBound || boxes[j].0.upperBound <= boxes[i].0.lowerBound
                    || boxes[i].1.upperBound <= boxes[j].1.lowerBound || boxes[j].1.upperBound <= boxes[i].1.lowerBound
                #expect(apart, "\(labels[i].text) \(boxes[i]) overlaps \(labels[j].text) \(boxes[j])")
            }
        }

        let loss = try Self.elements(atPath: plots + "/loss.svg")
        #expect(loss.first { $0.classes.contains("title") }?.text == "Training loss per epoch: MSE of the z-scored target value")
        #expect(loss.contains { $0.classes.contains("axis-title") && $0.text == "MSE (z-score units²)" })
    }

    @Test func textHiddenStatesShowTheInputCharacters() throws {
        let folder = try TemporaryFolder()
        var text = ""
        for i in 0..<120 { text += "cat <\(i % 7)> & dog \(i % 5)\n" }
        try text.write(toFile: folder.path("text.txt"), atomically: true, encoding: .utf8)
        let plots = folder.path("plots")
        let result = try runRecurrent([
            "train", "--text", folder.path("text.txt"), "--window", "16", "--epochs", "1", "--hidden", "4",
            "--seed", "1", "--quiet", "--plots", plots, "-o", folder.path("m.safetensors"),
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let hidden = try Self.elements(atPath: plots + "/hidden.svg")
        let labels = Self.xTicks(hidden).map(\.label)
        // One label a step, read back as the text: 16 characters in a row of the file.
        #expect(labels.count == 16, "\(labels)")
        let restored = labels.map { $0 == "␣" ? " " : $0 == "⏎" ? "\n" : $0 }.joined()
        #expect(text.contains(restored), "\(labels) is not a run of the text")
        #expect(labels.allSatisfy { $0.count == 1 } && !labels.contains(" ") && !labels.contains("\n"))
        let raw = try String(contentsOfFile: plots + "/hidden.svg", encoding: .utf8)
        if labels.contains("<") { #expect(raw.contains(">&lt;</text>")) }
        if labels.contains("&") { #expect(raw.contains(">&amp;</text>")) }

        let loss = try Self.elements(atPath: plots + "/loss.svg")
        #expect(loss.first { $0.classes.contains("title") }?.text
            == "Training loss per epoch: cross-entropy of the next character")
        #expect(loss.contains { $0.classes.contains("axis-title") && $0.text == "cross-entropy (nats per character)" })
    }

    @Test func classifierPlotsNameTheLossAndTheSymbols() throws {
        let folder = try TemporaryFolder()
        let data = folder.path("dna.tsv")
        let tsv = ClassifyCommandTests.symbolTSV()
        try tsv.write(toFile: data, atomically: true, encoding: .utf8)
        let plots = folder.path("plots")
        let result = try runRecurrent(
            ["train", "--sequences", data, "-o", folder.path("m.safetensors"), "--plots", plots, "--quiet"]
                + ClassifyCommandTests.trainArguments)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let loss = try Self.elements(atPath: plots + "/loss.svg")
        #expect(loss.first { $0.classes.contains("title") }?.text
            == "Training loss per epoch: cross-entropy of the true class")
        #expect(loss.contains { $0.classes.contains("axis-title") && $0.text == "cross-entropy (nats per sequence)" })
        // The hidden states of a DNA string are labelled with its bases: one of the file's sequences.
        let bases = Self.xTicks(try Self.elements(atPath: plots + "/hidden.svg")).map(\.label)
        let sequences = tsv.split(separator: "\n").dropFirst().map { String($0.split(separator: "\t")[0]) }
        #expect(sequences.contains(bases.joined()), "\(bases)")
    }

    /// A series' chart: the models' bars, then a bar group per baseline, and
    /// a dashed line at each part's best baseline, as `--json` gives them.
    @Test func compareNamesTheModelsAndDrawsTheBaselines() throws {
        let folder = try TemporaryFolder()
        let plots = folder.path("plots")
        let result = try runRecurrent([
            "compare", "--task", "sine", "--length", "300", "--epochs", "1", "--models", "rnn,gru", "--plots", plots,
            "--hidden", "8", "--batch-size", "16", "--seed", "3", "--json",
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let object = try #require(try TrainingRunTests.jsonObjects(result.stdout).first)
        let baselines = try #require(object["baselines"] as? [String: Double])
        let chart = try Self.elements(atPath: plots + "/compare.svg")
        let references = chart.filter { $0.classes.contains("reference-label") }.map(\.text)
        func best(_ part: String) -> String {
            let figures = baselines.filter { $0.key.hasSuffix("_\(part)_rmse") }
            let (key, value) = figures.min { $0.value < $1.value }!
            let name = String(key.dropLast("_\(part)_rmse".count)).replacingOccurrences(of: "_", with: "-")
            return "best baseline, \(name) (\(part)): \(String(format: "%.4g", value))"
        }
        #expect(references == [best("validation"), best("test")], "\(references)")
        #expect(chart.filter { $0.classes.contains("reference") && $0.name == "line" }.count == 2)
        // Two models and three baselines (no season), a validation and a test bar each.
        #expect(chart.filter { $0.classes.contains("bar") && $0.name == "rect" }.count == 10)
        for model in ["rnn", "gru"] {
            let loss = try Self.elements(atPath: plots + "/loss-\(model).svg")
            #expect(loss.first { $0.classes.contains("title") }?.text
                == "\(model.uppercased()), loss per epoch: MSE of the z-scored target value")
        }
    }
}
