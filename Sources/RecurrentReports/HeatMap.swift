import RecurrentCore
/// A matrix drawn as coloured cells, on a diverging blue–white–red scale
/// symmetric about 0, with a colour bar: hidden states over a sequence
/// (hidden units × time steps), weights, gates.
///
/// ```swift
/// let (output, _) = try lstm(x)                        // [1, T, H]
/// let states = output.slice(at: 0, alongAxis: 0)       // [T, H]
/// let map = HeatMap(
///     title: "LSTM hidden state",
///     values: states.transposed(),                     // [H, T]
///     xAxis: PlotAxis("Time step"),
///     yAxis: PlotAxis("Hidden unit"),
///     colorLabel: "h")
/// try map.write(to: URL(fileURLWithPath: "hidden.svg"))
/// ```
///
/// Row 0 is at the top and column 0 at the left; ticks mark row and column
/// indices (nice integers), or the axes' own ``PlotAxis/ticks`` at the
/// centres of the rows and columns they name (a character per time step).
/// The axes' label and unit title them; their scale and range do not apply
/// to a heat map and are ignored.
///
/// **Colour.** A value v is coloured by v / L clamped to [−1, 1]: −1 dark
/// blue (`#2166ac`), 0 white, +1 dark red (`#b2182b`), linear in sRGB between
/// five stops (ColorBrewer's RdBu ends). L is ``limit`` if given, else the
/// largest |v| over the finite values, or 1 when that is 0 or there are none.
/// The colour bar runs from −L to +L and is labelled at both ends and at 0.
///
/// **Gaps and large matrices.** NaN and ±∞ cells are not drawn; the grey
/// behind the cells shows through. A matrix with more columns than half the
/// frame's width in pixels (or more rows than half its height), or more
/// than ``maximumCells`` cells, is shown in bins of consecutive columns
/// (rows), each coloured by the mean of its finite values: no cell is
/// smaller than 2 px, and the document stays under about 2.5 MB.
///
/// **Elements.** One `<rect>` per drawn cell (or bin) inside
/// `<g class="cells">`, plus three `<rect>`s: the background, the grey
/// behind the cells, and the colour bar.
public struct HeatMap: SVGPlot {
    /// The title above the plot; empty for none.
    public var title: String
    /// The number of rows.
    public private(set) var rows: Int
    /// The number of columns.
    public private(set) var columns: Int
    /// The values in row-major order, `rows × columns` of them.
    public private(set) var values: [Double]
    /// The horizontal axis (columns): label and unit.
    public var xAxis: PlotAxis
    /// The vertical axis (rows): label and unit.
    public var yAxis: PlotAxis
    /// The colour bar's title, such as `h` or `activation`; empty for none.
    public var colorLabel: String
    /// The |value| at the ends of the colour scale, or nil for the largest
    /// |value| drawn. Give the same limit to maps that should compare.
    public var limit: Double?
    /// The document's width in pixels.
    public var width: Double
    /// The document's height in pixels.
    public var height: Double

    /// A heat map of a rank-2 tensor `[rows, columns]`.
    ///
    /// - Parameters:
    ///   - title: The title; empty for none.
    ///   - values: The matrix, `[rows, columns]` (a programming error for
    ///     another rank).
    ///   - xAxis: Titles the columns.
    ///   - yAxis: Titles the rows.
    ///   - colorLabel: Titles the colour bar; empty by default.
    ///   - limit: The colour scale's |value| at its ends; nil (the default)
    ///     for the largest |value|.
    ///   - width: The width in pixels; 800 by default.
    ///   - height: The height in pixels; 450 by default.
    public init(
        title: String, values: Tensor, xAxis: PlotAxis, yAxis: PlotAxis, colorLabel: String = "",
        limit: Double? = nil, width: Double = 800, height: Double = 450
    ) {
        require(values.rank == 2, "HeatMap: expected a [rows, columns] tensor, got shape \(values.shape)")
        self.init(
            title: title, rows: values.shape[0], columns: values.shape[1], values: values.scalars.map(Double.init),
            xAxis: xAxis, yAxis: yAxis, colorLabel: colorLabel, limit: limit, width: width, height: height)
    }

    /// A heat map of `matrix`, a list of rows of equal length (a
    /// programming error otherwise).
    public init(
        title: String, matrix: [[Double]], xAxis: PlotAxis, yAxis: PlotAxis, colorLabel: String = "",
        limit: Double? = nil, width: Double = 800, height: Double = 450
    ) {
        let columns = matrix.first?.count ?? 0
        require(matrix.allSatisfy { $0.count == columns }, "HeatMap: rows differ in length")
        self.init(
            title: title, rows: matrix.count, columns: columns, values: matrix.flatMap { $0 },
            xAxis: xAxis, yAxis: yAxis, colorLabel: colorLabel, limit: limit, width: width, height: height)
    }

    private init(
        title: String, rows: Int, columns: Int, values: [Double], xAxis: PlotAxis, yAxis: PlotAxis,
        colorLabel: String, limit: Double?, width: Double, height: Double
    ) {
        self.title = title
        self.rows = columns == 0 ? 0 : rows
        self.columns = rows == 0 ? 0 : columns
        self.values = values
        self.xAxis = xAxis
        self.yAxis = yAxis
        self.colorLabel = colorLabel
        self.limit = limit
        self.width = width
        self.height = height
    }

    /// The most cells drawn; a larger matrix is shown in bins (see above).
    public static let maximumCells = 30_000

    /// The |value| at the ends of the colour scale, as drawn.
    public var colorLimit: Double {
        if let limit, limit.isFinite, limit > 0 { return limit }
        let largest = values.lazy.filter(\.isFinite).map(abs).max() ?? 0
        return largest > 0 ? largest : 1
    }

    /// Where the cells are drawn, in the document's pixels.
    public var plotFrame: PlotFrame { layout().frame }

    /// The colour of `value` on a scale from −`limit` to +`limit`, as
    /// `#rrggbb`; nil for NaN and ±∞.
    public static func color(of value: Double, limit: Double) -> String? {
        guard value.isFinite else { return nil }
        let t = limit > 0 && limit.isFinite ? min(max(value / limit, -1), 1) : 0
        // Stops at t = −1, −0.5, 0, 0.5, 1.
        let position = (t + 1) * 2
        let index = min(Int(position), 3)
        let fraction = position - Double(index)
        let a = stops[index], b = stops[index + 1]
        return SVGDocument.color(
            red: a.0 + (b.0 - a.0) * fraction,
            green: a.1 + (b.1 - a.1) * fraction,
            blue: a.2 + (b.2 - a.2) * fraction)
    }

    private static let stops: [(Double, Double, Double)] = [
        (0x21 / 255.0, 0x66 / 255.0, 0xac / 255.0),
        (0x67 / 255.0, 0xa9 / 255.0, 0xcf / 255.0),
        (1, 1, 1),
        (0xef / 255.0, 0x8a / 255.0, 0x62 / 255.0),
        (0xb2 / 255.0, 0x18 / 255.0, 0x2b / 255.0),
    ]

    /// The document.
    public var svg: String {
        let layout = layout()
        let frame = layout.frame
        var document = SVGDocument(width: layout.width, height: layout.height)
        document.drawBackground(title: title)
        let limit = colorLimit

        document.drawHorizontalAxis(
            ticks: ticks(of: xAxis, count: columns, intervals: max(2, Int(frame.width / 80))).map {
                (frame.x + ($0.value + 0.5) * frame.width / Double(columns), $0.label)
            },
            title: xAxis.title, frame: frame, grid: false)
        document.drawVerticalAxis(
            ticks: ticks(of: yAxis, count: rows, intervals: max(2, Int(frame.height / 40))).map {
                (frame.y + ($0.value + 0.5) * frame.height / Double(rows), $0.label)
            },
            title: yAxis.title, frame: frame, grid: false)

        document.rect(x: frame.x, y: frame.y, width: frame.width, height: frame.height, fill: "#bdbdbd",
                      [("class", "missing")])
        let rowBins = bins(count: rows, limit: max(1, Int(frame.height / 2)))
        let columnBins = bins(
            count: columns, limit: max(1, min(Int(frame.width / 2), HeatMap.maximumCells / max(rowBins.count, 1))))
        let cellWidth = frame.width / Double(max(columns, 1)), cellHeight = frame.height / Double(max(rows, 1))
        document.openGroup([("class", "cells"), ("shape-rendering", "crispEdges")])
        for rowBin in rowBins {
            for columnBin in columnBins {
                var sum = 0.0, count = 0
                for row in rowBin {
                    for column in columnBin where values[row * columns + column].isFinite {
                        sum += values[row * columns + column]
                        count += 1
                    }
                }
                guard count > 0, let fill = HeatMap.color(of: sum / Double(count), limit: limit) else { continue }
                document.rect(
                    x: frame.x + Double(columnBin.lowerBound) * cellWidth,
                    y: frame.y + Double(rowBin.lowerBound) * cellHeight,
                    width: Double(columnBin.count) * cellWidth, height: Double(rowBin.count) * cellHeight,
                    fill: fill)
            }
        }
        document.closeGroup()

        drawColorBar(&document, frame: frame, limit: limit)
        return document.rendered(title: title)
    }

    /// The colour bar right of the frame: a gradient from −L (bottom) to +L
    /// (top) through the same stops as the cells, labelled at both ends and 0.
    private func drawColorBar(_ document: inout SVGDocument, frame: PlotFrame, limit: Double) {
        var gradient = "    <linearGradient id=\"diverging-scale\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">\n"
        for (offset, t) in [("0", -1.0), ("0.25", -0.5), ("0.5", 0.0), ("0.75", 0.5), ("1", 1.0)] {
            gradient += "      <stop offset=\"\(offset)\" stop-color=\"\(HeatMap.color(of: t, limit: 1)!)\"/>\n"
        }
        document.definition(gradient + "    </linearGradient>\n")

        let x = frame.maxX + 24, barWidth = 16.0
        document.openGroup([("class", "color-bar"), ("fill", PlotStyle.textColor)])
        if !colorLabel.isEmpty {
            document.text(colorLabel, x: x + barWidth / 2, y: frame.y - 8, size: PlotStyle.labelSize, anchor: .middle)
        }
        document.rect(x: x, y: frame.y, width: barWidth, height: frame.height, fill: "url(#diverging-scale)",
                      [("stroke", PlotStyle.axisColor), ("stroke-width", "0.5")])
        let labels = [
            (frame.y, PlotNumberFormat.significant(limit)),
            (frame.y + frame.height / 2, "0"),
            (frame.maxY, PlotNumberFormat.significant(-limit)),
        ]
        for (y, label) in labels {
            document.line(x1: x + barWidth, y1: y, x2: x + barWidth + 4, y2: y, stroke: PlotStyle.axisColor)
            document.text(label, x: x + barWidth + 7, y: y + 4, size: PlotStyle.tickSize)
        }
        document.closeGroup()
    }

    /// The axis's own ticks that fall on a row or column (`0…count − 1`),
    /// or integer ticks among 0..<count, about `intervals` apart at most.
    private func ticks(of axis: PlotAxis, count: Int, intervals: Int) -> [AxisTick] {
        guard count > 0 else { return [] }
        if let given = axis.ticks {
            return given.filter { $0.value.isFinite && $0.value >= -0.5 && $0.value <= Double(count) - 0.5 }
        }
        let ticks = AxisTicks.linear(within: 0...Double(count - 1), count: intervals)
        return ticks.values.filter { $0 == $0.rounded() && $0 >= 0 && $0 <= Double(count - 1) }
            .map { AxisTick(value: $0, label: String(Int($0))) }
    }

    /// `count` indices in at most `limit` runs of consecutive indices, as
    /// even as integer division makes them.
    private func bins(count: Int, limit: Int) -> [Range<Int>] {
        let binCount = min(count, limit)
        return (0..<binCount).map { ($0 * count / binCount)..<(($0 + 1) * count / binCount) }
    }

    private struct Layout {
        let width: Double
        let height: Double
        let frame: PlotFrame
    }

    private func layout() -> Layout {
        let width = self.width.isFinite ? max(self.width, 2 * PlotStyle.minimumFrameSide) : 800
        let height = self.height.isFinite ? max(self.height, 2 * PlotStyle.minimumFrameSide) : 450
        let top = PlotStyle.topMargin(title: title) + (colorLabel.isEmpty ? 0 : 10)
        let bottom = 52.0
        let left = SVGDocument.leftMargin(labels: yAxis.ticks?.map(\.label) ?? [String(max(rows - 1, 0))])
        let barLabels = [PlotNumberFormat.significant(colorLimit), PlotNumberFormat.significant(-colorLimit)]
        let right = 24 + 16 + 7 + (barLabels.map { PlotNumberFormat.approximateWidth($0, size: PlotStyle.tickSize) }.max() ?? 0) + 12
        let frame = PlotFrame(
            x: left, y: top,
            width: max(PlotStyle.minimumFrameSide, width - left - right),
            height: max(PlotStyle.minimumFrameSide, height - top - bottom))
        return Layout(width: width, height: height, frame: frame)
    }
}
