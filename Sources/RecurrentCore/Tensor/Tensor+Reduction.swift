// Reductions. Sums accumulate in Double and round once to Float, so their
// result does not depend on how many elements there are beyond that rounding.
// An axis may be given from the end: -1 is the last axis.

extension Tensor {
    /// The sum of all elements, accumulated in `Double`; 0 for an empty tensor.
    public func sum() -> Float { Float(sumDouble()) }

    /// The mean of all elements; NaN for an empty tensor.
    public func mean() -> Float { Float(sumDouble() / Double(count)) }

    /// The sum of the squares of all elements (the squared L2 norm),
    /// accumulated in `Double`.
    public func squaredNorm() -> Float { Float(squaredNormDouble()) }

    /// The sum of all elements in `Double`.
    func sumDouble() -> Double {
        withUnsafeBufferPointer { x in
            var total = 0.0
            for i in 0..<x.count { total += Double(x[i]) }
            return total
        }
    }

    /// The sum of squares of all elements in `Double`.
    func squaredNormDouble() -> Double {
        withUnsafeBufferPointer { x in
            var total = 0.0
            for i in 0..<x.count {
                let v = Double(x[i])
                total += v * v
            }
            return total
        }
    }

    /// The axis `axis` counted from the front, accepting -rank..<rank.
    func normalizedAxis(_ axis: Int, _ what: String) -> Int {
        require(axis >= -rank && axis < rank, "\(what): axis \(axis) out of range for shape \(shape)")
        return axis < 0 ? axis + rank : axis
    }

    /// The sizes before, along and after `axis`: the tensor read as [outer, n, inner].
    func split(at axis: Int) -> (outer: Int, n: Int, inner: Int) {
        (Tensor.count(of: Array(shape[..<axis])), shape[axis], Tensor.count(of: Array(shape[(axis + 1)...])))
    }

    /// The sums along one axis, which is removed from the shape.
    ///
    /// ```swift
    /// let x = Tensor(rows: [[1, 2, 3], [4, 5, 6]])
    /// x.sum(alongAxis: 0)    // [5, 7, 9]
    /// x.sum(alongAxis: -1)   // [6, 15]
    /// ```
    /// - Parameter axis: the axis to sum over; negative counts from the end.
    /// - Returns: a tensor whose shape is this one's without `axis`.
    public func sum(alongAxis axis: Int) -> Tensor {
        let axis = normalizedAxis(axis, "Tensor.sum(alongAxis:)")
        let (outer, n, inner) = split(at: axis)
        var result = Tensor.zeros(shape.enumerated().filter { $0.offset != axis }.map(\.element))
        var sums = [Double](repeating: 0, count: inner)
        withUnsafeBufferPointer { x in
            result.withUnsafeMutableBufferPointer { y in
                sums.withUnsafeMutableBufferPointer { s in
                    for o in 0..<outer {
                        for i in 0..<inner { s[i] = 0 }
                        for k in 0..<n {
                            let base = (o * n + k) * inner
                            for i in 0..<inner { s[i] += Double(x[base + i]) }
                        }
                        for i in 0..<inner { y[o * inner + i] = Float(s[i]) }
                    }
                }
            }
        }
        return result
    }

    /// The means along one axis, which is removed from the shape; NaN where
    /// the axis is empty.
    public func mean(alongAxis axis: Int) -> Tensor {
        let n = shape[normalizedAxis(axis, "Tensor.mean(alongAxis:)")]
        return sum(alongAxis: axis) * (1 / Float(n))
    }

    /// The maxima along one axis, which is removed from the shape.
    ///
    /// NaN compares false, so a NaN is kept only when it is the first element
    /// along the axis; the axis must not be empty.
    public func max(alongAxis axis: Int) -> Tensor {
        let axis = normalizedAxis(axis, "Tensor.max(alongAxis:)")
        let indices = argmax(alongAxis: axis)
        let (_, n, inner) = split(at: axis)
        var result = Tensor.zeros(shape.enumerated().filter { $0.offset != axis }.map(\.element))
        withUnsafeBufferPointer { x in
            result.withUnsafeMutableBufferPointer { y in
                for j in 0..<indices.count {
                    let (o, i) = j.quotientAndRemainder(dividingBy: inner)
                    y[j] = x[(o * n + indices[j]) * inner + i]
                }
            }
        }
        return result
    }

    /// The index of the largest element along one axis, for every position of
    /// the other axes in row-major order; the first index wins a tie.
    ///
    /// ```swift
    /// Tensor(rows: [[0.1, 0.7, 0.2], [0.5, 0.5, 0]]).argmax(alongAxis: -1)   // [1, 0]
    /// ```
    /// - Parameter axis: the axis to search; it must not be empty.
    /// - Returns: `count / shape[axis]` indices in `0..<shape[axis]`.
    public func argmax(alongAxis axis: Int) -> [Int] {
        let axis = normalizedAxis(axis, "Tensor.argmax(alongAxis:)")
        let (outer, n, inner) = split(at: axis)
        require(n > 0, "Tensor.argmax(alongAxis:): axis \(axis) of shape \(shape) is empty")
        var result = [Int](repeating: 0, count: outer * inner)
        withUnsafeBufferPointer { x in
            result.withUnsafeMutableBufferPointer { best in
                for o in 0..<outer {
                    for i in 0..<inner {
                        var bestIndex = 0
                        var bestValue = x[o * n * inner + i]
                        for k in 1..<n {
                            let value = x[(o * n + k) * inner + i]
                            if value > bestValue {
                                bestValue = value
                                bestIndex = k
                            }
                        }
                        best[o * inner + i] = bestIndex
                    }
                }
            }
        }
        return result
    }
}
