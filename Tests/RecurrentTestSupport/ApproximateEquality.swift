import RecurrentCore

// The tests' one approximate equality. Every overload below applies the same
// rule, written once in `mismatch(observed:expected:shape:…)` at the end.

/// Why `observed` is not approximately `expected`, or `nil` when it is.
///
/// The rule, for every element i of the flattened values (row-major), in
/// `Double`:
///
///     |observed[i] − expected[i]| ≤ max(absolute, relative · |expected[i]|, relativeToLargest · L)
///
/// where L is the largest |expected[j]| over the finite expected values. The
/// three terms cover the three ways the tests state a tolerance:
/// - `absolute`: a plain bound, |o − e| ≤ t.
/// - `relative`: per element, |o − e| ≤ t · |e|; with `absolute` too,
///   `absolute: t, relative: t` is |o − e| ≤ t · max(1, |e|).
/// - `relativeToLargest`: per tensor, max|o − e| ≤ t · max|e|, for values
///   whose small entries carry the rounding of the large ones (a layer's
///   output against PyTorch's).
///
/// Edge cases:
/// - Equal values always match, so an infinity matches itself.
/// - NaN matches NaN only when `nanMatchesNaN` is true; otherwise a NaN on
///   either side is a mismatch, whatever the tolerance.
/// - A tensor's shape must equal the expected one, an array's count the
///   expected count; a difference is a mismatch before any value is compared.
/// - All tolerances 0 asks for exact equality.
///
/// The description names the first element out of tolerance (its flat
/// index, and for a tensor its index per axis), both values, the difference
/// and its bound, then how many elements are out of tolerance and the largest
/// difference of all, so that `#expect(mismatch(…) == nil)` says what went
/// wrong:
///
/// ```swift
/// #expect(mismatch(layer(x), expected, relativeToLargest: 1e-5) == nil, "lstm output")
/// // element 7 [1, 3]: observed 0.25, expected 0.5, difference 0.25 > bound 5e-06;
/// // 1 of 12 elements out of tolerance, largest difference 0.25 at element 7
/// ```
///
/// - Parameter observed: what the code under test computed.
/// - Parameter expected: the reference; relative bounds scale with it.
/// - Parameter absolute: the bound for every element, ≥ 0.
/// - Parameter relative: the bound as a fraction of each |expected[i]|, ≥ 0.
/// - Parameter relativeToLargest: the bound as a fraction of the largest
///   finite |expected[j]|, ≥ 0.
/// - Parameter nanMatchesNaN: whether a NaN observed where NaN is expected
///   matches.
/// - Returns: `nil` when every element is within its bound, else a one-line
///   description of the mismatch.
public func mismatch(
    _ observed: Tensor, _ expected: Tensor, absolute: Double = 0, relative: Double = 0,
    relativeToLargest: Double = 0, nanMatchesNaN: Bool = false
) -> String? {
    guard observed.shape == expected.shape else {
        return "shape \(observed.shape), expected \(expected.shape)"
    }
    return mismatch(
        observed: observed.scalars.map(Double.init), expected: expected.scalars.map(Double.init),
        shape: expected.shape, absolute: absolute, relative: relative, relativeToLargest: relativeToLargest,
        nanMatchesNaN: nanMatchesNaN)
}

/// Why a tensor's scalars (row-major) are not approximately `expected`, or
/// `nil` when they are; the rule of ``mismatch(_:_:absolute:relative:relativeToLargest:nanMatchesNaN:)``.
///
/// The counts must match; the shape is used only to name the bad element.
///
/// - Parameter observed: what the code under test computed.
/// - Parameter expected: the reference values in row-major order.
/// - Parameter absolute: the bound for every element, ≥ 0.
/// - Parameter relative: the bound as a fraction of each |expected[i]|, ≥ 0.
/// - Parameter relativeToLargest: the bound as a fraction of the largest
///   finite |expected[j]|, ≥ 0.
/// - Parameter nanMatchesNaN: whether a NaN observed where NaN is expected
///   matches.
/// - Returns: `nil` when every element is within its bound, else a one-line
///   description of the mismatch.
public func mismatch<E: BinaryFloatingPoint>(
    _ observed: Tensor, _ expected: [E], absolute: Double = 0, relative: Double = 0,
    relativeToLargest: Double = 0, nanMatchesNaN: Bool = false
) -> String? {
    guard observed.count == expected.count else {
        return "\(observed.count) values (shape \(observed.shape)), expected \(expected.count)"
    }
    return mismatch(
        observed: observed.scalars.map(Double.init), expected: expected.map { Double($0) },
        shape: observed.shape, absolute: absolute, relative: relative, relativeToLargest: relativeToLargest,
        nanMatchesNaN: nanMatchesNaN)
}

/// Why an array is not approximately `expected`, or `nil` when it is; the
/// rule of ``mismatch(_:_:absolute:relative:relativeToLargest:nanMatchesNaN:)``.
///
/// - Parameter observed: what the code under test computed.
/// - Parameter expected: the reference, of the same count.
/// - Parameter absolute: the bound for every element, ≥ 0.
/// - Parameter relative: the bound as a fraction of each |expected[i]|, ≥ 0.
/// - Parameter relativeToLargest: the bound as a fraction of the largest
///   finite |expected[j]|, ≥ 0.
/// - Parameter nanMatchesNaN: whether a NaN observed where NaN is expected
///   matches.
/// - Returns: `nil` when every element is within its bound, else a one-line
///   description of the mismatch.
public func mismatch<O: BinaryFloatingPoint, E: BinaryFloatingPoint>(
    _ observed: [O], _ expected: [E], absolute: Double = 0, relative: Double = 0,
    relativeToLargest: Double = 0, nanMatchesNaN: Bool = false
) -> String? {
    guard observed.count == expected.count else { return "\(observed.count) values, expected \(expected.count)" }
    return mismatch(
        observed: observed.map { Double($0) }, expected: expected.map { Double($0) }, shape: nil,
        absolute: absolute, relative: relative, relativeToLargest: relativeToLargest, nanMatchesNaN: nanMatchesNaN)
}

/// Why a number is not approximately `expected`, or `nil` when it is; the
/// rule of ``mismatch(_:_:absolute:relative:relativeToLargest:nanMatchesNaN:)``
/// for one element: |observed − expected| ≤ max(absolute, relative · |expected|).
///
/// - Parameter observed: what the code under test computed.
/// - Parameter expected: the reference.
/// - Parameter absolute: the bound, ≥ 0.
/// - Parameter relative: the bound as a fraction of |expected|, ≥ 0.
/// - Parameter nanMatchesNaN: whether a NaN observed where NaN is expected
///   matches.
/// - Returns: `nil` when `observed` is within the bound, else a one-line
///   description of the mismatch.
public func mismatch<O: BinaryFloatingPoint, E: BinaryFloatingPoint>(
    _ observed: O, _ expected: E, absolute: Double = 0, relative: Double = 0, nanMatchesNaN: Bool = false
) -> String? {
    mismatch(
        observed: [Double(observed)], expected: [Double(expected)], shape: nil,
        absolute: absolute, relative: relative, relativeToLargest: 0, nanMatchesNaN: nanMatchesNaN)
}

/// The rule itself, on flattened values of equal count; `shape` (if any)
/// names elements by their index per axis.
private func mismatch(
    observed: [Double], expected: [Double], shape: [Int]?, absolute: Double, relative: Double,
    relativeToLargest: Double, nanMatchesNaN: Bool
) -> String? {
    precondition(
        absolute >= 0 && relative >= 0 && relativeToLargest >= 0,
        "tolerances must be ≥ 0: absolute \(absolute), relative \(relative), relativeToLargest \(relativeToLargest)")
    let largest = expected.lazy.filter(\.isFinite).map(abs).max() ?? 0
    let floor = max(absolute, relativeToLargest * largest)
    var first: (index: Int, bound: Double)?
    var failures = 0
    var worst: (index: Int, difference: Double)?
    for i in observed.indices {
        let (o, e) = (observed[i], expected[i])
        if o == e || (nanMatchesNaN && o.isNaN && e.isNaN) { continue }
        let difference = abs(o - e)  // NaN when either is NaN
        // An infinity matches only itself (handled above): its bound is 0.
        let bound = e.isFinite ? max(floor, relative * abs(e)) : 0
        // A NaN difference is the worst there is.
        if worst.map({ !$0.difference.isNaN && !(difference <= $0.difference) }) ?? true { worst = (i, difference) }
        if difference <= bound { continue }
        failures += 1
        if first == nil { first = (i, bound) }
    }
    guard let first, let worst else { return nil }
    let i = first.index
    let values =
        "observed \(observed[i]), expected \(expected[i]), difference \(abs(observed[i] - expected[i]))"
        + " > bound \(first.bound)"
    guard observed.count > 1 else { return values }
    func name(_ i: Int) -> String {
        guard let shape, shape.count > 1 else { return "element \(i)" }
        var index: [Int] = []
        var rest = i
        for size in shape.reversed() {
            index.insert(rest % size, at: 0)
            rest /= size
        }
        return "element \(i) \(index)"
    }
    return "\(name(i)): \(values); \(failures) of \(observed.count) elements out of tolerance,"
        + " largest difference \(worst.difference) at \(name(worst.index))"
}
