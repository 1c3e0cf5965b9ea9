import ArgumentParser
import Foundation
import Recurrent

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a Recurrent model's recurrent layer as a plain PyTorch state_dict.",
        discussion: """
            The output holds only the layer's weights under PyTorch's names \
            (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, …_reverse), as \
            float32, with no metadata: `module.load_state_dict(load_file(path), \
            strict=True)` loads it into the module printed on success, built with \
            batch_first=True. Other modules' tensors (head.weight) are left out. \
            A sigmoid Elman RNN has no PyTorch module.
            """)

    @Argument(help: "The Recurrent model file (.safetensors).")
    var model: String

    @Option(name: .shortAndLong, help: "The state_dict file to write (its folder must exist).")
    var output: String

    func validate() throws {
        try validateExistingFile(model, "MODEL")
        try validateOutputPath(output)
    }

    func run() throws {
        let layer = try reportingFileErrors {
            let layer = try ModelFile(contentsOf: URL(fileURLWithPath: model)).layer
            let stateDict = Dictionary(uniqueKeysWithValues: layer.parameters.map { ($0.name, $0.tensor) })
            try SafetensorsFile(tensors: stateDict).write(to: URL(fileURLWithPath: output))
            return layer
        }
        print("\(pytorchModule(layer.architecture)): \(layer.parameters.count) tensors → \(output)")
    }
}

/// The PyTorch module whose `state_dict` the layer's weights are, such as
/// `nn.LSTM(5, 7, num_layers=2, bidirectional=True, batch_first=True)`.
func pytorchModule(_ architecture: RecurrentArchitecture) -> String {
    var arguments = ["\(architecture.inputSize)", "\(architecture.hiddenSize)"]
    let name: String
    switch architecture.cell {
    case .lstm: name = "nn.LSTM"
    case .gru: name = "nn.GRU"
    case .elman(let phi):
        name = "nn.RNN"
        if phi != .tanh { arguments.append("nonlinearity='\(phi.rawValue)'") }
    }
    if architecture.layers != 1 { arguments.append("num_layers=\(architecture.layers)") }
    if !architecture.bias { arguments.append("bias=False") }
    if architecture.bidirectional { arguments.append("bidirectional=True") }
    arguments.append("batch_first=True")
    let module = "\(name)(\(arguments.joined(separator: ", ")))"
    if case .elman(.sigmoid) = architecture.cell { return module + " (PyTorch has no sigmoid RNN; load by hand)" }
    return module
}
