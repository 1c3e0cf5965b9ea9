import RecurrentCore

// Letters as in SeriesDataset.swift: N windows, L input steps, F features,
// h horizon, K targets.

/// A forecasting model file forecasts in the file's units and retrains
/// itself the way it was trained (``SeriesTrainingOptions``).
extension TaskModelFile: SeriesForecaster where Task == SeriesForecastTask {
    /// The options the model's windows were cut with.
    public var seriesOptions: SeriesOptions { task.options }

    /// The network's forecasts of `windows`, scaled as in training.
    ///
    /// - Parameter windows: [N, L, F] in the file's units, or [N, L + h, F]
    ///   with the known-future columns set for the h target steps
    ///   (``SeriesDataset/windowsInOriginalUnits(endingAt:)``) for a model that reads them.
    /// - Returns: [N, h·K] in the file's units (a probabilistic model's
    ///   point forecast).
    /// - Throws: `RecurrentError/invalidArgument(name:value:reason:)` when
    ///   the windows do not fit the network, or for a global model, whose
    ///   series are forecast with ``forecast(_:series:)``.
    public func forecast(_ windows: Tensor) throws -> Tensor {
        try refuseManySeries()
        let options = task.options
        let input = try task.normalization.normalizing(windows, columns: options.features)
        return try task.normalization.denormalizing(network(input), columns: options.targets)
    }

    /// This model trained afresh on `history`, as ``retrained(on:callbacks:)``
    /// trains it on a data set of every row of `history`; with early stopping
    /// (``SeriesTrainingOptions/patience``) or calibration, the last rows in
    /// the proportion of the model's validation part to its training part
    /// are kept for validation.
    ///
    /// - Parameter history: the rows known at the origin, with the model's columns.
    /// - Throws: what ``SeriesDataset/init(_:options:)`` and
    ///   ``retrained(on:callbacks:)`` throw.
    public func refitted(on history: NumericColumns) throws -> TaskModelFile<SeriesForecastTask> {
        var options = task.options
        let (a, v) = (options.split.train, options.split.validation)
        let validates = task.training.patience != nil || (task.training.calibrate && network.distribution != nil)
        options.split =
            validates && v > 0
            ? SplitFractions(train: a / (a + v), validation: v / (a + v), test: 0)
            : SplitFractions(train: 1, validation: 0, test: 0)
        return try retrained(on: SeriesDataset(history, options: options))
    }

    /// A network of this one's architecture, freshly initialised from
    /// ``SeriesTrainingOptions/seed`` and trained on `data` by `fit` with the
    /// model's ``SeriesTrainingOptions``, in a file with `data`'s
    /// normalisation and this file's options and metadata.
    ///
    /// The weights are drawn as `recurrent train` draws them, so retraining
    /// on the data a model was trained on gives that model again, bit for
    /// bit. A probabilistic forecaster's spread starts at 1 and, with
    /// ``SeriesTrainingOptions/calibrate``, is calibrated on `data`'s validation part.
    ///
    /// - Parameters:
    ///   - data: windows of this model's features, targets, L and h.
    ///   - callbacks: told of every step and epoch of `fit`.
    /// - Throws: `RecurrentError/invalidArgument(name:value:reason:)` when
    ///   `data` does not fit the model; what `fit` throws.
    public func retrained(
        on data: SeriesDataset, callbacks: [any FitCallback] = []
    ) throws -> TaskModelFile<SeriesForecastTask> {
        try refuseManySeries()
        let options = task.options, training = task.training
        guard data.options.features == options.features, data.options.targets == options.targets,
            data.options.window == options.window, data.options.horizon == options.horizon
        else {
            throw RecurrentError.invalidArgument(
                name: "data", value: "of features \(data.options.features) → \(data.options.targets)",
                reason: "must have the model's features \(options.features), targets \(options.targets), "
                    + "window \(options.window) and horizon \(options.horizon)")
        }
        try training.check()
        let fresh = try freshNetwork()
        let optimizer = try training.makeOptimizer()
        let trained = try train(fresh, optimizer, data, callbacks)
        var file = self
        file.network = trained
        file.task.normalization = data.normalization
        return file
    }

    /// Throws for a global model: its series are forecast one by one and it is retrained on all of them.
    private func refuseManySeries() throws {
        if let record = task.manySeries {
            throw RecurrentError.invalidArgument(
                name: "model", value: "a global model of \(record.ids.count) series",
                reason: "forecasts one series at a time (forecast(_:series:)) and is not refitted on one")
        }
    }

    /// This architecture with the weights `recurrent train` starts from: a
    /// generator seeded with the training seed draws the recurrent layers and
    /// the head (or the MLP's layers); a skip starts at zero, a distribution's spread at 1.
    private func freshNetwork() throws -> SequenceNetwork {
        var generator = RandomGenerator(seed: task.training.seed)
        switch network {
        case .mlp(let mlp):
            let sizes = mlp.network.layers.compactMap { ($0 as? Dense)?.outputSize }
            return .mlp(
                try WindowMLP(
                    input: mlp.input, steps: mlp.steps, hiddenSizes: Array(sizes.dropLast()),
                    outputSize: mlp.outputSize, generator: &generator))
        case .recurrent(let model):
            let r = model.recurrent
            var fresh = try SequenceModel(
                input: model.input, cell: r.cell, hiddenSize: r.hiddenSize, layers: r.layers,
                bidirectional: r.bidirectional, dropout: r.dropout, outputSize: model.head.outputSize,
                pooling: model.head.pooling, headSteps: model.decoder == nil ? model.head.steps : 1,
                generator: &generator)
            if let future = model.future {  // as `recurrent train` draws them: after the base model
                fresh = try fresh.withFutureCovariates(future, encoderDecoder: model.decoder != nil, generator: &generator)
            }
            return .recurrent(
                try fresh
                .withDistribution(try model.distribution?.withSpread(1))
                .withSkip(steps: model.skip?.steps, features: model.skip?.features)
                .withInstanceNormalization(
                    outputChannels: model.instanceNormalization?.outputChannels,
                    levelPath: model.instanceNormalization?.hasLevelPath ?? false,
                    features: model.instanceNormalization?.features))
        }
    }

    /// `fit` on `data`'s training windows, watching its validation windows.
    private func train<Rule: Optimizer>(
        _ network: SequenceNetwork, _ optimizer: Rule, _ data: SeriesDataset, _ callbacks: [any FitCallback]
    ) throws -> SequenceNetwork {
        let training = task.training
        let fit = training.fitOptions
        let schedule = try training.makeSchedule(updates: fit.totalSteps(count: data.train.count))
        let (train, validation) = (data.train.batch, data.validation.batch)
        switch network {
        case .mlp(var layout):
            var trainer = try Trainer(
                model: layout.network, optimizer: optimizer, loss: .meanSquaredError, schedule: schedule,
                maxGradientNorm: training.clip)
            func flat(_ batch: SequenceBatch) throws -> TensorDataset {
                try TensorDataset(inputs: layout.flatten(batch.input, lengths: batch.lengths), targets: batch.targets)
            }
            try trainer.fit(
                try flat(train), validation: validation.count > 0 ? try flat(validation) : nil, options: fit,
                callbacks: callbacks)
            layout.replaceNetwork(trainer.model)
            return .mlp(layout)
        case .recurrent(let model):
            var trainer = try SequenceTrainer(
                model: model, optimizer: optimizer, loss: model.distribution?.loss ?? .meanSquaredError,
                schedule: schedule, maxGradientNorm: training.clip, seed: training.seed, truncation: training.tbptt)
            try trainer.fit(train, validation: validation, options: fit, callbacks: callbacks)
            var trained = trainer.model
            if training.calibrate, let distribution = trained.distribution, validation.count > 0 {
                let parameters = try trained(validation.input, lengths: validation.lengths)
                trained = try trained.withSpread(
                    distribution.calibratedSpread(parameters: parameters, truth: validation.targets))
            }
            return .recurrent(trained)
        }
    }
}
