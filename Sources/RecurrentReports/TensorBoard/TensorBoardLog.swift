import Foundation
import RecurrentCore

/// A callback that logs a run for TensorBoard: the losses, learning rate and
/// gradient norm of every step, the losses of every epoch, and texts such as
/// the run's options.
///
/// Tags, all on one step axis, the optimiser's update count
/// (`StepSummary.updates`, which a resumed run continues; under truncated
/// backpropagation it grows by the windows of each batch):
///
/// | tag | value | when |
/// | --- | --- | --- |
/// | `train/loss` | the mini-batch's loss | every step |
/// | `train/learning_rate` | the learning rate of its last update | every step |
/// | `train/gradient_norm` | the global gradient norm before clipping | every step |
/// | `epoch/train_loss` | the epoch's mean training loss | every epoch, at its last update |
/// | `epoch/validation_loss` | the loss on the validation data | every epoch, with validation data |
/// | `epoch/learning_rate` | the learning rate of the epoch's last update | every epoch |
///
/// The texts are logged at step 0 when the run starts, in the order of their
/// tags. Before its first step's figures the log marks a session start at
/// that step, as TensorFlow's supervisor does: TensorBoard then drops the
/// points at that step and later that an earlier run in the same folder
/// logged, so a run resumed from a checkpoint replaces what the interrupted
/// one logged past the checkpoint (the first session start of a folder drops
/// nothing). The file is written to after every epoch
/// and at the end of the run (see ``TensorBoardWriter`` for the writes
/// between).
///
/// ```swift
/// let log = try TensorBoardLog(
///     directory: URL(fileURLWithPath: "runs/lstm-64"), text: ["options": "hidden 64, Adam 0.001"])
/// let history = try trainer.fit(train, validation: validation, callbacks: [log])
/// // tensorboard --logdir runs
/// ```
///
/// A failure to write never stops the training: the first one is kept in
/// ``failure`` and nothing more is logged.
public final class TensorBoardLog: FitCallback {
    /// The event file's writer, open until the log goes (or ``TensorBoardWriter/close()``).
    public let writer: TensorBoardWriter
    /// The first error the writer threw, after which the log stopped; nil while all is well.
    public private(set) var failure: EventFileError?
    /// The update count of the last step logged (0 before the first).
    public private(set) var lastUpdate = 0
    private let text: [String: String]
    private var stepsLogged = 0

    /// A log that writes through `writer`.
    ///
    /// - Parameters:
    ///   - writer: An open event-file writer.
    ///   - text: Markdown texts by tag, logged when the run starts.
    public init(writer: TensorBoardWriter, text: [String: String] = [:]) {
        self.writer = writer
        self.text = text
    }

    /// A log in a new event file in `directory`, which is created if missing.
    ///
    /// - Parameters:
    ///   - directory: The run's log folder.
    ///   - text: Markdown texts by tag, logged when the run starts.
    /// - Throws: ``EventFileError`` if the folder or the file cannot be made.
    public convenience init(directory: URL, text: [String: String] = [:]) throws {
        self.init(writer: try TensorBoardWriter(directory: directory), text: text)
    }

    public func fitWillStart(_ plan: FitPlan) {
        logging {
            for tag in text.keys.sorted() { try writer.addText(tag, text[tag]!, step: 0) }
            try writer.flush()
        }
    }

    public func stepDidEnd(_ step: StepSummary) -> FitControl {
        logging {
            if stepsLogged == 0 { try writer.addSessionStart(step: step.updates) }
            try writer.addScalar("train/loss", Float(step.loss), step: step.updates)
            try writer.addScalar("train/learning_rate", step.learningRate, step: step.updates)
            try writer.addScalar("train/gradient_norm", step.gradientNorm, step: step.updates)
        }
        stepsLogged += 1
        lastUpdate = step.updates
        return .proceed
    }

    public func epochDidEnd(_ epoch: EpochSummary) -> FitControl {
        logging {
            try writer.addScalar("epoch/train_loss", Float(epoch.trainLoss), step: lastUpdate)
            if let validation = epoch.validationLoss {
                try writer.addScalar("epoch/validation_loss", Float(validation), step: lastUpdate)
            }
            try writer.addScalar("epoch/learning_rate", epoch.learningRate, step: lastUpdate)
            try writer.flush()
        }
        return .proceed
    }

    public func fitDidEnd(_ history: History) {
        logging { try writer.flush() }
    }

    /// Runs `body` unless an earlier write failed; keeps its error.
    private func logging(_ body: () throws -> Void) {
        guard failure == nil else { return }
        do {
            try body()
        } catch let error as EventFileError {
            failure = error
        } catch {
            failure = EventFileError(file: writer.url.path, problem: "\(error)")
        }
    }
}
