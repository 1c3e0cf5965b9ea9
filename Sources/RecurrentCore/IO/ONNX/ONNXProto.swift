import Foundation

// The messages of ONNX's `onnx.proto` that an exported model uses, with the
// field numbers of that file (onnx 1.23's copy; they never change once
// published). Each type writes itself with ``ProtobufWriter``; only the
// fields Recurrent sets are modelled.

/// `TensorProto.DataType`: the element types an exported graph uses.
package enum ONNXElementType: Int64, Sendable {
    case float = 1
    case int32 = 6
    case int64 = 7
    case bool = 9
}

/// `TensorProto`: a named constant (an initializer), its data as `raw_data`
/// (little-endian, row-major).
package struct ONNXTensor: Sendable, Equatable {
    package var name: String
    package var elementType: ONNXElementType
    package var dims: [Int]
    /// The little-endian bytes of the elements.
    package var rawData: [UInt8]

    /// A float tensor of `shape` holding `values`, row-major.
    package init(name: String, shape: [Int], floats values: [Float]) {
        precondition(values.count == shape.reduce(1, *), "ONNXTensor \(name): \(values.count) values for \(shape)")
        self.name = name
        elementType = .float
        dims = shape
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.count * 4)
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        rawData = bytes
    }

    /// An int64 tensor of `shape` holding `values`, row-major.
    package init(name: String, shape: [Int], int64s values: [Int64]) {
        precondition(values.count == shape.reduce(1, *), "ONNXTensor \(name): \(values.count) values for \(shape)")
        self.name = name
        elementType = .int64
        dims = shape
        var bytes: [UInt8] = []
        for value in values { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
        rawData = bytes
    }

    func write(to writer: inout ProtobufWriter) {
        writer.packedInt64(1, dims.map(Int64.init))  // dims
        writer.int64(2, elementType.rawValue)  // data_type
        writer.string(8, name)  // name
        writer.bytes(9, rawData)  // raw_data
    }
}

/// One dimension of a `TensorShapeProto`: a fixed size or a named dynamic one.
package enum ONNXDimension: Sendable, Equatable, ExpressibleByIntegerLiteral, ExpressibleByStringLiteral {
    /// `dim_value`.
    case fixed(Int)
    /// `dim_param`: a symbol such as `batch`; equal symbols are equal sizes.
    case symbol(String)

    package init(integerLiteral value: Int) { self = .fixed(value) }
    package init(stringLiteral value: String) { self = .symbol(value) }
}

/// `ValueInfoProto` of a tensor: a graph input's or output's name, element
/// type and shape.
package struct ONNXValueInfo: Sendable, Equatable {
    package var name: String
    package var elementType: ONNXElementType
    package var shape: [ONNXDimension]
    package var documentation: String

    package init(name: String, elementType: ONNXElementType = .float, shape: [ONNXDimension], documentation: String = "") {
        self.name = name
        self.elementType = elementType
        self.shape = shape
        self.documentation = documentation
    }

    func write(to writer: inout ProtobufWriter) {
        writer.string(1, name)  // name
        writer.message(2) { type in  // type: TypeProto
            type.message(1) { tensor in  // tensor_type: TypeProto.Tensor
                tensor.int64(1, elementType.rawValue)  // elem_type
                tensor.message(2) { shapeProto in  // shape: TensorShapeProto
                    for dimension in shape {
                        shapeProto.message(1) { dim in  // dim
                            switch dimension {
                            case .fixed(let size): dim.int64(1, Int64(size))  // dim_value
                            case .symbol(let name): dim.string(2, name)  // dim_param
                            }
                        }
                    }
                }
            }
        }
        if !documentation.isEmpty { writer.string(3, documentation) }  // doc_string
    }
}

/// `AttributeProto`: a node's named constant argument.
package struct ONNXAttribute: Sendable, Equatable {
    package enum Value: Sendable, Equatable {
        case float(Float)
        case int(Int)
        case string(String)
        case tensor(ONNXTensor)
        case floats([Float])
        case ints([Int])
        case strings([String])
    }

    package var name: String
    package var value: Value

    package init(_ name: String, _ value: Value) {
        self.name = name
        self.value = value
    }

    func write(to writer: inout ProtobufWriter) {
        writer.string(1, name)  // name
        // AttributeType: FLOAT 1, INT 2, STRING 3, TENSOR 4, FLOATS 6, INTS 7, STRINGS 8.
        switch value {
        case .float(let f):
            writer.float(2, f)  // f
            writer.int64(20, 1)  // type
        case .int(let i):
            writer.int64(3, Int64(i))  // i
            writer.int64(20, 2)
        case .string(let s):
            writer.string(4, s)  // s
            writer.int64(20, 3)
        case .tensor(let t):
            writer.message(5) { t.write(to: &$0) }  // t
            writer.int64(20, 4)
        case .floats(let fs):
            writer.packedFloat(7, fs)  // floats
            writer.int64(20, 6)
        case .ints(let values):
            writer.packedInt64(8, values.map(Int64.init))  // ints
            writer.int64(20, 7)
        case .strings(let values):
            for s in values { writer.string(9, s) }  // strings
            writer.int64(20, 8)
        }
    }
}

/// `NodeProto`: one operator applied to named values.
package struct ONNXNode: Sendable, Equatable {
    package var opType: String
    package var inputs: [String]
    package var outputs: [String]
    package var name: String
    package var attributes: [ONNXAttribute]

    package init(_ opType: String, inputs: [String], outputs: [String], name: String, attributes: [ONNXAttribute] = []) {
        self.opType = opType
        self.inputs = inputs
        self.outputs = outputs
        self.name = name
        self.attributes = attributes
    }

    func write(to writer: inout ProtobufWriter) {
        for input in inputs { writer.string(1, input) }  // input
        for output in outputs { writer.string(2, output) }  // output
        writer.string(3, name)  // name
        writer.string(4, opType)  // op_type
        for attribute in attributes { writer.message(5) { attribute.write(to: &$0) } }  // attribute
    }
}

/// `GraphProto`: nodes in topological order, constants, inputs, outputs.
package struct ONNXGraph: Sendable, Equatable {
    package var name: String
    package var nodes: [ONNXNode] = []
    package var initializers: [ONNXTensor] = []
    package var inputs: [ONNXValueInfo] = []
    package var outputs: [ONNXValueInfo] = []
    package var documentation: String = ""

    package init(name: String) { self.name = name }

    func write(to writer: inout ProtobufWriter) {
        for node in nodes { writer.message(1) { node.write(to: &$0) } }  // node
        writer.string(2, name)  // name
        for tensor in initializers { writer.message(5) { tensor.write(to: &$0) } }  // initializer
        if !documentation.isEmpty { writer.string(10, documentation) }  // doc_string
        for value in inputs { writer.message(11) { value.write(to: &$0) } }  // input
        for value in outputs { writer.message(12) { value.write(to: &$0) } }  // output
    }
}

/// `ModelProto`: the file. IR version 7 is the one that goes with opset 14
/// (ONNX 1.9); the default domain's opset is ``ONNXModel/opsetVersion``.
package struct ONNXModel: Sendable, Equatable {
    package var graph: ONNXGraph
    package var producerName = "Recurrent"
    package var producerVersion = "1"
    package var documentation = ""
    /// `metadata_props`, written sorted by key.
    package var metadata: [String: String] = [:]

    /// Opset 14, a documented choice: the first opset whose `RNN`, `LSTM` and
    /// `GRU` (revised in 14) and `Reshape`, `Squeeze`, `Unsqueeze`, `ReduceSum`
    /// (axes as inputs since 13) have their current form; ONNX Runtime has
    /// run it since 1.8, and every later runtime reads it.
    package static let opsetVersion = 14
    /// The IR version that goes with opset 14.
    package static let irVersion = 7

    package init(graph: ONNXGraph) { self.graph = graph }

    /// The model's protobuf bytes: the same model always gives the same bytes.
    package func serialized() -> Data {
        var writer = ProtobufWriter()
        writer.int64(1, Int64(Self.irVersion))  // ir_version
        writer.string(2, producerName)  // producer_name
        writer.string(3, producerVersion)  // producer_version
        if !documentation.isEmpty { writer.string(6, documentation) }  // doc_string
        writer.message(7) { graph.write(to: &$0) }  // graph
        writer.message(8) { opset in  // opset_import: OperatorSetIdProto
            opset.string(1, "")  // domain: the default, ai.onnx
            opset.int64(2, Int64(Self.opsetVersion))  // version
        }
        for key in metadata.keys.sorted() {
            writer.message(14) { entry in  // metadata_props: StringStringEntryProto
                entry.string(1, key)
                entry.string(2, metadata[key]!)
            }
        }
        return writer.data
    }
}
