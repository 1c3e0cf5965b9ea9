import Foundation
import Recurrent
import Testing

/// `recurrent export --format onnx`: the library's bytes on success; bad
/// input is one line, exit 64 and no file. (The graphs themselves are checked
/// against ONNX Runtime by RecurrentTests' ONNXExportTests.)
@Suite struct ExportONNXTests {
    @Test func exportWritesTheLibrarysONNXBytes() throws {
        let folder = try TemporaryFolder()
        // The fixture's layer alone (the state_dict also holds test.* tensors, which the export refuses to drop).
        let model = folder.path("model.safetensors")
        let layer = try ModelFile(contentsOf: URL(fileURLWithPath: try folder.copy("lstm_l2_bi"))).layer
        try ModelFile(layer: layer).write(to: URL(fileURLWithPath: model))
        let onnx = folder.path("model.onnx")
        let result = try runRecurrent(["export", model, "--format", "onnx", "--output", onnx])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.hasPrefix("recurrent layer LSTM(input 5, hidden 7, 2 layers, bidirectional): ONNX opset 14"))
        let expected = try ModelFile(contentsOf: URL(fileURLWithPath: model)).onnxData()
        #expect(try Data(contentsOf: URL(fileURLWithPath: onnx)) == expected)
        // The default format is still PyTorch's state_dict.
        let stateDict = folder.path("state.safetensors")
        #expect(try runRecurrent(["export", model, "-o", stateDict]).stdout.hasPrefix("nn.LSTM("))
    }

    @Test(arguments: [
        ("export {dir}/gru.safetensors --format keras -o {dir}/m.onnx", "keras"),
        ("export {dir}/gru.safetensors --format onnx -o {dir}/folder.onnx", "is a folder"),
        ("export {dir}/extra.safetensors --format onnx -o {dir}/m.onnx", "cannot be expressed in ONNX"),
        ("export {dir}/gru.safetensors --format onnx -o {dir}/gru.safetensors", "would overwrite"),
    ])
    func badInputIsOneLineAndNothingWritten(arguments: String, expected: String) throws {
        let folder = try TemporaryFolder()
        let gru = try folder.copy("gru")
        try FileManager.default.createDirectory(atPath: folder.path("folder.onnx"), withIntermediateDirectories: false)
        // A model file with another module's tensor and no recorded head: the graph would drop it.
        var file = ModelFile(layer: try ModelFile(contentsOf: URL(fileURLWithPath: gru)).layer)
        file.tensors["decoder.weight"] = Tensor.zeros([2, 4])
        try file.write(to: URL(fileURLWithPath: folder.path("extra.safetensors")))
        try expectUsageFailure(arguments, in: folder.url, naming: expected, output: "m.onnx")
    }
}
