import ArgumentParser
import Foundation
import Recurrent

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Convert a PyTorch nn.RNN, nn.LSTM or nn.GRU state_dict into a Recurrent model file.",
        discussion: """
            STATE_DICT is a safetensors file written by \
            `safetensors.torch.save_file(module.state_dict(), path)`, in any float \
            dtype. The architecture (cell, sizes, layers, directions, biases) is \
            inferred from the names and shapes weight_ih_l0, weight_hh_l0, …; \
            tensors whose names contain a dot (head.weight) are kept as other \
            modules' tensors. A state_dict does not record an Elman RNN's \
            nonlinearity: give it with --nonlinearity.
            """)

    @Argument(help: "The PyTorch state_dict (.safetensors).")
    var stateDict: String

    @Option(name: .shortAndLong, help: "The Recurrent model file to write (its folder must exist).")
    var output: String

    @Option(help: "φ of an Elman RNN: tanh, relu or sigmoid (default: tanh, PyTorch's); ignored for an LSTM or GRU.")
    var nonlinearity: Nonlinearity?

    func validate() throws {
        try validateExistingFile(stateDict, "STATE_DICT")
        try validateOutputPath(output)
    }

    func run() throws {
        let model = try reportingFileErrors {
            let model = try ModelFile(contentsOf: URL(fileURLWithPath: stateDict), nonlinearity: nonlinearity)
            try model.write(to: URL(fileURLWithPath: output))
            return model
        }
        print("\(model.layer.architecture): \(model.layer.parameterCount) parameters → \(output)")
    }
}
