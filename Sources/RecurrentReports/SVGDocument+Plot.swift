import RecurrentCore
/// Colours and sizes shared by the plots.
enum PlotStyle {
    /// The Okabe–Ito palette (distinguishable with the common colour-vision
    /// deficiencies), without its yellow, which is too light on white.
    static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]

    static func color(_ index: Int) -> String { palette[index % palette.count] }

    static let titleSize = 16.0
    static let labelSize = 12.0
    static let tickSize = 11.0
    static let axisColor = "#333333"
    static let gridColor = "#e5e5e5"
    static let textColor = "#222222"
    /// Space above the frame for the title, or a small gap without one.
    static func topMargin(title: String) -> Double { title.isEmpty ? 14 : 40 }
    /// The smallest frame side, so a tiny or crowded plot still has room.
    static let minimumFrameSide = 40.0
}

extension SVGDocument {
    /// The white background and the title, centred above the frame.
    mutating func drawBackground(title: String) {
        rect(x: 0, y: 0, width: width, height: height, fill: "#ffffff", [("class", "background")])
        guard !title.isEmpty else { return }
        text(title, x: width / 2, y: 24, size: PlotStyle.titleSize, anchor: .middle,
             [("font-weight", "bold"), ("fill", PlotStyle.textColor), ("class", "title")])
    }

    /// A `<clipPath>` named `id` holding one rectangle, `frame`.
    mutating func defineClip(id: String, frame: PlotFrame) {
        let rectangle = SVGDocument.elementText("rect", [
            ("x", SVGDocument.number(frame.x)), ("y", SVGDocument.number(frame.y)),
            ("width", SVGDocument.number(frame.width)), ("height", SVGDocument.number(frame.height)),
        ], content: nil, depth: 3)
        definition("    <clipPath id=\"\(SVGDocument.escaped(id))\">\n" + rectangle + "    </clipPath>\n")
    }

    /// A legend to the right of `frame`: a swatch and the name for each
    /// entry, top-aligned with the frame. `swatch` draws one entry's swatch
    /// in the box from (x, y) of 24 × 12.
    mutating func drawLegend(
        names: [String], frame: PlotFrame, swatch: (inout SVGDocument, Int, Double, Double) -> Void
    ) {
        openGroup([("class", "legend")])
        let x = frame.maxX + 16
        for (index, name) in names.enumerated() {
            let y = frame.y + 4 + Double(index) * 20
            swatch(&self, index, x, y)
            text(legendName(name), x: x + 30, y: y + 10, size: PlotStyle.labelSize, [("fill", PlotStyle.textColor)])
        }
        closeGroup()
    }

    /// The legend's width for `names`, with names cut at 32 characters.
    static func legendWidth(_ names: [String]) -> Double {
        guard !names.isEmpty else { return 0 }
        let widest = names.map { PlotNumberFormat.approximateWidth(legendName($0), size: PlotStyle.labelSize) }.max()!
        return 16 + 30 + widest + 12
    }

    /// A legend entry: the name, cut to 32 characters with "…".
    static func legendName(_ name: String) -> String {
        name.count <= 32 ? name : String(name.prefix(31)) + "…"
    }

    private func legendName(_ name: String) -> String { SVGDocument.legendName(name) }

    /// Tick marks, labels and grid lines for a horizontal axis under `frame`,
    /// and the axis title below them.
    ///
    /// Labels are centred under their ticks but kept on the page; a tick
    /// whose label would come within 6 px of the previous label drawn is left
    /// out, so given ticks (dates, characters) never overlap.
    mutating func drawHorizontalAxis(
        ticks: [(position: Double, label: String)], title: String, frame: PlotFrame, grid: Bool
    ) {
        openGroup([("class", "x-axis"), ("fill", PlotStyle.textColor)])
        var previousEnd = -Double.infinity
        for tick in ticks.sorted(by: { $0.position < $1.position }) {
            let half = PlotNumberFormat.approximateWidth(tick.label, size: PlotStyle.tickSize) / 2
            let center = min(max(tick.position, half + 2), max(half + 2, width - half - 2))
            guard center - half >= previousEnd + 6 else { continue }
            previousEnd = center + half
            if grid {
                line(x1: tick.position, y1: frame.y, x2: tick.position, y2: frame.maxY, stroke: PlotStyle.gridColor)
            }
            line(x1: tick.position, y1: frame.maxY, x2: tick.position, y2: frame.maxY + 5, stroke: PlotStyle.axisColor)
            text(tick.label, x: center, y: frame.maxY + 18, size: PlotStyle.tickSize, anchor: .middle,
                 [("class", "tick-label")])
        }
        line(x1: frame.x, y1: frame.maxY, x2: frame.maxX, y2: frame.maxY, stroke: PlotStyle.axisColor)
        if !title.isEmpty {
            text(title, x: frame.x + frame.width / 2, y: frame.maxY + 38, size: PlotStyle.labelSize, anchor: .middle,
                 [("class", "axis-title")])
        }
        closeGroup()
    }

    /// Tick marks, labels and grid lines for a vertical axis left of
    /// `frame`, and the axis title turned upright at the left edge.
    mutating func drawVerticalAxis(
        ticks: [(position: Double, label: String)], title: String, frame: PlotFrame, grid: Bool
    ) {
        openGroup([("class", "y-axis"), ("fill", PlotStyle.textColor)])
        for tick in ticks {
            if grid {
                line(x1: frame.x, y1: tick.position, x2: frame.maxX, y2: tick.position, stroke: PlotStyle.gridColor)
            }
            line(x1: frame.x - 5, y1: tick.position, x2: frame.x, y2: tick.position, stroke: PlotStyle.axisColor)
            text(tick.label, x: frame.x - 8, y: tick.position + 4, size: PlotStyle.tickSize, anchor: .end,
                 [("class", "tick-label")])
        }
        line(x1: frame.x, y1: frame.y, x2: frame.x, y2: frame.maxY, stroke: PlotStyle.axisColor)
        if !title.isEmpty {
            let x = 18.0, y = frame.y + frame.height / 2
            text(title, x: x, y: y, size: PlotStyle.labelSize, anchor: .middle, rotation: -90,
                 [("class", "axis-title")])
        }
        closeGroup()
    }

    /// The left margin that fits the vertical axis title and `labels`.
    static func leftMargin(labels: [String]) -> Double {
        let widest = labels.map { PlotNumberFormat.approximateWidth($0, size: PlotStyle.tickSize) }.max() ?? 0
        return 30 + widest + 12
    }
}
