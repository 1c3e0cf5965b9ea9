import RecurrentCore

// Letters: N windows, P = L·F inputs per window (the window flattened, row
// by row), O = h·K outputs. X [N, P], Y [N, O], W [P, O], c [O].

/// A linear autoregression on the window: every output a linear function of
/// the window's L·F normalised inputs plus an intercept, fitted by ridge
/// least squares in closed form.
///
/// With x̄, ȳ the training means and X₀ = X − x̄, Y₀ = Y − ȳ,
///
///     W = (X₀ᵀX₀ + λI)⁻¹ X₀ᵀY₀,   c = ȳ − x̄·W,   ŷ = x·W + c,
///
/// so the intercept is not penalised (λ shrinks W only). The system is solved
/// by a Cholesky factorisation in `Double`; λ > 0 makes it positive definite.
/// This is the "ridge regression on the same window" a forecaster tries
/// before any network.
///
/// ```swift
/// let ridge = try RidgeAutoregression(fitting: data.train, lambda: 1)
/// let forecast = try data.targetsInOriginalUnits(ridge(data.test.input))   // [N, h·K]
/// ```
public struct RidgeAutoregression: Sendable, Equatable {
    /// W, [P, O].
    public let weight: Tensor
    /// c, [O].
    public let intercept: Tensor
    /// λ, the penalty on W.
    public let lambda: Double

    /// Fits W and c to inputs and targets.
    ///
    /// - Parameters:
    ///   - inputs: [N, L, F] or [N, P], N ≥ 1.
    ///   - targets: [N, O].
    ///   - lambda: λ, finite and > 0.
    /// - Throws: `RecurrentError/invalidArgument(name:value:reason:)` for
    ///   shapes that do not fit or a bad λ.
    public init(inputs: Tensor, targets: Tensor, lambda: Double) throws {
        guard lambda.isFinite, lambda > 0 else {
            throw RecurrentError.invalidArgument(name: "lambda", value: "\(lambda)", reason: "must be finite and > 0")
        }
        guard inputs.rank >= 2, targets.rank == 2, inputs.shape[0] == targets.shape[0], inputs.shape[0] >= 1 else {
            throw RecurrentError.invalidArgument(
                name: "inputs", value: "of shape \(inputs.shape)",
                reason: "need [N, …] beside targets [N, O] (\(targets.shape)), N ≥ 1")
        }
        let n = inputs.shape[0], p = inputs.count / n, o = targets.shape[1]
        let x = inputs.scalars.map(Double.init), y = targets.scalars.map(Double.init)
        // A = X₀ᵀX₀ + λI [P, P], B = X₀ᵀY₀ [P, O].
        var (a, b, xMean, yMean) = Self.centredNormalEquations(x, width: p, columns: p, y, outputs: o)
        for i in 0..<p { a[i * p + i] += lambda }
        let w = try Self.solvePositiveDefinite(a, b, size: p, columns: o)
        var c = yMean
        for j in 0..<o {
            for i in 0..<p { c[j] -= xMean[i] * w[i * o + j] }
        }
        self.weight = Tensor(shape: [p, o], scalars: w.map { Float($0) })
        self.intercept = Tensor(shape: [o], scalars: c.map { Float($0) })
        self.lambda = lambda
    }

    /// The centred normal equations of a least-squares fit with an
    /// unpenalised intercept, in `Double`: the means x̄ of the first p of
    /// each row's `width` values and ȳ of the o outputs, A = X₀ᵀX₀ [p, p]
    /// (both triangles) and B = X₀ᵀY₀ [p, o], for N = y.count / o rows.
    static func centredNormalEquations(
        _ x: [Double], width: Int, columns p: Int, _ y: [Double], outputs o: Int
    ) -> (a: [Double], b: [Double], xMean: [Double], yMean: [Double]) {
        let n = y.count / o
        var xMean = [Double](repeating: 0, count: p), yMean = [Double](repeating: 0, count: o)
        for r in 0..<n {
            for i in 0..<p { xMean[i] += x[r * width + i] / Double(n) }
            for j in 0..<o { yMean[j] += y[r * o + j] / Double(n) }
        }
        var a = [Double](repeating: 0, count: p * p), b = [Double](repeating: 0, count: p * o)
        var row = [Double](repeating: 0, count: p)
        for r in 0..<n {
            for i in 0..<p { row[i] = x[r * width + i] - xMean[i] }
            for i in 0..<p where row[i] != 0 {
                for k in i..<p { a[i * p + k] += row[i] * row[k] }
                for j in 0..<o { b[i * o + j] += row[i] * (y[r * o + j] - yMean[j]) }
            }
        }
        for i in 0..<p {
            for k in 0..<i { a[i * p + k] = a[k * p + i] }
        }
        return (a, b, xMean, yMean)
    }

    /// Fits to a part's windows (normalised inputs and targets).
    ///
    /// - Parameters:
    ///   - windows: The training windows, at least one.
    ///   - lambda: λ, finite and > 0.
    /// - Throws: What ``init(inputs:targets:lambda:)`` throws.
    public init(fitting windows: SeriesWindows, lambda: Double) throws {
        try self.init(inputs: windows.input, targets: windows.targets, lambda: lambda)
    }

    /// ŷ = x·W + c for each window.
    ///
    /// - Parameter input: [N, L, F] or [N, P].
    /// - Returns: [N, O], in the units of the fitted targets.
    /// - Throws: `RecurrentError/invalidArgument(name:value:reason:)` when
    ///   a window does not hold P values.
    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        let p = weight.shape[0], o = weight.shape[1]
        guard input.rank >= 2, input.count == input.shape[0] * p else {
            throw RecurrentError.invalidArgument(
                name: "input", value: "of shape \(input.shape)", reason: "each window must hold \(p) values")
        }
        let n = input.shape[0]
        var result = [Float](repeating: 0, count: n * o)
        for r in 0..<n {
            for j in 0..<o {
                var sum = Double(intercept.scalars[j])
                for i in 0..<p { sum += Double(input.scalars[r * p + i]) * Double(weight.scalars[i * o + j]) }
                result[r * o + j] = Float(sum)
            }
        }
        return Tensor(shape: [n, o], scalars: result)
    }

    /// X solving A·X = B for a symmetric positive definite A [m, m], B [m, q]:
    /// A = LLᵀ, then forward and back substitution.
    static func solvePositiveDefinite(_ a: [Double], _ b: [Double], size m: Int, columns q: Int) throws -> [Double] {
        var l = [Double](repeating: 0, count: m * m)
        for i in 0..<m {
            for j in 0...i {
                var sum = a[i * m + j]
                for k in 0..<j { sum -= l[i * m + k] * l[j * m + k] }
                if i == j {
                    guard sum > 0, sum.isFinite else {
                        throw RecurrentError.invalidArgument(
                            name: "inputs", value: "row \(i) of XᵀX + λI", reason: "is not positive definite (non-finite input?)")
                    }
                    l[i * m + i] = sum.squareRoot()
                } else {
                    l[i * m + j] = sum / l[j * m + j]
                }
            }
        }
        var x = b
        for c in 0..<q {
            for i in 0..<m {  // L z = b
                var sum = x[i * q + c]
                for k in 0..<i { sum -= l[i * m + k] * x[k * q + c] }
                x[i * q + c] = sum / l[i * m + i]
            }
            for i in stride(from: m - 1, through: 0, by: -1) {  // Lᵀ x = z
                var sum = x[i * q + c]
                for k in (i + 1)..<m { sum -= l[k * m + i] * x[k * q + c] }
                x[i * q + c] = sum / l[i * m + i]
            }
        }
        return x
    }
}
