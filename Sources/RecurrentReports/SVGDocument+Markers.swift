import RecurrentCore

/// Places text boxes so that none overlaps another: the labels of vertical
/// markers, of reference lines.
struct LabelPlacer {
    /// Where the boxes may go.
    let bounds: PlotFrame
    /// The least distance kept between two boxes side by side, in pixels
    /// (one above the other need only not touch).
    let gap: Double
    /// The boxes placed so far.
    private(set) var placed: [PlotFrame] = []

    init(bounds: PlotFrame, gap: Double = 4) {
        self.bounds = bounds
        self.gap = gap
    }

    /// Keeps later boxes clear of `box` (text drawn by other means).
    mutating func reserve(_ box: PlotFrame) {
        placed.append(box)
    }

    /// The first of `candidates` that lies inside ``bounds`` and keeps
    /// ``gap`` from every box placed, now placed too; the last candidate when
    /// none does (a plot too small for its labels).
    mutating func place(_ candidates: [PlotFrame]) -> PlotFrame {
        candidates[placeIndex(candidates)]
    }

    /// The index of the candidate ``place(_:)`` chooses, now placed.
    mutating func placeIndex(_ candidates: [PlotFrame]) -> Int {
        let chosen = candidates.firstIndex { box in
            box.x >= bounds.x - 0.5 && box.maxX <= bounds.maxX + 0.5 && box.y >= bounds.y - 0.5
                && box.maxY <= bounds.maxY + 0.5 && placed.allSatisfy { !overlaps(box, $0) }
        } ?? candidates.count - 1
        placed.append(candidates[chosen])
        return chosen
    }

    private func overlaps(_ a: PlotFrame, _ b: PlotFrame) -> Bool {
        a.x < b.maxX + gap && b.x < a.maxX + gap && a.y < b.maxY + 1 && b.y < a.maxY + 1
    }
}

extension SVGDocument {
    /// Dashed vertical lines across `frame` at the markers' pixel positions,
    /// each label at the top just right of its line, inside the part it
    /// begins: written across where that fits, in the first of four rows
    /// that keeps it clear of the labels before it; else turned to run down
    /// the line (a narrow part, such as a 5 % validation part), lower where
    /// that keeps it clear; else, as a last resort, across and left of the
    /// line. So neighbouring markers never write one label over another.
    /// Each label has a white, slightly transparent box behind it, so the
    /// lines under it do not hide it.
    mutating func drawMarkers(_ markers: [(position: Double, label: String)], frame: PlotFrame) {
        openGroup([("class", "markers")])
        var placer = LabelPlacer(bounds: frame)
        let height = PlotStyle.tickSize + 2
        for marker in markers.sorted(by: { $0.position < $1.position }) {
            let x = marker.position
            line(x1: x, y1: frame.y, x2: x, y2: frame.maxY, stroke: "#666666", width: 1.25,
                 [("stroke-dasharray", "5 4"), ("class", "marker")])
            guard !marker.label.isEmpty else { continue }
            let width = PlotNumberFormat.approximateWidth(marker.label, size: PlotStyle.tickSize)
            let rows = (0..<4).map { frame.y + 4 + Double($0) * (height + 2) }
            let across = rows.map { PlotFrame(x: x + 5, y: $0, width: width, height: height) }
            // Turned by 90°: the glyphs lie between 3 px left and 10 px right of the anchor's x.
            let down = (0..<12).map {
                PlotFrame(x: x + 2, y: frame.y + 4 + Double($0) * 20, width: height, height: width)
            }
            let left = rows.map { PlotFrame(x: x - 5 - width, y: $0, width: width, height: height) }
            let candidates = across + down + left
            let chosen = placer.placeIndex(candidates)
            let box = candidates[chosen]
            rect(x: box.x - 1, y: box.y, width: box.width + 2, height: box.height, fill: "#ffffff",
                 [("fill-opacity", "0.85"), ("class", "marker-label-background")])
            let attributes = [("fill", "#444444"), ("class", "marker-label")]
            if chosen >= across.count && chosen < across.count + down.count {
                text(marker.label, x: box.x + 3, y: box.y, size: PlotStyle.tickSize, rotation: 90, attributes)
            } else {
                text(marker.label, x: box.x, y: box.y + PlotStyle.tickSize - 1, size: PlotStyle.tickSize, attributes)
            }
        }
        closeGroup()
    }
}
