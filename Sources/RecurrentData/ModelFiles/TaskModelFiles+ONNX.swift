import Foundation
import RecurrentCore

// The task model files as ONNX graphs: the network (see `ONNXExportable`)
// with what the task adds around it, so that the graph reads and writes the
// units a user has — a CSV file's values, class probabilities, token ids.

extension Normalization {
    /// Offsets and scales of `names`, in that order, as the graph applies them.
    func onnxScaling(_ names: [String]) -> ONNXScaling {
        let indices = names.map { columns.firstIndex(of: $0)! }
        return ONNXScaling(offsets: indices.map { Float(offsets[$0]) }, scales: indices.map { Float(scales[$0]) })
    }
}

extension ForecastModelFile: ONNXExportable {
    /// The forecaster with its normalisation inside the graph: `input`
    /// [B, T, F] in the CSV's units (the feature columns in
    /// ``SeriesOptions/features`` order; T is free, ``SeriesOptions/inputLength``
    /// as trained), optional `lengths`, `h0`, `c0`; `forecast` [B, h·K] in
    /// the CSV's units, the horizon's steps in order with the K targets
    /// innermost, and `h_n`, `c_n`. An MLP reads exactly inputLength steps.
    public func onnxData() throws -> Data {
        var options = ONNXExportOptions()
        options.inputScaling = normalization.onnxScaling(self.options.features)
        let targets = normalization.onnxScaling(self.options.targets)
        let outputs = self.options.horizon
        options.outputScaling = ONNXScaling(
            offsets: Array((0..<outputs).map { _ in targets.offsets }.joined()),
            scales: Array((0..<outputs).map { _ in targets.scales }.joined()))
        options.outputName = "forecast"
        options.documentation =
            "Recurrent forecaster: features \(self.options.features) → targets \(self.options.targets) "
            + "for \(self.options.horizon) step(s), in the CSV's units"
        options.metadata = [
            "task": Self.task, "features": try metadataJSON(self.options.features),
            "targets": try metadataJSON(self.options.targets), "horizon": String(self.options.horizon),
            "input_length": String(self.options.inputLength),
        ]
        return try network.onnxModel(options).serialized()
    }
}

extension SequenceClassifierFile: ONNXExportable {
    /// The classifier: `input` [B, T] int64 symbol ids (the alphabet's order,
    /// recorded in the metadata) or [B, T, D] raw features (normalised inside
    /// the graph), optional `lengths`, `h0`, `c0`; `logits` [B, K] and
    /// `probabilities` [B, K] (their softmax), classes in the metadata's order.
    public func onnxData() throws -> Data {
        var options = ONNXExportOptions()
        options.outputName = "logits"
        options.probabilities = true
        options.metadata = ["task": Self.task, "classes": try metadataJSON(classes)]
        switch encoding {
        case .symbols(let alphabet):
            options.metadata["alphabet"] = try metadataJSON(alphabet)
        case .features(_, let normalization?):
            options.inputScaling = normalization.onnxScaling(normalization.columns)
        case .features(_, nil):
            break
        }
        options.documentation = "Recurrent sequence classifier over classes \(classes)"
        return try network.onnxModel(options).serialized()
    }
}

extension TextModelFile: ONNXExportable {
    /// The character model: `input` [B, T] int64 symbol ids, optional
    /// `lengths`, `h0`, `c0`; `logits` [B, T, V] at every step and the state
    /// `h_n`, `c_n` — feed them back as `h0`, `c0` to generate step by step.
    /// The vocabulary is in the metadata (`vocabulary`, as in the model file).
    public func onnxData() throws -> Data {
        var options = ONNXExportOptions()
        options.outputName = "logits"
        options.documentation = "Recurrent character model over \(vocabulary.count) symbols"
        options.metadata = ["task": Self.task, "vocabulary": try metadataJSON(vocabulary)]
        return try model.onnxModel(options).serialized()
    }
}
