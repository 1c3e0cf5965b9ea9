// Letters: B batch, L window steps, h horizon, D input features, Fk
// known-future features (a subset of the D), T = L + h.

/// Which of a forecaster's input features are known for the h steps it
/// forecasts (a calendar, a holiday flag, a planned price), and how a
/// ``SequenceModel`` reads them.
///
/// A model with future covariates reads `[B, L + h, D]`: the window's L
/// steps, then h steps of which only the features at ``featureIndices``
/// are read — the covariates `c[b, j, i] = x[b, L + j, featureIndices[i]]`,
/// [B, h, Fk]. The other features of those h steps are ignored (their
/// gradient is zero), so a caller may leave them 0; ``packing(_:future:featureIndices:)``
/// makes such an input. The recurrent layers, the skip and the instance
/// normalisation see the first L steps only; the covariates reach the head
/// (``SequenceHead``) or the decoder (``SequenceModel/decoder``).
///
/// With no covariates (Fk = 0, an encoder–decoder whose decoder reads a
/// constant), there is nothing to read after the window: the input is the
/// window alone, [B, L, D].
public struct FutureCovariates: Sendable, Equatable, Codable {
    /// h, the steps forecast, ≥ 1.
    public let steps: Int
    /// The Fk input features known in advance, each in 0..<D, distinct; may be empty
    /// (an encoder–decoder reading no covariates still needs ``steps``).
    public let featureIndices: [Int]

    /// Covariates of `steps` steps read from the given features.
    ///
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` for
    ///   steps below 1, or a negative or repeated index.
    public init(steps: Int, featureIndices: [Int]) throws {
        try Check.positive(steps, "steps")
        guard featureIndices.allSatisfy({ $0 >= 0 }), Set(featureIndices).count == featureIndices.count else {
            throw RecurrentError.invalidArgument(
                name: "featureIndices", value: "\(featureIndices)", reason: "must be distinct and ≥ 0")
        }
        self.steps = steps
        self.featureIndices = featureIndices
    }

    private enum CodingKeys: String, CodingKey {
        case steps
        case featureIndices = "feature_indices"
    }

    /// Fk, the covariates per step.
    public var count: Int { featureIndices.count }

    /// `[B, L + h, D]` from a window `[B, L, D]` and its covariates `[B, h, Fk]`:
    /// step L + j holds `future[b, j, i]` at feature `featureIndices[i]`, 0 elsewhere.
    public static func packing(_ input: Tensor, future: Tensor, featureIndices: [Int]) -> Tensor {
        let (b, l, d) = (input.shape[0], input.shape[1], input.shape[2])
        let (h, k) = (future.shape[1], future.shape[2])
        var scalars = [Float](repeating: 0, count: b * (l + h) * d)
        input.withUnsafeBufferPointer { x in
            future.withUnsafeBufferPointer { c in
                for n in 0..<b {
                    for i in 0..<(l * d) { scalars[n * (l + h) * d + i] = x[n * l * d + i] }
                    for j in 0..<h {
                        for (i, f) in featureIndices.enumerated() {
                            scalars[(n * (l + h) + l + j) * d + f] = c[(n * h + j) * k + i]
                        }
                    }
                }
            }
        }
        return Tensor(shape: [b, l + h, d], scalars: scalars)
    }

    /// The window [B, L, D] and the covariates [B, h, Fk] of a packed input [B, L + h, D].
    ///
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` when
    ///   the input is not [B, T, D] with T > h, or an index is not below D.
    func splitting(_ input: Tensor) throws -> (window: Tensor, covariates: Tensor) {
        if count == 0, input.rank == 3 { return (input, Tensor.zeros([input.shape[0], steps, 0])) }
        guard input.rank == 3, input.shape[1] > steps, featureIndices.allSatisfy({ $0 < input.shape[2] }) else {
            throw RecurrentError.invalidArgument(
                name: "input", value: "of shape \(input.shape)",
                reason: "a model with \(steps) future step(s) reads [B, L + \(steps), D], L ≥ 1, "
                    + "D above every covariate index \(featureIndices)")
        }
        let (b, t, d) = (input.shape[0], input.shape[1], input.shape[2])
        let (l, k) = (t - steps, count)
        var covariates = [Float](repeating: 0, count: b * steps * k)
        input.withUnsafeBufferPointer { x in
            for n in 0..<b {
                for j in 0..<steps {
                    for (i, f) in featureIndices.enumerated() {
                        covariates[(n * steps + j) * k + i] = x[(n * t + l + j) * d + f]
                    }
                }
            }
        }
        return (input.timeSlice(0..<l), Tensor(shape: [b, steps, k], scalars: covariates))
    }

    /// ∂/∂(packed input) [B, L + h, D] from ∂/∂window [B, L, D] and ∂/∂covariates [B, h, Fk]:
    /// the inverse scatter of ``splitting(_:)`` (zero at the unread features).
    func joiningGradients(window dWindow: Tensor, covariates dCovariates: Tensor?) -> Tensor {
        if count == 0 { return dWindow }
        let (b, h, k) = (dWindow.shape[0], steps, count)
        return FutureCovariates.packing(
            dWindow, future: dCovariates ?? Tensor.zeros([b, h, k]), featureIndices: featureIndices)
    }

    /// The lengths a model with covariates accepts: none, or every sequence of full length T.
    func checkFullLengths(_ lengths: [Int]?, steps t: Int) throws {
        if let lengths, lengths.contains(where: { $0 != t }) {
            throw RecurrentError.invalidArgument(
                name: "lengths", value: "\(lengths)",
                reason: "a model with future covariates reads whole windows of \(t) steps (window then horizon)")
        }
    }
}
