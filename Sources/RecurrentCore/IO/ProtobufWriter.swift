import Foundation

/// Writes Protocol Buffers messages in the binary wire format, field by
/// field: the few field kinds ONNX's `onnx.proto` needs.
///
/// Why a small writer rather than a dependency on swift-protobuf: an ONNX
/// file needs eight message types and write-only access to them; swift-protobuf
/// would bring a runtime library plus generated code (a `protoc` plugin run at
/// build time, about 9.5 minutes to build the plugin on the development
/// machine) into every app that links RecurrentCore. The wire format for
/// these fields is a page of code, tested here against hand-computed bytes
/// and, end to end, by `onnx.checker` and ONNX Runtime reading what it writes
/// (`scripts/verify_onnx.py`).
///
/// Wire types used: 0 (varint) for `int64`, `int32`, enums and `bool`; 1
/// (8 bytes, little-endian) for `double`; 5 (4 bytes) for `float`; 2
/// (length-delimited) for `bytes`, `string`, nested messages and packed
/// repeated numbers. Fields are written in the order the calls make them;
/// the same calls always give the same bytes.
///
/// ```swift
/// var writer = ProtobufWriter()
/// writer.int64(1, 150)           // 08 96 01
/// writer.string(2, "testing")    // 12 07 74 65 73 74 69 6e 67
/// writer.message(3) { $0.int64(1, 150) }   // 1a 03 08 96 01
/// ```
package struct ProtobufWriter: Sendable {
    /// The bytes written so far.
    package private(set) var bytes: [UInt8] = []

    package init() {}

    /// The bytes as `Data`.
    package var data: Data { Data(bytes) }

    /// A base-128 varint: seven bits per byte, least significant group
    /// first, the high bit set on every byte but the last.
    package mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7f) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// A field's key: `(field << 3) | wireType`.
    package mutating func key(_ field: Int, wireType: UInt64) {
        precondition(field >= 1 && field < 1 << 29, "ProtobufWriter: field number \(field) out of range")
        varint(UInt64(field) << 3 | wireType)
    }

    /// An `int64` (or `int32`, or enum) field: a varint of the two's
    /// complement, so a negative value takes ten bytes, as protobuf does.
    package mutating func int64(_ field: Int, _ value: Int64) {
        key(field, wireType: 0)
        varint(UInt64(bitPattern: value))
    }

    /// A `float` field: four little-endian bytes.
    package mutating func float(_ field: Int, _ value: Float) {
        key(field, wireType: 5)
        appendLittleEndian(value.bitPattern)
    }

    /// A `double` field: eight little-endian bytes.
    package mutating func double(_ field: Int, _ value: Double) {
        key(field, wireType: 1)
        appendLittleEndian(value.bitPattern)
    }

    /// A `bytes` field: the length as a varint, then the bytes.
    package mutating func bytes(_ field: Int, _ value: some Collection<UInt8>) {
        key(field, wireType: 2)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// A `string` field: its UTF-8 bytes, as ``bytes(_:_:)``.
    package mutating func string(_ field: Int, _ value: String) {
        bytes(field, Array(value.utf8))
    }

    /// A nested message: `body` writes its fields, which go out
    /// length-delimited.
    package mutating func message(_ field: Int, _ body: (inout ProtobufWriter) -> Void) {
        var inner = ProtobufWriter()
        body(&inner)
        bytes(field, inner.bytes)
    }

    /// A packed repeated `int64` field: one length-delimited run of varints.
    package mutating func packedInt64(_ field: Int, _ values: [Int64]) {
        var inner = ProtobufWriter()
        for value in values { inner.varint(UInt64(bitPattern: value)) }
        bytes(field, inner.bytes)
    }

    /// A packed repeated `float` field: one length-delimited run of
    /// four-byte little-endian values.
    package mutating func packedFloat(_ field: Int, _ values: [Float]) {
        var inner = ProtobufWriter()
        for value in values { inner.appendLittleEndian(value.bitPattern) }
        bytes(field, inner.bytes)
    }

    private mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
}
