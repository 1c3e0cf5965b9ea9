import Foundation

/// Where a run stood when ``FitTrainer/fit(_:validation:options:callbacks:)``
/// wrote a checkpoint: the epochs and batches done, the history so far, and
/// the fingerprint a resuming run must match.
///
/// ```swift
/// let saved = try TrainingCheckpoint(contentsOf: URL(fileURLWithPath: "run.ckpt"))
/// if let progress = FitProgress(saved) {
///     print(progress.epochsDone, progress.history.bestEpoch ?? 0)   // 3 2
/// }
/// ```
public struct FitProgress: Sendable, Equatable {
    /// Whole epochs finished.
    public var epochsDone: Int
    /// Mini-batches of the next epoch already taken (0 at an epoch's end).
    public var batchesDone: Int
    /// Every finished epoch's figures, the best epoch so far, and why the
    /// run stopped (``FitStop/completed`` while it is still going).
    public var history: History
    /// What a run resuming the checkpoint must share, by name: the caller's
    /// options (``FitCheckpoint/fingerprint``), the data's fingerprint, the
    /// batch size, seed, epochs or steps, and patience.
    public var fingerprint: [String: String]
    /// Whether the checkpoint keeps the best epoch's weights beside the
    /// current ones (as ``TrainingCheckpoint/userTensors``), for early stopping.
    public var keepsBestWeights: Bool

    /// The run's record in `checkpoint`, or nil when `fit` did not write it
    /// (the record is missing or does not decode).
    ///
    /// - Parameter checkpoint: a checkpoint, as read.
    public init?(_ checkpoint: TrainingCheckpoint) {
        guard let (state, fingerprint) = FitState.record(in: checkpoint) else { return nil }
        epochsDone = state.epochsDone
        batchesDone = state.batchesDone
        history = state.history
        self.fingerprint = fingerprint
        keepsBestWeights = state.bestLoss != nil
    }
}

extension FitState {
    /// The metadata keys of `fit`'s record in a checkpoint.
    static let stateKey = "loop"
    static let fingerprintKey = "options"

    /// The loop's state and the run's fingerprint stored in `checkpoint`, or
    /// nil when either is missing or does not decode.
    static func record(in checkpoint: TrainingCheckpoint) -> (FitState, [String: String])? {
        guard let loop = checkpoint.metadata[stateKey], let text = checkpoint.metadata[fingerprintKey],
            let fingerprint = try? JSONDecoder().decode([String: String].self, from: Data(text.utf8)),
            let state = try? JSONDecoder().decode(FitState.self, from: Data(loop.utf8))
        else { return nil }
        return (state, fingerprint)
    }
}
