import ArgumentParser
import Foundation
import Recurrent

// Checks and error reporting shared by the file commands (import, export,
// info, predict). Checks of paths run in `validate()` and throw
// `ValidationError`; a file that exists but cannot be used is reported by
// `reportingFileErrors` as one line on stderr and the usage exit code.

extension Nonlinearity: ExpressibleByArgument {}

/// Throws unless `path` names an existing file (not a folder); `option` names
/// the argument in the message, such as `--model`.
func validateExistingFile(_ path: String, _ option: String) throws {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
        throw ValidationError("\(option) \(path): no such file")
    }
    guard !isFolder.boolValue else { throw ValidationError("\(option) \(path): is a folder, not a file") }
}

/// Throws unless the folder that `path` would be written into exists and
/// `path` itself is not a folder.
func validateOutputPath(_ path: String, _ option: String = "--output") throws {
    let url = URL(fileURLWithPath: path)
    let folder = url.deletingLastPathComponent().path
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
        throw ValidationError("\(option) \(path): the folder \(folder) does not exist")
    }
    if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
        throw ValidationError("\(option) \(path): is a folder, not a file")
    }
}

/// Throws if `path`, an output folder that `option` names, is a file.
func validateOutputFolder(_ path: String, _ option: String) throws {
    var isFolder: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue {
        throw ValidationError("\(option) \(path): is a file, not a folder")
    }
}

/// Creates the output folder `path` (and its parents) that `option` names;
/// a failure is one `Error:` line naming the option.
func makeOutputFolder(_ path: String, _ option: String) throws {
    do {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
        throw usageFailure("\(option) \(path): the folder cannot be created (\(error.localizedDescription))")
    }
    guard FileManager.default.isWritableFile(atPath: path) else {
        throw usageFailure("\(option) \(path): the folder is not writable")
    }
}

/// Runs `body`; a ``SafetensorsError`` or ``RecurrentError`` (a file that
/// cannot be read, does not fit, or cannot be written) becomes one line on
/// stderr, `Error: file: tensor "name": problem`, and the usage exit code,
/// with no usage text and no stack trace.
func reportingFileErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as SafetensorsError {
        printError(error.description)
    } catch let error as RecurrentError {
        printError(error.description)
    }
    throw ExitCode.validationFailure
}

func printError(_ line: String) {
    FileHandle.standardError.write(Data("Error: \(line)\n".utf8))
}

/// Prints `message` as one `Error:` line on stderr and returns the usage exit
/// code to throw: for problems found in `run()`, where a `ValidationError`
/// would also print the usage text.
func usageFailure(_ message: String) -> ExitCode {
    printError(message)
    return ExitCode.validationFailure
}
