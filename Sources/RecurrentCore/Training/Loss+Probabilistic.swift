#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Letters: N targets (every element of the target), P predictions per target,
// q_i the prediction at level τ_i (i < Q), μ and s a normal's mean and
// standard deviation, y the target, u = y − q.

/// The losses of probabilistic forecasts, which read P predictions per target.
extension Loss {
    /// The pinball (quantile) loss at levels τ_0 … τ_{Q−1}, averaged over the
    /// levels and the targets: per target y with predictions q_0 … q_{Q−1},
    ///
    ///     ℓ = Σ_i ρ_τi(y − q_i) / Q,   ρ_τ(u) = max(τ·u, (τ − 1)·u)
    ///     ∂ℓ/∂q_i = (𝟙[y < q_i] − τ_i) / Q
    ///
    /// Minimising ρ_τ over a constant gives the τ-quantile of y's
    /// distribution. The prediction is [..., C·Q] (target c's Q levels at
    /// `c·Q ..< (c + 1)·Q`), the target [..., C].
    ///
    /// - Parameter quantiles: τ, strictly increasing, each in (0, 1).
    /// - Returns: the loss.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` for bad levels.
    public static func pinball(quantiles: [Float]) throws -> Loss {
        try ForecastDistribution.check(quantiles)
        return Loss(kind: .pinball(quantiles: quantiles))
    }

    /// The negative log-likelihood of a normal distribution, with its
    /// constant (PyTorch's `GaussianNLLLoss(full=True)` on the variance s²),
    /// averaged over the targets: per target y with prediction (μ, s), s > 0,
    ///
    ///     ℓ = ½·ln 2π + ln s + (y − μ)² / (2s²)
    ///     ∂ℓ/∂μ = −(y − μ) / s²,   ∂ℓ/∂s = 1/s − (y − μ)² / s³
    ///
    /// The prediction is [..., 2C] (target c's μ at 2c and s at 2c + 1), the
    /// target [..., C]. An s ≤ 0 gives a non-finite loss, which training
    /// stops on; ``ForecastDistribution`` keeps s ≥ its minimum.
    public static let gaussianNegativeLogLikelihood = Loss(kind: .gaussianNegativeLogLikelihood)

    /// P, the predictions the loss reads per target: Q for the pinball loss,
    /// 2 for the Gaussian; 1 for the others (the cross-entropy's classes aside).
    public var predictionsPerTarget: Int {
        switch kind {
        case .pinball(let quantiles): quantiles.count
        case .gaussianNegativeLogLikelihood: 2
        default: 1
        }
    }

    /// The target shape a prediction of `shape` needs under this loss.
    func targetShape(forPrediction shape: [Int]) -> [Int] {
        switch kind {
        case .softmaxCrossEntropy: return Array(shape.dropLast())
        case .pinball, .gaussianNegativeLogLikelihood:
            guard let last = shape.last else { return shape }
            return Array(shape.dropLast()) + [last / predictionsPerTarget]
        default: return shape
        }
    }

    /// ℓ = Σ_i ρ_τi(y − q_i) / Q for one target, writing ∂ℓ/∂q into `dq`.
    static func pinball(
        _ q: UnsafeBufferPointer<Float>.SubSequence, _ y: Float, _ quantiles: [Float],
        _ dq: inout [Float]
    ) -> Double {
        let count = Double(quantiles.count)
        var total = 0.0
        for (i, tau) in quantiles.enumerated() {
            let u = Double(y) - Double(q[q.startIndex + i])
            total += u >= 0 ? Double(tau) * u : (Double(tau) - 1) * u  // max(τu, (τ − 1)u)
            dq[i] = Float(((u < 0 ? 1 : 0) - Double(tau)) / count)  // 𝟙[y < q] − τ
        }
        return total / count
    }

    /// ℓ = ½ln 2π + ln s + (y − μ)²/(2s²) for one target, writing (∂ℓ/∂μ, ∂ℓ/∂s) into `dp`.
    static func gaussianNLL(_ p: UnsafeBufferPointer<Float>.SubSequence, _ y: Float, _ dp: inout [Float]) -> Double {
        let mu = Double(p[p.startIndex]), s = Double(p[p.startIndex + 1])
        let e = Double(y) - mu
        dp[0] = Float(-e / (s * s))
        dp[1] = Float(1 / s - e * e / (s * s * s))
        return 0.5 * log(2 * Double.pi) + log(s) + e * e / (2 * s * s)
    }

    /// Σ w·ℓ / Σ w over the targets, each target reading its `width`
    /// predictions; `perTarget` returns ℓ and writes ∂ℓ/∂(its predictions).
    /// Weights are per target (the target's shape) or per row (its shape
    /// without the last axis).
    func grouped(
        _ prediction: Tensor, _ target: Tensor, _ weights: Tensor?, _ width: Int,
        _ perTarget: (UnsafeBufferPointer<Float>.SubSequence, Float, inout [Float]) -> Double
    ) -> LossOutput {
        require(
            prediction.rank >= 1 && target.shape == targetShape(forPrediction: prediction.shape)
                && prediction.shape.last! % width == 0,
            "Loss \(self): prediction of shape \(prediction.shape) does not give \(width) value(s) for each target of shape \(target.shape)")
        let rowWidth = target.rank == 0 ? 1 : target.shape[target.rank - 1]
        let perRow = weights.map { weights in
            if weights.shape == target.shape { return false }
            require(
                weights.shape == Array(target.shape.dropLast()),
                "Loss \(self): weights of shape \(weights.shape) fit neither the target \(target.shape) nor its rows")
            return true
        }
        let unweighted = Tensor.ones([])
        var gradient = Tensor.zeros(prediction.shape)
        var total = 0.0, totalWeight = 0.0
        var slope = [Float](repeating: 0, count: width)
        prediction.withUnsafeBufferPointer { p in
            target.withUnsafeBufferPointer { y in
                (weights ?? unweighted).withUnsafeBufferPointer { w in
                    gradient.withUnsafeMutableBufferPointer { g in
                        for i in 0..<y.count {
                            let weight: Float = switch perRow {
                            case nil: 1
                            case true?: w[i / rowWidth]
                            case false?: w[i]
                            }
                            guard weight != 0 else { continue }
                            let loss = perTarget(p[(i * width)..<((i + 1) * width)], y[i], &slope)
                            total += Double(weight) * loss
                            totalWeight += Double(weight)
                            for j in 0..<width { g[i * width + j] = weight * slope[j] }
                        }
                    }
                }
            }
        }
        let value = totalWeight == 0 ? 0 : total / totalWeight
        return LossOutput(value: value, gradient: totalWeight == 0 ? gradient : gradient * Float(1 / totalWeight))
    }
}
