import RecurrentCore
/// Per-column scaling of a series, `z = (x − offset) / scale`, fitted on the
/// training part and stored with the model so forecasts can be reported in
/// the original units (`x = z · scale + offset`).
///
/// | method | offset | scale |
/// | --- | --- | --- |
/// | ``Method/zScore`` | mean | standard deviation (population, dividing by n) |
/// | ``Method/minMax`` | minimum | maximum − minimum, so the fitted values span [0, 1] |
/// | ``Method/none`` | 0 | 1 |
///
/// A column that is constant in the fitted values has no spread to divide
/// by: its scale is taken as 1 (and its offset is the constant), so it
/// normalises to 0 there and is not an error.
///
/// It is `Codable` as `{"method":"z-score","columns":[…],"offsets":[…],"scales":[…]}`,
/// the form a model file's metadata stores; decoding checks the counts and
/// that every scale is finite and positive.
///
/// ```swift
/// let scaling = try Normalization(fitting: [[1, 2, 3, 4]], columns: ["load"], method: .zScore)
/// scaling.offsets   // [2.5]
/// scaling.scales    // [1.118…], √1.25
/// let z = try scaling.normalizing(Tensor([4]), columns: ["load"])   // [1.3416…]
/// ```
public struct Normalization: Sendable, Equatable, Codable {
    /// How offsets and scales are fitted.
    public enum Method: String, Sendable, Codable, CaseIterable {
        /// Subtract the mean, divide by the standard deviation.
        case zScore = "z-score"
        /// Subtract the minimum, divide by the range.
        case minMax = "min-max"
        /// Leave the values as they are.
        case none
    }

    /// How the statistics were fitted.
    public let method: Method
    /// The column names, each once.
    public let columns: [String]
    /// Subtracted from each column (mean, minimum or 0).
    public let offsets: [Double]
    /// What each column is divided by after the offset; finite and > 0.
    public let scales: [Double]

    /// A normalisation with the given statistics, such as one read back from
    /// a model file.
    ///
    /// - Throws: `RecurrentError/invalidArgument(name:value:reason:)` when
    ///   the counts differ, a name repeats, an offset is not finite or a
    ///   scale is not finite and positive.
    public init(method: Method, columns: [String], offsets: [Double], scales: [Double]) throws {
        guard offsets.count == columns.count, scales.count == columns.count else {
            throw RecurrentError.invalidArgument(
                name: "normalization", value: "of \(columns.count) columns",
                reason: "has \(offsets.count) offsets and \(scales.count) scales; needs one of each per column")
        }
        if let twice = columns.enumerated().first(where: { columns[..<$0.offset].contains($0.element) }) {
            throw RecurrentError.invalidArgument(
                name: "normalization column", value: "\"\(twice.element)\"", reason: "named twice")
        }
        for c in columns.indices where !(offsets[c].isFinite && scales[c].isFinite && scales[c] > 0) {
            throw RecurrentError.invalidArgument(
                name: "normalization of column \"\(columns[c])\"", value: "offset \(offsets[c]), scale \(scales[c])",
                reason: "the offset must be finite and the scale finite and > 0")
        }
        self.method = method
        self.columns = columns
        self.offsets = offsets
        self.scales = scales
    }

    /// Fits offsets and scales to columns of values.
    ///
    /// - Parameters:
    ///   - values: `values[c]`, the values of column c to fit on (the
    ///     training part), each column non-empty and finite.
    ///   - columns: One name per column.
    ///   - method: See the table above.
    /// - Throws: `RecurrentError/invalidArgument(name:value:reason:)` for
    ///   an empty column or statistics that overflow a `Double`.
    public init(fitting values: [[Double]], columns: [String], method: Method) throws {
        guard values.count == columns.count else {
            throw RecurrentError.invalidArgument(
                name: "values", value: "of \(values.count) columns", reason: "need one per name (\(columns.count))")
        }
        var offsets: [Double] = [], scales: [Double] = []
        for (c, column) in values.enumerated() {
            guard let low = column.min(), let high = column.max() else {
                throw RecurrentError.invalidArgument(
                    name: "column \"\(columns[c])\"", value: "of 0 values", reason: "cannot fit a normalisation")
            }
            let (offset, scale): (Double, Double)
            if low == high {
                (offset, scale) = (method == .none ? 0 : low, 1)
            } else {
                switch method {
                case .zScore:
                    let n = Double(column.count)
                    let mean = column.reduce(0, +) / n
                    let variance = column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
                    (offset, scale) = (mean, variance.squareRoot())
                case .minMax:
                    (offset, scale) = (low, high - low)
                case .none:
                    (offset, scale) = (0, 1)
                }
            }
            guard offset.isFinite, scale.isFinite, scale > 0 else {
                throw RecurrentError.invalidArgument(
                    name: "column \"\(columns[c])\"", value: "spanning \(low)…\(high)",
                    reason: "its \(method.rawValue) statistics overflow a Double")
            }
            offsets.append(offset)
            scales.append(scale)
        }
        try self.init(method: method, columns: columns, offsets: offsets, scales: scales)
    }

    /// `(x − offset) / scale` for column c.
    public func normalize(_ x: Double, column c: Int) -> Double { (x - offsets[c]) / scales[c] }

    /// `z · scale + offset` for column c: the inverse of ``normalize(_:column:)``.
    public func denormalize(_ z: Double, column c: Int) -> Double { z * scales[c] + offsets[c] }

    /// A tensor normalised column by column.
    ///
    /// - Parameters:
    ///   - tensor: Values whose last dimension is a multiple of `columns.count`;
    ///     element i of it belongs to `columns[i % columns.count]`, so [N, K],
    ///     [N, T, K] and a flattened [N, h·K] all work.
    ///   - columns: Names this normalisation knows.
    /// - Returns: The same shape, normalised (computed in `Double`, rounded to `Float`).
    /// - Throws: `RecurrentError/invalidArgument(name:value:reason:)` for
    ///   an unknown name or a last dimension that does not fit.
    public func normalizing(_ tensor: Tensor, columns: [String]) throws -> Tensor {
        try mapping(tensor, columns: columns, normalize)
    }

    /// A tensor brought back to the original units, as ``normalizing(_:columns:)``
    /// in reverse: a model's forecasts in the units of the file.
    public func denormalizing(_ tensor: Tensor, columns: [String]) throws -> Tensor {
        try mapping(tensor, columns: columns, denormalize)
    }

    private func mapping(
        _ tensor: Tensor, columns names: [String], _ transform: (Double, Int) -> Double
    ) throws -> Tensor {
        let indices = try names.map { name in
            guard let c = columns.firstIndex(of: name) else {
                throw RecurrentError.invalidArgument(
                    name: "column", value: "\"\(name)\"",
                    reason: "the normalisation knows only \(columns.map { "\"\($0)\"" }.joined(separator: ", "))")
            }
            return c
        }
        guard !indices.isEmpty, let last = tensor.shape.last, last % indices.count == 0 else {
            throw RecurrentError.invalidArgument(
                name: "tensor", value: "of shape \(tensor.shape)",
                reason: "its last dimension must be a multiple of the \(indices.count) columns named")
        }
        var result = tensor
        for i in result.scalars.indices {
            let c = indices[(i % last) % indices.count]
            result.scalars[i] = Float(transform(Double(tensor.scalars[i]), c))
        }
        return result
    }

    private enum CodingKeys: String, CodingKey { case method, columns, offsets, scales }

    /// Decodes and checks a normalisation as ``init(method:columns:offsets:scales:)`` does.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        do {
            try self.init(
                method: container.decode(Method.self, forKey: .method),
                columns: container.decode([String].self, forKey: .columns),
                offsets: container.decode([Double].self, forKey: .offsets),
                scales: container.decode([Double].self, forKey: .scales))
        } catch let error as RecurrentError {
            throw DecodingError.dataCorruptedError(forKey: .scales, in: container, debugDescription: error.description)
        }
    }

    /// Encodes the method, names, offsets and scales.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(method, forKey: .method)
        try container.encode(columns, forKey: .columns)
        try container.encode(offsets, forKey: .offsets)
        try container.encode(scales, forKey: .scales)
    }
}
