import Foundation
import Recurrent
import Testing

/// The MLP baseline: its flattened window, its model file and that file's checks.
@Suite struct WindowMLPTests {
    @Test func theWindowIsFlattenedStepByStepWithZerosPastEachLength() throws {
        var generator = RandomGenerator(seed: 2)
        let features = try WindowMLP(
            input: .features(2), steps: 3, hiddenSizes: [4], outputSize: 1, generator: &generator)
        let x = Tensor(shape: [2, 4, 2], scalars: (0..<16).map(Float.init))  // [B, T, D], T longer than the window
        let flat = try features.flatten(x, lengths: [4, 2])
        #expect(flat.shape == [2, 6])
        #expect(flat.scalars == [0, 1, 2, 3, 4, 5, 8, 9, 10, 11, 0, 0])

        let tokens = try WindowMLP(input: .tokens(vocabularySize: 3), steps: 2, hiddenSizes: [], outputSize: 2, generator: &generator)
        let ids = Tensor(rows: [[2, 0], [1, 1]])
        #expect(try tokens.flatten(ids, lengths: [2, 1]).scalars == [0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0])
        // The network is the flattened window through its layers.
        #expect(try tokens(ids) == tokens.network(tokens.flatten(ids)))
    }

    @Test func theModelFileRoundTripsAndIsChecked() throws {
        var generator = RandomGenerator(seed: 3)
        let mlp = try WindowMLP(
            input: .features(2), steps: 5, hiddenSizes: [6, 4], outputSize: 3, generator: &generator)
        #expect(
            mlp.parameters.names == [
                "mlp.0.weight", "mlp.0.bias", "mlp.1.weight", "mlp.1.bias", "mlp.2.weight", "mlp.2.bias",
            ])
        let file = try mlp.safetensorsFile(metadata: ["task": "x"])
        #expect(WindowMLP.isMLPFile(file) && file.metadata["format"] == "recurrent")
        #expect(
            file.metadata["architecture"]
                == #"{"activation":"tanh","input":{"features":2},"kind":"mlp","layers":[6,4,3],"steps":5}"#)
        let read = try WindowMLP(file: SafetensorsFile(data: try file.serialized(), name: "m"), name: "m")
        let x = Tensor.normal([4, 5, 2], using: &generator)
        #expect(try read(x) == mlp(x) && read.parameters == mlp.parameters)

        func refusal(_ change: (inout SafetensorsFile) -> Void) -> String {
            var bad = file
            change(&bad)
            do {
                _ = try WindowMLP(file: bad, name: "m.safetensors")
                return "read"
            } catch { return "\(error)" }
        }
        #expect(refusal { $0.tensors["mlp.1.bias"] = nil }.contains("tensor \"mlp.1.bias\": is missing"))
        #expect(refusal { $0.tensors["mlp.2.weight"] = Tensor.zeros([3, 5]) }.contains("needs [3, 4]"))
        #expect(refusal { $0.tensors["mlp.0.bias"]![0] = .nan }.contains("NaN"))
        #expect(refusal { $0.metadata["architecture"] = "{}" }.contains("not a valid MLP architecture"))
        // Sizes whose product overflows, or below 1: refused, not trapped.
        for architecture in [
            #"{"activation":"tanh","input":{"features":4},"kind":"mlp","layers":[4,3],"steps":4611686018427387904}"#,
            #"{"activation":"tanh","input":{"features":0},"kind":"mlp","layers":[4,3],"steps":5}"#,
            #"{"activation":"tanh","input":{"features":2},"kind":"mlp","layers":[-4,3],"steps":5}"#,
        ] {
            #expect(refusal { $0.metadata["architecture"] = architecture }.contains("not a valid MLP architecture"))
        }
        // A recurrent reader names what the file holds.
        do {
            _ = try ModelFile(data: try file.serialized(), name: "m.safetensors")
            Issue.record("a ModelFile read an MLP")
        } catch {
            #expect("\(error)".contains("holds an MLP"))
        }
    }
}
