// The precision of a SequenceModel's recurrent products, and of its trainer's.

extension SequenceModel {
    /// The arithmetic of the recurrent layers' products, and of the
    /// decoder's: ``Precision/fp32`` by default, or ``Precision/bf16``
    /// (bf16 operands with fp32 sums; the head, embedding, weights and cell
    /// arithmetic stay fp32). A run-time choice, not saved in the model file.
    ///
    /// ```swift
    /// var model = try SequenceModel(
    ///     input: .features(2), cell: .lstm, hiddenSize: 32, outputSize: 1, pooling: .last,
    ///     generator: &generator)
    /// model.precision = .bf16
    /// ```
    public var precision: Precision {
        get { recurrent.precision }
        set {
            recurrent.precision = newValue
            decoder?.precision = newValue
        }
    }
}

extension SequenceTrainer {
    /// The precision the model trains in (``SequenceModel/precision``):
    /// in ``Precision/bf16`` the forward and backward products read bf16
    /// copies of the weights, packed once per update, while the optimiser
    /// updates the fp32 weights.
    public var precision: Precision {
        get { model.precision }
        set { model.precision = newValue }
    }
}
