import RecurrentCore
/// Lines through (x, y) points, several named series with a legend: loss
/// per epoch, or a forecast beside the truth with the train/test boundary
/// marked.
///
/// ```swift
/// let losses = LinePlot(
///     title: "LSTM on Mackey-Glass",
///     xAxis: PlotAxis("Epoch"),
///     yAxis: PlotAxis("Loss", unit: "MSE", scale: .logarithmic),
///     series: [LineSeries(name: "training", y: training, xStart: 1),
///              LineSeries(name: "validation", y: validation, xStart: 1)])
/// try losses.write(to: URL(fileURLWithPath: "loss.svg"))
///
/// let forecast = LinePlot(
///     title: "Forecast",
///     xAxis: PlotAxis("Time", unit: "steps"),
///     yAxis: PlotAxis("Value", unit: "°C"),
///     series: [LineSeries(name: "truth", x: t, y: observed),
///              LineSeries(name: "forecast", x: tTest, y: predicted, dashed: true)],
///     markers: [VerticalMarker(x: 800, label: "test →")])
/// ```
///
/// **Axes.** Without a fixed range, the y axis is widened to the nice ticks
/// around the data (``AxisTicks/linear(covering:count:)``), and the x axis
/// spans exactly the data and the markers, with nice ticks inside it
/// (``AxisTicks/linear(within:count:)``); logarithmic axes likewise with
/// base-10 ticks. A fixed ``PlotAxis/range`` is drawn as given and the lines
/// are clipped to the frame. Equal values (a constant loss) widen the range
/// instead of dividing by zero; no drawable data give the axis `0…1`
/// (`1…10` logarithmic).
///
/// **Gaps and long series.** NaN and ±∞ (and y ≤ 0 on a logarithmic axis)
/// break a line; see ``LineSeries``. A series with more points than twice
/// the frame's pixel columns (at most 1000 columns, so at most
/// ``maximumPointsPerSeries`` points) is decimated: each run of points in
/// one pixel column is replaced by its lowest and highest point, which keeps
/// the line's envelope exactly as drawing every point would.
///
/// **Elements.** One `<path class="series">` per series that has two
/// joined points (a series with none still gets its legend entry), one
/// `<circle class="point">` per point with no drawn neighbour (so a series
/// of isolated values, such as a validation loss every fifth epoch with NaN
/// between, shows as dots), one `<line class="marker">` per marker, and two
/// `<rect>`s, the background and the clip region, plus one behind each
/// marker label.
///
/// **Labels never collide.** A marker's `<text class="marker-label">` sits
/// right of its line at the top, or in a lower row, or left of the line,
/// whichever first keeps clear of the labels already placed (markers close
/// together, such as the starts of a narrow validation and test part, stack
/// their labels). Tick labels of a horizontal axis that would overlap are
/// left out (see ``PlotAxis/ticks``).
public struct LinePlot: SVGPlot {
    /// The title above the plot; empty for none.
    public var title: String
    /// The horizontal axis.
    public var xAxis: PlotAxis
    /// The vertical axis.
    public var yAxis: PlotAxis
    /// The lines, drawn in order with the palette's colours in order.
    public var series: [LineSeries]
    /// Shaded bands (prediction intervals) drawn under the lines, each in its series' colour.
    public var bands: [LineBand]
    /// Vertical lines with labels, such as the start of the test period.
    public var markers: [VerticalMarker]
    /// The document's width in pixels.
    public var width: Double
    /// The document's height in pixels.
    public var height: Double

    /// The most points one series is drawn with, however long it is.
    public static let maximumPointsPerSeries = 2000

    /// A line plot.
    ///
    /// - Parameters:
    ///   - title: The title; empty for none.
    ///   - xAxis: The horizontal axis.
    ///   - yAxis: The vertical axis (``AxisScale/logarithmic`` for losses).
    ///   - series: The lines.
    ///   - bands: Shaded bands under the lines; none by default.
    ///   - markers: Vertical marker lines; none by default.
    ///   - width: The width in pixels; 800 by default.
    ///   - height: The height in pixels; 450 by default.
    public init(
        title: String, xAxis: PlotAxis, yAxis: PlotAxis, series: [LineSeries], bands: [LineBand] = [],
        markers: [VerticalMarker] = [], width: Double = 800, height: Double = 450
    ) {
        self.title = title
        self.xAxis = xAxis
        self.yAxis = yAxis
        self.series = series
        self.bands = bands
        self.markers = markers
        self.width = width
        self.height = height
    }

    /// Where the data are drawn, in the document's pixels: the frame inside
    /// the margins for the title, tick labels, axis titles and legend.
    public var plotFrame: PlotFrame { Layout(self).frame }

    /// How many labels as wide as the widest of `labels` fit side by side
    /// along the x axis with room between them (at least 1): the most
    /// ``PlotAxis/ticks`` worth giving, such as dates.
    ///
    /// - Parameter labels: The candidate tick labels.
    /// - Returns: The frame's width over the widest label's plus a gap.
    public func horizontalTickCapacity(labels: [String]) -> Int {
        let widest = labels.map { PlotNumberFormat.approximateWidth($0, size: PlotStyle.tickSize) }.max() ?? 0
        return max(1, Int(plotFrame.width / (widest + 24)))
    }

    /// The document.
    public var svg: String {
        let layout = Layout(self)
        let frame = layout.frame
        var document = SVGDocument(width: layout.width, height: layout.height)
        document.drawBackground(title: title)

        let clipID = "clip-" + frameIdentifier(frame)
        document.defineClip(id: clipID, frame: frame)

        document.drawHorizontalAxis(
            ticks: zip(layout.xTicks.values, layout.xTicks.labels).compactMap { value, label in
                layout.x.position(value).map { ($0, label) }
            },
            title: xAxis.title, frame: frame, grid: true)
        document.drawVerticalAxis(
            ticks: zip(layout.yTicks.values, layout.yTicks.labels).compactMap { value, label in
                layout.y.position(value).map { ($0, label) }
            },
            title: yAxis.title, frame: frame, grid: true)

        document.openGroup([("class", "lines"), ("clip-path", "url(#\(clipID))"), ("fill", "none")])
        document.drawBands(bands, x: layout.x, y: layout.y, buckets: layout.buckets)
        for (index, line) in series.enumerated() {
            let polyline = ScreenPolyline(series: line, x: layout.x, y: layout.y, buckets: layout.buckets)
            var path = SVGPathData()
            for segment in polyline.segments where segment.count > 1 {
                path.move(to: segment[0].x, segment[0].y)
                for point in segment.dropFirst() { path.line(to: point.x, point.y) }
            }
            if !path.isEmpty {
                var attributes = [
                    ("class", "series"), ("d", path.text), ("stroke", PlotStyle.color(index)),
                    ("stroke-width", "1.75"), ("stroke-linejoin", "round"), ("stroke-linecap", "round"),
                ]
                if line.dashed { attributes.append(("stroke-dasharray", "6 4")) }
                document.element("path", attributes)
            }
            for segment in polyline.segments where segment.count == 1 {
                document.element("circle", [
                    ("class", "point"), ("cx", SVGDocument.number(segment[0].x)), ("cy", SVGDocument.number(segment[0].y)),
                    ("r", "2.5"), ("fill", PlotStyle.color(index)),
                ])
            }
        }
        document.closeGroup()

        // Over the lines, so that no line hides a label.
        document.drawMarkers(
            markers.compactMap { marker in
                guard let x = layout.x.position(marker.x), x >= frame.x - 0.5, x <= frame.maxX + 0.5 else { return nil }
                return (x, marker.label)
            },
            frame: frame)

        let named = series.indices.filter { !series[$0].name.isEmpty }
        let namedBands = bands.filter { !$0.name.isEmpty }
        if !named.isEmpty || !namedBands.isEmpty {
            let names = named.map { series[$0].name } + namedBands.map(\.name)
            document.drawLegend(names: names, frame: frame) { document, entry, x, y in
                guard entry < named.count else {
                    let band = namedBands[entry - named.count]
                    document.element(
                        "rect",
                        [
                            ("x", SVGDocument.number(x)), ("y", SVGDocument.number(y)), ("width", "24"), ("height", "12"),
                            ("fill", PlotStyle.color(band.seriesIndex)), ("fill-opacity", "0.22"),
                        ])
                    return
                }
                let index = named[entry]
                var attributes = [("stroke-linecap", "round")]
                if series[index].dashed { attributes.append(("stroke-dasharray", "6 4")) }
                document.line(x1: x, y1: y + 6, x2: x + 24, y2: y + 6, stroke: PlotStyle.color(index), width: 2.5,
                              attributes)
            }
        }
        return document.rendered(title: title)
    }

    /// A short, deterministic name for the clip path, different for plots
    /// of different frames and titles (so plots pasted into one page rarely
    /// share an id).
    private func frameIdentifier(_ frame: PlotFrame) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        let key = title + "|" + [frame.x, frame.y, frame.width, frame.height].map(SVGDocument.number).joined(separator: ",")
            + "|\(series.count)|" + series.map(\.name).joined(separator: "|")
        for byte in key.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return String(hash, radix: 16)
    }

    /// Margins, frame, ticks and the value-to-pixel maps of one plot.
    private struct Layout {
        let width: Double
        let height: Double
        let frame: PlotFrame
        let xTicks: AxisTicks
        let yTicks: AxisTicks
        let x: AxisMapping
        let y: AxisMapping
        /// Pixel columns for decimation: the frame's width, at most 1000.
        let buckets: Int

        init(_ plot: LinePlot) {
            width = plot.width.isFinite ? max(plot.width, 2 * PlotStyle.minimumFrameSide) : 800
            height = plot.height.isFinite ? max(plot.height, 2 * PlotStyle.minimumFrameSide) : 450
            let top = PlotStyle.topMargin(title: plot.title)
            let bottom = 52.0
            let frameHeight = max(PlotStyle.minimumFrameSide, height - top - bottom)
            yTicks = axisTicks(
                for: plot.yAxis, data: plot.series.flatMap(\.y) + plot.bands.flatMap { $0.lower + $0.upper }, count: max(2, Int(frameHeight / 50)), covering: true)

            let left = SVGDocument.leftMargin(labels: yTicks.labels)
            let names = (plot.series.map(\.name) + plot.bands.map(\.name)).filter { !$0.isEmpty }
            let right = names.isEmpty ? 20 : SVGDocument.legendWidth(names)
            let frameWidth = max(PlotStyle.minimumFrameSide, width - left - right)
            frame = PlotFrame(x: left, y: top, width: frameWidth, height: frameHeight)

            let xData = plot.series.flatMap(\.x) + plot.bands.flatMap(\.x) + plot.markers.map(\.x)
            xTicks = axisTicks(for: plot.xAxis, data: xData, count: max(2, Int(frameWidth / 80)), covering: false)
            x = AxisMapping(
                lower: xTicks.lowerBound, upper: xTicks.upperBound, scale: plot.xAxis.scale,
                start: frame.x, end: frame.maxX)
            y = AxisMapping(
                lower: yTicks.lowerBound, upper: yTicks.upperBound, scale: plot.yAxis.scale,
                start: frame.maxY, end: frame.y)
            buckets = max(1, min(Int(frameWidth), LinePlot.maximumPointsPerSeries / 2))
        }
    }
}

/// A vertical line across a plot at one x, with a label at its top: the
/// boundary between training and test data, or an event.
public struct VerticalMarker: Sendable, Equatable {
    /// Where the line stands, in the x axis's units. A marker that is not
    /// finite, or outside a fixed x range, is not drawn.
    public var x: Double
    /// The text beside the line's top; empty for none.
    public var label: String

    /// A marker at `x` labelled `label`.
    public init(x: Double, label: String = "") {
        self.x = x
        self.label = label
    }
}
