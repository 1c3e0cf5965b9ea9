/// Measuring a trained model on a data set too large for one forward pass.
extension SequenceModel {
    /// The mean of `loss` over a data set's real steps (many-to-many) or
    /// sequences (many-to-one), computed `batchSize` sequences at a time and
    /// accumulated in `Double`, so memory stays bounded by one chunk's outputs.
    ///
    /// Equal to `loss(self(batch.input), target: batch.targets, weights:
    /// batch.stepMask)` for a many-to-many model (without the mask for a
    /// many-to-one model), up to rounding.
    ///
    /// ```swift
    /// let nats = try model.meanLoss(.softmaxCrossEntropy, on: windows)   // per character
    /// let bits = nats / log(2)
    /// ```
    ///
    /// - Parameters:
    ///   - loss: the objective; the model's output is its prediction.
    ///   - batch: the sequences and their targets.
    ///   - batchSize: sequences per forward pass, ≥ 1.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` when
    ///   the batch does not fit the model or `batchSize` is below 1.
    public func meanLoss(_ loss: Loss, on batch: SequenceBatch, batchSize: Int = 64) throws -> Double {
        try Check.positive(batchSize, "batchSize")
        var total = 0.0
        var weight = 0.0
        for start in stride(from: 0, to: batch.count, by: batchSize) {
            let chunk = batch.gathering(Array(start..<Swift.min(start + batchSize, batch.count)))
            let output = try self(chunk.input, lengths: chunk.lengths)
            let objective = try SequenceTrainer<SGD>.objective(loss, self, output, chunk)
            let chunkWeight =
                head.pooling == .everyStep
                ? Double(chunk.lengths?.reduce(0, +) ?? chunk.count * chunk.steps)
                : Double(chunk.count)
            total += Double(objective.value) * chunkWeight
            weight += chunkWeight
        }
        return weight == 0 ? 0 : total / weight
    }
}
