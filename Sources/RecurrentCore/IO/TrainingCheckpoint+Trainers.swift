extension SequenceTrainer {
    /// The trainer's state as it stands: parameters, optimiser state, step
    /// count and dropout generator, with the caller's `metadata`.
    ///
    /// A trainer built the same way (loss, schedule, clipping, optimiser type
    /// and hyperparameters) and given this checkpoint by ``restore(_:)`` takes
    /// the same next steps, bit for bit.
    ///
    /// - Parameter metadata: the caller's own entries (epoch, shuffle generator as JSON, …).
    public func checkpoint(metadata: [String: String] = [:]) -> TrainingCheckpoint {
        let (tensors, values) = optimizer.exportState()
        return TrainingCheckpoint(
            parameters: model.parameters, optimizerTensors: tensors, optimizerValues: values, step: step,
            generator: generator, metadata: metadata)
    }

    /// Restores model parameters, optimiser state, step count and dropout
    /// generator from `checkpoint`.
    ///
    /// Everything is checked before anything changes: the parameters must be
    /// exactly this model's names and shapes, and the optimiser state must
    /// belong to them and to this optimiser's type and variant (see
    /// ``Optimizer/importState(tensors:values:)``).
    ///
    /// - Throws: ``RecurrentError`` naming the tensor or key that does not fit
    ///   (``RecurrentError/missingParameter(name:)``,
    ///   ``RecurrentError/unexpectedParameter(name:)``,
    ///   ``RecurrentError/parameterShapeMismatch(name:expected:actual:)``,
    ///   ``RecurrentError/invalidArgument(name:value:reason:)``); the trainer
    ///   is then unchanged.
    public mutating func restore(_ checkpoint: TrainingCheckpoint) throws {
        (model, optimizer) = try checkpoint.restored(model, optimizer)
        step = checkpoint.step
        generator = checkpoint.generator
    }
}

extension Trainer {
    /// The trainer's state as it stands: parameters, optimiser state and step
    /// count, with the caller's `metadata`. This trainer draws no random
    /// numbers, so the checkpoint's generator is a placeholder
    /// (`RandomGenerator(seed: 0)`) that ``restore(_:)`` ignores; keep the
    /// shuffle generator of ``trainEpoch(inputs:targets:weights:batchSize:generator:)``
    /// in `metadata`.
    ///
    /// - Parameter metadata: the caller's own entries (epoch, shuffle generator as JSON, …).
    public func checkpoint(metadata: [String: String] = [:]) -> TrainingCheckpoint {
        let (tensors, values) = optimizer.exportState()
        return TrainingCheckpoint(
            parameters: model.parameters, optimizerTensors: tensors, optimizerValues: values, step: step,
            generator: RandomGenerator(seed: 0), metadata: metadata)
    }

    /// Restores model parameters, optimiser state and step count from
    /// `checkpoint`, as ``SequenceTrainer/restore(_:)`` does.
    ///
    /// - Throws: ``RecurrentError`` naming the tensor or key that does not
    ///   fit; the trainer is then unchanged.
    public mutating func restore(_ checkpoint: TrainingCheckpoint) throws {
        (model, optimizer) = try checkpoint.restored(model, optimizer)
        step = checkpoint.step
    }
}
