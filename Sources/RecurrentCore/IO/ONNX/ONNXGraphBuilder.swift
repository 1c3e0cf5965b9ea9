import Foundation

/// Why a model cannot be written as an ONNX file.
public struct ONNXExportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What ONNX cannot carry, in a phrase.
    public let problem: String

    public init(problem: String) { self.problem = problem }

    public var description: String { problem }
}

/// Appends nodes and constants to an ``ONNXGraph`` under unique value names,
/// with one method per operator the export uses (opset 14 forms).
package struct ONNXGraphBuilder {
    package private(set) var graph: ONNXGraph
    private var count = 0

    /// The largest file a protobuf parser accepts: 2 GiB − 1.
    package static let protobufLimit = Int(Int32.max)

    package init(name: String) { graph = ONNXGraph(name: name) }

    /// A value name not used before: `base` and a serial number.
    package mutating func fresh(_ base: String) -> String {
        count += 1
        return "\(base)_\(count)"
    }

    /// A graph input.
    package mutating func addInput(_ value: ONNXValueInfo) { graph.inputs.append(value) }

    /// A graph output; `value` names the node output to expose, which
    /// Identity renames to `info.name` when they differ.
    package mutating func addOutput(_ info: ONNXValueInfo, from value: String) {
        if value != info.name { node("Identity", [value], output: info.name) }
        graph.outputs.append(info)
    }

    /// A float constant; its name is `name` made unique.
    @discardableResult
    package mutating func constant(_ name: String, shape: [Int], floats: [Float]) -> String {
        let unique = fresh(name)
        graph.initializers.append(ONNXTensor(name: unique, shape: shape, floats: floats))
        return unique
    }

    /// A 1-D int64 constant (shapes, axes, indices), or a scalar when `scalar`.
    package mutating func int64s(_ name: String, _ values: [Int64], scalar: Bool = false) -> String {
        let unique = fresh(name)
        graph.initializers.append(ONNXTensor(name: unique, shape: scalar ? [] : [values.count], int64s: values))
        return unique
    }

    /// A named initializer under exactly `name`: with a graph input of the
    /// same name it is that input's default (an overridable initializer).
    package mutating func defaultValue(_ tensor: ONNXTensor) { graph.initializers.append(tensor) }

    /// One node of `op`; returns its output names (`outputs` of them, or the
    /// given names).
    @discardableResult
    package mutating func node(
        _ op: String, _ inputs: [String], _ attributes: [ONNXAttribute] = [], outputs: Int = 1, output: String? = nil
    ) -> [String] {
        let names = output.map { [$0] } ?? (0..<outputs).map { _ in fresh(op.lowercased()) }
        graph.nodes.append(ONNXNode(op, inputs: inputs, outputs: names, name: fresh("node_" + op), attributes: attributes))
        return names
    }

    /// A node with one output; returns its name.
    package mutating func op(_ op: String, _ inputs: [String], _ attributes: [ONNXAttribute] = []) -> String {
        node(op, inputs, attributes)[0]
    }

    package mutating func transpose(_ x: String, _ perm: [Int]) -> String {
        op("Transpose", [x], [ONNXAttribute("perm", .ints(perm))])
    }

    /// Reshape to `shape`, where 0 copies the input's size and −1 is inferred.
    package mutating func reshape(_ x: String, _ shape: [Int64]) -> String {
        op("Reshape", [x, int64s("shape", shape)])
    }

    package mutating func squeeze(_ x: String, axes: [Int64]) -> String {
        op("Squeeze", [x, int64s("axes", axes)])
    }

    package mutating func unsqueeze(_ x: String, axes: [Int64]) -> String {
        op("Unsqueeze", [x, int64s("axes", axes)])
    }

    package mutating func cast(_ x: String, to type: ONNXElementType) -> String {
        op("Cast", [x], [ONNXAttribute("to", .int(Int(type.rawValue)))])
    }

    /// Dimension `axis` of `x`'s shape, as an int64 scalar.
    package mutating func dimension(_ x: String, _ axis: Int) -> String {
        op("Gather", [op("Shape", [x]), int64s("axis", [Int64(axis)], scalar: true)], [ONNXAttribute("axis", .int(0))])
    }

    /// `x`'s elements from `start` to `end` along axis 0.
    package mutating func slice(_ x: String, start: Int, end: Int) -> String {
        op("Slice", [x, int64s("starts", [Int64(start)]), int64s("ends", [Int64(end)]), int64s("axes", [0])])
    }

    /// `φ(x·Wᵀ + b)` for a ``Dense`` layer, along `x`'s last axis (any rank).
    package mutating func dense(_ x: String, _ layer: Dense, name: String) -> String {
        let w = layer.weight  // [O, I]
        var y = op("MatMul", [x, constant(name + ".weight_t", shape: [w.shape[1], w.shape[0]], floats: w.transposed().scalars)])
        if let b = layer.bias { y = op("Add", [y, constant(name + ".bias", shape: b.shape, floats: b.scalars)]) }
        return activation(y, layer.activation)
    }

    /// `φ(x)` for an ``Activation``.
    package mutating func activation(_ x: String, _ activation: Activation) -> String {
        switch activation {
        case .identity: x
        case .tanh: op("Tanh", [x])
        case .sigmoid: op("Sigmoid", [x])
        case .relu: op("Relu", [x])
        case .softmax: op("Softmax", [x], [ONNXAttribute("axis", .int(-1))])
        }
    }

    /// The model around the graph, checked against protobuf's size limit.
    ///
    /// - Throws: ``ONNXExportError`` when the weights alone pass 2 GiB, which
    ///   one protobuf file cannot hold (ONNX's external-data form would be
    ///   needed; Recurrent does not write it).
    package func model(documentation: String, metadata: [String: String]) throws -> ONNXModel {
        let bytes = graph.initializers.reduce(0) { $0 + $1.rawData.count }
        guard bytes < Self.protobufLimit - (1 << 20) else {
            throw ONNXExportError(
                problem: "the weights take \(bytes) bytes, but an ONNX file is one protobuf message, "
                    + "at most 2 GiB (ONNX's external-data form is not written)")
        }
        var model = ONNXModel(graph: graph)
        model.documentation = documentation
        model.metadata = metadata
        return model
    }
}
