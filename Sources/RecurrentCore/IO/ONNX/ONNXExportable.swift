import Foundation

/// A model that can be written as an ONNX file, to run in ONNX Runtime (or
/// behind a server that hosts ONNX models).
///
/// The graph uses the ONNX `RNN`, `LSTM` and `GRU` operators of opset 14,
/// one node per stacked layer, with PyTorch's gate blocks reordered at
/// export (ONNX's LSTM is i, o, f, c; its GRU z, r, h with
/// `linear_before_reset` = 1); it reads batch-first `input` [B, T, …] with
/// batch and time as dynamic axes, optional `lengths` [B] (int64) for ragged
/// batches, and optional initial states `h0`/`c0` [layers·directions, B, H];
/// it gives the model's output and the final states `h_n`/`c_n`. The
/// protobuf is written by Recurrent's own small writer (`ProtobufWriter`
/// says why); the same model always gives the same bytes.
///
/// ```swift
/// let file = try ModelFile(contentsOf: URL(fileURLWithPath: "lstm.safetensors"))
/// try file.exportONNX(to: URL(fileURLWithPath: "lstm.onnx"))
/// ```
/// ```python
/// import numpy as np, onnxruntime as ort
/// session = ort.InferenceSession("lstm.onnx")
/// output, h_n, c_n = session.run(None, {"input": np.zeros((4, 10, 5), np.float32)})
/// ```
public protocol ONNXExportable {
    /// The model as the bytes of an ONNX file.
    ///
    /// - Throws: ``ONNXExportError`` saying what ONNX cannot carry.
    func onnxData() throws -> Data
}

extension ONNXExportable {
    /// Writes the model as an ONNX file, atomically (see ``AtomicFile``):
    /// nothing is written when the model cannot be expressed.
    ///
    /// - Parameter url: A file URL in an existing folder.
    /// - Throws: ``ONNXExportError``, or ``AtomicFileError`` naming the file.
    public func exportONNX(to url: URL) throws {
        let data = try onnxData()
        try AtomicFile.write(data, to: url)
    }
}

extension RecurrentLayer: ONNXExportable {
    /// The layer alone: `input` [B, T, D], `lengths`, `h0`, `c0` in;
    /// `output` [B, T, directions·H] (zero past each length), `h_n`, `c_n`
    /// out — the tensors of `recurrent predict`.
    public func onnxData() throws -> Data {
        try onnxModel(documentation: "Recurrent: \(architecture)").serialized()
    }
}

extension SequenceModel: ONNXExportable {
    /// The whole model: `input` [B, T, D] float (or [B, T] int64 token ids),
    /// `lengths`, `h0`, `c0` in; `output` ([B, T, O] for every step, else
    /// [B, O]), `h_n`, `c_n` out.
    public func onnxData() throws -> Data {
        try onnxModel(ONNXExportOptions()).serialized()
    }
}

extension WindowMLP: ONNXExportable {
    /// The MLP: `input` [B, T, D] (or [B, T] int64 ids) with T = ``steps``,
    /// `lengths` in; `output` [B, O] out.
    public func onnxData() throws -> Data {
        try onnxModel(ONNXExportOptions()).serialized()
    }
}

extension ModelFile: ONNXExportable {
    /// A file with a recorded head (`head` in its metadata) as the whole
    /// ``SequenceModel``; a bare layer (such as `recurrent import` writes) as
    /// the layer.
    ///
    /// - Throws: ``ONNXExportError`` for a file holding other tensors
    ///   without a recorded head: the graph would leave them out.
    public func onnxData() throws -> Data {
        if metadata["head"] != nil {
            do {
                return try sequenceModel(name: "the model file").onnxData()
            } catch let error as SafetensorsError {
                throw ONNXExportError(problem: error.description)
            }
        }
        let others = tensors.names + integerTensors.keys.sorted()
        guard others.isEmpty else {
            throw ONNXExportError(
                problem: "holds tensors of modules Recurrent does not know (\(others.prefix(3).joined(separator: ", "))) "
                    + "and no recorded head; the ONNX graph would leave them out")
        }
        return try layer.onnxData()
    }
}
