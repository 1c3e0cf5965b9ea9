import ArgumentParser
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
                Glibc.exit(ExitCode.validationFailure.rawValue)
            }
        }
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
