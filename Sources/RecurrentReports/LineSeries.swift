import RecurrentCore
/// One named line of a ``LinePlot``: points (x, y) joined in order.
///
/// A point with a NaN or infinite coordinate (or y ≤ 0 on a logarithmic
/// axis) is not drawn and breaks the line: the points on either side are
/// not joined. A point with no drawn neighbour shows as a dot.
///
/// ```swift
/// let truth = LineSeries(name: "truth", x: times, y: observed)
/// let loss = LineSeries(name: "training", y: losses, xStart: 1)      // epochs 1, 2, …
/// let forecast = LineSeries(name: "forecast", x: testTimes, y: predicted, dashed: true)
/// ```
public struct LineSeries: Sendable, Equatable {
    /// The name shown in the legend; an empty name leaves the series out of
    /// the legend.
    public var name: String
    /// The x coordinates, one per point.
    public private(set) var x: [Double]
    /// The y coordinates, one per point.
    public private(set) var y: [Double]
    /// Whether the line is dashed (for a forecast drawn beside the truth).
    public var dashed: Bool

    /// A series of points (`x[i]`, `y[i]`).
    ///
    /// - Parameters:
    ///   - name: The legend entry.
    ///   - x: The x coordinates.
    ///   - y: The y coordinates; as many as `x` (a programming error
    ///     otherwise, like an index out of range).
    ///   - dashed: Draw the line dashed; solid by default.
    public init<X: Sequence, Y: Sequence>(name: String, x: X, y: Y, dashed: Bool = false)
    where X.Element: BinaryFloatingPoint, Y.Element: BinaryFloatingPoint {
        let xs = x.map { Double($0) }, ys = y.map { Double($0) }
        require(xs.count == ys.count, "LineSeries \(name): \(xs.count) x values but \(ys.count) y values")
        self.name = name
        self.x = xs
        self.y = ys
        self.dashed = dashed
    }

    /// A series at evenly spaced x: point i is (`xStart + i·xStep`, `y[i]`).
    ///
    /// - Parameters:
    ///   - name: The legend entry.
    ///   - y: The y coordinates (`[Float]`, `[Double]`, a tensor's `scalars`).
    ///   - xStart: The first x; 0 by default (1 for epochs counted from 1).
    ///   - xStep: The spacing of x; 1 by default.
    ///   - dashed: Draw the line dashed; solid by default.
    public init<Y: Sequence>(name: String, y: Y, xStart: Double = 0, xStep: Double = 1, dashed: Bool = false)
    where Y.Element: BinaryFloatingPoint {
        let ys = y.map { Double($0) }
        self.init(name: name, x: ys.indices.map { xStart + Double($0) * xStep }, y: ys, dashed: dashed)
    }

    /// A series from a rank-1 tensor `[T]` at evenly spaced x.
    public init(name: String, y: Tensor, xStart: Double = 0, xStep: Double = 1, dashed: Bool = false) {
        require(y.rank == 1, "LineSeries \(name): expected a rank-1 tensor, got shape \(y.shape)")
        self.init(name: name, y: y.scalars, xStart: xStart, xStep: xStep, dashed: dashed)
    }

    /// The number of points.
    public var count: Int { x.count }
}

/// A series mapped to pixels: runs of joined points, split where the data
/// break, with long runs decimated.
struct ScreenPolyline {
    var segments: [[(x: Double, y: Double)]]

    var pointCount: Int { segments.reduce(0) { $0 + $1.count } }

    /// Maps `series` to pixels and decimates it when it has more than
    /// `2 × buckets` points.
    ///
    /// Decimation (min/max per pixel column): consecutive drawn points whose
    /// x falls in the same column (one of `buckets` equal slices of the frame's
    /// width) are replaced by that run's lowest and highest point, in the
    /// order they occur. The drawn envelope is what drawing every point would
    /// give; a break narrower than a column is not shown. If x is not sorted,
    /// so that columns recur and the runs still give too many points, the
    /// columns are taken by index instead (point i in column
    /// ⌊i · buckets / n⌋). Either way at most 2 × `buckets` points remain.
    init(series: LineSeries, x: AxisMapping, y: AxisMapping, buckets: Int) {
        let n = series.count
        var screen: [(x: Double, y: Double)?] = []
        screen.reserveCapacity(n)
        for i in 0..<n {
            if let px = x.position(series.x[i]), let py = y.position(series.y[i]) {
                screen.append((px, py))
            } else {
                screen.append(nil)
            }
        }
        let limit = 2 * buckets
        guard screen.count > limit else {
            segments = ScreenPolyline.split(screen)
            return
        }
        let left = min(x.start, x.end), width = abs(x.end - x.start)
        let byColumn = ScreenPolyline.decimate(screen) { _, point in
            let column = ((point.x - left) / width * Double(buckets)).rounded(.down)
            return Int(min(max(column, -1), Double(buckets)))
        }
        if byColumn.reduce(0, { $0 + $1.count }) <= limit {
            segments = byColumn
        } else {
            segments = ScreenPolyline.decimate(screen) { index, _ in index * buckets / n }
        }
    }

    /// Runs of consecutive drawn points.
    private static func split(_ points: [(x: Double, y: Double)?]) -> [[(x: Double, y: Double)]] {
        var segments: [[(x: Double, y: Double)]] = []
        var current: [(x: Double, y: Double)] = []
        for point in points {
            if let point {
                current.append(point)
            } else if !current.isEmpty {
                segments.append(current)
                current = []
            }
        }
        if !current.isEmpty { segments.append(current) }
        return segments
    }

    /// Each run of consecutive points in one column becomes its minimum and
    /// maximum (in screen y), in the order they occur. A break between two
    /// columns starts a new segment; a break inside a column is dropped.
    private static func decimate(
        _ points: [(x: Double, y: Double)?], column: (Int, (x: Double, y: Double)) -> Int
    ) -> [[(x: Double, y: Double)]] {
        var segments: [[(x: Double, y: Double)]] = []
        var current: [(x: Double, y: Double)] = []
        var runColumn = Int.min
        var low = 0, high = 0
        var sawBreak = false

        func flushRun() {
            guard runColumn != Int.min else { return }
            let first = min(low, high), second = max(low, high)
            current.append(points[first]!)
            if second != first { current.append(points[second]!) }
        }

        for (index, point) in points.enumerated() {
            guard let point else {
                sawBreak = true
                continue
            }
            let c = column(index, point)
            if c == runColumn {
                sawBreak = false
                if point.y < points[low]!.y { low = index }
                if point.y > points[high]!.y { high = index }
                continue
            }
            flushRun()
            if sawBreak && !current.isEmpty {
                segments.append(current)
                current = []
            }
            sawBreak = false
            runColumn = c
            low = index
            high = index
        }
        flushRun()
        if !current.isEmpty { segments.append(current) }
        return segments
    }
}
