import ArgumentParser
import Foundation
import Recurrent

/// What `recurrent export` writes.
enum ExportFormat: String, ExpressibleByArgument, CaseIterable {
    case pytorch, onnx
}

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a Recurrent model as a PyTorch state_dict or as a whole ONNX model.",
        discussion: """
            --format pytorch (the default) writes only the recurrent layer's weights \
            under PyTorch's names (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, \
            …_reverse), as float32 (or bfloat16 with --dtype bf16), with no metadata: `module.load_state_dict(load_file(path), \
            strict=True)` loads it into the module printed on success, built with \
            batch_first=True. Other modules' tensors (head.weight) are left out. \
            A sigmoid Elman RNN has no PyTorch module.

            --format onnx writes the whole model for ONNX Runtime (opset 14; RNN, LSTM \
            and GRU operators): a forecaster with its normalisation inside, reading \
            and writing the CSV's units (input → forecast); a classifier (input → \
            logits, probabilities); a character model (input token ids → logits per \
            step); the MLP baseline; or a bare recurrent layer (input → output, as \
            `recurrent predict`). Inputs are batch-first with dynamic batch and time; \
            `lengths` [B] int64 (ragged batches) and the initial states h0, c0 are \
            optional; h_n, c_n are outputs.
            """)

    @Argument(help: "The Recurrent model file (.safetensors).")
    var model: String

    @Option(help: "pytorch (the recurrent layer's state_dict) or onnx (the whole model).")
    var format: ExportFormat = .pytorch

    @Option(name: .shortAndLong, help: "The file to write (its folder must exist).")
    var output: String

    @Option(
        help:
            "The weights' dtype with --format pytorch: fp32 (F32), or bf16 (BF16, rounded to nearest even: half the bytes, for bf16 inference; `recurrent import` and PyTorch load it)."
    )
    var dtype: Precision = .fp32

    func validate() throws {
        if dtype != .fp32, format != .pytorch {
            throw ValidationError("--dtype applies to --format pytorch; ONNX weights are float32")
        }
        try validateExistingFile(model, "MODEL")
        try validateOutputPath(output)
        if URL(fileURLWithPath: model).standardizedFileURL.path == URL(fileURLWithPath: output).standardizedFileURL.path {
            throw ValidationError("--output \(output) is also MODEL; the export would overwrite it")
        }
    }

    func run() throws {
        switch format {
        case .pytorch: try exportStateDict()
        case .onnx: try exportONNX()
        }
    }

    private func exportStateDict() throws {
        let layer = try reportingFileErrors {
            let layer = try ModelFile(contentsOf: URL(fileURLWithPath: model)).layer
            let stateDict = Dictionary(uniqueKeysWithValues: layer.parameters.map { ($0.name, $0.tensor) })
            var file = SafetensorsFile(tensors: stateDict)
            file.floatStorage = dtype
            try file.write(to: URL(fileURLWithPath: output))
            return layer
        }
        print("\(pytorchModule(layer.architecture)): \(layer.parameters.count) tensors → \(output)")
    }

    private func exportONNX() throws {
        let url = URL(fileURLWithPath: model)
        let (exportable, kind) = try reportingFileErrors { try onnxExportable(url) }
        let data: Data
        do {
            data = try exportable.onnxData()
        } catch let error as ONNXExportError {
            // A forecaster trains with RevIN and the skip by default; say how to train one that exports.
            let hint =
                error.problem.contains("probabilistic")
                ? " (train a point forecaster, without --quantiles and --likelihood, with --no-revin --no-skip --head direct to export it)"
                : error.problem.contains("covariates") || error.problem.contains("encoder–decoder")
                ? " (train it without --future-features and --calendar, with --head direct --no-revin --no-skip, to export it)"
                : error.problem.contains("skip") || error.problem.contains("RevIN") || error.problem.contains("per-step")
                ? " (train it with --no-revin --no-skip --head direct to export it)" : ""
            throw usageFailure("\(model): cannot be expressed in ONNX: \(error.problem)\(hint)")
        }
        try reportingFileErrors {
            do {
                try AtomicFile.write(data, to: URL(fileURLWithPath: output))
            } catch let error as AtomicFileError {
                throw SafetensorsError(file: output, problem: error.description)
            }
        }
        print("\(kind): ONNX opset 14, \(data.count) bytes → \(output)")
    }

    /// The model in the file, as the task it was trained for records it.
    private func onnxExportable(_ url: URL) throws -> (any ONNXExportable, String) {
        let raw = try SafetensorsFile(contentsOf: url)
        switch raw.metadata["task"] {
        case ForecastModelFile.taskName?:
            return (try ForecastModelFile(contentsOf: url), "forecaster")
        case SequenceClassifierFile.taskName?:
            return (try SequenceClassifierFile(contentsOf: url), "sequence classifier")
        case TextModelFile.taskName?:
            return (try TextModelFile(contentsOf: url), "character model")
        default:
            if WindowMLP.isMLPFile(raw) { return (try WindowMLP(file: raw, name: model), "MLP") }
            let file = try ModelFile(checking: raw, name: model, nonlinearity: nil)
            return (file, file.metadata["head"] == nil ? "recurrent layer \(file.layer.architecture)" : "sequence model")
        }
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
