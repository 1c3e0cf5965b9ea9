// Seeded random tensors: the initialisers of PyTorch and Keras, drawn from a
// RandomGenerator so that a seed gives the same weights on every platform.
// Elements are drawn in row-major order.

extension Tensor {
    /// Elements uniform in [low, high): each is `low + (high − low) · u`,
    /// computed in `Float`, with `u` = ``RandomGenerator/nextFloat()``.
    ///
    /// ```swift
    /// var generator = RandomGenerator(seed: 1)
    /// let w = Tensor.uniform([3, 4], low: -0.5, high: 0.5, using: &generator)
    /// ```
    /// Rounding may give `high` itself when the range is wide in ulps of its ends.
    public static func uniform(
        _ shape: [Int], low: Float = 0, high: Float = 1, using generator: inout RandomGenerator
    ) -> Tensor {
        require(
            low.isFinite && high.isFinite && low <= high,
            "Tensor.uniform: bounds [\(low), \(high)) are not finite and ordered")
        var result = Tensor.zeros(shape)
        let width = high - low
        result.withUnsafeMutableBufferPointer { y in
            for i in 0..<y.count { y[i] = low + width * generator.nextFloat() }
        }
        return result
    }

    /// Elements from the normal distribution N(mean, standardDeviation²).
    ///
    /// Elements 2i and 2i+1 are the pair of ``RandomGenerator/nextNormalPair()``
    /// number i (an odd last element uses the first of its pair); each is
    /// `Float(mean + standardDeviation · z)` computed in `Double`.
    public static func normal(
        _ shape: [Int], mean: Float = 0, standardDeviation: Float = 1, using generator: inout RandomGenerator
    ) -> Tensor {
        require(
            mean.isFinite && standardDeviation.isFinite && standardDeviation >= 0,
            "Tensor.normal: mean \(mean) and standard deviation \(standardDeviation) are not finite with σ ≥ 0")
        let values = normalDoubles(count: count(of: shape), using: &generator)
        let (mu, sigma) = (Double(mean), Double(standardDeviation))
        return Tensor(shape: shape, scalars: values.map { Float(mu + sigma * $0) })
    }

    /// Standard normal values in `Double`, pairwise from ``RandomGenerator/nextNormalPair()``.
    package static func normalDoubles(count: Int, using generator: inout RandomGenerator) -> [Double] {
        var values = [Double]()
        values.reserveCapacity(count + 1)
        while values.count < count {
            let (z0, z1) = generator.nextNormalPair()
            values.append(z0)
            values.append(z1)
        }
        return Array(values.prefix(count))
    }

    /// The fan-in and fan-out of a weight of this shape, as PyTorch counts
    /// them: for [out, in, k...], fanIn = in·∏k and fanOut = out·∏k.
    public static func fans(of shape: [Int]) -> (fanIn: Int, fanOut: Int) {
        require(shape.count >= 2, "Tensor.fans: a weight of shape \(shape) needs at least 2 dimensions")
        let receptive = count(of: Array(shape.dropFirst(2)))
        return (shape[1] * receptive, shape[0] * receptive)
    }

    /// Glorot (Xavier) uniform: U(−a, a) with a = gain·√(6 / (fanIn + fanOut)),
    /// the fans of ``fans(of:)``. PyTorch's `xavier_uniform_` and Keras's
    /// `GlorotUniform` (which stores the kernel transposed, so its fans match).
    ///
    /// - Parameters:
    ///   - shape: [out, in, ...], at least 2-D.
    ///   - gain: scale factor (1 for tanh and linear layers in Keras's convention).
    ///   - generator: the source of the random draws.
    public static func glorotUniform(
        _ shape: [Int], gain: Float = 1, using generator: inout RandomGenerator
    ) -> Tensor {
        let (fanIn, fanOut) = fans(of: shape)
        require(fanIn + fanOut > 0, "Tensor.glorotUniform: shape \(shape) has no fan")
        let bound = gain * (6 / Float(fanIn + fanOut)).squareRoot()
        return uniform(shape, low: -bound, high: bound, using: &generator)
    }

    /// PyTorch's default for `nn.Linear`, `nn.RNN`, `nn.LSTM` and `nn.GRU`:
    /// U(−1/√fanIn, 1/√fanIn) for weights and biases alike.
    ///
    /// - Parameters:
    ///   - shape: any shape (biases too).
    ///   - fanIn: the layer's input size for `Linear`; the hidden size for
    ///     the recurrent layers.
    ///   - generator: the source of the random draws.
    public static func pytorchDefault(
        _ shape: [Int], fanIn: Int, using generator: inout RandomGenerator
    ) -> Tensor {
        require(fanIn > 0, "Tensor.pytorchDefault: fanIn \(fanIn) is not positive")
        let bound = 1 / Float(fanIn).squareRoot()
        return uniform(shape, low: -bound, high: bound, using: &generator)
    }

    /// A (semi-)orthogonal matrix, as PyTorch's `orthogonal_` and Keras's
    /// `Orthogonal` make it.
    ///
    /// The shape is read as [rows, cols] with cols the product of the
    /// remaining dimensions. A matrix A is drawn exactly as
    /// `normal([rows, cols])` would; if rows < cols, A is transposed. Then
    /// A = QR by Householder reflections in `Double`, Q's columns are
    /// multiplied by sign(Rⱼⱼ) (taking sign(0) = 1) so that the
    /// factorisation is the unique one with a positive diagonal, Q is
    /// transposed back if A was, and scaled by `gain`.
    ///
    /// The result has orthonormal columns (QᵀQ = I) when rows ≥ cols, and
    /// orthonormal rows (QQᵀ = I) otherwise.
    ///
    /// - Parameters:
    ///   - shape: at least 2-D; for an LSTM's recurrent weight [4H, H], four
    ///     stacked blocks whose columns together are orthonormal.
    ///   - gain: scale factor.
    ///   - generator: the source of the random draws.
    public static func orthogonal(
        _ shape: [Int], gain: Float = 1, using generator: inout RandomGenerator
    ) -> Tensor {
        require(shape.count >= 2, "Tensor.orthogonal: shape \(shape) needs at least 2 dimensions")
        let rows = shape[0], columns = count(of: Array(shape.dropFirst()))
        let a = normalDoubles(count: rows * columns, using: &generator)
        let wide = rows < columns
        let (m, n) = wide ? (columns, rows) : (rows, columns)
        var tall = [Double](repeating: 0, count: m * n)
        for r in 0..<rows {
            for c in 0..<columns {
                if wide { tall[c * n + r] = a[r * columns + c] } else { tall[r * n + c] = a[r * columns + c] }
            }
        }
        let q = HouseholderQR.orthonormalFactor(tall, rows: m, columns: n)
        var result = Tensor.zeros(shape)
        result.withUnsafeMutableBufferPointer { y in
            for r in 0..<rows {
                for c in 0..<columns {
                    let value = wide ? q[c * n + r] : q[r * n + c]
                    y[r * columns + c] = gain * Float(value)
                }
            }
        }
        return result
    }
}

/// QR factorisation by Householder reflections, in `Double`.
enum HouseholderQR {
    /// The thin Q ([m, n], row-major) of A = QR for a tall A (m ≥ n, row-major),
    /// with the signs fixed so that R has a non-negative diagonal.
    ///
    /// Works on columns stored contiguously, so that each reflection
    /// H = I − 2vvᵀ runs over contiguous memory.
    static func orthonormalFactor(_ matrix: [Double], rows m: Int, columns n: Int) -> [Double] {
        require(m >= n, "HouseholderQR: \(m)×\(n) is not tall")
        var columns = [Double](repeating: 0, count: m * n)  // column j at j·m
        for i in 0..<m { for j in 0..<n { columns[j * m + i] = matrix[i * n + j] } }
        var reflectors = [Double](repeating: 0, count: m * n)  // v_k at k·m, entries k..<m
        var diagonal = [Double](repeating: 0, count: n)
        var q = [Double](repeating: 0, count: m * n)  // column-major too
        columns.withUnsafeMutableBufferPointer { a in
            reflectors.withUnsafeMutableBufferPointer { v in
                for k in 0..<n {
                    // Reflect A[k..<m, k] onto α·e₀, α = −sign(x₀)‖x‖: v = x − α·e₀, normalised.
                    var norm = 0.0
                    for i in k..<m { norm += a[k * m + i] * a[k * m + i] }
                    norm = norm.squareRoot()
                    let alpha = a[k * m + k] >= 0 ? -norm : norm
                    for i in k..<m { v[k * m + i] = a[k * m + i] }
                    v[k * m + k] -= alpha
                    var vNorm = 0.0
                    for i in k..<m { vNorm += v[k * m + i] * v[k * m + i] }
                    vNorm = vNorm.squareRoot()
                    if vNorm > 0 {
                        for i in k..<m { v[k * m + i] /= vNorm }
                        // A[k..<m, k..<n] −= 2·v·(vᵀ·A[k..<m, k..<n])
                        reflect(v, k, a, columns: k..<n, m)
                    }
                    diagonal[k] = a[k * m + k]
                }
                // Q = H₀·H₁·…·Hₙ₋₁ applied to the first n columns of I, last reflector first.
                q.withUnsafeMutableBufferPointer { q in
                    for j in 0..<n { q[j * m + j] = 1 }
                    for k in stride(from: n - 1, through: 0, by: -1) { reflect(v, k, q, columns: 0..<n, m) }
                }
            }
        }
        var result = [Double](repeating: 0, count: m * n)
        for j in 0..<n {
            let sign: Double = diagonal[j] < 0 ? -1 : 1
            for i in 0..<m { result[i * n + j] = sign * q[j * m + i] }
        }
        return result
    }

    /// Applies H_k = I − 2·v_k·v_kᵀ (v_k zero above row k) to the given
    /// columns of a column-major matrix with m rows.
    private static func reflect(
        _ v: UnsafeMutableBufferPointer<Double>, _ k: Int, _ a: UnsafeMutableBufferPointer<Double>,
        columns: Range<Int>, _ m: Int
    ) {
        for j in columns {
            var dot = 0.0
            for i in k..<m { dot += v[k * m + i] * a[j * m + i] }
            let scale = 2 * dot
            for i in k..<m { a[j * m + i] -= scale * v[k * m + i] }
        }
    }
}
