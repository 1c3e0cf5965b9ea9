import Foundation
import Recurrent
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

/// An SVG document as Foundation's XML parser reads it: the independent
/// check that the plots write well-formed XML, and the way the other SVG
/// tests find elements, attributes and text.
struct ParsedSVG {
    struct Element {
        var name: String
        var attributes: [String: String]
        var text: String
        /// The names of the enclosing elements, outermost first.
        var ancestors: [String]
        /// The `class` of the enclosing elements, outermost first.
        var ancestorClasses: [String]

        var classes: [String] { (attributes["class"] ?? "").split(separator: " ").map(String.init) }

        func number(_ attribute: String) -> Double? { attributes[attribute].flatMap(Double.init) }
    }

    var elements: [Element]

    /// Parses `text`, or fails the test with the parser's error and line.
    init(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let parser = XMLParser(data: Data(text.utf8))
        let collector = Collector()
        parser.delegate = collector
        let parsed = parser.parse()
        #expect(parsed, "XML parse error at line \(parser.lineNumber): \(String(describing: parser.parserError))",
                sourceLocation: sourceLocation)
        try #require(parsed, sourceLocation: sourceLocation)
        elements = collector.elements
    }

    /// The elements named `name`, optionally only those of class `className`.
    func all(_ name: String, class className: String? = nil) -> [Element] {
        elements.filter { $0.name == name && (className == nil || $0.classes.contains(className!)) }
    }

    /// The elements named `name` directly inside a group of class `group`.
    func all(_ name: String, inGroup group: String) -> [Element] {
        elements.filter { $0.name == name && $0.ancestorClasses.last == group }
    }

    /// The text of every `<text>` element, in document order.
    var texts: [String] { all("text").map(\.text) }

    private final class Collector: NSObject, XMLParserDelegate {
        var elements: [Element] = []
        var open: [Int] = []

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
            qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
        ) {
            let ancestors = open.map { elements[$0].name }
            let classes = open.map { elements[$0].attributes["class"] ?? "" }
            elements.append(Element(
                name: elementName, attributes: attributeDict, text: "", ancestors: ancestors, ancestorClasses: classes))
            open.append(elements.count - 1)
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
            open.removeLast()
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if let last = open.last { elements[last].text += string }
        }
    }
}

/// The subpaths of a path's `d` written with `M` and `L` (with implicit
/// repeats): each a list of points.
func pathSegments(_ d: String) -> [[(x: Double, y: Double)]] {
    var segments: [[(x: Double, y: Double)]] = []
    var scanner = d[...]
    while let command = scanner.first {
        scanner = scanner.dropFirst()
        switch command {
        case "M":
            segments.append([])
            fallthrough
        case "L", " ":
            let end = scanner.firstIndex { "ML ".contains($0) } ?? scanner.endIndex
            let pair = scanner[..<end].split(separator: ",").compactMap { Double($0) }
            if pair.count == 2 { segments[segments.count - 1].append((pair[0], pair[1])) }
            scanner = scanner[end...]
        default:
            Issue.record("unexpected path command \(command) in \(d.prefix(80))")
            return segments
        }
    }
    return segments
}

/// Text and numbers as the SVG documents write them.
@Suite struct SVGDocumentTests {
    @Test func titlesAndNamesAreEscaped() throws {
        let title = "Loss <train> & \"test\" 'quoted' \u{1}"
        let plot = LinePlot(
            title: title, xAxis: PlotAxis("x < y", unit: "&"), yAxis: PlotAxis("y"),
            series: [LineSeries(name: "a & <b>", y: [1.0, 2, 3])])
        let svg = try ParsedSVG(plot.svg)
        let expected = "Loss <train> & \"test\" 'quoted' \u{FFFD}"
        #expect(svg.all("title").first?.text == expected)
        #expect(svg.all("text", class: "title").first?.text == expected)
        #expect(svg.texts.contains("x < y (&)"))
        #expect(svg.texts.contains("a & <b>"))
        #expect(plot.svg.contains("Loss &lt;train&gt; &amp; &quot;test&quot; &apos;quoted&apos;"))
    }

    @Test func attributesHaveNoExponents() throws {
        // Tiny and huge values: coordinates and ticks must print in fixed notation.
        let tiny = LinePlot(
            title: "tiny", xAxis: PlotAxis("x"), yAxis: PlotAxis("y"),
            series: [LineSeries(name: "s", x: [0, 1e-6, 2e-6], y: [1e-5, 3e-5, 2e-5])])
        let huge = LinePlot(
            title: "huge", xAxis: PlotAxis("x"), yAxis: PlotAxis("y", scale: .logarithmic),
            series: [LineSeries(name: "s", x: [0, 1e9, 2e9], y: [1e-12, 1e12, 1])])
        for plot in [tiny, huge] {
            let svg = try ParsedSVG(plot.svg)
            for element in svg.elements {
                for (name, value) in element.attributes where !value.hasPrefix("#") {
                    #expect(value.range(of: #"[0-9]e[-+]?[0-9]"#, options: .regularExpression) == nil,
                            "\(element.name) \(name)=\"\(value)\"")
                    #expect(!value.lowercased().contains("nan") && !value.contains("inf"), "\(element.name) \(name)")
                }
            }
            #expect(svg.all("path", class: "series").count == 1)
        }
        // The tiny plot's y ticks are 5·10⁻⁶ apart: fixed decimals, six of them.
        let labels = try ParsedSVG(tiny.svg).texts
        #expect(labels.contains("0.000010") && labels.contains("0.000030"), "\(labels)")
        // The huge plot's log axis labels 10¹² in scientific form, 1 in fixed.
        let hugeLabels = try ParsedSVG(huge.svg).texts
        #expect(hugeLabels.contains("10¹²") && hugeLabels.contains("10⁻¹²") && hugeLabels.contains("1"), "\(hugeLabels)")
    }

    @Test func sameDataSameBytes() throws {
        func make() -> [any SVGPlot] {
            let y = (0..<500).map { sin(Double($0) * 0.1) }
            return [
                LinePlot(title: "t", xAxis: PlotAxis("x"), yAxis: PlotAxis("y"),
                         series: [LineSeries(name: "sin", y: y)], markers: [VerticalMarker(x: 250, label: "test")]),
                HeatMap(title: "h", matrix: [[1, -2, 3], [0.5, .nan, -0.25]], xAxis: PlotAxis("t"), yAxis: PlotAxis("u")),
                BarChart(title: "b", categories: ["a", "b"], series: [BarSeries(name: "v", values: [0.1, 0.2])],
                         categoryAxis: PlotAxis("m"), valueAxis: PlotAxis("e", unit: "K")),
            ]
        }
        let first = make().map(\.svg), second = make().map(\.svg)
        #expect(first == second)
        for text in first { _ = try ParsedSVG(text) }
    }

    @Test func writeReplacesTheFileAtomically() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("svg-write-\(getpid())-\(UInt32.random(in: 0 ... .max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("loss.svg")
        try Data("old".utf8).write(to: url)
        let plot = BarChart(title: "errors", categories: ["LSTM"], series: [BarSeries(name: "test", values: [0.5])],
                            categoryAxis: PlotAxis("Model"), valueAxis: PlotAxis("RMSE"))
        try plot.write(to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == plot.svg)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["loss.svg"])
        #expect(throws: AtomicFileError.self) {
            try plot.write(to: folder.appendingPathComponent("missing/loss.svg"))
        }
    }

    @Test func axisTitlesCarryUnits() {
        #expect(PlotAxis("Loss", unit: "MSE").title == "Loss (MSE)")
        #expect(PlotAxis("Epoch").title == "Epoch")
        #expect(PlotAxis("", unit: "s").title == "(s)")
    }
}
