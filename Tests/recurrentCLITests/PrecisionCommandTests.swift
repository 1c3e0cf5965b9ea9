import Foundation
import Recurrent
import RecurrentTestSupport
import Testing

// `--precision bf16` on train, predict, forecast and generate: each runs,
// agrees with fp32 within the bf16 tolerance of BF16AccuracyTests (2⁻⁵ of
// the largest entry), writes nothing new into the model file, and a bad
// value is one line, exit 64, nothing written.

@Suite struct PrecisionCommandTests {
    @Test func predictInBF16IsCloseToPyTorchsFP32() throws {
        let folder = try TemporaryFolder()
        let stateDict = try folder.copy("lstm_l2_bi")
        let model = folder.path("model.safetensors")
        #expect(try runRecurrent(["import", stateDict, "--output", model]).status == 0)
        let reference = try SafetensorsFile(contentsOf: URL(fileURLWithPath: stateDict))
        var input = SafetensorsFile(tensors: ["input": try #require(reference.tensors["test.input"])])
        input.integerTensors["lengths"] = reference.integerTensors["test.lengths"]
        try input.write(to: URL(fileURLWithPath: folder.path("input.safetensors")))
        var outputs: [String: SafetensorsFile] = [:]
        for precision in ["fp32", "bf16"] {
            let output = folder.path("\(precision).safetensors")
            let result = try runRecurrent(
                ["predict", "-m", model, "-i", folder.path("input.safetensors"), "-o", output, "--precision", precision])
            #expect(result.status == 0, "stderr: \(result.stderr)")
            outputs[precision] = try SafetensorsFile(contentsOf: URL(fileURLWithPath: output))
        }
        let expected = try #require(reference.tensors["test.output"])
        let bf16 = try #require(outputs["bf16"]?.tensors["output"])
        #expect(mismatch(bf16, expected, relativeToLargest: 0x1p-5) == nil)
        #expect(bf16 != outputs["fp32"]?.tensors["output"], "bf16 gave fp32's bits")
    }

    @Test func trainAndForecastInBF16() throws {
        let folder = try TemporaryFolder()
        var files: [String: SafetensorsFile] = [:]
        var forecasts: [String: [Double]] = [:]
        for precision in ["fp32", "bf16"] {
            let model = folder.path("\(precision).safetensors")
            let trained = try runRecurrent(
                "train --task sine --length 200 --window 8 --epochs 2 --hidden 8 --quiet --precision \(precision) --output \(model)"
                    .split(separator: " ").map(String.init))
            try #require(trained.status == 0, "stderr: \(trained.stderr)")
            files[precision] = try SafetensorsFile(contentsOf: URL(fileURLWithPath: model))
            let forecast = try runRecurrent(["forecast", "-m", model, "-o", "-", "--precision", precision])
            #expect(forecast.status == 0, "stderr: \(forecast.stderr)")
            forecasts[precision] = forecast.stdout.split(separator: "\n").dropFirst()
                .compactMap { $0.split(separator: ",").last.flatMap { Double($0) } }
        }
        // The file records nothing about the precision it was trained in.
        #expect(files["fp32"]?.metadata.keys.sorted() == files["bf16"]?.metadata.keys.sorted())
        #expect(files["bf16"]?.metadata.values.contains { $0.contains("bf16") } == false)
        let (fp32, bf16) = (forecasts["fp32"]!, forecasts["bf16"]!)
        #expect(!fp32.isEmpty && fp32.count == bf16.count)
        // Two short trainings apart: the sine's forecasts agree to a tenth of its amplitude.
        #expect(zip(fp32, bf16).allSatisfy { abs($0 - $1) < 0.1 }, "fp32 \(fp32), bf16 \(bf16)")
    }

    @Test func generateInBF16() throws {
        let (folder, _, model, _) = try TextCommandTests.trainedFolder(extra: ["--precision", "bf16"])
        _ = folder
        let result = try runRecurrent(
            ["generate", "-m", model, "--prime", "the cat", "--length", "40", "--precision", "bf16"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.hasPrefix("the cat") && result.stdout.unicodeScalars.count >= 47)
    }

    @Test(arguments: [
        "train --task sine --length 200 --precision fp16 --output {dir}/out.safetensors",
        "predict -m {dir}/m.safetensors -i {dir}/m.safetensors -o {dir}/out.safetensors --precision fp16",
        "forecast -m {dir}/m.safetensors -o {dir}/out.safetensors --precision half",
        "generate -m {dir}/m.safetensors --precision bf32",
    ])
    func aBadPrecisionIsOneLine(arguments: String) throws {
        let folder = try TemporaryFolder()
        try Data("x".utf8).write(to: folder.url.appendingPathComponent("m.safetensors"))
        try expectUsageFailure(arguments, in: folder.url, naming: "--precision", output: "out.safetensors")
    }

    /// `export --dtype bf16` writes BF16 weights (half the bytes) that
    /// `import` loads back: the weights rounded to bf16, which `predict
    /// --precision bf16` reads as its products do anyway (only the biases,
    /// fp32 in the cell, differ), so its outputs lie within the bf16
    /// tolerance of PyTorch's fp32 outputs.
    @Test func exportInBF16AndLoadBack() throws {
        let folder = try TemporaryFolder()
        let stateDict = try folder.copy("gru")
        let model = folder.path("model.safetensors")
        #expect(try runRecurrent(["import", stateDict, "--output", model]).status == 0)
        let exported = folder.path("bf16.safetensors")
        let result = try runRecurrent(["export", model, "--dtype", "bf16", "-o", exported])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let data = try Data(contentsOf: URL(fileURLWithPath: exported))
        let types = try SafetensorsFile.storedTypes(data: data, name: exported)
        #expect(!types.isEmpty && types.values.allSatisfy { $0 == "BF16" }, "\(types)")
        let reimported = folder.path("reimported.safetensors")
        #expect(try runRecurrent(["import", exported, "--output", reimported]).status == 0)

        let reference = try SafetensorsFile(contentsOf: URL(fileURLWithPath: stateDict))
        var input = SafetensorsFile(tensors: ["input": try #require(reference.tensors["test.input"])])
        input.integerTensors["lengths"] = reference.integerTensors["test.lengths"]
        try input.write(to: URL(fileURLWithPath: folder.path("input.safetensors")))
        func predict(_ model: String, _ name: String) throws -> Tensor {  // bf16
            let output = folder.path(name)
            let run = try runRecurrent(
                ["predict", "-m", model, "-i", folder.path("input.safetensors"), "-o", output, "--precision", "bf16"])
            #expect(run.status == 0, "stderr: \(run.stderr)")
            return try #require(try SafetensorsFile(contentsOf: URL(fileURLWithPath: output)).tensors["output"])
        }
        let expected = try #require(reference.tensors["test.output"])
        #expect(mismatch(try predict(reimported, "b.safetensors"), expected, relativeToLargest: 0x1p-5) == nil)
        try expectUsageFailure(
            "export {dir}/model.safetensors --format onnx --dtype bf16 -o {dir}/out.onnx", in: folder.url,
            naming: "--dtype", output: "out.onnx")
    }
}
