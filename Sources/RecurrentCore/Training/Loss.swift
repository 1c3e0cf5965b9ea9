import CRecurrentKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Letters: N rows (every leading dimension together), C classes or features
// (the last axis). p is the prediction, y the target, w a weight.

/// A loss's value and its gradient with respect to the prediction.
public struct LossOutput: Sendable {
    /// The (weighted) mean loss, accumulated in `Double`. Every loss and
    /// error figure the library reports is a `Double`; tensors, weights and
    /// hyperparameters (learning rates, norms) are `Float`.
    public var value: Double
    /// ∂value/∂prediction, the prediction's shape.
    public var gradient: Tensor
}

/// A training objective: a mean over elements (or rows) of a per-element
/// loss, with its gradient, as PyTorch's loss modules with `reduction='mean'`.
///
/// | loss | per element, d = p − y | ∂/∂p |
/// | --- | --- | --- |
/// | ``meanSquaredError`` | d² | 2d |
/// | ``meanAbsoluteError`` | \|d\| | sign d (0 at d = 0) |
/// | ``huber(delta:)`` | ½d² if \|d\| < δ, else δ(\|d\| − ½δ) | d, or δ·sign d |
/// | ``binaryCrossEntropyWithLogits`` | max(p, 0) − p·y + ln(1 + e^−\|p\|) | σ(p) − y |
/// | ``softmaxCrossEntropy`` | per row: logsumexp(p) − p[y] | softmax(p) − onehot(y) |
/// | ``pinball(quantiles:)`` | per target: Σ_i ρ_τi(y − q_i) / Q | 𝟙[y < q_i] − τ_i, over Q |
/// | ``gaussianNegativeLogLikelihood`` | per target: ½ln 2π + ln s + (y − μ)²/2s² | see the loss |
///
/// The last two read P predictions per target (the target's shape with the
/// last axis P times as long, each target's P values together).
///
/// **Weights** mask or weigh the mean: the value is `Σ w·ℓ / Σ w`. They have
/// either the prediction's shape (one per element) or its shape without the
/// last axis (one per row, e.g. per time step of [B, T, C], applying to all
/// of the row). A weight of 0 skips its element entirely, so padded steps may
/// hold anything, even NaN. When all weights are 0 the value and the
/// gradient are 0.
///
/// ```swift
/// let loss = Loss.softmaxCrossEntropy
/// let result = loss(logits, target: labels)          // logits [N, C], labels [N] of class indices
/// let masked = loss(logits, target: labels, weights: mask)
/// ```
public struct Loss: Sendable, Equatable, CustomStringConvertible {
    enum Kind: Equatable, Sendable {
        case meanSquaredError
        case meanAbsoluteError
        case huber(delta: Float)
        case softmaxCrossEntropy
        case binaryCrossEntropyWithLogits
        case pinball(quantiles: [Float])
        case gaussianNegativeLogLikelihood
    }

    let kind: Kind

    /// Mean squared error, PyTorch's `MSELoss`.
    public static let meanSquaredError = Loss(kind: .meanSquaredError)

    /// Mean absolute error, PyTorch's `L1Loss`.
    public static let meanAbsoluteError = Loss(kind: .meanAbsoluteError)

    /// Huber loss, PyTorch's `HuberLoss(delta:)`: quadratic within δ of the
    /// target, linear beyond.
    ///
    /// - Parameter delta: δ > 0, finite.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` otherwise.
    public static func huber(delta: Float = 1) throws -> Loss {
        try Check.positive(delta, "delta")
        return Loss(kind: .huber(delta: delta))
    }

    /// Softmax cross-entropy on integer targets, PyTorch's `CrossEntropyLoss`:
    /// the prediction holds logits [..., C], the target the class of each row
    /// as a whole number in 0..<C, shape [...].
    ///
    /// A row of positive weight whose target is not a class index stops with a
    /// message naming the row and value.
    public static let softmaxCrossEntropy = Loss(kind: .softmaxCrossEntropy)

    /// Binary cross-entropy on logits, PyTorch's `BCEWithLogitsLoss`, in the
    /// stable form max(p, 0) − p·y + ln(1 + e^−|p|). Targets lie in [0, 1].
    public static let binaryCrossEntropyWithLogits = Loss(kind: .binaryCrossEntropyWithLogits)

    /// A short name: `mse`, `mae`, `huber(delta: 1.0)`, `cross-entropy`, `binary-cross-entropy`.
    public var description: String {
        switch kind {
        case .meanSquaredError: "mse"
        case .meanAbsoluteError: "mae"
        case .huber(let delta): "huber(delta: \(delta))"
        case .softmaxCrossEntropy: "cross-entropy"
        case .binaryCrossEntropyWithLogits: "binary-cross-entropy"
        case .pinball(let quantiles): "pinball(\(quantiles.map { "\($0)" }.joined(separator: ", ")))"
        case .gaussianNegativeLogLikelihood: "gaussian-nll"
        }
    }

    /// The loss of `prediction` against `target`, and its gradient.
    ///
    /// - Parameters:
    ///   - prediction: the model's output; logits for the cross-entropies.
    ///   - target: the prediction's shape, or for ``softmaxCrossEntropy`` its
    ///     shape without the last axis.
    ///   - weights: nil for a plain mean; otherwise per element or per row (see ``Loss``).
    /// - Returns: the mean and ∂mean/∂prediction.
    public func callAsFunction(_ prediction: Tensor, target: Tensor, weights: Tensor? = nil) -> LossOutput {
        switch kind {
        case .meanSquaredError:
            return elementwise(prediction, target, weights) { p, y in
                let d = p - y
                return (d * d, 2 * d)
            }
        case .meanAbsoluteError:
            return elementwise(prediction, target, weights) { p, y in
                let d = p - y
                return (abs(d), d > 0 ? 1 : (d < 0 ? -1 : 0))
            }
        case .huber(let delta):
            return elementwise(prediction, target, weights) { p, y in
                let d = p - y
                if abs(d) < delta { return (0.5 * d * d, d) }
                return (delta * (abs(d) - 0.5 * delta), d > 0 ? delta : -delta)
            }
        case .binaryCrossEntropyWithLogits:
            return elementwise(prediction, target, weights) { p, y in
                (ActivationKernels.softplus(p) - p * y, ActivationKernels.sigmoid(p) - y)
            }
        case .softmaxCrossEntropy:
            return softmaxCrossEntropy(prediction, target, weights)
        case .pinball(let quantiles):
            return grouped(prediction, target, weights, quantiles.count) { q, y, dq in
                Self.pinball(q, y, quantiles, &dq)
            }
        case .gaussianNegativeLogLikelihood:
            return grouped(prediction, target, weights, 2) { p, y, dp in Self.gaussianNLL(p, y, &dp) }
        }
    }

    /// Σ w·ℓ(p, y) / Σ w for a per-element `lossAndGradient` returning (ℓ, ∂ℓ/∂p).
    private func elementwise(
        _ prediction: Tensor, _ target: Tensor, _ weights: Tensor?,
        _ lossAndGradient: (Float, Float) -> (Float, Float)
    ) -> LossOutput {
        require(
            prediction.shape == target.shape,
            "Loss \(self): prediction of shape \(prediction.shape) and target of shape \(target.shape) differ")
        let width = prediction.rank == 0 ? 1 : prediction.shape[prediction.rank - 1]
        let perRow = weights.map { weights in
            if weights.shape == prediction.shape { return false }
            require(
                weights.shape == Array(prediction.shape.dropLast()),
                "Loss \(self): weights of shape \(weights.shape) fit neither the prediction \(prediction.shape) nor its rows")
            return true
        }
        let unweighted = Tensor.ones([])
        var gradient = Tensor.zeros(prediction.shape)
        var total = 0.0, totalWeight = 0.0
        prediction.withUnsafeBufferPointer { p in
            target.withUnsafeBufferPointer { y in
                (weights ?? unweighted).withUnsafeBufferPointer { w in
                    gradient.withUnsafeMutableBufferPointer { g in
                        for i in 0..<p.count {
                            let weight: Float = switch perRow {
                            case nil: 1
                            case true?: w[i / width]
                            case false?: w[i]
                            }
                            guard weight != 0 else { continue }
                            let (loss, slope) = lossAndGradient(p[i], y[i])
                            total += Double(weight) * Double(loss)
                            totalWeight += Double(weight)
                            g[i] = weight * slope
                        }
                    }
                }
            }
        }
        return LossOutput(value: mean(total, totalWeight), gradient: scaled(gradient, totalWeight))
    }

    /// Per row: ℓ = logsumexp(p) − p[y], ∂ℓ/∂p = softmax(p) − onehot(y).
    private func softmaxCrossEntropy(_ logits: Tensor, _ target: Tensor, _ weights: Tensor?) -> LossOutput {
        require(
            logits.rank >= 1 && target.shape == Array(logits.shape.dropLast()),
            "Loss \(self): target of shape \(target.shape) does not fit logits of shape \(logits.shape) (expected \(Array(logits.shape.dropLast())))")
        if let weights {
            require(
                weights.shape == target.shape,
                "Loss \(self): weights of shape \(weights.shape) do not fit the rows \(target.shape)")
        }
        let classes = logits.shape[logits.rank - 1]
        require(classes > 0, "Loss \(self): logits of shape \(logits.shape) have no classes")
        let rows = target.count
        let rowWeights = weights?.scalars
        for (row, label) in target.scalars.enumerated() where rowWeights?[row] ?? 1 != 0 {
            require(
                label >= 0 && label < Float(classes) && label == label.rounded(),
                "Loss \(self): target \(label) of row \(row) is not a class index in 0..<\(classes)")
        }
        var gradient = Tensor.zeros(logits.shape)
        var rowLosses = [Double](repeating: 0, count: rows)
        // Rows are independent: split between the threads from 32 768
        // logits (a character model's B·T rows), each row's exponentials by
        // the vector kernel. The total is summed in row order afterwards, so
        // it has the same bits on any number of threads.
        let isa = ISA.active
        let parts = rows * classes >= 1 << 15 ? min(ThreadPool.shared.threadCount, rows) : 1
        logits.withUnsafeBufferPointer { p in
            target.withUnsafeBufferPointer { y in
                withOptionalPointer(weights) { w in
                    gradient.withUnsafeMutableBufferPointer { g in
                        rowLosses.withUnsafeMutableBufferPointer { losses in
                            ThreadPool.shared.parallelFor(parts) { part in
                                for row in (rows * part / parts)..<(rows * (part + 1) / parts) {
                                    let weight = w?[row] ?? 1
                                    guard weight != 0 else { continue }
                                    let start = row * classes
                                    var maximum = p[start]
                                    for c in 1..<classes where p[start + c] > maximum { maximum = p[start + c] }
                                    for c in 0..<classes { g[start + c] = p[start + c] - maximum }
                                    rc_vexp(isa.rawValue, g.baseAddress! + start, g.baseAddress! + start, classes)
                                    var sum = 0.0
                                    for c in 0..<classes { sum += Double(g[start + c]) }
                                    let truth = start + Int(y[row])
                                    losses[row] = Double(weight) * (Double(maximum) + log(sum) - Double(p[truth]))
                                    let scale = weight / Float(sum)
                                    for c in 0..<classes { g[start + c] *= scale }
                                    g[truth] -= weight
                                }
                            }
                        }
                    }
                }
            }
        }
        let total = rowLosses.reduce(0, +)
        let totalWeight = weights.map { $0.scalars.reduce(0.0) { $0 + Double($1) } } ?? Double(rows)
        return LossOutput(value: mean(total, totalWeight), gradient: scaled(gradient, totalWeight))
    }

    private func mean(_ total: Double, _ totalWeight: Double) -> Double {
        totalWeight == 0 ? 0 : total / totalWeight
    }

    /// The gradient of the sum divided by the total weight.
    private func scaled(_ gradient: Tensor, _ totalWeight: Double) -> Tensor {
        totalWeight == 0 ? gradient : gradient * Float(1 / totalWeight)
    }
}
