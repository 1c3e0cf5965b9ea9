import Foundation
import FuzzSupport
import Recurrent

/// A checkpoint's loop record (`loop` metadata, JSON), as `--resume` reads
/// it: the input replaces the record of a real checkpoint of a small GRU,
/// and `fit` resumes from it to the end of the run.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCheckpointLoop(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    var checkpoint = Run.saved
    checkpoint.metadata["loop"] = FuzzInput.text(FuzzInput.data(bytes, count))
    try! checkpoint.serialized().write(to: Run.url)  // not AtomicFile's fsync: the bytes are what matter
    var trainer = Run.trainer()
    var options = Run.options
    options.checkpoint?.resume = true
    _ = try? trainer.fit(Run.data, options: options)
    return 0
}

/// The run whose checkpoint the inputs edit: 12 sequences, batches of 4,
/// two epochs, stopped after four updates.
enum Run {
    static let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("recurrent-fuzz-\(ProcessInfo.processInfo.processIdentifier)-loop.checkpoint")

    static let options = FitOptions(
        epochs: 2, batchSize: 4, seed: 1, checkpoint: FitCheckpoint(url: url, every: 2, overwrite: true))

    static let data: SequenceBatch = {
        ThreadPool.shared.threadCount = 1
        var generator = RandomGenerator(seed: 2)
        return try! SequenceBatch(
            input: Tensor.normal([12, 3, 2], using: &generator), lengths: Array(repeating: 3, count: 12),
            targets: Tensor.normal([12, 1], using: &generator))
    }()

    static func trainer() -> SequenceTrainer<Adam> {
        let model = try! SequenceModel(
            input: .features(2), cell: .gru, hiddenSize: 3, layers: 1, outputSize: 1, pooling: .last, seed: 3)
        return try! SequenceTrainer(model: model, optimizer: try! Adam(learningRate: 0.01), loss: .meanSquaredError, seed: 4)
    }

    /// The checkpoint after four of the six updates (printed with
    /// `RECURRENT_FUZZ_PRINT_LOOP=1`, the record is the target's seed).
    static let saved: TrainingCheckpoint = {
        final class StopAfterFour: FitCallback {
            var seen = 0
            func stepDidEnd(_ step: StepSummary) -> FitControl {
                seen += 1
                return seen >= 4 ? .stop : .proceed
            }
        }
        var first = trainer()
        _ = try! first.fit(data, options: options, callbacks: [StopAfterFour()])
        let saved = try! TrainingCheckpoint(contentsOf: url)
        if ProcessInfo.processInfo.environment["RECURRENT_FUZZ_PRINT_LOOP"] != nil {
            print(saved.metadata["loop"]!)
        }
        return saved
    }()
}
