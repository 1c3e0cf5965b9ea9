import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `kill -9` at random moments of a checkpointed run, then `--resume` until
/// it ends: the model file is the bytes of a run never interrupted, and no
/// temporary file of an atomic write is left in the folder.
@Suite struct KillResumeTests {
    static let run = [
        "train", "--task", "sine", "--length", "400", "--window", "8", "--model", "gru", "--hidden", "8",
        "--epochs", "12", "--batch-size", "16", "--seed", "3", "--quiet", "--threads", "1", "--checkpoint-every", "3",
    ]

    /// The arguments of a run whose files are `run.checkpoint` and
    /// `model.safetensors` in `folder`.
    static func arguments(in folder: URL) -> [String] {
        run + ["--checkpoint", folder.appendingPathComponent("run.checkpoint").path,
               "-o", folder.appendingPathComponent("model.safetensors").path]
    }

    @Test func resumedAfterKillsTheModelIsTheUninterruptedOne() throws {
        let folder = try TemporaryFolder()
        let reference = folder.url.appendingPathComponent("reference")
        try FileManager.default.createDirectory(at: reference, withIntermediateDirectories: true)
        let start = Date()
        let whole = try runRecurrent(Self.arguments(in: reference))
        try #require(whole.status == 0, "\(whole.stderr)")
        let duration = Date().timeIntervalSince(start)
        let expected = try Data(contentsOf: reference.appendingPathComponent("model.safetensors"))

        var generator = SystemRandomNumberGenerator()
        var interrupted = 0
        for trial in 0..<3 {
            let trialFolder = folder.url.appendingPathComponent("trial\(trial)")
            try FileManager.default.createDirectory(at: trialFolder, withIntermediateDirectories: true)
            let checkpoint = trialFolder.appendingPathComponent("run.checkpoint").path
            let model = trialFolder.appendingPathComponent("model.safetensors").path
            let arguments = Self.arguments(in: trialFolder)
            // Kill twice at random moments, then resume to the end: the first
            // within the first half of the uninterrupted run's length (so it
            // lands even when the machine is faster now than when that run was
            // timed, as under a sanitizer with the other tests finished), the
            // second anywhere within it.
            var delays: [Double] = []
            for kill in 0..<2 {
                let delay = Double.random(in: 0.05...max(0.1, kill == 0 ? duration / 2 : duration), using: &generator)
                delays.append(delay)
                let resume = FileManager.default.fileExists(atPath: checkpoint) ? ["--resume"] : []
                if try killed(arguments + resume, after: delay) { interrupted += 1 }
            }
            let resume = FileManager.default.fileExists(atPath: checkpoint) ? ["--resume"] : []
            let finished = try runRecurrent(arguments + resume)
            #expect(finished.status == 0, "trial \(trial), kills after \(delays) s: \(finished.stderr)")
            let got = try? Data(contentsOf: URL(fileURLWithPath: model))
            #expect(got == expected, "trial \(trial), kills after \(delays) s: the model differs from the uninterrupted run's")
            let left = try FileManager.default.contentsOfDirectory(atPath: trialFolder.path)
            #expect(Set(left) == ["run.checkpoint", "model.safetensors"], "trial \(trial), kills after \(delays) s: \(left)")
        }
        // Each trial's first kill falls in the first half of the run's length: it stops a run.
        #expect(interrupted >= 3, "only \(interrupted) of 6 kills found the run still going")
    }

    /// Starts `recurrent arguments` and sends it SIGKILL after `delay` seconds
    /// if it has not ended by then; waits for it. Whether it was killed.
    private func killed(_ arguments: [String], after delay: Double) throws -> Bool {
        let process = Process()
        process.executableURL = productsDirectory.appendingPathComponent("recurrent")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: delay)
        let running = process.isRunning
        if running { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return running && process.terminationReason == .uncaughtSignal
    }
}
