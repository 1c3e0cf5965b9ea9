import ArgumentParser
import Foundation
import Recurrent

/// One kind of training data for `recurrent train` and `recurrent compare`:
/// what it reads, the model it needs, and the file it writes.
///
/// A job is built from the command line's data options (a CSV series, a
/// text, labelled sequences, a generated task); the training loop
/// (``TrainingLoop``) builds the network from ``ModelOptions`` and the job's
/// ``input``, ``outputSize`` and ``pooling``, trains it on ``train``, watches
/// ``validation``, and hands the trained model back to ``summary(of:)`` and
/// ``write(_:metadata:to:)``.
protocol TrainingJob {
    /// One or two lines describing the data: where it came from, how many
    /// sequences or windows in each part, class balance where there are classes.
    var description: String { get }
    /// The training sequences.
    var train: SequenceBatch { get }
    /// The validation sequences (early stopping and the per-epoch line).
    var validation: SequenceBatch { get }
    /// What the network reads at each step: D features, or tokens of a V-symbol vocabulary.
    var input: SequenceInput { get }
    /// O, the head's outputs (per step or per sequence).
    var outputSize: Int { get }
    /// Many-to-many (`.everyStep`) or many-to-one (`.last`, `.mean`, `.max`).
    var pooling: SequencePooling { get }
    /// The objective, in the units the per-epoch lines print.
    var loss: Loss { get }
    /// What ``loss`` is computed on and in which unit, for the loss plot
    /// (the loss's name alone by default).
    var lossMeaning: LossMeaning { get }
    /// p of a ``LinearSkip`` to add to the recurrent model (`--skip`), or nil; nil by default.
    var skipSteps: Int? { get }
    /// S of a per-step head (``SequenceHead/steps``), 1 for one pooled vector; 1 by default.
    var headSteps: Int { get }
    /// For each output, the input feature an ``InstanceNormalization`` (`--revin`)
    /// scales it back with, or nil for none; nil by default.
    var instanceNormalizationChannels: [Int]? { get }
    /// Whether that normalisation learns the level it adds back (`--revin-level`); false by default.
    var instanceNormalizationLevelPath: Bool { get }
    /// The trailing input columns that the normalisation and the skip do not read (a one-hot
    /// series identity, `--series-embedding onehot`); 0 by default.
    var identityColumns: Int { get }
    /// Whether the skip starts at the ridge regression it can represent (`--skip-start ridge`); false by default.
    var skipRidgeStart: Bool { get }
    /// The known-future covariates the recurrent model reads after its
    /// window (`--future-features`, `--calendar`, `--head encoder-decoder`), or nil; nil by default.
    var futureCovariates: FutureCovariates? { get }
    /// Whether the recurrent model decodes the horizon with a decoder layer (`--head encoder-decoder`); false by default.
    var encoderDecoder: Bool { get }
    /// What each output's values mean for a probabilistic forecaster
    /// (`--quantiles`, `--likelihood`): ``outputSize`` counts them all; nil by default.
    var distribution: ForecastDistribution? { get }
    /// The trained model as it is kept: a probabilistic forecaster's
    /// intervals calibrated on the validation part; the model itself by default.
    func finished(_ model: TrainedModel) throws -> TrainedModel
    /// The trained model's quality on the validation part, in the data's own
    /// terms (RMSE beside persistence, accuracy, bits per character): lines to
    /// print, and the same figures by name for `--json`.
    func summary(of model: TrainedModel) throws -> JobSummary
    /// The model file: weights plus whatever the data needs to be read again
    /// (normalisation, vocabulary, class names), and `metadata` (training summary).
    func write(_ model: TrainedModel, metadata: [String: String], to url: URL) throws
    /// What the first validation sequence reads at each step, as text (a
    /// text model's characters), to label the hidden-state map's time axis;
    /// nil (the default) for step numbers.
    var validationSymbols: [String]? { get }
    /// The data's own plots of a trained model, by file name (such as
    /// `forecast.svg`); none by default.
    func plots(of model: TrainedModel) throws -> [(String, any SVGPlot)]
    /// The trained model's quality on the test part, for `compare`; nil when
    /// the job keeps no test part.
    func testSummary(of model: TrainedModel) throws -> JobSummary?
}

/// A trained model's quality, as printed and as machine-readable figures.
struct JobSummary {
    /// Lines printed after training (unless `--json`).
    var lines: [String]
    /// The same figures by name (`validation_rmse`, `validation_accuracy`, …), for `--json`.
    var metrics: [String: Double]
}

extension TrainingJob {
    var skipSteps: Int? { nil }

    var headSteps: Int { 1 }

    var instanceNormalizationChannels: [Int]? { nil }

    var instanceNormalizationLevelPath: Bool { false }

    var identityColumns: Int { 0 }

    var skipRidgeStart: Bool { false }

    var futureCovariates: FutureCovariates? { nil }

    var encoderDecoder: Bool { false }

    var distribution: ForecastDistribution? { nil }

    func finished(_ model: TrainedModel) throws -> TrainedModel { model }

    func testSummary(of model: TrainedModel) throws -> JobSummary? { nil }

    var validationSymbols: [String]? { nil }

    func plots(of model: TrainedModel) throws -> [(String, any SVGPlot)] { [] }

    /// A heat map of the first validation sequence's hidden states, [T, F]
    /// over its real steps; nil for the MLP.
    func hiddenStatePlot(of model: TrainedModel) throws -> HeatMap? {
        guard let network = model.sequenceModel else { return nil }
        return try HeatMap.hiddenStates(
            of: network, sequence: validation, title: "Hidden states over the first validation sequence",
            symbols: validationSymbols)
    }
}
