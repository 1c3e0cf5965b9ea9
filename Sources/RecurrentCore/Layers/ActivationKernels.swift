#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The element-wise functions behind ``Activation`` and the losses: one small
/// function each, so that the layers do not depend on how they are computed.
///
/// The buffer versions (`y` may alias `x`) run the vectorised kernels of
/// ``VectorMath``; the scalar ones, used inside the losses' per-element
/// loops, use libm.
enum ActivationKernels {
    /// y = tanh(x).
    static func tanh(_ x: UnsafeBufferPointer<Float>, into y: UnsafeMutableBufferPointer<Float>) {
        VectorMath.tanh(x, into: y)
    }

    /// y = 1 / (1 + e^−x), without overflow.
    static func sigmoid(_ x: UnsafeBufferPointer<Float>, into y: UnsafeMutableBufferPointer<Float>) {
        VectorMath.sigmoid(x, into: y)
    }

    /// y = e^x.
    static func exp(_ x: UnsafeBufferPointer<Float>, into y: UnsafeMutableBufferPointer<Float>) {
        VectorMath.exp(x, into: y)
    }

    /// 1 / (1 + e^−x) for one value: e^x / (1 + e^x) below 0, so e^(−x)
    /// never overflows.
    static func sigmoid(_ x: Float) -> Float {
        if x >= 0 { return 1 / (1 + expf(-x)) }
        let e = expf(x)
        return e / (1 + e)
    }

    /// ln(1 + e^x) for one value without overflow: max(x, 0) + ln(1 + e^−|x|).
    static func softplus(_ x: Float) -> Float {
        Swift.max(x, 0) + log1pf(expf(-abs(x)))
    }
}
