// Letters: B batch, T time, D input features, L = lengths[b], O outputs,
// c(o) the input channel output o is measured in.
//
//   forward:   μ[b,d] = Σ_{t<L} x[b,t,d] / L,  σ[b,d] = √(Σ_{t<L} (x[b,t,d] − μ)² / L + ε)
//              x̂[b,t,d] = (x[b,t,d] − μ[b,d]) / σ[b,d]   (0 for t ≥ L)
//              y[b,o]   = ŷ[b,o]·σ[b,c(o)] + μ[b,c(o)]
//   backward:  dŷ[b,o] = dy[b,o]·σ[b,c(o)]
//              with G = ∂loss/∂x̂ (through the network), A[d] = Σ_{o: c(o)=d, o shifted} dy[o],
//              S[d] = Σ_{o: c(o)=d} dy[o]·ŷ[o], and means over t < L:
//              dx[t] = (G[t] − mean G − x̂[t]·mean(G·x̂)) / σ + A / L + S·x̂[t] / L
//   level path (a, b [O]; InstanceNormalization+Level.swift): y[b,o] = ŷ·σ + (1 + a[o])·μ + b[o] for a shifted
//              output, so A[d] sums dy[o]·(1 + a[o]); da[o] = Σ_b dy[b,o]·μ[b,c(o)], db[o] = Σ_b dy[b,o]

/// Reversible instance normalisation (RevIN, Kim et al., ICLR 2022, without
/// its learned affine map): each sequence's every input feature is
/// standardised by its own mean and standard deviation over the sequence's
/// real steps, the network runs on the standardised window, and each output
/// is scaled back with the statistics of the input feature it is measured
/// in:
///
///     x̂[b, t, d] = (x[b, t, d] − μ[b, d]) / σ[b, d]
///     y[b, o]    = ŷ[b, o] · σ[b, c(o)] + μ[b, c(o)]
///
/// with μ the mean over t < lengths[b], σ = √(variance + ε) (the population
/// variance) and c(o) = ``outputChannels``[o]. A forecaster whose series
/// drifts in level then sees every window at the same level and scale, and
/// forecasts in the window's own units.
///
/// Inside a ``SequenceModel`` it wraps the whole network (recurrent layers,
/// head and linear skip). An input of more than D features per step (D′)
/// has its first D standardised and the rest passed through unchanged: a
/// one-hot series identity appended after the data's columns stays 0/1.
///
/// With a level path (``levelWeight`` a and ``levelBias`` b, learned, both
/// starting at zero) the level added back is learned too:
///
///     y[b, o] = ŷ[b, o] · σ[b, c(o)] + (1 + a[o]) · μ[b, c(o)] + b[o]
///
/// so a forecast can move back towards the series' long-run level (a < 0)
/// instead of keeping the window's: RevIN alone discards the window's level,
/// which a mean-reverting series needs. Its parameters are `level.weight`
/// and `level.bias`, `revin.level.weight` and `revin.level.bias` inside a
/// ``SequenceModel``.
///
/// Outputs named in ``scaleOnlyOutputs`` (a Gaussian forecast's standard
/// deviations, see ``ForecastDistribution``) are scaled without the shift:
/// y[b, o] = ŷ[b, o]·σ[b, c(o)].
///
/// ```swift
/// // Two features, forecasting feature 0 three steps ahead.
/// let norm = try InstanceNormalization(features: 2, outputChannels: [0, 0, 0])
/// ```
public struct InstanceNormalization: Sendable, Equatable, Codable {
    /// D, the leading input features of each step that are standardised (any after them pass through).
    public let features: Int
    /// For each output o, the input feature c(o) whose window statistics scale it back.
    public let outputChannels: [Int]
    /// ε, added to the variance.
    public let epsilon: Float
    /// The outputs scaled back by σ alone, without adding μ (sorted; usually none).
    public let scaleOnlyOutputs: [Int]
    /// For each output, whether μ is added back (false for ``scaleOnlyOutputs``).
    let shifted: [Bool]
    /// a of the level path, [O], or nil without one (zero for ``scaleOnlyOutputs``).
    public internal(set) var levelWeight: Tensor?
    /// b of the level path, [O], or nil without one (zero for ``scaleOnlyOutputs``).
    public internal(set) var levelBias: Tensor?

    /// A normalisation of `features` inputs whose outputs are scaled back
    /// with the statistics of the features `outputChannels` names.
    ///
    /// - Parameters:
    ///   - features: D, at least 1.
    ///   - outputChannels: c(o) in 0..<D for each output, at least one.
    ///   - epsilon: ε ≥ 0 added to each variance; RevIN's 1e-5 by default.
    ///   - scaleOnlyOutputs: outputs (in 0..<O) scaled back by σ without adding μ: scales, not levels.
    ///   - levelPath: whether the level added back is learned, a and b starting at zero.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` when a size or channel is out of range.
    public init(
        features: Int, outputChannels: [Int], epsilon: Float = 1e-5, scaleOnlyOutputs: [Int] = [], levelPath: Bool = false
    ) throws {
        guard features >= 1, !outputChannels.isEmpty, outputChannels.allSatisfy({ (0..<features).contains($0) }) else {
            throw RecurrentError.invalidArgument(
                name: "outputChannels", value: "\(outputChannels.prefix(8))",
                reason: "needs at least one output, each naming an input feature in 0..<\(features)")
        }
        guard epsilon >= 0, epsilon.isFinite else {
            throw RecurrentError.invalidArgument(name: "epsilon", value: "\(epsilon)", reason: "must be finite and ≥ 0")
        }
        guard scaleOnlyOutputs.allSatisfy({ outputChannels.indices.contains($0) }) else {
            throw RecurrentError.invalidArgument(
                name: "scaleOnlyOutputs", value: "\(scaleOnlyOutputs.prefix(8))",
                reason: "each must name one of the \(outputChannels.count) outputs")
        }
        self.features = features
        self.outputChannels = outputChannels
        self.epsilon = epsilon
        self.scaleOnlyOutputs = Array(Set(scaleOnlyOutputs)).sorted()
        var shifted = [Bool](repeating: true, count: outputChannels.count)
        for o in scaleOnlyOutputs { shifted[o] = false }
        self.shifted = shifted
        if levelPath {
            levelWeight = .zeros([outputChannels.count])
            levelBias = .zeros([outputChannels.count])
        }
    }

    private enum CodingKeys: String, CodingKey {
        case features, epsilon
        case outputChannels = "output_channels"
        case scaleOnlyOutputs = "scale_only_outputs"
        case levelPath = "level_path"
    }

    /// Encodes the record; `scale_only_outputs` only when there are some and
    /// `level_path` only with one (its weights are tensors, not part of the
    /// record), so a normalisation without them writes the record older files hold.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(features, forKey: .features)
        try container.encode(outputChannels, forKey: .outputChannels)
        try container.encode(epsilon, forKey: .epsilon)
        if !scaleOnlyOutputs.isEmpty { try container.encode(scaleOnlyOutputs, forKey: .scaleOnlyOutputs) }
        if levelWeight != nil { try container.encode(true, forKey: .levelPath) }
    }

    /// Decodes and checks a record (as a model file stores it); a level path's a and b read as zeros.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            features: try container.decode(Int.self, forKey: .features),
            outputChannels: try container.decode([Int].self, forKey: .outputChannels),
            epsilon: try container.decode(Float.self, forKey: .epsilon),
            scaleOnlyOutputs: try container.decodeIfPresent([Int].self, forKey: .scaleOnlyOutputs) ?? [],
            levelPath: try container.decodeIfPresent(Bool.self, forKey: .levelPath) ?? false)
    }

    /// O, the outputs scaled back.
    public var outputSize: Int { outputChannels.count }

    /// Each sequence's statistics, what ``denormalize(_:statistics:)`` and the backward pass need.
    public struct Statistics: Sendable {
        /// μ, [B·D].
        let mean: [Float]
        /// σ, [B·D].
        let deviation: [Float]
        /// x̂, [B, T, D] (zeros past each length).
        let normalized: Tensor
        /// Each sequence's length.
        let lengths: [Int]
    }

    /// x̂ = (x − μ) / σ per sequence and feature, over each sequence's real
    /// steps, for the first D features; the others pass through.
    ///
    /// - Parameters:
    ///   - input: x, [B, T, D′] with D′ ≥ D.
    ///   - lengths: each sequence's length in 1…T; nil means all are T.
    /// - Returns: x̂ [B, T, D′] (zeros past each length) and the statistics.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` for
    ///   an input that is not [B, T, D′ ≥ D] or lengths outside 1…T.
    public func normalize(_ input: Tensor, lengths: [Int]?) throws -> Statistics {
        guard input.rank == 3, input.shape[2] >= features, input.shape[1] >= 1 else {
            throw RecurrentError.invalidArgument(
                name: "input", value: "of shape \(input.shape)",
                reason: "instance normalisation reads [B, T, at least \(features)]")
        }
        let (b, t, d, w) = (input.shape[0], input.shape[1], features, input.shape[2])
        try checkLengths(lengths, batch: b, steps: t)
        let lengths = lengths ?? Array(repeating: t, count: b)
        var mean = [Float](repeating: 0, count: b * d), deviation = mean
        var normalized = [Float](repeating: 0, count: b * t * w)
        input.withUnsafeBufferPointer { x in
            for i in 0..<b {
                let n = lengths[i]
                for c in 0..<d {
                    var sum = 0.0
                    for s in 0..<n { sum += Double(x[(i * t + s) * w + c]) }
                    let mu = sum / Double(n)
                    var squares = 0.0
                    for s in 0..<n { let e = Double(x[(i * t + s) * w + c]) - mu; squares += e * e }
                    let sigma = (squares / Double(n) + Double(epsilon)).squareRoot()
                    mean[i * d + c] = Float(mu)
                    deviation[i * d + c] = Float(sigma)
                    for s in 0..<n {
                        normalized[(i * t + s) * w + c] = Float((Double(x[(i * t + s) * w + c]) - mu) / sigma)
                    }
                }
                for s in 0..<n {  // the features after the first D pass through
                    for c in d..<w { normalized[(i * t + s) * w + c] = x[(i * t + s) * w + c] }
                }
            }
        }
        return Statistics(
            mean: mean, deviation: deviation, normalized: Tensor(shape: input.shape, scalars: normalized),
            lengths: lengths)
    }

    /// y = ŷ·σ + μ (ŷ·σ for ``scaleOnlyOutputs``; ŷ·σ + (1 + a)·μ + b with a level path), each output with its
    /// channel's statistics.
    ///
    /// - Parameters:
    ///   - output: ŷ, [B, O], the network's output on x̂.
    ///   - statistics: from ``normalize(_:lengths:)`` of the same batch.
    /// - Returns: y, [B, O], in the input's units.
    public func denormalize(_ output: Tensor, statistics: Statistics) -> Tensor {
        let (b, o, d) = (output.shape[0], outputSize, features)
        var y = output
        let a = levelWeight?.scalars, bias = levelBias?.scalars
        y.withUnsafeMutableBufferPointer { y in
            for i in 0..<b {
                for j in 0..<o {
                    let c = i * d + outputChannels[j]
                    let level = shifted[j] ? (1 + (a?[j] ?? 0)) * statistics.mean[c] + (bias?[j] ?? 0) : 0
                    y[i * o + j] = y[i * o + j] * statistics.deviation[c] + level
                }
            }
        }
        return y
    }

    /// dŷ = dy·σ: the gradient the network behind the normalisation receives.
    func outputGradient(_ dOutput: Tensor, statistics: Statistics) -> Tensor {
        let (b, o, d) = (dOutput.shape[0], outputSize, features)
        var dy = dOutput
        dy.withUnsafeMutableBufferPointer { g in
            for i in 0..<b {
                for j in 0..<o { g[i * o + j] *= statistics.deviation[i * d + outputChannels[j]] }
            }
        }
        return dy
    }

    /// ∂loss/∂x from the gradient with respect to x̂ (through the network)
    /// and to y directly (through μ and σ of the scaling back).
    ///
    /// - Parameters:
    ///   - dNormalized: G = ∂loss/∂x̂, [B, T, D′].
    ///   - dOutput: ∂loss/∂y, [B, O].
    ///   - output: ŷ, [B, O], the network's output before scaling back.
    ///   - statistics: from the forward pass.
    /// - Returns: ∂loss/∂x, [B, T, D′] (zero past each length; G itself in the features passed through).
    func inputGradient(
        _ dNormalized: Tensor, dOutput: Tensor, output: Tensor, statistics: Statistics
    ) -> Tensor {
        let (b, t, d, o, w) = (dNormalized.shape[0], dNormalized.shape[1], features, outputSize, dNormalized.shape[2])
        var dx = [Float](repeating: 0, count: b * t * w)
        let g = dNormalized.scalars, xHat = statistics.normalized.scalars
        let dy = dOutput.scalars, yHat = output.scalars, level = levelWeight?.scalars
        for i in 0..<b {
            var a = [Double](repeating: 0, count: d), s = a
            for j in 0..<o {  // y = ŷσ (+ (1 + a)μ + b)
                if shifted[j] { a[outputChannels[j]] += Double(dy[i * o + j]) * (1 + Double(level?[j] ?? 0)) }
                s[outputChannels[j]] += Double(dy[i * o + j]) * Double(yHat[i * o + j])
            }
            let n = statistics.lengths[i]
            for step in 0..<n {  // x̂ = x in the features passed through
                for c in d..<w { dx[(i * t + step) * w + c] = g[(i * t + step) * w + c] }
            }
            for c in 0..<d {
                var meanG = 0.0, meanGX = 0.0
                for step in 0..<n {
                    let k = (i * t + step) * w + c
                    meanG += Double(g[k])
                    meanGX += Double(g[k]) * Double(xHat[k])
                }
                meanG /= Double(n)
                meanGX /= Double(n)
                let sigma = Double(statistics.deviation[i * d + c])
                for step in 0..<n {
                    let k = (i * t + step) * w + c
                    let xh = Double(xHat[k])
                    dx[k] = Float((Double(g[k]) - meanG - xh * meanGX) / sigma + a[c] / Double(n) + s[c] * xh / Double(n))
                }
            }
        }
        return Tensor(shape: dNormalized.shape, scalars: dx)
    }
}
