import Foundation

/// Several line plots in one SVG document, row by row in a grid: small
/// multiples, such as one panel per series of a global forecaster.
///
/// Each panel is the plot's own document, nested as an `<svg>` element at
/// its cell (its clip paths renamed per panel, so the names stay unique);
/// the cells are as wide and as tall as the largest panel, under the grid's
/// title. No panels give a document holding the title alone.
///
/// ```swift
/// let grid = PlotGrid(title: "Test part, truth and forecast", columns: 2, plots: [
///     LinePlot(title: "s0", xAxis: PlotAxis("row"), yAxis: PlotAxis("sales"), series: [truth0, forecast0]),
///     LinePlot(title: "s1", xAxis: PlotAxis("row"), yAxis: PlotAxis("sales"), series: [truth1, forecast1]),
/// ])
/// try grid.write(to: URL(fileURLWithPath: "forecast.svg"))
/// ```
public struct PlotGrid: SVGPlot {
    /// The title above every panel.
    public var title: String
    /// Panels per row, at least 1.
    public var columns: Int
    /// The panels, in reading order.
    public var plots: [LinePlot]

    /// A grid of `plots`, `columns` to a row.
    ///
    /// - Parameters:
    ///   - title: the title above the panels.
    ///   - columns: panels per row; values below 1 read as 1.
    ///   - plots: the panels, in reading order.
    public init(title: String, columns: Int = 2, plots: [LinePlot]) {
        self.title = title
        self.columns = max(1, columns)
        self.plots = plots
    }

    /// The height of the band holding the grid's title.
    private static let titleBand = 36.0

    /// The complete SVG document.
    public var svg: String {
        let cellWidth = plots.map(\.width).max() ?? 640, cellHeight = plots.map(\.height).max() ?? 0
        let rows = (plots.count + columns - 1) / columns
        let width = cellWidth * Double(min(columns, max(plots.count, 1)))
        var document = SVGDocument(width: width, height: Self.titleBand + cellHeight * Double(rows))
        document.drawBackground(title: title)
        var text = document.rendered(title: title)
        var panels = ""
        for (index, plot) in plots.enumerated() {
            let x = cellWidth * Double(index % columns), y = Self.titleBand + cellHeight * Double(index / columns)
            var inner = plot.svg
            if let declaration = inner.range(of: "?>\n") { inner.removeSubrange(inner.startIndex..<declaration.upperBound) }
            inner = inner.replacingOccurrences(of: "id=\"clip-", with: "id=\"panel\(index)-clip-")
                .replacingOccurrences(of: "url(#clip-", with: "url(#panel\(index)-clip-")
            // The panel's root <svg …> placed at its cell.
            inner = inner.replacingOccurrences(
                of: "<svg xmlns=\"http://www.w3.org/2000/svg\" ",
                with: "<svg x=\"\(SVGDocument.number(x))\" y=\"\(SVGDocument.number(y))\" ")
            panels += inner
        }
        text.insert(contentsOf: panels, at: text.range(of: "</svg>\n", options: .backwards)!.lowerBound)
        return text
    }
}
