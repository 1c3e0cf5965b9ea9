import Foundation
import RecurrentCore

/// A plot that renders itself as a standalone SVG document, which any
/// browser opens.
///
/// ``LinePlot``, ``HeatMap`` and ``BarChart`` conform. Rendering is a pure
/// function of the plot's value: the same data give the same bytes, on any
/// machine (numbers are printed with fixed decimals by the library's own
/// formatter, not by the locale or `printf`).
///
/// ```swift
/// let plot = LinePlot(
///     title: "Training",
///     xAxis: PlotAxis("Epoch"),
///     yAxis: PlotAxis("Loss", unit: "MSE", scale: .logarithmic),
///     series: [LineSeries(name: "training", y: trainingLoss, xStart: 1),
///              LineSeries(name: "validation", y: validationLoss, xStart: 1)])
/// try plot.write(to: URL(fileURLWithPath: "loss.svg"))
/// ```
public protocol SVGPlot: Sendable {
    /// The complete SVG document, UTF-8 text starting with the XML
    /// declaration.
    var svg: String { get }
}

extension SVGPlot {
    /// Writes ``svg`` to `url` atomically (`AtomicFile/write(_:to:)`): a
    /// reader sees the old file or the whole new one, never half a plot.
    ///
    /// - Parameter url: A file URL whose folder exists; `.svg` by convention.
    /// - Throws: `AtomicFileError` naming the file and the failing step.
    public func write(to url: URL) throws {
        try AtomicFile.write(Array(svg.utf8), to: url)
    }
}

/// A rectangle in SVG user units (pixels), y growing downwards: where a
/// plot draws its data.
public struct PlotFrame: Sendable, Equatable {
    /// The left edge.
    public var x: Double
    /// The top edge.
    public var y: Double
    /// The width.
    public var width: Double
    /// The height.
    public var height: Double

    /// A rectangle with its top-left corner at (`x`, `y`).
    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// The right edge, `x + width`.
    public var maxX: Double { x + width }
    /// The bottom edge, `y + height`.
    public var maxY: Double { y + height }
}
