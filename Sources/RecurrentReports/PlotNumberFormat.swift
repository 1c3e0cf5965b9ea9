import Foundation
import RecurrentCore

/// Numbers as text for plots: fixed decimals for attributes, and labels
/// that read well (`0.2`, `1500`, `2.5×10⁻⁷`, `−3`).
///
/// Nothing here goes through `printf` or `description`, so no label or
/// attribute ever shows an exponent like `1e-05`, and the text does not
/// depend on the locale.
enum PlotNumberFormat {
    /// `value` with exactly `decimals` digits after the point (fewer when
    /// `trimmingZeros`), ASCII `-` for negatives, never `-0`. Magnitudes whose
    /// scaled value passes 9·10¹⁵ are printed with ``significant(_:digits:)``.
    static func fixed(_ value: Double, decimals: Int, trimmingZeros: Bool = false) -> String {
        require(decimals >= 0 && decimals <= 15, "PlotNumberFormat.fixed: decimals \(decimals) outside 0...15")
        let scaled = (abs(value) * powerOfTen(decimals)).rounded()
        guard scaled.isFinite, scaled < 9e15 else {
            return significant(value, digits: 3).replacingOccurrences(of: "−", with: "-")
        }
        let units = Int64(scaled)
        let scale = Int64(powerOfTen(decimals))
        var text = String(units / scale)
        if decimals > 0 {
            var fraction = String(units % scale)
            fraction = String(repeating: "0", count: decimals - fraction.count) + fraction
            if trimmingZeros {
                while fraction.last == "0" { fraction.removeLast() }
            }
            if !fraction.isEmpty { text += "." + fraction }
        }
        return value < 0 && units != 0 ? "-" + text : text
    }

    /// A label for `value` with `digits` (1…15) significant digits, trailing zeros
    /// dropped: fixed notation from 10⁻⁴ to 10⁷, `m×10ᵏ` outside it;
    /// `−` (U+2212) for negatives; `NaN`, `∞`, `−∞` for non-finite values.
    static func significant(_ value: Double, digits: Int = 3) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "−∞" : "∞" }
        if value == 0 { return "0" }
        let digits = min(max(digits, 1), 15)
        var exponent = Int(log10(abs(value)).rounded(.down))
        // Rounding to `digits` digits can carry into the next power (9.996 → 10.0).
        let rounded = (abs(value) / powerOfTen(exponent - digits + 1)).rounded()
        if rounded >= powerOfTen(digits) { exponent += 1 }
        let sign = value < 0 ? "−" : ""
        if exponent >= -4 && exponent < 7 {
            let decimals = min(max(0, digits - 1 - exponent), 15)
            return sign + fixed(abs(value), decimals: decimals, trimmingZeros: true)
        }
        let mantissa = fixed(abs(value) / powerOfTen(exponent), decimals: digits - 1, trimmingZeros: true)
        return sign + (mantissa == "1" ? "" : mantissa + "×") + "10" + superscript(exponent)
    }

    /// The label of the decimal number `integer × 10^exponent` with
    /// `decimals` digits after the point, computed from the integer so no
    /// binary rounding shows (`decimal(6, exponent: -1, decimals: 1)` is `0.6`).
    static func decimal(_ integer: Int, exponent: Int, decimals: Int) -> String {
        var digits = String(integer.magnitude)
        if integer == 0 {
            digits = "0"
        } else if exponent >= 0 {
            digits += String(repeating: "0", count: exponent)
        }
        var fraction = ""
        if integer != 0 && exponent < 0 {
            let places = -exponent
            if digits.count <= places { digits = String(repeating: "0", count: places - digits.count + 1) + digits }
            fraction = String(digits.suffix(places))
            digits = String(digits.dropLast(places))
        }
        if fraction.count < decimals { fraction += String(repeating: "0", count: decimals - fraction.count) }
        let sign = integer < 0 ? "−" : ""
        return sign + digits + (fraction.isEmpty ? "" : "." + fraction)
    }

    /// The label of `integer × 10^exponent` as `m×10ᵏ` (`10ᵏ` when m is 1).
    static func scientific(_ integer: Int, exponent: Int) -> String {
        guard integer != 0 else { return "0" }
        var significand = integer.magnitude
        var power = exponent
        while significand % 10 == 0 {
            significand /= 10
            power += 1
        }
        let digits = String(significand)
        power += digits.count - 1
        let mantissa = digits.count == 1 ? digits : String(digits.prefix(1)) + "." + String(digits.dropFirst())
        let sign = integer < 0 ? "−" : ""
        return sign + (mantissa == "1" ? "" : mantissa + "×") + "10" + superscript(power)
    }

    /// 10^exponent; exact for |exponent| ≤ 22.
    static func powerOfTen(_ exponent: Int) -> Double {
        if exponent >= 0 && exponent <= 22 {
            var result = 1.0
            for _ in 0..<exponent { result *= 10 }
            return result
        }
        if exponent < 0 && exponent >= -22 { return 1 / powerOfTen(-exponent) }
        return pow(10, Double(exponent))
    }

    /// The decimal `integer × 10^exponent` as the nearest `Double` (one
    /// rounding: a product or quotient of exact values when |exponent| ≤ 22).
    static func value(_ integer: Int, exponent: Int) -> Double {
        exponent >= 0 ? Double(integer) * powerOfTen(exponent) : Double(integer) / powerOfTen(-exponent)
    }

    /// `exponent` in superscript digits (`⁻⁷`).
    static func superscript(_ exponent: Int) -> String {
        let glyphs: [Character] = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"]
        var text = exponent < 0 ? "⁻" : ""
        for digit in String(exponent.magnitude) {
            text.append(glyphs[Int(String(digit))!])
        }
        return text
    }

    /// A rough width of `text` in pixels at `size`: 0.6 em per character,
    /// enough to keep labels from overlapping without measuring glyphs.
    static func approximateWidth(_ text: String, size: Double) -> Double {
        Double(text.count) * size * 0.6
    }
}
