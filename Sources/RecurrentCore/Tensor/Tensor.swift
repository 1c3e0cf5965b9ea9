/// A dense, row-major array of `Float` with a shape: the value every layer
/// takes and returns.
///
/// `Tensor` is a value type. Its elements live in a `[Float]`, so copies are
/// cheap and storage is copied only when a shared copy is written to
/// (copy-on-write). The last dimension is contiguous.
///
/// ```swift
/// var x = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
/// x[1, 2] = 0
/// let y = x.matmul(x, transposeOther: true)   // [2, 2]
/// ```
///
/// Operations that need matching shapes stop with a message naming both
/// shapes; that is a programming error, like an array index out of range.
/// Inputs that come from users (files, options) are checked before they
/// reach a tensor and reported as thrown errors.
public struct Tensor: Sendable, Equatable {
    /// The extent of each dimension; empty for a scalar.
    public private(set) var shape: [Int]

    /// The elements in row-major order; `scalars.count` is the product of
    /// `shape`. Write elements through the subscript or
    /// ``withUnsafeMutableBufferPointer(_:)``, which keep the count.
    public package(set) var scalars: [Float]

    /// A tensor of the given shape holding `scalars` in row-major order.
    public init(shape: [Int], scalars: [Float]) {
        require(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in shape \(shape)")
        require(
            scalars.count == Tensor.count(of: shape),
            "Tensor: \(scalars.count) elements do not fit shape \(shape)")
        self.shape = shape
        self.scalars = scalars
    }

    /// A tensor of the given shape with every element equal to `value`.
    public init(repeating value: Float, shape: [Int]) {
        self.init(shape: shape, scalars: Array(repeating: value, count: Tensor.count(of: shape)))
    }

    /// A tensor of zeros.
    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(repeating: 0, shape: shape) }

    /// A tensor of ones.
    public static func ones(_ shape: [Int]) -> Tensor { Tensor(repeating: 1, shape: shape) }

    /// A rank-0 tensor holding one value.
    public init(_ value: Float) { self.init(shape: [], scalars: [value]) }

    /// A rank-1 tensor of the given values.
    public init(_ values: [Float]) { self.init(shape: [values.count], scalars: values) }

    /// A rank-2 tensor from rows of equal length.
    public init(rows: [[Float]]) {
        let width = rows.first?.count ?? 0
        require(rows.allSatisfy { $0.count == width }, "Tensor(rows:): rows differ in length")
        self.init(shape: [rows.count, width], scalars: rows.flatMap { $0 })
    }

    /// The number of elements a shape holds.
    public static func count(of shape: [Int]) -> Int { shape.reduce(1, *) }

    /// The number of elements.
    public var count: Int { scalars.count }

    /// The number of dimensions.
    public var rank: Int { shape.count }

    /// The single value of a one-element tensor.
    public var scalar: Float {
        require(count == 1, "Tensor.scalar: shape \(shape) holds \(count) elements, not 1")
        return scalars[0]
    }

    /// Row-major strides, in elements.
    public var strides: [Int] {
        var result = Array(repeating: 1, count: shape.count)
        var stride = 1
        for axis in shape.indices.reversed() {
            result[axis] = stride
            stride *= shape[axis]
        }
        return result
    }

    /// The flat offset of a multi-index, checked against the shape.
    func offset(_ index: [Int]) -> Int {
        require(index.count == shape.count, "Tensor: index \(index) does not fit shape \(shape)")
        var flat = 0
        for axis in shape.indices {
            require(
                index[axis] >= 0 && index[axis] < shape[axis],
                "Tensor: index \(index) out of range for shape \(shape)")
            flat = flat * shape[axis] + index[axis]
        }
        return flat
    }

    /// The element at a multi-index.
    public subscript(_ index: Int...) -> Float {
        get { scalars[offset(index)] }
        set { scalars[offset(index)] = newValue }
    }

    /// The same elements under another shape with the same element count;
    /// one dimension may be -1 and is then inferred.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var resolved = newShape
        if let unknown = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != unknown }.map(\.element).reduce(1, *)
            require(known > 0 && count % known == 0, "Tensor.reshaped: cannot reshape \(shape) to \(newShape)")
            resolved[unknown] = count / known
        }
        require(
            Tensor.count(of: resolved) == count,
            "Tensor.reshaped: cannot reshape \(shape) (\(count) elements) to \(newShape)")
        return Tensor(shape: resolved, scalars: scalars)
    }

    /// Stops with a message naming both shapes unless they are equal.
    public func expectShape(_ expected: [Int], _ what: @autoclosure () -> String) {
        require(shape == expected, "\(what()): shape \(shape) does not match expected \(expected)")
    }

    /// Read-only access to the elements as contiguous memory.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try scalars.withUnsafeBufferPointer(body)
    }

    /// Mutable access to the elements as contiguous memory (copies first if
    /// the storage is shared).
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        try scalars.withUnsafeMutableBufferPointer(body)
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = scalars.prefix(8).map { "\($0)" }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(shown)\(count > 8 ? ", …" : "")])"
    }
}

extension Tensor: Codable {
    private enum CodingKeys: String, CodingKey { case shape, scalars }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let shape = try container.decode([Int].self, forKey: .shape)
        let scalars = try container.decode([Float].self, forKey: .scalars)
        guard shape.allSatisfy({ $0 >= 0 }), scalars.count == Tensor.count(of: shape) else {
            throw DecodingError.dataCorruptedError(
                forKey: .scalars, in: container,
                debugDescription: "\(scalars.count) elements do not fit shape \(shape)")
        }
        self.init(shape: shape, scalars: scalars)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(shape, forKey: .shape)
        try container.encode(scalars, forKey: .scalars)
    }
}
