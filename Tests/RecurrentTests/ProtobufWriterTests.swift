import Foundation
import Testing

@testable import RecurrentCore

/// The protobuf writer's bytes against values worked out by hand from the
/// wire-format specification (protobuf.dev/programming-guides/encoding).
@Suite struct ProtobufWriterTests {
    static func written(_ body: (inout ProtobufWriter) -> Void) -> [UInt8] {
        var writer = ProtobufWriter()
        body(&writer)
        return writer.bytes
    }

    @Test func varintsUseSevenBitsPerByteLowGroupFirst() {
        #expect(Self.written { $0.varint(0) } == [0x00])
        #expect(Self.written { $0.varint(1) } == [0x01])
        #expect(Self.written { $0.varint(127) } == [0x7f])
        #expect(Self.written { $0.varint(128) } == [0x80, 0x01])
        // 300 = 0b10_0101100: 0101100 | 0x80, then 10.
        #expect(Self.written { $0.varint(300) } == [0xac, 0x02])
        #expect(Self.written { $0.varint(UInt64.max) } == [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])
    }

    @Test func int64FieldsAreKeyThenVarint() {
        // Key of field 1, wire type 0: 0x08; 150 = 0x96 0x01 (the guide's example).
        #expect(Self.written { $0.int64(1, 150) } == [0x08, 0x96, 0x01])
        #expect(Self.written { $0.int64(2, 0) } == [0x10, 0x00])
        // Negative: the 64-bit two's complement, ten bytes.
        #expect(
            Self.written { $0.int64(1, -1) } == [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])
        // Field 16 needs a two-byte key: 16 << 3 = 128 = 0x80 0x01.
        #expect(Self.written { $0.int64(16, 3) } == [0x80, 0x01, 0x03])
    }

    @Test func floatsAndDoublesAreLittleEndianFixedWidth() {
        // 1.0f = 0x3f800000; key of field 2, wire type 5: 0x15.
        #expect(Self.written { $0.float(2, 1) } == [0x15, 0x00, 0x00, 0x80, 0x3f])
        // -2.5f = 0xc0200000.
        #expect(Self.written { $0.float(1, -2.5) } == [0x0d, 0x00, 0x00, 0x20, 0xc0])
        // 1.0 = 0x3ff0000000000000; key of field 3, wire type 1: 0x19.
        #expect(Self.written { $0.double(3, 1) } == [0x19, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f])
    }

    @Test func stringsAndBytesAreLengthDelimited() {
        // The guide's example: field 2 = "testing".
        #expect(Self.written { $0.string(2, "testing") } == [0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67])
        #expect(Self.written { $0.string(1, "") } == [0x0a, 0x00])
        // UTF-8: "é" is c3 a9.
        #expect(Self.written { $0.string(1, "é") } == [0x0a, 0x02, 0xc3, 0xa9])
        #expect(Self.written { $0.bytes(9, [1, 2, 3]) } == [0x4a, 0x03, 0x01, 0x02, 0x03])
        // A 200-byte payload has a two-byte length: 200 = 0xc8 0x01.
        let long = Self.written { $0.bytes(1, [UInt8](repeating: 7, count: 200)) }
        #expect(Array(long.prefix(3)) == [0x0a, 0xc8, 0x01])
        #expect(long.count == 203)
    }

    @Test func nestedMessagesAreLengthDelimitedTheirFields() {
        // The guide's example: field 3 holding a message whose field 1 is 150.
        #expect(Self.written { $0.message(3) { $0.int64(1, 150) } } == [0x1a, 0x03, 0x08, 0x96, 0x01])
        let twoLevels = Self.written { outer in
            outer.message(1) { middle in
                middle.string(2, "a")
                middle.message(3) { $0.int64(1, 1) }
            }
        }
        #expect(twoLevels == [0x0a, 0x07, 0x12, 0x01, 0x61, 0x1a, 0x02, 0x08, 0x01])
        #expect(Self.written { $0.message(5) { _ in } } == [0x2a, 0x00])
    }

    @Test func packedRepeatedFieldsAreOneRun() {
        // The guide's example: field 4 packed [3, 270, 86942] = 22 06 03 8e 02 9e a7 05.
        #expect(Self.written { $0.packedInt64(4, [3, 270, 86942]) } == [0x22, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05])
        #expect(
            Self.written { $0.packedFloat(4, [1, -2]) } == [0x22, 0x08, 0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0])
        #expect(Self.written { $0.packedInt64(1, []) } == [0x0a, 0x00])
    }

    @Test func fieldsFollowInTheOrderWritten() {
        let bytes = Self.written {
            $0.int64(1, 7)
            $0.string(2, "x")
            $0.float(3, 0)
        }
        #expect(bytes == [0x08, 0x07, 0x12, 0x01, 0x78, 0x1d, 0x00, 0x00, 0x00, 0x00])
    }
}
