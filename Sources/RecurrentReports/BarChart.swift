import Foundation
import RecurrentCore
/// Grouped bars: one group per category, one bar per series in each group,
/// with each bar's value printed above it. For `compare`: models × error on
/// validation and test data.
///
/// ```swift
/// let chart = BarChart(
///     title: "Mackey-Glass, one step ahead",
///     categories: ["persistence", "MLP", "RNN", "LSTM", "GRU"],
///     series: [BarSeries(name: "validation", values: validationRMSE),
///              BarSeries(name: "test", values: testRMSE)],
///     categoryAxis: PlotAxis("Model"),
///     valueAxis: PlotAxis("RMSE", unit: "normalised units"))
/// try chart.write(to: URL(fileURLWithPath: "compare.svg"))
/// ```
///
/// **Values.** The value axis is linear and always includes 0, which the
/// bars grow from (down for negative values); it is widened to nice ticks
/// around the data with room for the printed values, unless the axis has a
/// fixed ``PlotAxis/range``. With ``PlotAxis/scale`` ``AxisScale/logarithmic``
/// and every value (and reference) positive, the axis is logarithmic
/// instead, with base-10 ticks: the bars rise from its bottom, and errors
/// that span decades stay readable (equal ratios, equal lengths). A
/// logarithmic axis with a value ≤ 0 falls back to linear. Values are printed with ``significantDigits`` significant
/// digits (`0.0123`, `12.3`, `1.5×10⁻⁵`), turned upright when wider than
/// the bar. Category names that do not fit across their group are slanted
/// by 30° (and cut at 30 characters with "…"). A NaN or infinite value has no bar and prints `n/a`; so does a
/// category past the end of a series' values.
///
/// **References.** Each ``ReferenceLine`` is a dashed `<line class="reference">`
/// across the frame with its `<text class="reference-label">` (on a white
/// `<rect class="reference-label-background">`) at the right, above or below
/// the line, placed clear of the other labels.
///
/// **Elements.** One `<rect class="bar">` per drawn bar (with a `<title>`
/// tooltip naming category, series and value), one `<rect>` legend swatch
/// per named series, and the background `<rect>`.
public struct BarChart: SVGPlot {
    /// The title above the chart; empty for none.
    public var title: String
    /// The groups' names, left to right.
    public var categories: [String]
    /// The bars of each group, left to right, with the palette's colours.
    public var series: [BarSeries]
    /// Titles the categories (label and unit).
    public var categoryAxis: PlotAxis
    /// The value axis: label, unit, scale and optionally a fixed range.
    public var valueAxis: PlotAxis
    /// Labelled horizontal lines, such as a baseline's error.
    public var references: [ReferenceLine]
    /// Significant digits of the printed values; 3 by default.
    public var significantDigits: Int
    /// The document's width in pixels.
    public var width: Double
    /// The document's height in pixels.
    public var height: Double

    /// A grouped bar chart.
    ///
    /// - Parameters:
    ///   - title: The title; empty for none.
    ///   - categories: The groups, such as model names.
    ///   - series: The bars in each group; `values[i]` belongs to `categories[i]`.
    ///   - categoryAxis: Titles the categories.
    ///   - valueAxis: The value axis (label, unit, scale, optional fixed range).
    ///   - references: Labelled horizontal lines; none by default.
    ///   - significantDigits: Digits of the printed values, 1…15; 3 by default.
    ///   - width: The width in pixels; 800 by default.
    ///   - height: The height in pixels; 450 by default.
    public init(
        title: String, categories: [String], series: [BarSeries], categoryAxis: PlotAxis, valueAxis: PlotAxis,
        references: [ReferenceLine] = [], significantDigits: Int = 3, width: Double = 800, height: Double = 450
    ) {
        self.title = title
        self.categories = categories
        self.series = series
        self.categoryAxis = categoryAxis
        self.valueAxis = valueAxis
        self.references = references
        self.significantDigits = significantDigits
        self.width = width
        self.height = height
    }

    /// Where the bars are drawn, in the document's pixels.
    public var plotFrame: PlotFrame { Layout(self).frame }

    /// The value axis's scale as drawn: logarithmic only when asked for and
    /// every value and reference is positive.
    public var drawnScale: AxisScale { Layout(self).y.scale }

    /// The document.
    public var svg: String {
        let layout = Layout(self)
        let frame = layout.frame
        var document = SVGDocument(width: layout.width, height: layout.height)
        document.drawBackground(title: title)

        document.drawVerticalAxis(
            ticks: zip(layout.ticks.values, layout.ticks.labels).compactMap { value, label in
                layout.y.position(value).map { ($0, label) }
            },
            title: valueAxis.title, frame: frame, grid: true)

        let groupWidth = frame.width / Double(max(categories.count, 1))
        let seriesCount = max(series.count, 1)
        let slot = groupWidth * 0.8 / Double(seriesCount)
        let barWidth = slot * 0.9
        let baseline = layout.y.scale == .logarithmic
            ? frame.maxY : min(max(layout.y.position(0) ?? frame.maxY, frame.y), frame.maxY)
        let digits = min(max(significantDigits, 1), 15)
        var placer = LabelPlacer(bounds: frame)

        document.openGroup([("class", "bars")])
        for (category, name) in categories.enumerated() {
            let groupX = frame.x + Double(category) * groupWidth
            for (index, bars) in series.enumerated() {
                let x = groupX + groupWidth * 0.1 + Double(index) * slot + (slot - barWidth) / 2
                let center = x + barWidth / 2
                let value = category < bars.values.count ? bars.values[category] : .nan
                guard value.isFinite, let position = layout.y.position(value) else {
                    document.text("n/a", x: center, y: baseline - 4, size: 10, anchor: .middle,
                                  [("class", "value-label"), ("fill", "#666666")])
                    continue
                }
                let end = min(max(position, frame.y), frame.maxY)
                let label = PlotNumberFormat.significant(value, digits: digits)
                document.rect(
                    x: x, y: min(end, baseline), width: barWidth, height: abs(end - baseline),
                    fill: PlotStyle.color(index), [("class", "bar")],
                    tooltip: "\(name), \(bars.name): \(label)")
                let labelWidth = PlotNumberFormat.approximateWidth(label, size: 10)
                let upright = labelWidth > slot
                let above = value >= 0
                let y = above ? end - 4 : end + (upright ? 4 : 12)
                placer.reserve(
                    upright
                        ? PlotFrame(x: center - 5, y: above ? y - labelWidth : y, width: 10, height: labelWidth)
                        : PlotFrame(x: center - labelWidth / 2, y: y - 9, width: labelWidth, height: 11))
                document.text(
                    label, x: upright ? center + 3.5 : center, y: y, size: 10,
                    anchor: upright ? (above ? .start : .end) : .middle, rotation: upright ? -90 : 0,
                    [("class", "value-label"), ("fill", PlotStyle.textColor)])
            }
        }
        document.closeGroup()

        if layout.y.scale == .linear, let zero = layout.y.position(0), zero >= frame.y, zero <= frame.maxY {
            document.line(x1: frame.x, y1: zero, x2: frame.maxX, y2: zero, stroke: PlotStyle.axisColor, [("class", "zero")])
        }
        drawReferences(&document, y: layout.y, frame: frame, placer: &placer)

        document.openGroup([("class", "x-axis"), ("fill", PlotStyle.textColor)])
        document.line(x1: frame.x, y1: frame.maxY, x2: frame.maxX, y2: frame.maxY, stroke: PlotStyle.axisColor)
        for (index, name) in categories.enumerated() {
            let x = frame.x + (Double(index) + 0.5) * groupWidth
            if layout.slanted {
                document.text(BarChart.slantedName(name), x: x, y: frame.maxY + 16, size: PlotStyle.labelSize, anchor: .end, rotation: -30,
                              [("class", "category-label")])
            } else {
                document.text(name, x: x, y: frame.maxY + 18, size: PlotStyle.labelSize, anchor: .middle,
                              [("class", "category-label")])
            }
        }
        if !categoryAxis.title.isEmpty {
            document.text(categoryAxis.title, x: frame.x + frame.width / 2, y: layout.height - 12,
                          size: PlotStyle.labelSize, anchor: .middle, [("class", "axis-title")])
        }
        document.closeGroup()

        let named = series.indices.filter { !series[$0].name.isEmpty }
        if !named.isEmpty {
            document.drawLegend(names: named.map { series[$0].name }, frame: frame) { document, entry, x, y in
                document.rect(x: x + 4, y: y, width: 16, height: 12, fill: PlotStyle.color(named[entry]))
            }
        }
        return document.rendered(title: title)
    }

    /// The reference lines, dashed across the frame, each label at the
    /// right end above the line, or below it, or at the left, wherever it
    /// first keeps clear of the printed values and the labels before it.
    private func drawReferences(
        _ document: inout SVGDocument, y: AxisMapping, frame: PlotFrame, placer: inout LabelPlacer
    ) {
        guard !references.isEmpty else { return }
        document.openGroup([("class", "references")])
        for reference in references {
            guard let position = y.position(reference.value), position >= frame.y - 0.5, position <= frame.maxY + 0.5
            else { continue }
            let color = reference.series.map(PlotStyle.color) ?? "#444444"
            document.line(x1: frame.x, y1: position, x2: frame.maxX, y2: position, stroke: color, width: 1.5,
                          [("stroke-dasharray", "8 4"), ("class", "reference")])
            guard !reference.label.isEmpty else { continue }
            let width = PlotNumberFormat.approximateWidth(reference.label, size: PlotStyle.tickSize)
            let height = PlotStyle.tickSize + 2
            var candidates: [PlotFrame] = []
            for x in [frame.maxX - 4 - width, frame.x + 4] {
                for offset in [0.0, 1, 2] {
                    candidates.append(PlotFrame(
                        x: x, y: position - 3 - height - offset * (height + 2), width: width, height: height))
                    candidates.append(
                        PlotFrame(x: x, y: position + 3 + offset * (height + 2), width: width, height: height))
                }
            }
            let box = placer.place(candidates)
            document.rect(x: box.x - 2, y: box.y, width: box.width + 4, height: box.height, fill: "#ffffff",
                          [("fill-opacity", "0.85"), ("class", "reference-label-background")])
            document.text(reference.label, x: box.x, y: box.y + PlotStyle.tickSize - 1, size: PlotStyle.tickSize,
                          [("fill", color), ("class", "reference-label")])
        }
        document.closeGroup()
    }

    /// A category's name as slanted under its group: cut at 30 characters
    /// with "…", so long names cannot push the bars off the page.
    private static func slantedName(_ name: String) -> String {
        name.count <= 30 ? name : String(name.prefix(29)) + "…"
    }

    /// Margins, frame, ticks and the value-to-pixel map of one chart.
    private struct Layout {
        let width: Double
        let height: Double
        let frame: PlotFrame
        let ticks: AxisTicks
        let y: AxisMapping
        /// Whether the category names are slanted because they do not fit
        /// across their groups.
        let slanted: Bool

        init(_ chart: BarChart) {
            width = chart.width.isFinite ? max(chart.width, 2 * PlotStyle.minimumFrameSide) : 800
            height = chart.height.isFinite ? max(chart.height, 2 * PlotStyle.minimumFrameSide) : 450
            let top = PlotStyle.topMargin(title: chart.title)
            let estimatedHeight = max(PlotStyle.minimumFrameSide, height - top - 52)

            let drawn = (chart.series.flatMap(\.values) + chart.references.map(\.value)).filter(\.isFinite)
            let logarithmic = chart.valueAxis.scale == .logarithmic && !drawn.isEmpty && drawn.allSatisfy { $0 > 0 }
            let scale: AxisScale = logarithmic ? .logarithmic : .linear
            let axis = PlotAxis(
                chart.valueAxis.label, unit: chart.valueAxis.unit, scale: scale, range: chart.valueAxis.range)
            var values = drawn
            if logarithmic {
                // Room for the printed values above the longest bar, and a
                // visible stub for the shortest.
                let lowest = values.min()!, highest = values.max()!
                values += [highest * pow(highest / lowest, 0.08) * 1.2, lowest / 1.2]
            } else {
                values.append(0)
                // Room for the printed values beyond the longest bars.
                let lowest = values.min()!, highest = values.max()!
                let room = (highest - lowest) * 0.08
                values += [highest > 0 ? highest + room : highest, lowest < 0 ? lowest - room : lowest]
            }
            ticks = axisTicks(for: axis, data: values, count: max(2, Int(estimatedHeight / 50)), covering: true)

            var left = SVGDocument.leftMargin(labels: ticks.labels)
            let names = chart.series.map(\.name).filter { !$0.isEmpty }
            let right = names.isEmpty ? 20 : SVGDocument.legendWidth(names)
            let categoryCount = Double(max(chart.categories.count, 1))
            var frameWidth = max(PlotStyle.minimumFrameSide, width - left - right)
            let widths = chart.categories.map { PlotNumberFormat.approximateWidth($0, size: PlotStyle.labelSize) }
            let widest = widths.max() ?? 0
            slanted = widest > frameWidth / categoryCount - 6
            if slanted {
                // A name slanted by 30° and ending under its group's centre reaches
                // w·cos 30° to the left: the first one must stay on the page.
                let slantedNames = chart.categories.map(BarChart.slantedName)
                let first = PlotNumberFormat.approximateWidth(slantedNames[0], size: PlotStyle.labelSize) * 0.866
                for _ in 0..<2 {
                    left = max(left, first - frameWidth / categoryCount / 2 + 8)
                    frameWidth = max(PlotStyle.minimumFrameSide, width - left - right)
                }
            }
            let slantedWidest = chart.categories.map {
                PlotNumberFormat.approximateWidth(BarChart.slantedName($0), size: PlotStyle.labelSize)
            }.max() ?? 0
            // A slanted name of width w drops w·sin 30° below its anchor.
            let bottom = slanted ? 40 + slantedWidest / 2 : 52
            let frameHeight = max(PlotStyle.minimumFrameSide, height - top - bottom)
            frame = PlotFrame(x: left, y: top, width: frameWidth, height: frameHeight)
            y = AxisMapping(
                lower: ticks.lowerBound, upper: ticks.upperBound, scale: scale, start: frame.maxY, end: frame.y)
        }
    }
}

/// One series of a ``BarChart``: a name and one value per category.
public struct BarSeries: Sendable, Equatable {
    /// The legend entry; empty to leave the series out of the legend.
    public var name: String
    /// One value per category, in the categories' order.
    public var values: [Double]

    /// A series named `name` with `values[i]` for category i.
    public init<Values: Sequence>(name: String, values: Values) where Values.Element: BinaryFloatingPoint {
        self.name = name
        self.values = values.map { Double($0) }
    }
}
