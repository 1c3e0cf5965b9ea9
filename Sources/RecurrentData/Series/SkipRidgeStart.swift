import RecurrentCore

// Letters: N windows, L window steps, F features, p steps and D features the
// skip reads (P = p·D), O its outputs (o = j·K + k: step j of target k). With
// RevIN, μ[n, c] and σ[n, c] are window n's mean and √(variance + ε) of
// feature c, x̂ = (x − μ)/σ, and output o is scaled back with channel c(o).

/// Starts a forecaster's `LinearSkip` at the ridge regression it can
/// represent, instead of at zero.
///
/// The skip adds `W·vec(x̂[L−p ..< L]) + b` to the head's output in the frame
/// the network works in: under RevIN, ŷ = (y − μ)/σ per output's channel, so
/// the regression is of (y − μ_c(o))/σ_c(o) on the standardised last p
/// steps; without RevIN, of y on x. It is fitted in closed form on the
/// training windows for λ in {10⁻², …, 10³} (the intercept unpenalised, as
/// ``RidgeAutoregression``), and the λ whose forecasts have the least
/// validation mean squared error (in the targets' units) is kept. The head
/// starts near zero, so the fresh model forecasts about as that regression
/// does and training corrects it from there.
///
/// A probabilistic forecaster's skip moves every level of an output alike
/// (it is added at the distribution's anchor, the median or the mean), so it
/// is fitted to the point targets, scaled with the anchor's channel. Not for
/// a model with known-future covariates (their window's layout is not
/// handled yet).
///
/// ```swift
/// let start = try SkipRidgeStart(model, train: data.train.batch, validation: data.validation.batch)
/// let model = start.model        // skip.weight and skip.bias set
/// print(start.lambda, start.validationError)
/// ```
public struct SkipRidgeStart: Sendable {
    /// The model with `skip.weight` and `skip.bias` set to the regression's.
    public let model: SequenceModel
    /// The λ chosen.
    public let lambda: Double
    /// The chosen regression's validation mean squared error, in the targets' (scaled) units.
    public let validationError: Double

    /// Fits the skip of `model` on `train` and chooses λ on `validation`.
    ///
    /// - Parameters:
    ///   - model: a forecaster with a skip and no future covariates.
    ///   - train: the training windows: input [N, L, F], targets [N, O].
    ///   - validation: the validation windows, laid out alike, at least one.
    /// - Throws: `RecurrentError/invalidArgument(name:value:reason:)` for a
    ///   model without a skip or with covariates, or windows that do not fit.
    public init(_ model: SequenceModel, train: SequenceBatch, validation: SequenceBatch) throws {
        guard let skip = model.skip, model.future == nil else {
            throw RecurrentError.invalidArgument(
                name: "model", value: "without a skip, or with future covariates",
                reason: "a ridge start needs a forecaster's skip and the window alone")
        }
        let (p, d, o) = (skip.steps, skip.features, skip.outputSize)
        let (z, u, _) = try Self.samples(train, model: model, steps: p, features: d, outputs: o)
        let (zv, _, scales) = try Self.samples(validation, model: model, steps: p, features: d, outputs: o)
        let width = p * d
        let (normal, b, zMean, uMean) = RidgeAutoregression.centredNormalEquations(
            z, width: width, columns: width, u, outputs: o)
        var a = normal
        var best: (lambda: Double, error: Double, w: [Double], c: [Double])?
        for lambda in [0.01, 0.1, 1, 10, 100, 1000] {
            for i in 0..<width { a[i * width + i] = normal[i * width + i] + lambda }
            let w = try RidgeAutoregression.solvePositiveDefinite(a, b, size: width, columns: o)
            var c = uMean
            for j in 0..<o {
                for i in 0..<width { c[j] -= zMean[i] * w[i * o + j] }
            }
            // Validation error in the targets' units: ŷ·σ + μ against y.
            let rows = zv.count / width
            var squared = 0.0
            for r in 0..<rows {
                for j in 0..<o {
                    var prediction = c[j]
                    for i in 0..<width { prediction += zv[r * width + i] * w[i * o + j] }
                    let (scale, shift, truth) = scales[r * o + j]
                    squared += (prediction * scale + shift - truth) * (prediction * scale + shift - truth)
                }
            }
            let error = squared / Double(rows * o)
            if best == nil || error < best!.error { best = (lambda, error, w, c) }
        }
        let chosen = best!
        var started = model
        started.updateParameters { name, tensor in
            if name == "skip.weight" {  // [O, P] = Wᵀ
                tensor = Tensor(shape: [o, width], scalars: (0..<(o * width)).map { Float(chosen.w[($0 % width) * o + $0 / width]) })
            } else if name == "skip.bias" {
                tensor = Tensor(shape: [o], scalars: chosen.c.map { Float($0) })
            }
        }
        self.model = started
        self.lambda = chosen.lambda
        self.validationError = chosen.error
    }

    /// z [N, P], the skip's inputs; u [N, O], the targets in its frame; and
    /// per (window, output) the σ, μ and y that take a forecast back.
    private static func samples(
        _ batch: SequenceBatch, model: SequenceModel, steps p: Int, features d: Int, outputs o: Int
    ) throws -> (z: [Double], u: [Double], scales: [(Double, Double, Double)]) {
        let input = batch.input, targets = batch.targets
        guard input.rank == 3, input.shape[0] >= 1, input.shape[2] == model.recurrent.inputSize, d <= input.shape[2],
            targets.shape == [input.shape[0], o]
        else {
            throw RecurrentError.invalidArgument(
                name: "windows", value: "input \(input.shape), targets \(targets.shape)",
                reason: "need [N ≥ 1, L, \(model.recurrent.inputSize)] windows and targets [N, \(o)]")
        }
        let (n, l, f) = (input.shape[0], input.shape[1], input.shape[2])
        let x = input.scalars, y = targets.scalars
        let norm = model.instanceNormalization
        // Skip output j is added at raw output j·P + anchor, which RevIN scales back with its channel
        // (and, unless it is scale-only, shifts by its mean).
        let (perOutput, anchor) = (model.distribution?.parametersPerOutput ?? 1, model.distribution?.anchor ?? 0)
        let channels = (0..<o).map { j in norm.map { $0.outputChannels[j * perOutput + anchor] } }
        let shifted = (0..<o).map { j in norm.map { !$0.scaleOnlyOutputs.contains(j * perOutput + anchor) } ?? false }
        var z = [Double](), u = [Double](), scales: [(Double, Double, Double)] = []
        z.reserveCapacity(n * p * d)
        u.reserveCapacity(n * o)
        scales.reserveCapacity(n * o)
        for i in 0..<n {
            // μ and σ of every standardised feature of this window (RevIN's).
            var mean = [Double](repeating: 0, count: f), deviation = [Double](repeating: 1, count: f)
            if let norm {
                for c in 0..<norm.features {
                    (_, mean[c], deviation[c]) = RevINLevelChoice.windowMoments(
                        x, window: i, steps: l, reading: l, features: f, channel: c, epsilon: norm.epsilon)
                }
            }
            for s in 0..<p {
                let t = l - p + s
                for c in 0..<d {
                    z.append(t < 0 ? 0 : (Double(x[(i * l + t) * f + c]) - mean[c]) / deviation[c])
                }
            }
            for j in 0..<o {
                let truth = Double(y[i * o + j])
                let (scale, shift) = (channels[j].map { deviation[$0] } ?? 1, shifted[j] ? mean[channels[j]!] : 0)
                u.append((truth - shift) / scale)
                scales.append((scale, shift, truth))
            }
        }
        guard z.allSatisfy(\.isFinite), u.allSatisfy(\.isFinite) else {
            throw RecurrentError.invalidArgument(name: "windows", value: "non-finite", reason: "hold a NaN or infinite value")
        }
        return (z, u, scales)
    }
}
