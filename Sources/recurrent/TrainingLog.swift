import ArgumentParser
import Foundation
import Recurrent

// `train --log-dir DIR`: a TensorBoard log of the run (the library's
// `TensorBoardLog` callback), with the command line as its `options` text
// and the final validation figures as `final/…` scalars.

/// Opens a new event file in `folder` (made by `RunOptions.prepareFolders`)
/// whose `options` text is this process's command line and the model it trains.
func openTrainingLog(in folder: String, model: ModelOptions) throws -> TensorBoardLog {
    let text =
        "    " + commandLineText(Array(CommandLine.arguments.dropFirst())) + "\n\n"
        + "model: \(model.summary); optimiser \(model.optimizer), learning rate \(model.learningRate), "
        + "schedule \(model.schedule), batch size \(model.batchSize), seed \(model.seed)"
    do {
        return try TensorBoardLog(directory: URL(fileURLWithPath: folder), text: ["options": text])
    } catch let error as EventFileError {
        throw usageFailure("--log-dir \(folder): \(error.problem)")
    }
}

/// Logs the final figures (`validation_rmse` as `final/validation_rmse`, …)
/// at the run's last update and closes the file; an error writing it at any
/// time in the run is one `Error:` line and exit code 1, after the model file
/// is written.
func finishTrainingLog(_ log: TensorBoardLog, metrics: [String: Double]) throws {
    var failure = log.failure
    if failure == nil {
        do {
            for name in metrics.keys.sorted() {
                try log.writer.addScalar("final/" + name, Float(metrics[name]!), step: log.lastUpdate)
            }
            try log.writer.close()
        } catch let error as EventFileError {
            failure = error
        }
    }
    if let failure {
        printError("--log-dir: \(failure); the TensorBoard log is incomplete (the model file was written)")
        throw ExitCode.failure
    }
}

/// `recurrent` and `arguments` as one shell line, each argument that needs it
/// in single quotes.
func commandLineText(_ arguments: [String]) -> String {
    let plain = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%")
    let quoted = arguments.map { argument in
        !argument.isEmpty && argument.allSatisfy(plain.contains)
            ? argument : "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
    return (["recurrent"] + quoted).joined(separator: " ")
}
