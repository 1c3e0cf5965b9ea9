import ArgumentParser
import CRecurrentKernels
import Foundation
import Recurrent

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

@main
struct RecurrentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recurrent",
        abstract: "Recurrent neural networks — Elman RNN, LSTM, GRU and the MLP baseline — on the CPU.",
        discussion: "Run 'recurrent demo' to train a model on a built-in task and see what it learned.",
        version: "0.1.0",
        subcommands: [
            Demo.self, Train.self, Evaluate.self, BacktestCommand.self, Forecast.self, Generate.self, Compare.self,
            Import.self, Export.self,
            Info.self, Predict.self,
        ])

    /// Keeps the memory the process frees for its next allocations instead of
    /// handing it back to the system at once. Training frees and allocates the
    /// same megabyte-sized buffers every step (outputs, gradients, a
    /// validation batch); with glibc's defaults each comes back from the
    /// kernel as fresh zeroed pages, a fault per 4 KiB: the kernel's share of
    /// `train --task adding --length 100 --hidden 64` fell from 10% to 2%
    /// (perf), end to end about 10% faster, peak memory 96.1 against 96.6 MB.
    /// The library leaves the allocator alone: this is the process's choice.
    private static func keepFreedMemory() { _ = rc_keep_freed_memory() }

    /// Parses and runs the command as ArgumentParser's `main` does, except
    /// that an error is one line, `Error: …` with a pointer to `--help`,
    /// instead of the message followed by the usage text.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let text = ProcessInfo.processInfo.environment["RECURRENT_THREADS"] {
            let most = ThreadPool.onlineProcessorCount
            guard let value = Int(text), (1...most).contains(value) else {
                FileHandle.standardError.write(
                    Data("Error: RECURRENT_THREADS=\(text) must be a whole number in 1...\(most) (the processors online)\n".utf8))
                exitProcess(ExitCode.validationFailure.rawValue)
            }
        }
        keepFreedMemory()
        var command: any ParsableCommand
        do {
            command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if error is ExitCode || code == .success { exit(withError: error) }
            let message = self.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            let subcommand = arguments.first.flatMap { name in
                configuration.subcommands.first { $0._commandName == name }?._commandName
            }
            let help = "recurrent " + (subcommand.map { $0 + " " } ?? "") + "--help"
            FileHandle.standardError.write(Data("Error: \(message) (see '\(help)')\n".utf8))
            exitProcess(code.rawValue)
        }
    }
}

/// Ends the process with `code`. Inside a `ParsableCommand` a bare `exit`
/// names its `exit(withError:)`, so the C library's is named by its module.
private func exitProcess(_ code: Int32) -> Never {
    #if canImport(Glibc)
        Glibc.exit(code)
    #elseif canImport(Musl)
        Musl.exit(code)
    #elseif canImport(Darwin)
        Darwin.exit(code)
    #endif
}
