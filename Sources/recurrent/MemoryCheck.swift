import ArgumentParser
import Foundation
import Recurrent

/// The memory a run will need, estimated from its sizes before it allocates
/// them, and checked against the machine's: a run that cannot fit stops at
/// once with one line saying how much it needs and how much there is,
/// instead of failing to allocate (or swapping) tens of seconds later.
///
/// The estimate counts 4-byte floats: the data's windows, the weights with
/// their gradients, optimiser state, best-epoch copy and packed copy, and a
/// batch's activations kept for the backward pass. It is "about": the
/// factors are measured peaks (README, Reliability), not a bound.
/// `RECURRENT_MEMORY_ESTIMATE=1` prints it on stderr before the run.
struct MemoryCheck {
    /// What needs the memory, and how many bytes.
    var parts: [(name: String, bytes: Double)]

    var total: Double { parts.reduce(0) { $0 + $1.bytes } }

    /// The machine's physical memory, or the control group's limit when lower (Linux).
    static var machineBytes: Double {
        var bytes = Double(ProcessInfo.processInfo.physicalMemory)
        for path in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
            if let text = try? String(contentsOfFile: path, encoding: .utf8),
                let limit = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)), limit > 0
            {
                bytes = min(bytes, limit)
            }
        }
        return bytes
    }

    /// Prints the estimate if asked; throws (after one `Error:` line) when
    /// it exceeds the machine's memory.
    func check() throws {
        let machine = Self.machineBytes
        let detail = parts.map { "\($0.name) \(Self.formatted($0.bytes))" }.joined(separator: ", ")
        if ProcessInfo.processInfo.environment["RECURRENT_MEMORY_ESTIMATE"] == "1" {
            FileHandle.standardError.write(Data("memory estimate: \(Self.formatted(total)) (\(detail))\n".utf8))
        }
        guard total > machine else { return }
        printError("needs about \(Self.formatted(total)) of memory (\(detail)); this machine has \(Self.formatted(machine))")
        throw ExitCode.validationFailure
    }

    /// `bytes` in GiB (in MiB below 1 GiB), to two or three significant figures.
    static func formatted(_ bytes: Double) -> String {
        let g = bytes / Double(1 << 30)
        if g < 1 { return String(format: "%.0f MiB", (bytes / Double(1 << 20)).rounded(.up)) }
        return g >= 100 ? "\(Int(g.rounded())) GiB" : String(format: g >= 10 ? "%.0f GiB" : "%.1f GiB", g)
    }

    /// Windows of `rows` rows of a series: `window` steps of `features`
    /// columns, and `targets` × `horizon` values, every `stride` rows.
    static func seriesWindows(rows: Int, window: Int, horizon: Int, stride: Int, features: Int, targets: Int) -> Self {
        let count = Double(max(0, rows - window - horizon)) / Double(max(1, stride)) + 1
        let floats = count * (Double(window) * Double(features) + Double(horizon) * Double(targets))
        return MemoryCheck(parts: [("data windows", 4 * floats)])
    }

    /// Training a model built from `options` on `job`'s data (already in memory).
    static func training(_ options: ModelOptions, job: some TrainingJob) -> Self {
        let h = Double(options.hidden)
        let o = Double(job.outputSize)
        let steps = Double(job.train.steps)
        let (d, tokenTable): (Double, Double) =
            switch job.input {
            case .features(let d): (Double(d), 0)
            case .tokens(let v): (Double(options.embedding), Double(v) * Double(options.embedding))
            }
        let parameters: Double
        let activationFloats: Double  // per sequence of a batch
        if options.model == "mlp" {
            parameters = steps * (tokenTable > 0 ? tokenTable / Double(options.embedding) : d) * h + h * h + h * o
            activationFloats = 6 * h
        } else {
            let gates: Double = options.model == "lstm" ? 4 : options.model == "gru" ? 3 : 1
            let directions: Double = options.bidirectional ? 2 : 1
            let layers = Double(options.layers)
            let recurrent = (0..<options.layers).reduce(0.0) { sum, layer in
                let input = layer == 0 ? d : h * directions
                return sum + directions * (gates * h * (input + h) + 2 * gates * h)
            }
            parameters = tokenTable + recurrent + h * directions * o + o
            // Each step keeps its gates, cell and hidden state for the backward pass.
            activationFloats = steps * layers * directions * (gates + 3) * h
        }
        let slots: Double = ["adam", "adamw"].contains(options.optimizer) ? 2 : 1
        let dataBytes = Double(job.train.input.count + job.validation.input.count) * 4
        // Validation runs in batches of the training size; its outputs are kept for the loss.
        let batch = Double(min(options.batchSize, max(job.train.count, job.validation.count)))
        return MemoryCheck(parts: [
            ("data", dataBytes),
            ("weights, gradients and optimiser state", 4 * parameters * (4 + slots)),
            ("activations of a batch", 4 * 2 * batch * activationFloats),
        ])
    }
}
