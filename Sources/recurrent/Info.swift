import ArgumentParser
import Foundation
import Recurrent

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show a model file's architecture, tensors, parameter count and metadata.",
        discussion: """
            MODEL is a Recurrent model file or a PyTorch state_dict (.safetensors). \
            Metadata values longer than 60 characters are shortened.
            """)

    @Argument(help: "The model file (.safetensors).")
    var model: String

    @Option(help: "φ of an Elman RNN read from a PyTorch state_dict: tanh, relu or sigmoid (default: tanh).")
    var nonlinearity: Nonlinearity?

    func validate() throws {
        try validateExistingFile(model, "MODEL")
    }

    func run() throws {
        let raw = try reportingFileErrors { try SafetensorsFile(contentsOf: URL(fileURLWithPath: model)) }
        if WindowMLP.isMLPFile(raw) {
            let mlp = try reportingFileErrors { try WindowMLP(file: raw, name: model) }
            let input: String =
                switch mlp.input {
                case .features(let d): "\(mlp.steps) steps × \(d) feature(s)"
                case .tokens(let v): "\(mlp.steps) steps × \(v) symbols one-hot"
                }
            let sizes = mlp.network.layers.compactMap { ($0 as? Dense)?.outputSize }.map(String.init)
            print("architecture: MLP(\(input) = \(mlp.width) → \(sizes.joined(separator: " → ")), tanh)")
            print("parameters:   \(mlp.parameterCount)")
            print("tensors:")
            for (name, tensor) in mlp.parameters { print("  \(name)  \(tensor.shape)") }
            printMetadata(raw.metadata.filter { !ModelFile.reservedMetadataKeys.contains($0.key) })
            return
        }
        let file = try reportingFileErrors {
            try ModelFile(contentsOf: URL(fileURLWithPath: model), nonlinearity: nonlinearity)
        }
        let layer = file.layer
        print("architecture: \(layer.architecture)")
        print("PyTorch:      \(pytorchModule(layer.architecture))")
        print(
            "parameters:   \(layer.parameterCount) in the recurrent layer, \(file.tensors.map(\.tensor.count).reduce(0, +)) in other tensors"
        )
        print("tensors:")
        for (name, tensor) in layer.parameters { print("  \(name)  \(tensor.shape)") }
        for (name, tensor) in file.tensors { print("  \(name)  \(tensor.shape)") }
        for name in file.integerTensors.keys.sorted() {
            print("  \(name)  \(file.integerTensors[name]!.shape) integer")
        }
        printMetadata(file.metadata)
    }

    private func printMetadata(_ metadata: [String: String]) {
        print(metadata.isEmpty ? "metadata:     none" : "metadata:")
        for key in metadata.keys.sorted() {
            let value = metadata[key]!
            // The training summary and the data description are written for people: in full.
            let full = ["training", "data"].contains(key) && value.count <= 2000
            let shown = value.count > 60 && !full ? value.prefix(60) + "… (\(value.utf8.count) bytes)" : value
            print("  \(key): \(shown.replacingOccurrences(of: "\n", with: "; "))")
        }
    }
}
