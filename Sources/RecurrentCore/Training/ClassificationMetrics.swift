// Letters: N predictions, K classes; C[i][j] counts sequences of true class
// i predicted as class j.
//
//   precision_k = C[k][k] / Σ_i C[i][k]     (0 when class k is never predicted)
//   recall_k    = C[k][k] / Σ_j C[k][j]     (0 when class k never occurs)
//   F1_k        = 2·C[k][k] / (Σ_i C[i][k] + Σ_j C[k][j])   (0 when both are 0)
// as scikit-learn's precision_recall_fscore_support with zero_division=0.

/// How well predicted classes match true ones: the confusion matrix,
/// accuracy, and per-class precision, recall and F1 with their macro and
/// weighted averages, as scikit-learn computes them with `zero_division=0`.
///
/// The macro average is the plain mean over the classes that occur in the
/// truth or the predictions (scikit-learn's default `labels`); a class
/// absent from both is left out of it. The weighted average weighs each
/// class by its support (its count in the truth).
///
/// ```swift
/// let metrics = try ClassificationMetrics(truth: [0, 0, 1, 2], predicted: [0, 1, 1, 1], classCount: 3)
/// metrics.accuracy         // 0.5
/// metrics.precision        // [1, 1/3, 0]
/// metrics.recall           // [0.5, 1, 0]
/// metrics.confusion[2]     // [0, 1, 0]: the one sequence of class 2 was predicted as 1
/// ```
public struct ClassificationMetrics: Sendable, Equatable {
    /// C [K][K]: `confusion[i][j]` counts sequences of true class i predicted as j.
    public let confusion: [[Int]]

    /// Counts the pairs of true and predicted class ids.
    ///
    /// - Parameters:
    ///   - truth: N true class ids in 0..<K.
    ///   - predicted: N predicted class ids in 0..<K.
    ///   - classCount: K ≥ 1.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` when
    ///   the counts differ, N is 0, or an id lies outside 0..<K.
    public init(truth: [Int], predicted: [Int], classCount: Int) throws {
        guard classCount >= 1 else {
            throw RecurrentError.invalidArgument(name: "classCount", value: "\(classCount)", reason: "must be ≥ 1")
        }
        guard truth.count == predicted.count, !truth.isEmpty else {
            throw RecurrentError.invalidArgument(
                name: "predicted", value: "of count \(predicted.count)",
                reason: "needs one prediction per true class id (\(truth.count)), at least one")
        }
        for (name, ids) in [("truth", truth), ("predicted", predicted)] {
            if let (i, id) = ids.enumerated().first(where: { $0.element < 0 || $0.element >= classCount }) {
                throw RecurrentError.invalidArgument(
                    name: "\(name)[\(i)]", value: "\(id)", reason: "must lie in 0..<\(classCount)")
            }
        }
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: classCount), count: classCount)
        for (i, j) in zip(truth, predicted) { confusion[i][j] += 1 }
        self.confusion = confusion
    }

    /// K, the number of classes.
    public var classCount: Int { confusion.count }
    /// N, the number of predictions.
    public var total: Int { support.reduce(0, +) }
    /// Each class's count in the truth: Σ_j C[k][j].
    public var support: [Int] { confusion.map { $0.reduce(0, +) } }
    /// Each class's count in the predictions: Σ_i C[i][k].
    public var predictedCount: [Int] { (0..<classCount).map { k in confusion.reduce(0) { $0 + $1[k] } } }

    /// The share of predictions that are right: Σ_k C[k][k] / N.
    public var accuracy: Double {
        Double((0..<classCount).reduce(0) { $0 + confusion[$1][$1] }) / Double(total)
    }

    /// The accuracy of predicting class `k` for every sequence: its share of the truth.
    public func accuracy(ofAlwaysPredicting k: Int) -> Double { Double(support[k]) / Double(total) }

    /// Per class, C[k][k] / Σ_i C[i][k]; 0 for a class never predicted.
    public var precision: [Double] { zip(0..<classCount, predictedCount).map { ratio(confusion[$0][$0], $1) } }
    /// Per class, C[k][k] / Σ_j C[k][j]; 0 for a class that never occurs.
    public var recall: [Double] { zip(0..<classCount, support).map { ratio(confusion[$0][$0], $1) } }
    /// Per class, the harmonic mean of precision and recall,
    /// 2·C[k][k] / (predicted_k + support_k); 0 when both counts are 0.
    public var f1: [Double] {
        (0..<classCount).map { ratio(2 * confusion[$0][$0], predictedCount[$0] + support[$0]) }
    }

    /// Precision, recall and F1 averaged with equal weight over the classes
    /// that occur in the truth or the predictions.
    public var macroAverage: (precision: Double, recall: Double, f1: Double) {
        let present = (0..<classCount).filter { support[$0] + predictedCount[$0] > 0 }
        func mean(_ values: [Double]) -> Double { present.reduce(0) { $0 + values[$1] } / Double(present.count) }
        return (mean(precision), mean(recall), mean(f1))
    }

    /// Precision, recall and F1 averaged with each class weighted by its support.
    public var weightedAverage: (precision: Double, recall: Double, f1: Double) {
        let n = Double(total)
        func mean(_ values: [Double]) -> Double { zip(values, support).reduce(0) { $0 + $1.0 * Double($1.1) } / n }
        return (mean(precision), mean(recall), mean(f1))
    }

    private func ratio(_ numerator: Int, _ denominator: Int) -> Double {
        denominator == 0 ? 0 : Double(numerator) / Double(denominator)
    }
}

extension SequenceModel {
    /// The class each sequence of `batch` is predicted to be: the index of
    /// its largest output (the first one on a tie), run in chunks of
    /// `chunkSize` sequences to bound memory.
    ///
    /// - Parameters:
    ///   - batch: B sequences; only the input and lengths are read.
    ///   - chunkSize: sequences per forward pass, ≥ 1.
    /// - Returns: B class ids in 0..<O.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` when
    ///   the model is many-to-many or the batch does not fit it.
    public func predictedClasses(_ batch: SequenceBatch, chunkSize: Int = 256) throws -> [Int] {
        try Check.positive(chunkSize, "chunkSize")
        guard head.pooling.isManyToOne else {
            throw RecurrentError.invalidArgument(
                name: "model", value: "with pooling \(head.pooling)", reason: "gives no single class per sequence")
        }
        var classes: [Int] = []
        classes.reserveCapacity(batch.count)
        for start in stride(from: 0, to: batch.count, by: chunkSize) {
            let part = batch.gathering(Array(start..<Swift.min(start + chunkSize, batch.count)))
            classes += largestPerRow(try self(part.input, lengths: part.lengths))  // logits [B, K]
        }
        return classes
    }
}

/// For each row of `logits` [B, K], the index of its largest entry (the
/// first on a tie).
func largestPerRow(_ logits: Tensor) -> [Int] {
    let k = logits.shape[1]
    return (0..<logits.shape[0]).map { row in
        var best = 0
        for j in 1..<k where logits.scalars[row * k + j] > logits.scalars[row * k + best] { best = j }
        return best
    }
}
