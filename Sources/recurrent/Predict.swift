import ArgumentParser
import Foundation
import Recurrent

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Run a model's recurrent layer over the tensors in a safetensors file.",
        discussion: """
            Letters: B batch, T time, D input features, H hidden, L layers · directions.
            INPUT holds, by PyTorch's names (batch-first):
              input    [B, T, D]  float, required
              lengths  [B]        integer dtype, each in 1…T (optional; default T)
              h0       [L, B, H]  float (optional; default zeros)
              c0       [L, B, H]  float, LSTM only (optional; default zeros)
            INPUT may instead be a NumPy .npy file holding the input [B, T, D] alone \
            (float16, float32 or float64, as numpy.save writes it). \
            OUTPUT gets output [B, T, directions·H] (zero past each length), h_n \
            [L, B, H] and, for an LSTM, c_n [L, B, H], as float32: what PyTorch's \
            module returns for pack_padded_sequence(input, lengths, \
            batch_first=True, enforce_sorted=False).
            """)

    @Option(name: .shortAndLong, help: "The model file (.safetensors): a Recurrent model or a PyTorch state_dict.")
    var model: String

    @Option(
        name: .shortAndLong,
        help: "The safetensors file holding input and, optionally, lengths, h0, c0; or a .npy file holding input alone."
    )
    var input: String

    @Option(name: .shortAndLong, help: "The safetensors file to write output, h_n and c_n to (its folder must exist).")
    var output: String

    @OptionGroup var precision: PrecisionOption

    func validate() throws {
        try validateExistingFile(model, "--model")
        try validateExistingFile(input, "--input")
        try validateOutputPath(output)
        let target = URL(fileURLWithPath: output).standardizedFileURL.path
        for (option, path) in [("--model", model), ("--input", input)]
        where URL(fileURLWithPath: path).standardizedFileURL.path == target {
            throw ValidationError("--output \(output) is also \(option); the output would overwrite it")
        }
    }

    func run() throws {
        let result = try reportingFileErrors {
            var layer = try ModelFile(contentsOf: URL(fileURLWithPath: model)).layer
            layer.precision = precision.precision
            let batch = try PredictInput(contentsOf: URL(fileURLWithPath: input), layer: layer, modelPath: model)
            let (output, state) = try layer(batch.input, lengths: batch.lengths, initialState: batch.initialState)
            var file = SafetensorsFile(tensors: ["output": output, "h_n": state.h])
            file.tensors["c_n"] = state.c
            try file.write(to: URL(fileURLWithPath: self.output))
            return file
        }
        let shapes = ["output", "h_n", "c_n"].compactMap { name in result.tensors[name].map { "\(name) \($0.shape)" } }
        print("\(shapes.joined(separator: ", ")) → \(output)")
    }
}

/// The tensors of a `predict` input file, checked against the layer; every
/// error is a ``SafetensorsError`` naming the file and the tensor.
struct PredictInput {
    var input: Tensor  // [B, T, D]
    var lengths: [Int]?  // [B]
    var initialState: RecurrentState?  // [L, B, H] each

    init(contentsOf url: URL, layer: RecurrentLayer, modelPath: String) throws {
        let path = url.relativePath
        let file =
            path.lowercased().hasSuffix(".npy")
            ? SafetensorsFile(tensors: ["input": try NumpyFile.tensor(contentsOf: url)])
            : try SafetensorsFile(contentsOf: url)
        func problem(_ tensor: String, _ text: String) -> SafetensorsError {
            SafetensorsError(file: path, tensor: tensor, problem: text)
        }
        func float(_ name: String) throws -> Tensor? {
            if file.integerTensors[name] != nil { throw problem(name, "is an integer tensor; expected a float dtype") }
            return file.tensors[name]
        }
        guard let input = try float("input") else {
            let names = (file.tensors.keys.sorted() + file.integerTensors.keys.sorted()).prefix(8)
            throw problem(
                "input",
                "missing; expected the input [B, T, D] under this name (found: \(names.isEmpty ? "no tensors" : names.joined(separator: ", ")))"
            )
        }
        let d = layer.inputSize
        guard input.rank == 3, input.shape[0] >= 1, input.shape[1] >= 1 else {
            throw problem("input", "has shape \(input.shape); expected [B, T, D] with B, T ≥ 1")
        }
        guard input.shape[2] == d else {
            throw problem(
                "input",
                "has \(input.shape[2]) features (shape \(input.shape)), but the model \(modelPath), \(layer.architecture), takes D = \(d)"
            )
        }
        if let index = input.scalars.firstIndex(where: { !$0.isFinite }) {
            throw problem("input", "element \(index) is \(input.scalars[index]); inputs must be finite")
        }
        let (b, t) = (input.shape[0], input.shape[1])
        self.input = input

        if file.tensors["lengths"] != nil {
            throw problem("lengths", "is a float tensor; expected an integer dtype (int64)")
        }
        if let lengths = file.integerTensors["lengths"] {
            guard lengths.shape == [b] else {
                throw problem("lengths", "has shape \(lengths.shape); expected [\(b)], one per sequence of input")
            }
            if let (index, bad) = lengths.values.enumerated().first(where: { $0.element < 1 || $0.element > Int64(t) })
            {
                throw problem("lengths", "element \(index) is \(bad); each length must lie in 1…\(t) (input's T)")
            }
            self.lengths = lengths.values.map { Int($0) }
        }

        let stateShape = [layer.layers * layer.directions, b, layer.hiddenSize]
        func state(_ name: String) throws -> Tensor? {
            guard let tensor = try float(name) else { return nil }
            guard tensor.shape == stateShape else {
                throw problem(
                    name, "has shape \(tensor.shape); the model \(layer.architecture) needs \(stateShape) for B = \(b)")
            }
            return tensor
        }
        let h0 = try state("h0")
        let c0 = try state("c0")
        let isLSTM: Bool = if case .lstm = layer.cell { true } else { false }
        if c0 != nil, !isLSTM {
            throw problem("c0", "only an LSTM has a cell state; the model is \(layer.architecture)")
        }
        if h0 != nil || c0 != nil {
            // PyTorch's default for a state not given: zeros.
            initialState = RecurrentState(
                h: h0 ?? .zeros(stateShape), c: isLSTM ? c0 ?? .zeros(stateShape) : nil)
        }
    }
}
