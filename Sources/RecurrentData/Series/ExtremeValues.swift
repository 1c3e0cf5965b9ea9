/// Cells that lie so far from the rest of their column that they are almost
/// surely errors (a sentinel such as `1e38` or `-9999`, a unit slip), found
/// before training so that a run does not silently fit them.
///
/// Distance is measured from the training part's median in robust standard
/// deviations, σ̂ = 1.4826 × the median absolute deviation (MAD), which one
/// wild cell cannot inflate as it inflates the ordinary standard deviation:
/// a single `1e38` among values near 1 is about 10³⁸ σ̂ away, while its
/// z-score against a standard deviation it dominates is only √n. When the
/// MAD is 0 (more than half the training values equal), σ̂ is the training
/// part's standard deviation; a training part that is constant gives no scale,
/// and no cell of that column is called extreme.
public enum ExtremeValues {
    /// How many robust standard deviations from the median a cell may lie: 10⁶.
    public static let deviations = 1e6

    /// The first cell of `column` beyond ``deviations``, with its distance.
    ///
    /// - Parameters:
    ///   - column: Every value of one column, finite.
    ///   - rows: The training rows, whose median and spread are the reference.
    /// - Returns: The cell's row and its distance in robust standard deviations, or nil.
    public static func first(in column: [Double], fittedOn rows: Range<Int>) -> (row: Int, deviations: Double)? {
        guard !rows.isEmpty, let (median, scale) = reference(column[rows]) else { return nil }
        let limit = deviations * scale
        guard let r = column.firstIndex(where: { abs($0 - median) > limit }) else { return nil }
        return (r, abs(column[r] - median) / scale)
    }

    /// The median and σ̂ of `values`, or nil when they have no spread.
    static func reference(_ values: ArraySlice<Double>) -> (median: Double, scale: Double)? {
        let median = Self.median(values.sorted())
        var scale = 1.4826 * Self.median(values.map { abs($0 - median) }.sorted())
        if !(scale > 0) {
            let mean = values.reduce(0, +) / Double(values.count)
            scale = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)).squareRoot()
        }
        return scale > 0 && scale.isFinite ? (median, scale) : nil
    }

    private static func median(_ sorted: [Double]) -> Double {
        let n = sorted.count
        return n % 2 == 1 ? sorted[n / 2] : sorted[n / 2 - 1] / 2 + sorted[n / 2] / 2
    }
}
