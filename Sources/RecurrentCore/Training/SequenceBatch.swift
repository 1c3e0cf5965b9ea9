// Letters: B batch, T time, D input features, O outputs.

/// A batch of sequences with their lengths and targets: what a
/// ``SequenceTrainer`` steps on and what generated tasks return.
///
/// | model | input | targets |
/// | --- | --- | --- |
/// | many-to-many, regression | [B, T, D] or ids [B, T] | [B, T, O] |
/// | many-to-many, classes | [B, T, D] or ids [B, T] | class ids [B, T] |
/// | many-to-one, regression | [B, T, D] or ids [B, T] | [B, O] |
/// | many-to-one, classes | [B, T, D] or ids [B, T] | class ids [B] |
///
/// Steps t ≥ lengths[b] are padding: neither read by the model nor counted
/// by the loss, so they may hold anything.
///
/// ```swift
/// let batch = try SequenceBatch(
///     input: Tensor.zeros([2, 5, 3]), lengths: [5, 2], targets: Tensor.zeros([2, 1]))
/// ```
public struct SequenceBatch: Sendable, Equatable {
    /// [B, T, D] features, or [B, T] token ids.
    public var input: Tensor
    /// Each sequence's length in 1…T; nil means all are T.
    public var lengths: [Int]?
    /// What the model should output (see the table above).
    public var targets: Tensor

    /// A batch, checked for matching B and for lengths in 1…T.
    ///
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` naming
    ///   the input, targets or lengths when they do not fit together.
    public init(input: Tensor, lengths: [Int]? = nil, targets: Tensor) throws {
        guard input.rank == 2 || input.rank == 3, input.shape[0] > 0, input.shape[1] > 0 else {
            throw RecurrentError.invalidArgument(
                name: "input", value: "of shape \(input.shape)", reason: "expected [B, T, D] or token ids [B, T], B, T ≥ 1")
        }
        guard targets.rank >= 1, targets.shape[0] == input.shape[0] else {
            throw RecurrentError.invalidArgument(
                name: "targets", value: "of shape \(targets.shape)",
                reason: "expected one row per sequence (\(input.shape[0]))")
        }
        try checkLengths(lengths, batch: input.shape[0], steps: input.shape[1])
        self.input = input
        self.lengths = lengths
        self.targets = targets
    }

    /// A batch whose parts the caller has made to fit (the generated tasks).
    package init(unchecked input: Tensor, lengths: [Int]?, targets: Tensor) {
        self.input = input
        self.lengths = lengths
        self.targets = targets
    }

    /// B, the number of sequences.
    public var count: Int { input.shape[0] }

    /// T, the number of steps of the longest sequence (the padded length).
    public var steps: Int { input.shape[1] }

    /// The sequences at `indices`, in that order: a mini-batch.
    public func gathering(_ indices: [Int]) -> SequenceBatch {
        var batch = self
        batch.input = input.gatheringRows(indices)
        batch.targets = targets.gatheringRows(indices)
        batch.lengths = lengths.map { lengths in indices.map { lengths[$0] } }
        return batch
    }

    /// [B, T]: 1 at each real step, 0 at padding — the per-row loss weights
    /// of a many-to-many model.
    public var stepMask: Tensor {
        let (b, t) = (count, steps)
        var mask = Tensor.ones([b, t])
        if let lengths { mask = zeroingPadding(mask.reshaped([b, t, 1]), lengths: lengths).reshaped([b, t]) }
        return mask
    }
}
