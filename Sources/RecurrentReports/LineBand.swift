import RecurrentCore

/// A shaded band of a ``LinePlot`` between a lower and an upper line: a
/// forecast's prediction interval (its 10% and 90% quantiles, say) around
/// the forecast line.
///
/// The band is filled in the colour of the series it belongs to
/// (``seriesIndex``), translucent, under every line. A point with a
/// non-finite bound (or x) breaks the band, as a break in a ``LineSeries``
/// does. A band with more points than twice the frame's pixel columns is
/// drawn one pixel column at a time, from the column's lowest lower bound to
/// its highest upper bound, so that no part of the interval is hidden.
///
/// ```swift
/// let band = LineBand(name: "80% interval", x: rows, lower: q10, upper: q90, seriesIndex: 1)
/// let plot = LinePlot(title: "Forecast", xAxis: PlotAxis("row"), yAxis: PlotAxis("load"),
///                     series: [truth, forecast], bands: [band])
/// ```
public struct LineBand: Sendable, Equatable {
    /// The legend entry; empty to leave the band out of the legend.
    public var name: String
    /// The x coordinates, one per point.
    public private(set) var x: [Double]
    /// The lower bound at each x.
    public private(set) var lower: [Double]
    /// The upper bound at each x.
    public private(set) var upper: [Double]
    /// The series whose palette colour the band takes.
    public var seriesIndex: Int

    /// A band through (`x[i]`, `lower[i]` … `upper[i]`).
    ///
    /// - Parameters:
    ///   - name: The legend entry.
    ///   - x: The x coordinates.
    ///   - lower: The lower bounds; as many as `x` (a programming error otherwise).
    ///   - upper: The upper bounds; as many as `x`.
    ///   - seriesIndex: The series whose colour it takes; 0 by default.
    public init(name: String, x: [Double], lower: [Double], upper: [Double], seriesIndex: Int = 0) {
        require(
            x.count == lower.count && x.count == upper.count,
            "LineBand \(name): \(x.count) x values, \(lower.count) lower and \(upper.count) upper bounds")
        self.name = name
        self.x = x
        self.lower = lower
        self.upper = upper
        self.seriesIndex = seriesIndex
    }

    /// The band in pixels: runs of (x, lower, upper) split at breaks, at
    /// most one point per pixel column once there are more than 2 × `buckets`.
    func screenRuns(x xMap: AxisMapping, y yMap: AxisMapping, buckets: Int) -> [[(x: Double, low: Double, high: Double)]] {
        var points: [(x: Double, low: Double, high: Double)?] = []
        for i in x.indices {
            if let px = xMap.position(x[i]), let lo = yMap.position(lower[i]), let hi = yMap.position(upper[i]) {
                points.append((px, lo, hi))
            } else {
                points.append(nil)
            }
        }
        var runs: [[(x: Double, low: Double, high: Double)]] = [], current: [(x: Double, low: Double, high: Double)] = []
        let left = min(xMap.start, xMap.end), width = max(abs(xMap.end - xMap.start), 1)
        let thin = points.count > 2 * buckets
        var column = Int.min
        for point in points {
            guard let point else {
                if !current.isEmpty { runs.append(current) }
                (current, column) = ([], Int.min)
                continue
            }
            let c = Int(((point.x - left) / width * Double(buckets)).rounded(.down))
            if thin, c == column, let last = current.last {  // screen y grows downward: low is the larger
                current[current.count - 1] = (last.x, max(last.low, point.low), min(last.high, point.high))
                continue
            }
            column = c
            current.append(point)
        }
        if !current.isEmpty { runs.append(current) }
        return runs
    }
}

extension SVGDocument {
    /// Each band as translucent filled paths (`<path class="band">`), one per unbroken run.
    mutating func drawBands(_ bands: [LineBand], x: AxisMapping, y: AxisMapping, buckets: Int) {
        for band in bands {
            for run in band.screenRuns(x: x, y: y, buckets: buckets) {
                var path = SVGPathData()
                path.move(to: run[0].x, run[0].high)
                for point in run.dropFirst() { path.line(to: point.x, point.high) }
                for point in run.reversed() { path.line(to: point.x, point.low) }
                element(
                    "path",
                    [
                        ("class", "band"), ("d", path.text + " Z"), ("fill", PlotStyle.color(band.seriesIndex)),
                        ("fill-opacity", "0.22"), ("stroke", "none"),
                    ])
            }
        }
    }
}
