/// A tensor of integers, as safetensors files hold them: sequence `lengths`,
/// class `labels`, token ids.
///
/// Values of every integer dtype a file may hold (I8 … I64, U8 … U64, BOOL)
/// are widened to `Int64`; Recurrent writes them back as I64.
///
/// ```swift
/// let lengths = IntegerTensor([5, 3, 4])          // shape [3]
/// let labels = IntegerTensor(shape: [2, 2], values: [0, 1, 1, 0])
/// ```
public struct IntegerTensor: Sendable, Equatable {
    /// The extent of each dimension; empty for a scalar.
    public var shape: [Int]
    /// The elements in row-major order; `values.count` is the product of `shape`.
    public var values: [Int64]

    /// A tensor of the given shape holding `values` in row-major order.
    ///
    /// The count of `values` must be the product of `shape`, and no dimension
    /// may be negative; a mismatch is a programming error and stops the
    /// program, as for ``Tensor/init(shape:scalars:)``.
    public init(shape: [Int], values: [Int64]) {
        require(shape.allSatisfy { $0 >= 0 }, "IntegerTensor: negative dimension in shape \(shape)")
        require(
            values.count == shape.reduce(1, *),
            "IntegerTensor: \(values.count) values do not fit shape \(shape)")
        self.shape = shape
        self.values = values
    }

    /// A rank-1 tensor of the given values.
    public init(_ values: [Int64]) {
        self.init(shape: [values.count], values: values)
    }
}
