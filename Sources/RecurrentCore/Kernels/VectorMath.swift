import CRecurrentKernels

/// Vectorised `exp`, `tanh` and `sigmoid` over contiguous `Float` buffers.
///
/// Every function is accurate to within 3 ulp over the whole float range,
/// subnormal inputs and results included (measured over all 2³² inputs against
/// double-precision libm rounded to `Float`: exp ≤ 1.2 ulp, tanh ≤ 2.6 ulp,
/// sigmoid ≤ 2.4 ulp). A NaN input gives NaN. The output may be the same
/// memory as the input. The kernels are those of `isa`, ``ISA/active`` by
/// default; a set this CPU cannot run falls back to ``ISA/portable``. Element
/// `i` of the result depends only on element `i` of the input, whatever the
/// buffer's length or alignment.
public enum VectorMath {
    /// Writes `e^x[i]` to `y[i]` for every element of `x`.
    ///
    /// `exp(+∞) = +∞`, `exp(−∞) = 0`. Results overflow to `+∞` above
    /// x ≈ 88.72284 and pass through the subnormals to 0 below x ≈ −103.97208.
    ///
    /// - Parameters:
    ///   - x: the inputs.
    ///   - y: the outputs, at least as many as `x`; may be the same memory as `x`.
    ///     Elements past `x.count` are not touched.
    ///   - isa: the kernel set.
    public static func exp(
        _ x: UnsafeBufferPointer<Float>, into y: UnsafeMutableBufferPointer<Float>, isa: ISA = .active
    ) {
        require(y.count >= x.count, "VectorMath.exp: output holds \(y.count) elements, input \(x.count)")
        guard let input = x.baseAddress, let output = y.baseAddress, x.count > 0 else { return }
        rc_vexp(isa.rawValue, input, output, x.count)
    }

    /// Replaces every element `v` of `values` by `e^v`; see ``exp(_:into:isa:)``.
    public static func exp(_ values: inout [Float], isa: ISA = .active) {
        values.withUnsafeMutableBufferPointer { exp(UnsafeBufferPointer($0), into: $0, isa: isa) }
    }

    /// Writes `tanh(x[i])` to `y[i]` for every element of `x`.
    ///
    /// `tanh(±∞) = ±1`, `tanh(±0) = ±0`, `tanh(x) = x` for |x| ≤ 4.2 × 10⁻⁸
    /// (subnormals included), and the result is exactly ±1 from |x| ≈ 9.011 on.
    ///
    /// - Parameters:
    ///   - x: the inputs.
    ///   - y: the outputs, at least as many as `x`; may be the same memory as `x`.
    ///     Elements past `x.count` are not touched.
    ///   - isa: the kernel set.
    public static func tanh(
        _ x: UnsafeBufferPointer<Float>, into y: UnsafeMutableBufferPointer<Float>, isa: ISA = .active
    ) {
        require(y.count >= x.count, "VectorMath.tanh: output holds \(y.count) elements, input \(x.count)")
        guard let input = x.baseAddress, let output = y.baseAddress, x.count > 0 else { return }
        rc_vtanh(isa.rawValue, input, output, x.count)
    }

    /// Replaces every element `v` of `values` by `tanh(v)`; see ``tanh(_:into:isa:)``.
    public static func tanh(_ values: inout [Float], isa: ISA = .active) {
        values.withUnsafeMutableBufferPointer { tanh(UnsafeBufferPointer($0), into: $0, isa: isa) }
    }

    /// Writes the logistic function `1 / (1 + e^−x[i])` to `y[i]` for every
    /// element of `x`.
    ///
    /// `sigmoid(+∞) = 1`, `sigmoid(−∞) = 0`, `sigmoid(±0) = 0.5`. Nothing
    /// overflows: for x < 0 the result is computed as `e^x / (1 + e^x)`, so it
    /// stays accurate where it is subnormal (x between about −103.97 and −87.34)
    /// and reaches 0 below that.
    ///
    /// - Parameters:
    ///   - x: the inputs.
    ///   - y: the outputs, at least as many as `x`; may be the same memory as `x`.
    ///     Elements past `x.count` are not touched.
    ///   - isa: the kernel set.
    public static func sigmoid(
        _ x: UnsafeBufferPointer<Float>, into y: UnsafeMutableBufferPointer<Float>, isa: ISA = .active
    ) {
        require(y.count >= x.count, "VectorMath.sigmoid: output holds \(y.count) elements, input \(x.count)")
        guard let input = x.baseAddress, let output = y.baseAddress, x.count > 0 else { return }
        rc_vsigmoid(isa.rawValue, input, output, x.count)
    }

    /// Replaces every element `v` of `values` by `1 / (1 + e^−v)`; see
    /// ``sigmoid(_:into:isa:)``.
    public static func sigmoid(_ values: inout [Float], isa: ISA = .active) {
        values.withUnsafeMutableBufferPointer { sigmoid(UnsafeBufferPointer($0), into: $0, isa: isa) }
    }
}
