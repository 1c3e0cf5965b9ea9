import Foundation
import Recurrent
import RecurrentTestSupport
import Testing

// End-to-end tests of the `recurrent` file commands: each runs the built
// binary through Foundation.Process and checks what it writes, prints and
// returns. References are PyTorch's outputs stored in the state_dict fixtures
// of RecurrentTests (see their README): `test.input`, `test.lengths`,
// `test.output`, `test.h_n`, `test.c_n`, computed in float64 from the stored
// weights and rounded to float32, so a float32 run matches them to a relative
// error of 1e-5 (max |observed − expected| / max |expected|, per tensor).

@Suite struct CommandLineTests {
    static let fixtures = TestFixtures.folder("state_dict")

    @Test func helpListsTheFileCommands() throws {
        let result = try runRecurrent(["--help"])
        #expect(result.status == 0)
        for command in ["import", "export", "info", "predict"] {
            #expect(result.stdout.contains("\n  \(command) "), "help does not list \(command):\n\(result.stdout)")
        }
    }

    @Test(
        arguments: [
            ("lstm_l2_bi", nil, "LSTM(input 5, hidden 7, 2 layers, bidirectional)"),
            ("gru", nil, "GRU(input 3, hidden 4, 1 layer)"),
            ("rnn_relu_nobias", "relu", "RNN relu(input 4, hidden 6, 1 layer, no bias)"),
            ("lstm_f16", nil, "LSTM(input 3, hidden 4, 1 layer)"),
            ("gru_f64", nil, "GRU(input 2, hidden 3, 2 layers, bidirectional)"),
            ("rnn_tanh_bf16", nil, "RNN tanh(input 3, hidden 5, 1 layer)"),
        ] as [(String, String?, String)])
    func importThenPredictGivesPyTorchsOutputs(fixture: String, nonlinearity: String?, architecture: String) throws {
        let folder = try TemporaryFolder()
        let stateDict = try folder.copy(fixture)
        let model = folder.path("model.safetensors")
        let imported = try runRecurrent(
            ["import", stateDict, "--output", model] + (nonlinearity.map { ["--nonlinearity", $0] } ?? []))
        #expect(imported.status == 0, "stderr: \(imported.stderr)")
        #expect(imported.stdout.hasPrefix(architecture + ": "), "stdout: \(imported.stdout)")

        let reference = try SafetensorsFile(contentsOf: URL(fileURLWithPath: stateDict))
        var input = SafetensorsFile(tensors: ["input": try #require(reference.tensors["test.input"])])
        input.integerTensors["lengths"] = reference.integerTensors["test.lengths"]
        let inputPath = folder.path("input.safetensors")
        try input.write(to: URL(fileURLWithPath: inputPath))

        let outputPath = folder.path("output.safetensors")
        let predicted = try runRecurrent(["predict", "--model", model, "--input", inputPath, "--output", outputPath])
        #expect(predicted.status == 0, "stderr: \(predicted.stderr)")
        let output = try SafetensorsFile(contentsOf: URL(fileURLWithPath: outputPath))
        let names = architecture.hasPrefix("LSTM") ? ["c_n", "h_n", "output"] : ["h_n", "output"]
        #expect(output.tensors.keys.sorted() == names)
        for name in names {
            let expected = try #require(reference.tensors["test." + name])
            let observed = try #require(output.tensors[name])
            #expect(mismatch(observed, expected, relativeToLargest: 1e-5) == nil, "\(fixture) \(name)")
        }
    }

    /// A `.npy` input (as numpy.save writes it) gives what the same tensor in
    /// a safetensors file gives.
    @Test func predictReadsANumpyInput() throws {
        let folder = try TemporaryFolder()
        let model = folder.path("model.safetensors")
        #expect(try runRecurrent(["import", try folder.copy("gru_f64"), "-o", model]).status == 0)
        let reference = try SafetensorsFile(contentsOf: URL(fileURLWithPath: folder.path("gru_f64.safetensors")))
        let input = try #require(reference.tensors["test.input"])
        try NumpyFile.data(input).write(to: URL(fileURLWithPath: folder.path("input.npy")))
        try SafetensorsFile(tensors: ["input": input]).write(to: URL(fileURLWithPath: folder.path("input.safetensors")))
        for name in ["input.npy", "input.safetensors"] {
            let result = try runRecurrent(
                ["predict", "-m", model, "-i", folder.path(name), "-o", folder.path(name + ".out")])
            #expect(result.status == 0, "stderr: \(result.stderr)")
        }
        let a = try SafetensorsFile(contentsOf: URL(fileURLWithPath: folder.path("input.npy.out")))
        let b = try SafetensorsFile(contentsOf: URL(fileURLWithPath: folder.path("input.safetensors.out")))
        #expect(a.tensors["output"] == b.tensors["output"] && a.tensors["h_n"] == b.tensors["h_n"])
        try expectUsageFailure(
            "predict -m {dir}/model.safetensors -i {dir}/input.npy -o {dir}/input.npy", in: folder.url,
            naming: "is also --input", output: "nothing")
        try Data("not numpy".utf8).write(to: URL(fileURLWithPath: folder.path("bad.npy")))
        try expectUsageFailure(
            "predict -m {dir}/model.safetensors -i {dir}/bad.npy -o {dir}/out.safetensors", in: folder.url,
            naming: "bad.npy: is not a .npy file", output: "out.safetensors")
    }

    /// The LSTM run over steps 0..<2, then from its h_n and c_n as h0 and c0
    /// over steps 2..<5, gives PyTorch's output and final state of one run.
    @Test func predictContinuesFromInitialStates() throws {
        let folder = try TemporaryFolder()
        let model = folder.path("model.safetensors")
        #expect(try runRecurrent(["import", try folder.copy("lstm_f16"), "-o", model]).status == 0)
        let reference = try SafetensorsFile(contentsOf: URL(fileURLWithPath: folder.path("lstm_f16.safetensors")))
        let input = try #require(reference.tensors["test.input"])  // [B, T, D]
        let (b, t, d) = (input.shape[0], input.shape[1], input.shape[2])
        func steps(_ tensor: Tensor, _ range: Range<Int>) -> Tensor {
            let width = tensor.shape[2]
            let rows = (0..<b).flatMap { row in
                tensor.scalars[(row * t + range.lowerBound) * width..<(row * t + range.upperBound) * width]
            }
            return Tensor(shape: [b, range.count, width], scalars: rows)
        }
        func predict(_ file: SafetensorsFile, _ name: String) throws -> SafetensorsFile {
            let (input, output) = (folder.path(name + "_in.safetensors"), folder.path(name + "_out.safetensors"))
            try file.write(to: URL(fileURLWithPath: input))
            let result = try runRecurrent(["predict", "-m", model, "-i", input, "-o", output])
            #expect(result.status == 0, "stderr: \(result.stderr)")
            return try SafetensorsFile(contentsOf: URL(fileURLWithPath: output))
        }
        let first = try predict(SafetensorsFile(tensors: ["input": steps(input, 0..<2)]), "first")
        var rest = SafetensorsFile(tensors: ["input": steps(input, 2..<t)])
        rest.tensors["h0"] = first.tensors["h_n"]
        rest.tensors["c0"] = first.tensors["c_n"]
        let second = try predict(rest, "second")

        let expected = try #require(reference.tensors["test.output"])
        let h = expected.shape[2]
        let firstOutput = try #require(first.tensors["output"])
        let secondOutput = try #require(second.tensors["output"])
        #expect(d == 3 && h == 4)
        var joined: [Float] = []
        for row in 0..<b {
            let firstRow: Range<Int> = row * 2 * h..<(row + 1) * 2 * h
            let secondRow: Range<Int> = row * (t - 2) * h..<(row + 1) * (t - 2) * h
            joined += firstOutput.scalars[firstRow]
            joined += secondOutput.scalars[secondRow]
        }
        #expect(mismatch(joined, expected.scalars, relativeToLargest: 1e-5) == nil, "output")
        for name in ["h_n", "c_n"] {
            let observed = try #require(second.tensors[name])
            let expected = try #require(reference.tensors["test." + name])
            #expect(mismatch(observed, expected, relativeToLargest: 1e-5) == nil, "\(name)")
        }
    }

    @Test(arguments: ["lstm_l2_bi", "gru", "rnn_relu_nobias", "lstm_f16"])
    func exportWritesTheOriginalStateDict(fixture: String) throws {
        let folder = try TemporaryFolder()
        let stateDict = try folder.copy(fixture)
        let model = folder.path("model.safetensors")
        let exported = folder.path("exported.safetensors")
        #expect(try runRecurrent(["import", stateDict, "-o", model]).status == 0)
        let result = try runRecurrent(["export", model, "--output", exported])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.hasPrefix("nn."), "stdout: \(result.stdout)")

        let original = try SafetensorsFile(contentsOf: URL(fileURLWithPath: stateDict))
        let written = try SafetensorsFile(contentsOf: URL(fileURLWithPath: exported))
        let weights = original.tensors.filter { !$0.key.contains(".") }
        #expect(written.tensors.keys.sorted() == weights.keys.sorted())
        #expect(written.integerTensors.isEmpty)
        #expect(written.metadata.isEmpty)
        for (name, tensor) in weights {
            #expect(written.tensors[name]?.shape == tensor.shape, "\(name)")
            #expect(written.tensors[name]?.scalars == tensor.scalars, "\(name): values changed")
        }
    }

    @Test func infoPrintsTheArchitectureAndTensors() throws {
        let folder = try TemporaryFolder()
        let model = folder.path("model.safetensors")
        #expect(try runRecurrent(["import", try folder.copy("lstm_l2_bi"), "-o", model]).status == 0)
        let result = try runRecurrent(["info", model])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "architecture: LSTM(input 5, hidden 7, 2 layers, bidirectional)")
        #expect(lines.contains("  weight_ih_l1  [28, 14]"))
        #expect(lines.contains { $0.hasPrefix("parameters:   2072 ") })
    }

    /// A bad input to each command: arguments (with `{dir}` for the temporary
    /// folder) and a text the first line of stderr must contain.
    @Test(arguments: [
        ("import {dir}/missing.safetensors -o {dir}/m.safetensors", "missing.safetensors"),
        ("import {dir}/README.md -o {dir}/m.safetensors", "README.md"),
        ("import {dir}/lstm_proj.safetensors -o {dir}/m.safetensors", "weight_hr_l0"),
        ("import {dir}/gru.safetensors -o {dir}/no_such_folder/m.safetensors", "no_such_folder"),
        ("import {dir}/gru.safetensors -o {dir}/m.safetensors --nonlinearity softplus", "nonlinearity"),
        ("export {dir}/README.md -o {dir}/m.safetensors", "README.md"),
        ("info {dir}/missing.safetensors", "missing.safetensors"),
        ("predict -m {dir}/gru.safetensors -i {dir}/wide.safetensors -o {dir}/m.safetensors", "\"input\""),
        ("predict -m {dir}/gru.safetensors -i {dir}/gru.safetensors -o {dir}/m.safetensors", "\"input\""),
        ("predict -m {dir}/gru.safetensors -i {dir}/zero_length.safetensors -o {dir}/m.safetensors", "\"lengths\""),
        ("predict -m {dir}/gru.safetensors -i {dir}/float_lengths.safetensors -o {dir}/m.safetensors", "\"lengths\""),
        ("predict -m {dir}/gru.safetensors -i {dir}/with_c0.safetensors -o {dir}/m.safetensors", "\"c0\""),
        ("predict -m {dir}/gru.safetensors -i {dir}/missing.safetensors -o {dir}/m.safetensors", "missing.safetensors"),
        ("predict -m {dir}/README.md -i {dir}/with_c0.safetensors -o {dir}/m.safetensors", "README.md"),
    ])
    func badInputIsOneLineAndAFailure(arguments: String, expected: String) throws {
        let folder = try TemporaryFolder()
        for fixture in ["gru", "lstm_proj"] { _ = try folder.copy(fixture) }
        try FileManager.default.copyItem(
            at: Self.fixtures.appendingPathComponent("README.md"), to: URL(fileURLWithPath: folder.path("README.md")))
        let x = Tensor.zeros([2, 5, 3])  // fits gru.safetensors: D = 3, H = 4
        let inputs: [String: SafetensorsFile] = [
            "wide": SafetensorsFile(tensors: ["input": Tensor.zeros([2, 5, 4])]),
            "zero_length": SafetensorsFile(tensors: ["input": x], integerTensors: ["lengths": IntegerTensor([5, 0])]),
            "float_lengths": SafetensorsFile(tensors: ["input": x, "lengths": Tensor(shape: [2], scalars: [5, 3])]),
            "with_c0": SafetensorsFile(tensors: ["input": x, "c0": Tensor.zeros([1, 2, 4])]),
        ]
        for (name, file) in inputs { try file.write(to: URL(fileURLWithPath: folder.path(name + ".safetensors"))) }

        try expectUsageFailure(arguments, in: folder.url, naming: expected, output: "m.safetensors")
    }
}

/// A folder under the system's temporary folder, removed when the value goes.
final class TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("recurrent-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Copies the fixture `name`.safetensors here; returns the copy's path.
    func copy(_ fixture: String) throws -> String {
        let destination = path(fixture + ".safetensors")
        try FileManager.default.copyItem(
            at: CommandLineTests.fixtures.appendingPathComponent(fixture + ".safetensors"),
            to: URL(fileURLWithPath: destination))
        return destination
    }
}
