import ArgumentParser
import Foundation
import Recurrent

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe a model file, a training checkpoint or a data file: what it holds.",
        discussion: """
            FILE is told by its contents (and .npy, .csv or .tsv by its name): \
            a Recurrent model file or a PyTorch state_dict (architecture, tensors, \
            parameter count, metadata); a training checkpoint (the model, the epoch \
            and update it is at, the best epoch, the optimiser state, the options a \
            resuming run must match); a safetensors data file (each tensor's name, \
            stored dtype and shape, what it reads as, and the task its metadata \
            names); a .npy array (dtype, shape, range); a CSV or TSV table (rows, \
            columns, which are numeric). Metadata values longer than 60 characters \
            are shortened.
            """)

    @Argument(help: "The file: .safetensors (model, checkpoint or data), .npy, .csv or .tsv.")
    var file: String

    @Option(help: "φ of an Elman RNN read from a PyTorch state_dict: tanh, relu or sigmoid (default: tanh).")
    var nonlinearity: Nonlinearity?

    func validate() throws {
        try validateExistingFile(file, "FILE")
    }

    func run() throws {
        let url = URL(fileURLWithPath: file)
        switch url.pathExtension.lowercased() {
        case "npy": return try describeNumpy(url)
        case "csv", "tsv": return try describeTable(url)
        default: break
        }
        let bytes = try reportingFileErrors { () throws -> Data in
            do { return try Data(contentsOf: url) } catch {
                throw SafetensorsError(file: file, problem: "cannot be read: \(error.localizedDescription)")
            }
        }
        let raw = try reportingFileErrors { try SafetensorsFile(data: bytes, name: file) }
        if raw.metadata["format"] == TrainingCheckpoint.format {
            let checkpoint = try reportingFileErrors { try TrainingCheckpoint(data: bytes, name: file) }
            return describeCheckpoint(checkpoint)
        }
        if WindowMLP.isMLPFile(raw) { return try describeMLP(raw) }
        let isModel =
            raw.metadata["format"] == ModelFile.format || raw.tensors.keys.contains { $0.hasPrefix("weight_hh_l") }
        guard isModel else {
            return try describeData(
                raw, types: try reportingFileErrors { try SafetensorsFile.storedTypes(data: bytes, name: file) })
        }
        let model = try reportingFileErrors { try ModelFile(data: bytes, name: file, nonlinearity: nonlinearity) }
        let layer = model.layer
        print("architecture: \(layer.architecture)")
        print("PyTorch:      \(pytorchModule(layer.architecture))")
        print(
            "parameters:   \(layer.parameterCount) in the recurrent layer, \(model.tensors.map(\.tensor.count).reduce(0, +)) in other tensors"
        )
        print("tensors:")
        for (name, tensor) in layer.parameters { print("  \(name)  \(tensor.shape)") }
        for (name, tensor) in model.tensors { print("  \(name)  \(tensor.shape)") }
        for name in model.integerTensors.keys.sorted() {
            print("  \(name)  \(model.integerTensors[name]!.shape) integer")
        }
        printMetadata(model.metadata)
    }

    private func describeMLP(_ raw: SafetensorsFile) throws {
        let mlp = try reportingFileErrors { try WindowMLP(file: raw, name: file) }
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
    }

    func printMetadata(_ metadata: [String: String]) {
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
