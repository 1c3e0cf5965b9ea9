// Element-wise arithmetic. Shapes must be equal: nothing broadcasts silently.
// The one broadcast layers need, a bias row added to every row, is spelled
// out as `addingRow(_:)`, and its adjoint as `sumRows()`.

extension Tensor {
    /// A tensor of this shape whose elements are `transform` of this one's.
    ///
    /// ```swift
    /// let squares = x.map { $0 * $0 }
    /// ```
    public func map(_ transform: (Float) throws -> Float) rethrows -> Tensor {
        var result = Tensor.zeros(shape)
        try withUnsafeBufferPointer { x in
            try result.withUnsafeMutableBufferPointer { y in
                for i in 0..<x.count { y[i] = try transform(x[i]) }
            }
        }
        return result
    }

    /// A tensor whose elements are `combine` of the corresponding elements of
    /// `self` and `other`, which must have the same shape.
    ///
    /// - Parameters:
    ///   - other: a tensor of the same shape.
    ///   - what: the operation's name, for the shape-mismatch message.
    ///   - combine: the element-wise function.
    public func zipMap(
        _ other: Tensor, _ what: String = "Tensor.zipMap", _ combine: (Float, Float) throws -> Float
    ) rethrows -> Tensor {
        require(shape == other.shape, "\(what): shapes \(shape) and \(other.shape) differ")
        var result = Tensor.zeros(shape)
        try withUnsafeBufferPointer { a in
            try other.withUnsafeBufferPointer { b in
                try result.withUnsafeMutableBufferPointer { y in
                    for i in 0..<a.count { y[i] = try combine(a[i], b[i]) }
                }
            }
        }
        return result
    }

    /// Replaces each element by `combine` of it and the corresponding element
    /// of `other`, which must have the same shape.
    mutating func formZipMap(_ other: Tensor, _ what: String, _ combine: (Float, Float) -> Float) {
        require(shape == other.shape, "\(what): shapes \(shape) and \(other.shape) differ")
        other.withUnsafeBufferPointer { b in
            withUnsafeMutableBufferPointer { a in
                for i in 0..<a.count { a[i] = combine(a[i], b[i]) }
            }
        }
    }

    /// Replaces each element by `transform` of it.
    mutating func formMap(_ transform: (Float) -> Float) {
        withUnsafeMutableBufferPointer { a in
            for i in 0..<a.count { a[i] = transform(a[i]) }
        }
    }

    /// Element-wise sum of two tensors of the same shape.
    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.zipMap(rhs, "Tensor +") { $0 + $1 } }
    /// Element-wise difference of two tensors of the same shape.
    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.zipMap(rhs, "Tensor -") { $0 - $1 } }
    /// Element-wise (Hadamard) product of two tensors of the same shape.
    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.zipMap(rhs, "Tensor *") { $0 * $1 } }
    /// Element-wise quotient of two tensors of the same shape (IEEE: x/0 is ±∞ or NaN).
    public static func / (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.zipMap(rhs, "Tensor /") { $0 / $1 } }

    /// Adds `rhs` element-wise in place; shapes must be equal.
    public static func += (lhs: inout Tensor, rhs: Tensor) { lhs.formZipMap(rhs, "Tensor +=") { $0 + $1 } }
    /// Subtracts `rhs` element-wise in place; shapes must be equal.
    public static func -= (lhs: inout Tensor, rhs: Tensor) { lhs.formZipMap(rhs, "Tensor -=") { $0 - $1 } }
    /// Multiplies by `rhs` element-wise in place; shapes must be equal.
    public static func *= (lhs: inout Tensor, rhs: Tensor) { lhs.formZipMap(rhs, "Tensor *=") { $0 * $1 } }

    /// Adds a scalar to every element.
    public static func + (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 + rhs } }
    /// Adds a scalar to every element.
    public static func + (lhs: Float, rhs: Tensor) -> Tensor { rhs.map { lhs + $0 } }
    /// Subtracts a scalar from every element.
    public static func - (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 - rhs } }
    /// Subtracts every element from a scalar.
    public static func - (lhs: Float, rhs: Tensor) -> Tensor { rhs.map { lhs - $0 } }
    /// Multiplies every element by a scalar.
    public static func * (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 * rhs } }
    /// Multiplies every element by a scalar.
    public static func * (lhs: Float, rhs: Tensor) -> Tensor { rhs.map { lhs * $0 } }
    /// Divides every element by a scalar.
    public static func / (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 / rhs } }
    /// Negates every element.
    public static prefix func - (operand: Tensor) -> Tensor { operand.map { -$0 } }

    /// Adds a scalar to every element in place.
    public static func += (lhs: inout Tensor, rhs: Float) { lhs.formMap { $0 + rhs } }
    /// Multiplies every element by a scalar in place.
    public static func *= (lhs: inout Tensor, rhs: Float) { lhs.formMap { $0 * rhs } }

    /// Adds `scale · other` to this tensor in place (the BLAS `axpy`); shapes
    /// must be equal. Accumulates gradients without a temporary.
    public mutating func addScaled(_ other: Tensor, by scale: Float) {
        formZipMap(other, "Tensor.addScaled") { $0 + scale * $1 }
    }

    /// This tensor with the vector `row` ([F]) added to each of its rows: for
    /// a tensor of shape [..., F], element `[..., f]` gains `row[f]`.
    ///
    /// Used for biases: `x·Wᵀ + b`. The adjoint, which collects a gradient
    /// back into [F], is ``sumRows()``.
    public func addingRow(_ row: Tensor) -> Tensor {
        var result = self
        result.addRow(row)
        return result
    }

    /// Adds the vector `row` ([F]) to each row of this [..., F] tensor in place.
    public mutating func addRow(_ row: Tensor) {
        require(
            rank >= 1 && row.shape == [shape[rank - 1]],
            "Tensor.addRow: row of shape \(row.shape) does not fit the rows of shape \(shape)")
        let width = shape[rank - 1]
        guard width > 0 else { return }
        row.withUnsafeBufferPointer { r in
            withUnsafeMutableBufferPointer { x in
                var start = 0
                while start < x.count {
                    for f in 0..<width { x[start + f] += r[f] }
                    start += width
                }
            }
        }
    }

    /// The sum of all rows of this [..., F] tensor: a tensor of shape [F].
    ///
    /// The adjoint of ``addingRow(_:)``: the bias gradient is `dy.sumRows()`.
    /// Accumulates in `Double`.
    public func sumRows() -> Tensor {
        require(rank >= 1, "Tensor.sumRows: a scalar (shape \(shape)) has no rows")
        let width = shape[rank - 1]
        var sums = [Double](repeating: 0, count: width)
        guard width > 0 else { return Tensor.zeros([0]) }
        withUnsafeBufferPointer { x in
            sums.withUnsafeMutableBufferPointer { s in
                var start = 0
                while start < x.count {
                    for f in 0..<width { s[f] += Double(x[start + f]) }
                    start += width
                }
            }
        }
        return Tensor(sums.map { Float($0) })
    }

    /// Whether every element is finite (neither NaN nor ±∞).
    public var isFinite: Bool {
        withUnsafeBufferPointer { x in
            for i in 0..<x.count where !x[i].isFinite { return false }
            return true
        }
    }
}
