import Foundation
import Recurrent

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Per-step and per-epoch output: a live bar on a terminal, plain lines
/// otherwise, JSON objects with `--json`, nothing but notes with `--quiet`.
/// A ``FitCallback`` of the command line's.
final class ProgressPrinter: FitCallback {
    let progress: ProgressOptions
    let terminal: Bool
    private var epochs = 0
    private var stepsPerEpoch = 1
    private var width = 1
    /// When the bar was last drawn: at most ten times a second.
    private var drawn = -1.0

    init(progress: ProgressOptions) {
        self.progress = progress
        self.terminal = isatty(STDOUT_FILENO) != 0 && !progress.quiet && !progress.json
    }

    /// The checkpoint a resumed run continues, told in one line before it starts.
    var resumedFrom: String?

    func fitWillStart(_ plan: FitPlan) {
        if let resumedFrom { resumed(from: resumedFrom, plan.resumedEpochs, plan.resumedSteps) }
        epochs = plan.epochs
        stepsPerEpoch = plan.stepsPerEpoch
        width = String(plan.epochs).count
    }

    func stepDidEnd(_ summary: StepSummary) -> FitControl {
        step(
            epoch: summary.epoch, batch: summary.batch, run: summary.batchesRun, loss: summary.epochLoss,
            elapsed: summary.seconds)
        return .proceed
    }

    func epochDidEnd(_ record: EpochSummary) -> FitControl {
        epoch(record)
        return .proceed
    }

    /// `batch` of the epoch's mini-batches is done, `run` of them in this process.
    private func step(epoch: Int, batch: Int, run: Int, loss: Double, elapsed: Double) {
        guard terminal, batch < stepsPerEpoch else { return }
        let time = now()
        guard time - drawn >= 0.1 else { return }
        drawn = time
        let fraction = Double(batch) / Double(stepsPerEpoch)
        let rate = Double(run) / max(elapsed, 1e-9)
        let left = Double(stepsPerEpoch - batch) / rate + Double((epochs - epoch) * stepsPerEpoch) / rate
        let head = "epoch \(pad(epoch, width))/\(epochs) "
        let tail =
            " \(pad(Int(fraction * 100), 3))%  loss \(format(Float(loss)))  \(rateText(rate)) steps/s  "
            + "\(duration(left)) left"
        // One line that fits the terminal ($COLUMNS, else 80), or it wraps and \r no longer redraws it.
        let columns = terminalColumns()
        let cells = max(0, min(24, columns - 1 - head.count - tail.count))
        let filled = Int(fraction * Double(cells))
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: cells - filled)
        let line = "\r\u{1B}[2K" + String((head + bar + tail).prefix(max(1, columns - 1)))
        FileHandle.standardOutput.write(Data(line.utf8))
    }

    private func epoch(_ record: EpochSummary) {
        let rate = Double(record.steps) / max(record.seconds, 1e-9)
        let validationLoss = record.validationLoss ?? .nan
        if progress.json {
            Swift.print(
                jsonLine([
                    "epoch": record.epoch, "epochs": epochs, "train_loss": record.trainLoss,
                    "validation_loss": validationLoss, "seconds": record.seconds, "steps_per_second": rate,
                    "steps": record.steps, "updates": record.updates,
                    "learning_rate": Double(record.learningRate),
                ]))
            flushOutput()
            return
        }
        guard !progress.quiet else { return }
        if terminal { FileHandle.standardOutput.write(Data("\r\u{1B}[2K".utf8)) }
        let left = Double(epochs - record.epoch) * record.seconds
        Swift.print(
            "epoch \(pad(record.epoch, width))/\(epochs)  train loss \(lossText(record.trainLoss))  "
                + "validation loss \(lossText(validationLoss))  \(rateText(rate)) steps/s  "
                + "\(duration(left)) left")
        flushOutput()
    }

    func resumed(from path: String, _ epochs: Int, _ batches: Int) {
        note("resuming from \(path): \(epochs) epoch(s) and \(batches) step(s) of the next done")
    }

    func note(_ line: String) {
        if progress.json || progress.quiet { return }
        Swift.print(line)
        flushOutput()
    }

    private func rateText(_ rate: Double) -> String {
        rate >= 100 ? String(Int(rate.rounded())) : String(format: "%.1f", rate)
    }

    private func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds.rounded())
        return s >= 3600
            ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}

/// A loss to 4 decimals, or to 4 significant digits below 0.001 (so that a
/// small loss still shows its progress).
func lossText(_ value: Double) -> String {
    value != 0 && abs(value) < 1e-3 ? String(format: "%.3e", value) : format(Float(value))
}

/// The terminal's width in columns: from the terminal itself, else
/// `$COLUMNS`, else 80.
func terminalColumns() -> Int {
    var size = winsize()
    if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
    return ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init) ?? 80
}

/// Writes out what `print` has buffered: standard output is block-buffered
/// when it is a file or a pipe, and progress lines must reach a log as they
/// happen (and survive Ctrl-C).
func flushOutput() {
    fflush(nil)
}
