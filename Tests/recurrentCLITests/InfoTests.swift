import Foundation
import Recurrent
import Testing

// `recurrent info` on what is not a model file: a training checkpoint (where
// the run stands, checked against the run's own --json lines), a safetensors
// data file (dtypes as the Python fixtures were written), a .npy array
// (numpy's fixtures) and a CSV table (counted by the test itself).

@Suite struct InfoTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("RecurrentTests/Fixtures")
    static let small = ["--hidden", "8", "--batch-size", "16", "--seed", "3"]

    static func info(_ path: String) throws -> [String] {
        let result = try runRecurrent(["info", path])
        try #require(result.status == 0, "stderr: \(result.stderr)")
        return result.stdout.split(separator: "\n").map(String.init)
    }

    @Test func aCheckpointSaysWhereItsRunStands() throws {
        let folder = try TemporaryFolder()
        let checkpoint = folder.path("run.ckpt")
        // 300 rows: 186 training windows, 12 batches of 16 an epoch: 36 updates in 3 epochs.
        let run = try runRecurrent(
            [
                "train", "--task", "sine", "--length", "300", "--epochs", "3", "--checkpoint", checkpoint, "--json",
                "-o", folder.path("m.safetensors"),
            ] + Self.small)
        try #require(run.status == 0, "stderr: \(run.stderr)")
        let losses = try run.stdout.split(separator: "\n").dropLast().map { line in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return try #require(object["validation_loss"] as? Double)
        }
        let best = losses.indices.min { losses[$0] < losses[$1] }!
        let lines = try Self.info(checkpoint)
        #expect(lines.first == "training checkpoint (format version 1), written by fit", "\(lines)")
        #expect(lines.contains { $0.hasPrefix("model:        LSTM(input 1, hidden 8") }, "\(lines)")
        #expect(lines.contains("at:           end of epoch 3 of 3, update 36"), "\(lines)")
        #expect(lines.contains("stopped:      no: every epoch ran"), "\(lines)")
        #expect(
            lines.contains {
                $0.hasPrefix("best epoch:   \(best + 1), validation loss \(String(format: "%.4g", losses[best]))")
            })
        #expect(lines.contains { $0.hasPrefix("optimiser:    Adam, state present: ") }, "\(lines)")
        for entry in ["  --hidden: 8", "  --model: lstm", "  seed: 3", "  epochs: 3", "  batchSize: 16"] {
            #expect(lines.contains(entry), "no \(entry) in \(lines)")
        }
        #expect(lines.contains("  model.weight_ih_l0  [32, 1]"), "\(lines)")

        // Interrupted after 5 steps of the first epoch.
        let interrupted = folder.path("part.ckpt")
        let stop = try runRecurrent(
            [
                "train", "--task", "sine", "--length", "300", "--epochs", "3", "--checkpoint", interrupted,
                "--interrupt-after-steps", "5", "--quiet", "-o", folder.path("n.safetensors"),
            ] + Self.small)
        #expect(stop.status == 130, "stderr: \(stop.stderr)")
        let part = try Self.info(interrupted)
        #expect(part.contains("at:           epoch 1 of 3 in progress, 5 batches done, update 5"), "\(part)")
        #expect(part.contains { $0.hasPrefix("stopped:      interrupted") }, "\(part)")
    }

    @Test func aSafetensorsDataFileListsNamesDtypesAndShapes() throws {
        let ucr = Self.fixtures.appendingPathComponent("sequences/ucr_train.safetensors")
        let lines = try Self.info(ucr.path)
        #expect(lines.first == "data file:    safetensors, 3 tensor(s), no model weights")
        #expect(lines.contains("  input    F32  [24, 12, 2]") && lines.contains("  labels   I64  [24]"), "\(lines)")
        let lengths = try SafetensorsFile(contentsOf: ucr).integerTensors["lengths"]!.values
        #expect(
            lines.contains(
                "reads as:     labelled sequences (--sequences): 24 of \(lengths.min()!)–\(lengths.max()!) steps, "
                    + "2 feature(s), classes 0: 12, 1: 12"), "\(lines)")

        // Stored as numpy wrote them (scripts/make_safetensors_fixtures.py).
        let integers = try Self.info(Self.fixtures.appendingPathComponent("safetensors/integers.safetensors").path)
        for line in ["  i32   I32  [4]", "  u8    U8  [1, 3]", "  bool  BOOL  [3]", "  u64   U64  [2]"] {
            #expect(integers.contains(line), "no \(line) in \(integers)")
        }
        let floats = try Self.info(Self.fixtures.appendingPathComponent("safetensors/floats.safetensors").path)
        #expect(floats.contains { $0.hasPrefix("  matrix_f64") && $0.hasSuffix("  F64  [2, 3]") }, "\(floats)")
        #expect(floats.contains { $0.hasPrefix("  f16 ") && $0.contains("  F16  ") }, "\(floats)")

        // What the metadata says made it.
        let folder = try TemporaryFolder()
        let made = folder.path("x.safetensors")
        try SafetensorsFile(tensors: ["input": Tensor.zeros([2, 3, 1])], metadata: ["task": "adding"])
            .write(to: URL(fileURLWithPath: made))
        let described = try Self.info(made)
        #expect(described.contains("made by:      task adding (metadata \"task\")"), "\(described)")
        #expect(described.contains("reads as:     an input for predict: 2 sequence(s) of 3 steps, 1 feature(s)"))
    }

    @Test func aNumpyArraySaysItsDtypeShapeAndRange() throws {
        // (arange(24).reshape(2, 3, 4) − 11.5) / 7: from −1.643 to 1.643, mean 0 (Fixtures/npy/README.md).
        let lines = try Self.info(Self.fixtures.appendingPathComponent("npy/f8_2x3x4.npy").path)
        #expect(lines.first == "NumPy array:  <f8 (float64), shape [2, 3, 4], C order", "\(lines)")
        #expect(
            lines.contains("values:       24") && lines.contains("range:        -1.643 … 1.643, mean 0"), "\(lines)")
        let big = try Self.info(Self.fixtures.appendingPathComponent("npy/f4_big_endian.npy").path)
        #expect(big.first == "NumPy array:  >f4 (float32, big-endian), shape [2, 3, 4], C order", "\(big)")
    }

    @Test func aTableSaysItsRowsAndNumericColumns() throws {
        let path = Self.fixtures.appendingPathComponent("sequences/ucr_test.csv").path
        let rows = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").count - 1
        let lines = try Self.info(path)
        #expect(lines.first == "table:        CSV, \(rows) rows (header on line 1), 5 columns", "\(lines)")
        #expect(lines.contains("numeric:      4 of 5 columns: t, x, y, label"), "\(lines)")
        #expect(lines.contains("  id     text"), "\(lines)")

        let folder = try TemporaryFolder()
        let mixed = folder.path("mixed.csv")
        try "a,b\n1.5,x\nNA,2\n-3,y\n".write(toFile: mixed, atomically: true, encoding: .utf8)
        let described = try Self.info(mixed)
        #expect(described.contains("  a  numeric, -3 … 1.5, 1 missing"), "\(described)")
        #expect(described.contains("  b  text (1 numbers, 2 other cells)"), "\(described)")
    }

    @Test(arguments: [
        ("not.npy", "not.npy: is not a .npy file"),
        ("ragged.csv", "ragged.csv:3: expected 2 fields"),
        ("text.safetensors", "text.safetensors"),
    ])
    func badFilesAreOneLineAndAFailure(name: String, expected: String) throws {
        let folder = try TemporaryFolder()
        try "a,b\n1,2\n3\n".write(toFile: folder.path("ragged.csv"), atomically: true, encoding: .utf8)
        try "hello".write(toFile: folder.path("not.npy"), atomically: true, encoding: .utf8)
        try "hello, not tensors".write(toFile: folder.path("text.safetensors"), atomically: true, encoding: .utf8)
        try expectUsageFailure("info {dir}/\(name)", in: folder.url, naming: expected, output: "out")
    }
}
