import Foundation
import Recurrent
import Testing

/// Hostile values from options, the environment, and files the tool itself
/// wrote and someone then edited: each is one `Error:` line naming the
/// option, file or key, exit 64, and no output file.
@Suite struct HostileInputTests {
    /// Trains a small model into `folder`; returns its path.
    func train(_ arguments: String, in folder: TemporaryFolder, output: String) throws -> String {
        let path = folder.path(output)
        let result = try runRecurrent(
            (arguments + " --epochs 1 --hidden 4 --quiet --output " + path).split(separator: " ").map(String.init))
        try #require(result.status == 0, "training failed: \(result.stderr)")
        return path
    }

    /// Rewrites one metadata value of the safetensors file at `path`.
    func edit(_ path: String, _ key: String, _ change: (String) -> String) throws {
        var file = try SafetensorsFile(contentsOf: URL(fileURLWithPath: path))
        let old = try #require(file.metadata[key], "no metadata \(key)")
        file.metadata[key] = change(old)
        try file.write(to: URL(fileURLWithPath: path))
    }

    /// `text` with the JSON number after `"field":` replaced by `value`.
    func replacing(_ field: String, with value: String, in text: String) -> String {
        text.replacingOccurrences(
            of: "\"\(field)\":-?[0-9.eE+]+", with: "\"\(field)\":\(value)", options: .regularExpression)
    }

    @Test func threadsBeyondTheProcessorsAreAUsageError() throws {
        let folder = try TemporaryFolder()
        try expectUsageFailure(
            "train --task sine --epochs 1 --threads 100000 --output {dir}/m.safetensors", in: folder.url,
            naming: "--threads", output: "m.safetensors")
        let process = Process()
        process.executableURL = productsDirectory.appendingPathComponent("recurrent")
        process.arguments = ["train", "--task", "sine", "--epochs", "1", "--output", folder.path("m.safetensors")]
        process.environment = ["RECURRENT_THREADS": "1000"]
        let error = Pipe()
        process.standardError = error
        process.standardOutput = Pipe()
        try process.run()
        let text = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 64, "stderr: \(text)")
        #expect(text.hasPrefix("Error: RECURRENT_THREADS=1000") && text.split(separator: "\n").count == 1, "\(text)")
        #expect(!FileManager.default.fileExists(atPath: folder.path("m.safetensors")))
    }

    @Test func aNumpyShapeWhoseCountOverflowsIsRefused() throws {
        let folder = try TemporaryFolder()
        let model = try folder.copy("gru")
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4, 0), }"
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        let bytes = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
            + Array(header.utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: folder.path("bad.npy")))
        try expectUsageFailure(
            "predict --model \(model) --input {dir}/bad.npy --output {dir}/o.safetensors", in: folder.url,
            naming: "bad.npy", output: "o.safetensors")
    }

    @Test(arguments: [("length", "4611686018427387904"), ("samples", "1000000000"), ("length", "-5")])
    func aGeneratedTaskFromAFileGetsTheCommandLinesLimits(field: String, value: String) throws {
        let folder = try TemporaryFolder()
        let model = try train("train --task adding --length 5 --samples 50", in: folder, output: "adding.safetensors")
        try edit(model, "generated_task") { replacing(field, with: value, in: $0) }
        try expectUsageFailure(
            "evaluate --model \(model) --json", in: folder.url, naming: "metadata \"generated_task\"",
            output: "none")
    }

    @Test func aGeneratedSeriesFromAFileGetsTheCommandLinesLimits() throws {
        let folder = try TemporaryFolder()
        let model = try train("train --task sine --length 200 --window 8", in: folder, output: "sine.safetensors")
        try edit(model, "generated_series") { replacing("length", with: "4611686018427387904", in: $0) }
        try expectUsageFailure(
            "forecast --model \(model) --output {dir}/f.csv", in: folder.url, naming: "metadata \"generated_series\"",
            output: "f.csv")
    }

    @Test(arguments: [("horizon", "1000000000"), ("input_length", "4611686018427387904"), ("train", "1e308")])
    func seriesOptionsFromAFileGetTheCommandLinesLimits(field: String, value: String) throws {
        let folder = try TemporaryFolder()
        let model = try train("train --task sine --length 200 --window 8", in: folder, output: "sine.safetensors")
        try edit(model, "series_options") { replacing(field, with: value, in: $0) }
        try expectUsageFailure(
            "forecast --model \(model) --output {dir}/f.csv", in: folder.url, naming: "series_options",
            output: "f.csv")
    }

    @Test(arguments: [("batchesDone", "-5"), ("batchesDone", "1000000000"), ("epochsDone", "9223372036854775807")])
    func anEditedCheckpointRecordIsNamedOnResume(field: String, value: String) throws {
        let folder = try TemporaryFolder()
        let arguments = "train --task sine --length 200 --window 8 --checkpoint \(folder.path("run.ckpt"))"
        _ = try train(arguments, in: folder, output: "first.safetensors")
        try edit(folder.path("run.ckpt"), "user.loop") { replacing(field, with: value, in: $0) }
        try expectUsageFailure(
            arguments + " --resume --epochs 1 --hidden 4 --quiet --output {dir}/resumed.safetensors", in: folder.url,
            naming: "loop.\(field)", output: "resumed.safetensors")
    }

    @Test func forecastWritesToStandardOutputAndThroughALink() throws {
        let folder = try TemporaryFolder()
        let model = try train("train --task sine --length 200 --window 8", in: folder, output: "sine.safetensors")
        let toStdout = try runRecurrent(["forecast", "--model", model, "--output", "-"])
        #expect(toStdout.status == 0 && toStdout.stdout.hasPrefix("step,value\n1,"), "\(toStdout)")
        #expect(!FileManager.default.fileExists(atPath: folder.path("-")))

        try Data("old\n".utf8).write(to: URL(fileURLWithPath: folder.path("target.csv")))
        try FileManager.default.createSymbolicLink(atPath: folder.path("link.csv"), withDestinationPath: "target.csv")
        let stale = folder.path(".target.csv.2147483646.abc.tmp")
        try Data("half".utf8).write(to: URL(fileURLWithPath: stale))
        let viaLink = try runRecurrent(["forecast", "--model", model, "--output", folder.path("link.csv")])
        #expect(viaLink.status == 0, "\(viaLink.stderr)")
        let destination = try FileManager.default.destinationOfSymbolicLink(atPath: folder.path("link.csv"))
        #expect(destination == "target.csv", "the link was replaced")
        let written = try String(contentsOfFile: folder.path("target.csv"), encoding: .utf8)
        #expect(written == toStdout.stdout, "the link's target holds \(written)")
        #expect(!FileManager.default.fileExists(atPath: stale), "a dead run's temporary file was left")
        let left = try FileManager.default.contentsOfDirectory(atPath: folder.url.path).filter { $0.hasSuffix(".tmp") }
        #expect(left.isEmpty, "temporary files left: \(left)")
    }
}
