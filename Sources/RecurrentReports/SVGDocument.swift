import RecurrentCore
/// An SVG document being written element by element: the one place that
/// turns numbers into attribute text and strings into escaped XML.
///
/// Coordinates are printed with at most two decimals and no exponent
/// (`12.5`, `-3`, `0.07`), clamped to ±10⁶, so a value such as 1e-5 never
/// reaches an attribute as `1e-05`. Text and attribute values go through
/// ``escaped(_:)``. Elements are appended in the order they are written, so
/// the same calls give the same bytes.
struct SVGDocument {
    let width: Double
    let height: Double
    private var definitions = ""
    private var body = ""
    private var depth = 1

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// The finished document: XML declaration, `<svg>` root with a
    /// `<title>`, definitions, then the body.
    func rendered(title: String) -> String {
        var text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        let w = SVGDocument.number(width), h = SVGDocument.number(height)
        text += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(w)\" height=\"\(h)\" viewBox=\"0 0 \(w) \(h)\""
        text += " font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n"
        text += "  <title>\(SVGDocument.escaped(title))</title>\n"
        if !definitions.isEmpty { text += "  <defs>\n\(definitions)  </defs>\n" }
        text += body
        text += "</svg>\n"
        return text
    }

    // MARK: Elements

    /// Appends `<name attributes/>`, or `<name attributes>content</name>`
    /// when `content` is given (escaped here).
    mutating func element(_ name: String, _ attributes: [(String, String)], content: String? = nil) {
        body += SVGDocument.elementText(name, attributes, content: content, depth: depth)
    }

    /// Appends an element to `<defs>`.
    mutating func definition(_ text: String) {
        definitions += text
    }

    /// Opens a `<g>` that the matching ``closeGroup()`` ends.
    mutating func openGroup(_ attributes: [(String, String)]) {
        body += indent(depth) + "<g" + SVGDocument.attributeText(attributes) + ">\n"
        depth += 1
    }

    mutating func closeGroup() {
        depth -= 1
        body += indent(depth) + "</g>\n"
    }

    mutating func rect(
        x: Double, y: Double, width: Double, height: Double, fill: String,
        _ extra: [(String, String)] = [], tooltip: String? = nil
    ) {
        var attributes = [
            ("x", SVGDocument.number(x)), ("y", SVGDocument.number(y)),
            ("width", SVGDocument.number(max(width, 0))), ("height", SVGDocument.number(max(height, 0))),
            ("fill", fill),
        ]
        attributes += extra
        if let tooltip {
            body += indent(depth) + "<rect" + SVGDocument.attributeText(attributes) + ">"
            body += "<title>\(SVGDocument.escaped(tooltip))</title></rect>\n"
        } else {
            element("rect", attributes)
        }
    }

    mutating func line(
        x1: Double, y1: Double, x2: Double, y2: Double, stroke: String,
        width: Double = 1, _ extra: [(String, String)] = []
    ) {
        element("line", [
            ("x1", SVGDocument.number(x1)), ("y1", SVGDocument.number(y1)),
            ("x2", SVGDocument.number(x2)), ("y2", SVGDocument.number(y2)),
            ("stroke", stroke), ("stroke-width", SVGDocument.number(width)),
        ] + extra)
    }

    /// Appends a `<text>`; `rotation` in degrees turns it about its anchor.
    mutating func text(
        _ content: String, x: Double, y: Double, size: Double = 12, anchor: TextAnchor = .start,
        rotation: Double = 0, _ extra: [(String, String)] = []
    ) {
        var attributes = [("x", SVGDocument.number(x)), ("y", SVGDocument.number(y))]
        if size != 12 { attributes.append(("font-size", SVGDocument.number(size))) }
        if anchor != .start { attributes.append(("text-anchor", anchor.rawValue)) }
        if rotation != 0 {
            attributes.append((
                "transform",
                "rotate(\(SVGDocument.number(rotation)) \(SVGDocument.number(x)) \(SVGDocument.number(y)))"))
        }
        element("text", attributes + extra, content: content)
    }

    enum TextAnchor: String {
        case start, middle, end
    }

    private func indent(_ level: Int) -> String {
        String(repeating: "  ", count: level)
    }

    static func elementText(_ name: String, _ attributes: [(String, String)], content: String?, depth: Int) -> String {
        let open = String(repeating: "  ", count: depth) + "<" + name + attributeText(attributes)
        guard let content else { return open + "/>\n" }
        return open + ">" + escaped(content) + "</" + name + ">\n"
    }

    static func attributeText(_ attributes: [(String, String)]) -> String {
        var text = ""
        for (name, value) in attributes {
            text += " " + name + "=\"" + escaped(value) + "\""
        }
        return text
    }

    // MARK: Text and numbers

    /// `text` with `&`, `<`, `>`, `"` and `'` replaced by entities, and
    /// characters that XML 1.0 forbids (controls other than tab, newline and
    /// carriage return; U+FFFE, U+FFFF) replaced by U+FFFD.
    static func escaped(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF {
                    result += "\u{FFFD}"
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result
    }

    /// A coordinate for an attribute: at most two decimals, trailing zeros
    /// dropped, no exponent; non-finite values print as `0` and magnitudes
    /// are clamped to 10⁶.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        return PlotNumberFormat.fixed(min(max(value, -1e6), 1e6), decimals: 2, trimmingZeros: true)
    }

    /// A colour `#rrggbb` from components in [0, 1].
    static func color(red: Double, green: Double, blue: Double) -> String {
        func hex(_ component: Double) -> String {
            let byte = Int((min(max(component, 0), 1) * 255).rounded())
            let digits = String(byte, radix: 16)
            return byte < 16 ? "0" + digits : digits
        }
        return "#" + hex(red) + hex(green) + hex(blue)
    }
}

/// A path's `d` attribute, built from move-to and line-to commands.
struct SVGPathData {
    private(set) var text = ""
    private var pendingLine = false

    var isEmpty: Bool { text.isEmpty }

    mutating func move(to x: Double, _ y: Double) {
        text += "M" + SVGDocument.number(x) + "," + SVGDocument.number(y)
        pendingLine = false
    }

    /// A line to (x, y); consecutive line-tos share one `L`.
    mutating func line(to x: Double, _ y: Double) {
        text += (pendingLine ? " " : "L") + SVGDocument.number(x) + "," + SVGDocument.number(y)
        pendingLine = true
    }
}
