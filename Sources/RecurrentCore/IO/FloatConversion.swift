/// Exact conversions from the narrow floating-point formats that safetensors
/// files hold to `Float`.
///
/// Every value of these formats is exactly representable as a `Float`, so the
/// conversions are exact: subnormals stay exact, infinities keep their sign, and
/// NaNs keep their sign and payload (shifted into `Float`'s wider significand,
/// as numpy does). They are written on bit patterns, so they are the same on
/// every host, with or without a native `Float16`.
enum FloatConversion {
    /// IEEE 754 binary16: 1 sign, 5 exponent (bias 15), 10 significand bits.
    static func float(fromFloat16Bits bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let significand = UInt32(bits) & 0x3FF
        switch exponent {
        case 0:
            // Zero or subnormal: significand × 2⁻²⁴, exact in Float.
            let magnitude = Float(significand) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        case 0x1F:
            // Infinity (significand 0) or NaN (payload kept).
            return Float(bitPattern: sign | 0x7F80_0000 | significand << 13)
        default:
            return Float(bitPattern: sign | (exponent + 127 - 15) << 23 | significand << 13)
        }
    }

    /// bfloat16: the upper half of a binary32.
    static func float(fromBFloat16Bits bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    /// FP8 E5M2 (1 sign, 5 exponent, 2 significand bits, IEEE-style infinities
    /// and NaNs): the upper byte of a binary16.
    static func float(fromFloat8E5M2Bits bits: UInt8) -> Float {
        float(fromFloat16Bits: UInt16(bits) << 8)
    }

    /// FP8 E4M3FN (1 sign, 4 exponent with bias 7, 3 significand bits; no
    /// infinities; `S.1111.111` is NaN; largest finite 448), PyTorch's
    /// `float8_e4m3fn`.
    static func float(fromFloat8E4M3Bits bits: UInt8) -> Float {
        let sign = UInt32(bits & 0x80) << 24
        let exponent = UInt32(bits >> 3) & 0xF
        let significand = UInt32(bits) & 0x7
        if exponent == 0 {
            // Zero or subnormal: significand × 2⁻⁹.
            let magnitude = Float(significand) * 0x1p-9
            return sign == 0 ? magnitude : -magnitude
        }
        if exponent == 0xF && significand == 0x7 {
            return Float(bitPattern: sign | 0x7FC0_0000)
        }
        return Float(bitPattern: sign | (exponent + 127 - 7) << 23 | significand << 20)
    }
}
