import Recurrent
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `VectorMath` on every instruction set this CPU runs, against
/// double-precision libm rounded to `Float`.
///
/// Tolerance: 3 ulp, where an ulp is the spacing of floats at the magnitude of
/// the exact (double) result, 2⁻¹⁴⁹ where that result is subnormal. Measured
/// over all 2³² inputs (scratch harness, not in the repo), the worst errors
/// are exp 1.20 ulp (portable; 0.93 with FMA), tanh 2.55 (portable; 2.52 with
/// FMA, at x ≈ 0.0623 where u / (u + 2) passes on the rounding of u = e^2x − 1
/// and of u + 2), sigmoid 2.40 (x ≈ −4.157, from e^x and 1 + e^x). Those are
/// inherent in the formulas, not noise, so 3 holds on any machine; it is also
/// the bound the documentation promises. Portable and the FMA sets differ by
/// at most 2 ulp, so the cross-set check uses the same 3.
struct VectorMathTests {
    static let ulpBound = 3.0

    enum Function: String, CaseIterable, Sendable, CustomStringConvertible {
        case exp, tanh, sigmoid

        var description: String { rawValue }

        /// The exact result, to double precision.
        func reference(_ x: Float) -> Double {
            switch self {
            case .exp: libmExp(Double(x))
            case .tanh: libmTanh(Double(x))
            case .sigmoid: 1 / (1 + libmExp(-Double(x)))
            }
        }

        func run(_ x: UnsafeBufferPointer<Float>, into y: UnsafeMutableBufferPointer<Float>, isa: ISA) {
            switch self {
            case .exp: VectorMath.exp(x, into: y, isa: isa)
            case .tanh: VectorMath.tanh(x, into: y, isa: isa)
            case .sigmoid: VectorMath.sigmoid(x, into: y, isa: isa)
            }
        }

        func run(_ x: [Float], isa: ISA) -> [Float] {
            var y = [Float](repeating: 0, count: x.count)
            x.withUnsafeBufferPointer { x in y.withUnsafeMutableBufferPointer { run(x, into: $0, isa: isa) } }
            return y
        }

        func runInPlace(_ values: inout [Float], isa: ISA) {
            switch self {
            case .exp: VectorMath.exp(&values, isa: isa)
            case .tanh: VectorMath.tanh(&values, isa: isa)
            case .sigmoid: VectorMath.sigmoid(&values, isa: isa)
            }
        }
    }

    /// Edge inputs: zeros, infinities, NaN, the ends of the subnormal and
    /// normal ranges, and each function's thresholds with their neighbours.
    static let specials: [Float] = {
        let thresholds: [Float] = [
            0x1.62e42ep+6,  // largest x with e^x finite (88.72283)
            -0x1.9fe368p+6,  // smallest x with e^x nonzero (−103.97208)
            -0x1.5d589ep+6,  // e^x = FLT_MIN (−87.33655): sigmoid turns subnormal below
            0x1.205966p+3,  // tanh(x) rounds to 1 from about here (9.0109)
            9.1, 0.25, 0.3465736, 0.6931472, -0.6931472,
        ]
        let edges: [Float] = [
            .leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude, 1,
        ]
        var values: [Float] = [0, -0, .infinity, -.infinity, .nan, -.nan]
        for v in thresholds + edges + edges.map(-) {
            values += [v.nextDown, v, v.nextUp]
        }
        return values
    }()

    /// Every 997th bit pattern of all 2³² (NaNs, infinities and subnormals
    /// included), then the specials: 4.3 M inputs.
    static let sweep: [Float] =
        stride(from: UInt64(0), to: 1 << 32, by: 997).map { Float(bitPattern: UInt32($0)) } + specials

    /// Error of `observed` in ulps of the exact `reference`; see the type's
    /// comment. NaN must meet NaN; where the rounded reference is infinite or
    /// zero it must be met exactly, sign included.
    static func ulpError(_ observed: Float, reference: Double) -> Double {
        if reference.isNaN { return observed.isNaN ? 0 : .infinity }
        let rounded = Float(reference)
        if rounded.isInfinite || !observed.isFinite { return observed == rounded ? 0 : .infinity }
        if rounded == 0 && observed == 0 { return observed.sign == rounded.sign ? 0 : .infinity }
        let magnitude = abs(reference)
        let spacing =
            magnitude < Double(Float.leastNormalMagnitude)
            ? Double(Float.leastNonzeroMagnitude)
            : Double(sign: .plus, exponent: magnitude.exponent - 23, significand: 1)
        return abs(Double(observed) - reference) / spacing
    }

    /// The largest error of `observed[i]` against `reference(i)`, and its index.
    static func worst(_ observed: [Float], reference: (Int) -> Double) -> (ulps: Double, index: Int) {
        var result = (ulps: 0.0, index: 0)
        for i in observed.indices {
            let ulps = ulpError(observed[i], reference: reference(i))
            if !(ulps <= result.ulps) { result = (ulps, i) }
        }
        return result
    }

    static func show(_ x: Float) -> String { "\(x) (0x\(String(x.bitPattern, radix: 16)))" }

    @Test("Within 3 ulp of libm over a sweep of all bit patterns", arguments: Function.allCases, ISA.supported)
    func accuracy(function: Function, isa: ISA) {
        let x = Self.sweep
        let y = function.run(x, isa: isa)
        let (ulps, i) = Self.worst(y) { function.reference(x[$0]) }
        let expected = function.reference(x[i])
        #expect(
            ulps <= Self.ulpBound,
            """
            \(function) on \(isa): \(ulps) ulp at x = \(Self.show(x[i])): \
            expected \(Float(expected)) (\(expected)), observed \(Self.show(y[i]))
            """)
    }

    @Test("Exact special values", arguments: ISA.supported)
    func specialValues(isa: ISA) {
        let tiny = Float.leastNonzeroMagnitude, huge = Float.greatestFiniteMagnitude
        let cases: [(Function, Float, Float)] = [
            (.exp, .infinity, .infinity), (.exp, -.infinity, 0), (.exp, .nan, .nan),
            (.exp, 0, 1), (.exp, -0, 1), (.exp, tiny, 1), (.exp, -tiny, 1),
            (.exp, huge, .infinity), (.exp, -huge, 0),
            (.exp, Float(0x1.62e42ep+6).nextUp, .infinity), (.exp, -0x1.9fe368p+6, tiny),
            (.exp, Float(-0x1.9fe368p+6).nextDown, 0),
            (.tanh, .infinity, 1), (.tanh, -.infinity, -1), (.tanh, .nan, .nan),
            (.tanh, 0, 0), (.tanh, -0, -0), (.tanh, tiny, tiny), (.tanh, -tiny, -tiny),
            (.tanh, 1e-30, 1e-30), (.tanh, -4e-8, -4e-8), (.tanh, huge, 1), (.tanh, -huge, -1),
            (.tanh, 9.1, 1), (.tanh, -20, -1),
            (.sigmoid, .infinity, 1), (.sigmoid, -.infinity, 0), (.sigmoid, .nan, .nan),
            (.sigmoid, 0, 0.5), (.sigmoid, -0, 0.5), (.sigmoid, huge, 1), (.sigmoid, -huge, 0),
            (.sigmoid, 20, 1), (.sigmoid, -0x1.9fe368p+6, tiny), (.sigmoid, -104, 0),
        ]
        for (function, x, expected) in cases {
            let y = function.run([x], isa: isa)[0]
            let same = expected.isNaN ? y.isNaN : y.bitPattern == expected.bitPattern
            #expect(same, "\(function)(\(Self.show(x))) on \(isa): expected \(Self.show(expected)), observed \(Self.show(y))")
        }
    }

    @Test("Every instruction set agrees with every other within 3 ulp", arguments: Function.allCases)
    func setsAgree(function: Function) {
        let x = Self.sweep
        let sets = ISA.supported
        let results = sets.map { function.run(x, isa: $0) }
        for a in sets.indices {
            for b in sets.indices where b > a {
                let (ulps, i) = Self.worst(results[b]) { Double(results[a][$0]) }
                #expect(
                    ulps <= Self.ulpBound,
                    """
                    \(function): \(sets[a]) and \(sets[b]) differ by \(ulps) ulp at x = \(Self.show(x[i])): \
                    \(Self.show(results[a][i])) and \(Self.show(results[b][i]))
                    """)
            }
        }
    }

    @Test("In place and short tails give the same bits", arguments: Function.allCases, ISA.supported)
    func inPlaceAndTails(function: Function, isa: ISA) {
        let x = Array(Self.sweep.prefix(4096)) + Self.specials
        let y = function.run(x, isa: isa)

        var inPlace = x
        function.runInPlace(&inPlace, isa: isa)
        #expect(inPlace.map(\.bitPattern) == y.map(\.bitPattern), "\(function) on \(isa): in place differs")

        let sentinel = Float(bitPattern: 0x7fc0_dead)
        for n in [0, 1, 3, 15, 17, 33] {
            for offset in [0, 1, 5, x.count - n] {
                let input = Array(x[offset..<offset + n])
                var output = [Float](repeating: sentinel, count: n + 8)
                input.withUnsafeBufferPointer { input in
                    output.withUnsafeMutableBufferPointer { function.run(input, into: $0, isa: isa) }
                }
                let expected = Array(y[offset..<offset + n]).map(\.bitPattern)
                #expect(
                    output.prefix(n).map(\.bitPattern) == expected,
                    "\(function) on \(isa), n = \(n) at offset \(offset): tail differs from the full run")
                #expect(
                    output.dropFirst(n).allSatisfy { $0.bitPattern == sentinel.bitPattern },
                    "\(function) on \(isa), n = \(n): wrote past the end")
            }
        }
    }
}

private func libmExp(_ x: Double) -> Double { exp(x) }
private func libmTanh(_ x: Double) -> Double { tanh(x) }
