// The builders that turn one SequenceModel into another: the same network
// with known-future covariates (or an encoder–decoder), a linear skip, RevIN,
// a spread or a distribution. Each returns a new model checked by init.

extension SequenceModel {
    /// This model reading known-future covariates, as a direct or per-step
    /// head (fresh head weights reading the covariates beside the recurrent
    /// output) or as an encoder–decoder (a fresh ``decoder`` and a fresh
    /// per-step head over its h outputs); the recurrent layers, skip,
    /// normalisation and distribution are kept. nil removes the covariates
    /// and the decoder, leaving a fresh head of the same steps S.
    ///
    /// ```swift
    /// var generator = RandomGenerator(seed: 1)
    /// let model = try SequenceModel(
    ///     input: .features(3), cell: .lstm, hiddenSize: 16, outputSize: 24, pooling: .last, generator: &generator
    /// ).withFutureCovariates(try FutureCovariates(steps: 24, featureIndices: [1, 2]), encoderDecoder: true,
    ///                        generator: &generator)
    /// let y = try model(Tensor.zeros([8, 48 + 24, 3]))     // [8, 24]
    /// ```
    ///
    /// - Parameters:
    ///   - future: the covariates (h and the features read), or nil.
    ///   - encoderDecoder: whether to decode the h steps with a recurrent layer.
    ///   - generator: the source of the new weights.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` as
    ///   ``init(embedding:recurrent:head:skip:instanceNormalization:distribution:future:decoder:)`` does,
    ///   and for a per-step head whose S is not h, or an O that h does not divide.
    public func withFutureCovariates(
        _ future: FutureCovariates?, encoderDecoder: Bool = false, generator: inout RandomGenerator
    ) throws -> SequenceModel {
        let activation = head.dense.activation
        var newHead: SequenceHead
        var newDecoder: RecurrentLayer?
        if encoderDecoder {
            guard let future else {
                throw RecurrentError.invalidArgument(
                    name: "encoderDecoder", value: "true", reason: "needs the future steps (future)")
            }
            newDecoder = try RecurrentLayer(
                cell: recurrent.cell, inputSize: max(future.count, 1), hiddenSize: recurrent.hiddenSize,
                generator: &generator)
            newHead = try SequenceHead(
                pooling: .last, inputSize: recurrent.hiddenSize, outputSize: head.outputSize, activation: activation,
                steps: future.steps, generator: &generator)
        } else {
            newHead = try SequenceHead(
                pooling: head.pooling, inputSize: recurrent.outputSize, outputSize: head.outputSize,
                directions: recurrent.directions, activation: activation, steps: head.steps,
                future: future?.count == 0 ? nil : future, generator: &generator)
        }
        return try SequenceModel(
            embedding: embedding, recurrent: recurrent, head: newHead, skip: skip,
            instanceNormalization: instanceNormalization, distribution: distribution, future: future, decoder: newDecoder)
    }

    /// This model with a fresh ``LinearSkip`` (zero weight and bias) over the
    /// last `steps` input steps, or without one when `steps` is nil.
    ///
    /// - Parameters:
    ///   - steps: p, at least 1; nil removes the skip.
    ///   - features: the leading features of each step the skip reads, 1…D; nil reads all D.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` as
    ///   ``init(embedding:recurrent:head:skip:instanceNormalization:distribution:future:decoder:)`` does.
    public func withSkip(steps: Int?, features: Int? = nil) throws -> SequenceModel {
        let skip = try steps.map {
            try LinearSkip(steps: $0, features: features ?? recurrent.inputSize, outputSize: pointOutputSize)
        }
        return try SequenceModel(
            embedding: embedding, recurrent: recurrent, head: head, skip: skip,
            instanceNormalization: instanceNormalization, distribution: distribution, future: future, decoder: decoder)
    }

    /// This model wrapped in an ``InstanceNormalization`` (RevIN) whose
    /// output o is scaled back with input feature `outputChannels[o]`'s
    /// window statistics, or without one when `outputChannels` is nil.
    ///
    /// With a ``distribution``, its scale parameters (a Gaussian's s) are
    /// scaled back without the shift.
    ///
    /// - Parameters:
    ///   - outputChannels: c(o) for each of the head's outputs; nil removes the normalisation.
    ///   - levelPath: whether the level added back is learned (``InstanceNormalization/levelWeight``,
    ///     starting at zero: plain RevIN).
    ///   - features: the leading features of each step that are standardised, 1…D (the rest pass
    ///     through: a one-hot series identity); nil standardises all D.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` as
    ///   ``init(embedding:recurrent:head:skip:instanceNormalization:distribution:future:decoder:)`` does.
    public func withInstanceNormalization(
        outputChannels: [Int]?, levelPath: Bool = false, features: Int? = nil
    ) throws -> SequenceModel {
        let p = distribution?.parametersPerOutput ?? 1
        let scaleOnly = distribution?.scaleOnlyParameters ?? []
        let norm = try outputChannels.map { channels in
            try InstanceNormalization(
                features: features ?? recurrent.inputSize, outputChannels: channels,
                scaleOnlyOutputs: channels.indices.filter { scaleOnly.contains($0 % p) }, levelPath: levelPath)
        }
        return try SequenceModel(
            embedding: embedding, recurrent: recurrent, head: head, skip: skip, instanceNormalization: norm,
            distribution: distribution, future: future, decoder: decoder)
    }

    /// This model with its distribution's ``ForecastDistribution/spread``
    /// set to k (its weights unchanged); itself without a distribution.
    ///
    /// - Parameter spread: k, finite and > 0.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` for a bad k.
    public func withSpread(_ spread: Float) throws -> SequenceModel {
        var model = self
        model.distribution = try distribution?.withSpread(spread)
        return model
    }

    /// This model reading its head's O outputs as `distribution`'s P values
    /// for each of O / P point outputs (nil: one value per output). The head
    /// keeps its weights; a skip is rebuilt fresh (zero, same p) for the O / P
    /// point outputs and the normalisation keeps its channels, its scale
    /// parameters now scaled without the shift.
    ///
    /// ```swift
    /// let model = try SequenceModel(
    ///     input: .features(1), cell: .gru, hiddenSize: 16, outputSize: 3 * 2, pooling: .last, seed: 1
    /// ).withDistribution(try ForecastDistribution(quantiles: [0.1, 0.5, 0.9]))   // 2 steps × 3 levels
    /// ```
    ///
    /// - Parameter distribution: quantiles or a Gaussian, or nil.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` as
    ///   ``init(embedding:recurrent:head:skip:instanceNormalization:distribution:future:decoder:)`` does.
    public func withDistribution(_ distribution: ForecastDistribution?) throws -> SequenceModel {
        try SequenceModel(
            embedding: embedding, recurrent: recurrent, head: head, distribution: distribution, future: future,
            decoder: decoder
        ).withSkip(steps: skip?.steps, features: skip?.features).withInstanceNormalization(
            outputChannels: instanceNormalization?.outputChannels, levelPath: instanceNormalization?.hasLevelPath ?? false,
            features: instanceNormalization?.features)
    }
}
