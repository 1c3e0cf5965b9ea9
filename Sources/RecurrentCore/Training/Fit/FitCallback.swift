import Foundation

/// Whether ``FitTrainer/fit(_:validation:options:callbacks:)`` goes on after a
/// callback has seen a step or an epoch.
public enum FitControl: Sendable, Equatable {
    /// Go on.
    case proceed
    /// Stop after this step or epoch: the checkpoint, if any, is written and
    /// `fit` returns its ``History`` with ``History/stop`` set to ``FitStop/callback``.
    case stop
}

/// Why a run ended.
public enum FitStop: String, Sendable, Codable, Equatable {
    /// Every epoch (or ``FitOptions/steps`` step) ran.
    case completed
    /// The validation loss did not improve for ``FitOptions/patience`` epochs.
    case earlyStopping
    /// A callback answered ``FitControl/stop``.
    case callback
}

/// What a run is about to do: told to callbacks before the first step.
public struct FitPlan: Sendable, Equatable {
    /// Epochs in the run.
    public var epochs: Int
    /// Mini-batches in a whole epoch.
    public var stepsPerEpoch: Int
    /// Mini-batches in the whole run.
    public var totalSteps: Int
    /// Training examples.
    public var examples: Int
    /// Epochs and mini-batches of the next epoch already done (a resumed run), else 0.
    public var resumedEpochs: Int, resumedSteps: Int
}

/// One mini-batch's figures, told to callbacks after it.
public struct StepSummary: Sendable, Equatable {
    /// The epoch, from 1.
    public var epoch: Int
    /// The mini-batch within the epoch, from 1.
    public var batch: Int
    /// Mini-batches this epoch will run.
    public var batches: Int
    /// Mini-batches of this epoch run by this call of `fit` (fewer than
    /// ``batch`` in a resumed epoch).
    public var batchesRun: Int
    /// The trainer's update count after the mini-batch.
    public var updates: Int
    /// The mini-batch's loss.
    public var loss: Double
    /// The epoch's loss so far, a mean over its examples.
    public var epochLoss: Double
    /// The global gradient norm before clipping, of the batch's last update.
    public var gradientNorm: Float
    /// The learning rate of the batch's last update.
    public var learningRate: Float
    /// Seconds since the epoch began in this call of `fit`.
    public var seconds: Double
}

/// One epoch's figures: an entry of ``History``.
public struct EpochSummary: Sendable, Codable, Equatable {
    /// The epoch, from 1.
    public var epoch: Int
    /// Mini-batches run in the epoch by the call of `fit` that finished it.
    public var steps: Int
    /// Optimiser updates made in those mini-batches (more than ``steps``
    /// under truncated backpropagation, which updates once per window).
    public var updates: Int
    /// The mean training loss over the epoch's examples.
    public var trainLoss: Double
    /// The loss on the validation data at the epoch's end, or nil without it.
    public var validationLoss: Double?
    /// The learning rate of the epoch's last update.
    public var learningRate: Float
    /// Wall time of the epoch, in seconds.
    public var seconds: Double
}

/// What a run did, epoch by epoch, as Keras' `History`.
public struct History: Sendable, Codable, Equatable {
    /// Every epoch, in order (a resumed run includes those before the resume).
    public var epochs: [EpochSummary] = []
    /// The epoch whose weights the trainer's model holds after `fit`: the
    /// best one under ``FitOptions/patience``, else the last.
    public var modelEpoch = 0
    /// The epoch with the lowest validation loss, or nil without validation data.
    public var bestEpoch: Int?
    /// Why the run ended.
    public var stop = FitStop.completed
    /// Wall time of the epochs run by this call of `fit`, in seconds.
    public var seconds = 0.0

    /// The lowest validation loss, or nil without validation data.
    public var bestValidationLoss: Double? {
        bestEpoch.flatMap { best in epochs.first { $0.epoch == best }?.validationLoss }
    }

    /// The training loss of every epoch, in order.
    public var trainLosses: [Double] { epochs.map(\.trainLoss) }

    /// The validation loss of every epoch that measured one, in order.
    public var validationLosses: [Double] { epochs.compactMap(\.validationLoss) }
}

/// Code that ``FitTrainer/fit(_:validation:options:callbacks:)`` calls as it
/// trains: a progress display, a log, a stopping rule, a user's own.
///
/// Every method has a default that does nothing and lets the run go on, so a
/// callback implements only what it needs. A callback that keeps state is a
/// class; `fit` calls it on the caller's thread, in order.
public protocol FitCallback: AnyObject {
    /// Before the first step, with what the run will do.
    func fitWillStart(_ plan: FitPlan)
    /// After every mini-batch.
    func stepDidEnd(_ step: StepSummary) -> FitControl
    /// After every epoch, once its validation loss is measured.
    func epochDidEnd(_ epoch: EpochSummary) -> FitControl
    /// After the last epoch, or after a stop, before `fit` returns.
    func fitDidEnd(_ history: History)
}

extension FitCallback {
    public func fitWillStart(_ plan: FitPlan) {}
    public func stepDidEnd(_ step: StepSummary) -> FitControl { .proceed }
    public func epochDidEnd(_ epoch: EpochSummary) -> FitControl { .proceed }
    public func fitDidEnd(_ history: History) {}
}

/// A callback that writes one line per epoch: its losses, learning rate and
/// speed, to standard output or to a closure of the caller's.
///
/// ```swift
/// let history = try trainer.fit(train, validation: validation, callbacks: [EpochLog()])
/// // epoch 1/10  train loss 0.4127  validation loss 0.2215  lr 0.001  312.5 steps/s
/// ```
public final class EpochLog: FitCallback {
    private let write: (String) -> Void
    private var epochs = 0

    /// A log that hands each line to `write` (by default, `print`).
    ///
    /// - Parameter write: receives one line per epoch, without a newline.
    public init(write: @escaping (String) -> Void = { print($0) }) {
        self.write = write
    }

    public func fitWillStart(_ plan: FitPlan) { epochs = plan.epochs }

    public func epochDidEnd(_ epoch: EpochSummary) -> FitControl {
        var line = "epoch \(epoch.epoch)/\(epochs)  train loss \(Self.format(epoch.trainLoss))"
        if let validation = epoch.validationLoss { line += "  validation loss \(Self.format(validation))" }
        let rate = Double(epoch.steps) / max(epoch.seconds, 1e-9)
        line += "  lr \(epoch.learningRate)  \(String(format: "%.1f", rate)) steps/s"
        write(line)
        return .proceed
    }

    private static func format(_ value: Double) -> String {
        value != 0 && abs(value) < 1e-3 ? String(format: "%.3e", value) : String(format: "%.4f", value)
    }
}

/// A callback that stops the run when `condition` holds after an epoch: a
/// user's own stopping rule without a class of its own.
///
/// ```swift
/// let goodEnough = StopWhen { $0.validationLoss.map { $0 < 1e-3 } ?? false }
/// ```
public final class StopWhen: FitCallback {
    private let condition: (EpochSummary) -> Bool

    /// Stops after the first epoch for which `condition` is true.
    ///
    /// - Parameter condition: decides from an epoch's figures.
    public init(_ condition: @escaping (EpochSummary) -> Bool) { self.condition = condition }

    public func epochDidEnd(_ epoch: EpochSummary) -> FitControl { condition(epoch) ? .stop : .proceed }
}
