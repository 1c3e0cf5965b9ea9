/// A seeded pseudo-random number generator that gives the same numbers on
/// every platform: xoshiro256** (Blackman and Vigna, 2018), its 256-bit state
/// filled from the seed by four outputs of SplitMix64 (Steele, Lea and
/// Flood, 2014).
///
/// Every derived draw is specified to the bit, using only integer arithmetic
/// and correctly rounded IEEE operations (+, −, ×, ÷, √), so a seed
/// reproduces the same values on any CPU and operating system:
///
/// - ``next()``: the xoshiro256** output.
/// - ``nextFloat()``: the top 24 bits × 2⁻²⁴, in [0, 1).
/// - ``nextDouble()``: the top 53 bits × 2⁻⁵³, in [0, 1).
/// - ``next(below:)``: Lemire's multiply-and-reject method (2019).
/// - ``nextNormalPair()``: Box–Muller in `Double`, with a logarithm and a
///   sine/cosine computed here from polynomials rather than the platform's
///   libm, whose last bits may differ between systems.
/// - ``permutation(count:)``: Fisher–Yates from the last position down.
///
/// It is a value type passed `inout`: there is no global generator, and a
/// copy replays the same stream.
///
/// ```swift
/// var generator = RandomGenerator(seed: 42)
/// let weight = Tensor.glorotUniform([8, 4], using: &generator)
/// let order = generator.permutation(count: 100)
/// ```
///
/// It conforms to `RandomNumberGenerator`, so the standard library can draw
/// from it, but the standard library's own algorithms (`shuffle(using:)`,
/// `Float.random(in:using:)`) are not specified and may change between Swift
/// versions; use the methods here for reproducible results.
public struct RandomGenerator: RandomNumberGenerator, Sendable, Hashable, Codable {
    private var s0, s1, s2, s3: UInt64

    /// A generator whose state is four successive SplitMix64 outputs from `seed`.
    public init(seed: UInt64) {
        var splitMix = seed
        func nextSplitMix() -> UInt64 {
            splitMix &+= 0x9E37_79B9_7F4A_7C15
            var z = splitMix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = nextSplitMix()
        s1 = nextSplitMix()
        s2 = nextSplitMix()
        s3 = nextSplitMix()
    }

    /// The next 64 random bits (xoshiro256**).
    public mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotateLeft(s3, 45)
        return result
    }

    /// A `Float` uniform in [0, 1): the top 24 bits of ``next()`` times 2⁻²⁴,
    /// so every value is a multiple of 2⁻²⁴ and the conversion is exact.
    public mutating func nextFloat() -> Float {
        Float(next() >> 40) * 0x1p-24
    }

    /// A `Double` uniform in [0, 1): the top 53 bits of ``next()`` times 2⁻⁵³.
    public mutating func nextDouble() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// An integer uniform in `0..<bound`, without modulo bias.
    ///
    /// Lemire's method: the high word of `next() · bound` is the answer unless
    /// the low word falls below `2⁶⁴ mod bound`, in which case it draws again.
    /// - Parameter bound: at least 1.
    public mutating func next(below bound: Int) -> Int {
        require(bound > 0, "RandomGenerator.next(below:): bound \(bound) is not positive")
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold {
                product = next().multipliedFullWidth(by: range)
            }
        }
        return Int(product.high)
    }

    /// Two independent standard normal values by the Box–Muller transform.
    ///
    /// With `u₁ = 1 − nextDouble()` ∈ (0, 1] drawn first and
    /// `u₂ = nextDouble()` second, returns `(r·cos 2πu₂, r·sin 2πu₂)` where
    /// `r = √(−2 ln u₁)`. The logarithm and the sine and cosine come from
    /// fixed polynomials in `Double` (error below 1e−15), so the pair is the
    /// same on every platform. `|z| ≤ 8.6`.
    public mutating func nextNormalPair() -> (Double, Double) {
        let u1 = 1 - nextDouble()
        let u2 = nextDouble()
        let r = (-2 * PortableMath.log(u1)).squareRoot()
        let (sine, cosine) = PortableMath.sinCosTwoPi(u2)
        return (r * cosine, r * sine)
    }

    /// A random permutation of `0..<count` by Fisher–Yates: starting from the
    /// identity, for `i` from `count − 1` down to 1, swap positions `i` and
    /// `next(below: i + 1)`.
    public mutating func permutation(count: Int) -> [Int] {
        require(count >= 0, "RandomGenerator.permutation: count \(count) is negative")
        var order = Array(0..<count)
        var i = count - 1
        while i > 0 {
            order.swapAt(i, next(below: i + 1))
            i -= 1
        }
        return order
    }

    private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

/// Elementary functions from basic IEEE arithmetic only, so that their results
/// are the same bits on every platform (libm's `log` and `cos` may differ in the
/// last place between systems). Used by the normal generator, where speed does
/// not matter and reproducibility does.
enum PortableMath {
    /// ln x for finite x > 0, relative error below 1e−15.
    ///
    /// x = m·2ᵉ with m in [√½, √2); ln m = 2·atanh(s) with s = (m − 1)/(m + 1),
    /// |s| ≤ 0.172, summed as the odd series 2(s + s³/3 + … + s²³/23).
    static func log(_ x: Double) -> Double {
        require(x > 0 && x.isFinite, "PortableMath.log: \(x) is not finite and positive")
        var m = x.significand
        var e = Double(x.exponent)
        if m > 1.4142135623730951 {
            m /= 2
            e += 1
        }
        let s = (m - 1) / (m + 1)
        let s2 = s * s
        var series = 0.0
        var k = 23.0
        while k >= 1 {
            series = series * s2 + 1 / k
            k -= 2
        }
        return e * 0.6931471805599453 + 2 * s * series
    }

    /// (sin 2πu, cos 2πu) for u in [0, 1), error below 1e−15.
    ///
    /// 4u = q + f exactly (q the quadrant); the angle f·π/2 is reflected to
    /// at most π/4, where Taylor series to degree 17 are evaluated, and the
    /// quadrant rotates the result.
    static func sinCosTwoPi(_ u: Double) -> (sin: Double, cos: Double) {
        require(u >= 0 && u < 1, "PortableMath.sinCosTwoPi: \(u) is not in [0, 1)")
        let quarter = u * 4
        let q = Int(quarter)
        let f = quarter - Double(q)
        let reflect = f > 0.5
        let x = (reflect ? 1 - f : f) * 1.5707963267948966
        let x2 = x * x
        var sine = 0.0, cosine = 0.0
        var n = 17.0
        while n >= 1 {
            sine = 1 - x2 / ((n + 1) * (n + 2)) * sine
            cosine = 1 - x2 / (n * (n + 1)) * cosine
            n -= 2
        }
        sine *= x
        let (s, c) = reflect ? (cosine, sine) : (sine, cosine)
        switch q {
        case 0: return (s, c)
        case 1: return (c, -s)
        case 2: return (-s, -c)
        default: return (-c, s)
        }
    }
}
