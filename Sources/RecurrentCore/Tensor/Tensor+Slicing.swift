// Taking tensors apart and putting them together: rows of a batch, time steps
// of a sequence, concatenation and stacking. Every result is a copy.
// Letters: B batch, T time, D features.

extension Tensor {
    /// The rows `range` of the first axis: shape [range.count, ...].
    ///
    /// ```swift
    /// let firstTwo = batch.rows(0..<2)   // [B, T, D] → [2, T, D]
    /// ```
    public func rows(_ range: Range<Int>) -> Tensor {
        require(rank >= 1, "Tensor.rows: a scalar (shape \(shape)) has no rows")
        require(
            range.lowerBound >= 0 && range.upperBound <= shape[0],
            "Tensor.rows: range \(range) out of bounds for shape \(shape)")
        let width = count / Swift.max(shape[0], 1)
        let slice = Array(scalars[(range.lowerBound * width)..<(range.upperBound * width)])
        return Tensor(shape: [range.count] + shape.dropFirst(), scalars: slice)
    }

    /// The steps `range` of a batch-first sequence tensor [B, T, …], as
    /// [B, range.count, …].
    public func timeSlice(_ range: Range<Int>) -> Tensor {
        require(rank >= 2, "Tensor.timeSlice: shape \(shape) has no time axis")
        require(
            range.lowerBound >= 0 && range.upperBound <= shape[1],
            "Tensor.timeSlice: steps \(range) outside 0..<\(shape[1]) of shape \(shape)")
        let (b, t) = (shape[0], shape[1])
        let inner = count / Swift.max(1, b * t)
        var result = Tensor(uninitializedShape: [b, range.count] + shape.dropFirst(2))
        withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                for row in 0..<b {
                    let from = source.baseAddress! + (row * t + range.lowerBound) * inner
                    let to = target.baseAddress! + row * range.count * inner
                    to.update(from: from, count: range.count * inner)
                }
            }
        }
        return result
    }

    /// The rows of the first axis at `indices`, in that order (repeats allowed):
    /// shape [indices.count, ...]. Mini-batches are gathered this way.
    public func gatheringRows(_ indices: [Int]) -> Tensor {
        require(rank >= 1, "Tensor.gatheringRows: a scalar (shape \(shape)) has no rows")
        let width = count / Swift.max(shape[0], 1)
        var result = Tensor.zeros([indices.count] + shape.dropFirst())
        withUnsafeBufferPointer { x in
            result.withUnsafeMutableBufferPointer { y in
                for (row, index) in indices.enumerated() {
                    require(
                        index >= 0 && index < shape[0],
                        "Tensor.gatheringRows: row \(index) out of range for shape \(shape)")
                    for f in 0..<width { y[row * width + f] = x[index * width + f] }
                }
            }
        }
        return result
    }

    /// The slice at `index` along `axis`, with that axis removed:
    /// `x.slice(at: t, alongAxis: 1)` of a [B, T, D] tensor is [B, D].
    public func slice(at index: Int, alongAxis axis: Int) -> Tensor {
        let axis = normalizedAxis(axis, "Tensor.slice")
        let (outer, n, inner) = split(at: axis)
        require(index >= 0 && index < n, "Tensor.slice: index \(index) out of range for axis \(axis) of \(shape)")
        var result = Tensor.zeros(shape.enumerated().filter { $0.offset != axis }.map(\.element))
        withUnsafeBufferPointer { x in
            result.withUnsafeMutableBufferPointer { y in
                for o in 0..<outer {
                    let from = (o * n + index) * inner
                    for i in 0..<inner { y[o * inner + i] = x[from + i] }
                }
            }
        }
        return result
    }

    /// Writes `value` over the slice at `index` along `axis`; `value` has this
    /// tensor's shape without `axis`.
    public mutating func setSlice(at index: Int, alongAxis axis: Int, to value: Tensor) {
        let axis = normalizedAxis(axis, "Tensor.setSlice")
        let (outer, n, inner) = split(at: axis)
        require(
            index >= 0 && index < n, "Tensor.setSlice: index \(index) out of range for axis \(axis) of \(shape)")
        let sliceShape = shape.enumerated().filter { $0.offset != axis }.map(\.element)
        require(
            value.shape == sliceShape,
            "Tensor.setSlice: value of shape \(value.shape) does not fit a slice \(sliceShape) of \(shape)")
        value.withUnsafeBufferPointer { y in
            withUnsafeMutableBufferPointer { x in
                for o in 0..<outer {
                    let to = (o * n + index) * inner
                    for i in 0..<inner { x[to + i] = y[o * inner + i] }
                }
            }
        }
    }

    /// Time step `t` of a batch-first sequence tensor: [B, T, D] → [B, D].
    public func timeStep(_ t: Int) -> Tensor {
        require(rank == 3, "Tensor.timeStep: shape \(shape) is not [B, T, D]")
        return slice(at: t, alongAxis: 1)
    }

    /// Writes a [B, D] value over time step `t` of this [B, T, D] tensor.
    public mutating func setTimeStep(_ t: Int, to value: Tensor) {
        require(rank == 3, "Tensor.setTimeStep: shape \(shape) is not [B, T, D]")
        setSlice(at: t, alongAxis: 1, to: value)
    }

    /// The tensors joined along an existing axis; all other dimensions must agree.
    ///
    /// ```swift
    /// Tensor.concatenated([forward, backward], alongAxis: -1)   // [B, T, H] ×2 → [B, T, 2H]
    /// ```
    public static func concatenated(_ tensors: [Tensor], alongAxis axis: Int) -> Tensor {
        require(!tensors.isEmpty, "Tensor.concatenated: no tensors")
        let first = tensors[0]
        let axis = first.normalizedAxis(axis, "Tensor.concatenated")
        for tensor in tensors {
            var a = tensor.shape, b = first.shape
            require(a.count == b.count, "Tensor.concatenated: shapes \(first.shape) and \(tensor.shape) differ in rank")
            a[axis] = 0
            b[axis] = 0
            require(a == b, "Tensor.concatenated: shapes \(first.shape) and \(tensor.shape) differ off axis \(axis)")
        }
        var shape = first.shape
        shape[axis] = tensors.reduce(0) { $0 + $1.shape[axis] }
        let (outer, total, inner) = (Tensor.count(of: Array(shape[..<axis])), shape[axis],
                                     Tensor.count(of: Array(shape[(axis + 1)...])))
        var result = Tensor.zeros(shape)
        var offset = 0
        for tensor in tensors {
            let n = tensor.shape[axis]
            tensor.withUnsafeBufferPointer { x in
                result.withUnsafeMutableBufferPointer { y in
                    for o in 0..<outer {
                        let from = o * n * inner, to = (o * total + offset) * inner
                        for i in 0..<(n * inner) { y[to + i] = x[from + i] }
                    }
                }
            }
            offset += n
        }
        return result
    }

    /// The tensors, all of one shape, joined along a new axis:
    /// `Tensor.stacked(steps, alongAxis: 1)` of T tensors [B, D] is [B, T, D].
    public static func stacked(_ tensors: [Tensor], alongAxis axis: Int) -> Tensor {
        require(!tensors.isEmpty, "Tensor.stacked: no tensors")
        let shape = tensors[0].shape
        require(axis >= 0 && axis <= shape.count, "Tensor.stacked: axis \(axis) out of range for \(shape)")
        let expanded = tensors.map { tensor in
            require(tensor.shape == shape, "Tensor.stacked: shapes \(shape) and \(tensor.shape) differ")
            var newShape = shape
            newShape.insert(1, at: axis)
            return tensor.reshaped(newShape)
        }
        return concatenated(expanded, alongAxis: axis)
    }
}
