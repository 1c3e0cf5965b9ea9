import Foundation
import Recurrent
import RecurrentTestSupport
import Testing

// Reference values come from outside Recurrent: files written by the Python
// `safetensors` package with values converted by numpy and torch
// (Fixtures/safetensors, made by scripts/make_safetensors_fixtures.py), bit
// patterns worked out by hand from the IEEE 754 / bfloat16 / OCP FP8
// definitions, and Swift's own Float16 where the platform has it.

let fixtureFolder = TestFixtures.folder("safetensors")

func fixtureURL(_ name: String) -> URL { fixtureFolder.appendingPathComponent(name) }

func fixtureData(_ name: String) throws -> Data { try Data(contentsOf: fixtureURL(name)) }

/// A file of `header` (padded with spaces to a multiple of 8, as writers do)
/// followed by `data`; `declaredLength` overrides the length field.
func fileBytes(header: [UInt8], data: [UInt8] = [], declaredLength: UInt64? = nil) -> Data {
    var header = header
    header += Array(repeating: UInt8(ascii: " "), count: (8 - header.count % 8) % 8)
    let length = declaredLength ?? UInt64(header.count)
    var bytes = (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) }
    bytes += header + data
    return Data(bytes)
}

func fileBytes(header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) -> Data {
    fileBytes(header: Array(header.utf8), data: data, declaredLength: declaredLength)
}

/// A file holding one tensor `x` of `dtype` and `count` elements whose raw
/// bytes are `data`.
func singleTensor(dtype: String, count: Int, data: [UInt8]) -> Data {
    fileBytes(header: #"{"x":{"dtype":"\#(dtype)","shape":[\#(count)],"data_offsets":[0,\#(data.count)]}}"#, data: data)
}

func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
    values.flatMap { value in (0..<T.bitWidth / 8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
}

/// Same bits, or both NaN of the same sign (conversions may quiet a NaN).
func sameFloat(_ a: Float, _ b: Float) -> Bool {
    a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN && a.sign == b.sign)
}

func hex(_ value: Float) -> String { "0x" + String(value.bitPattern, radix: 16) }

/// Expects `observed` to match `expected` element by element with
/// ``sameFloat(_:_:)``, naming the first mismatch.
func expectSameFloats(
    _ observed: [Float], _ expected: [Float], _ what: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(observed.count == expected.count, "\(what): \(observed.count) values, expected \(expected.count)",
        sourceLocation: sourceLocation)
    for (index, (o, e)) in zip(observed, expected).enumerated() where !sameFloat(o, e) {
        Issue.record(
            "\(what)[\(index)]: expected \(e) (\(hex(e))), observed \(o) (\(hex(o)))", sourceLocation: sourceLocation)
        return
    }
}

func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("SafetensorsTests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

// MARK: - Round trips

@Suite struct SafetensorsRoundTripTests {
    /// Every kind of content: arbitrary bit patterns (NaN payloads,
    /// signalling NaNs, subnormals, -0), rank-0 and empty tensors, integer
    /// extremes, metadata with escapes and non-ASCII text.
    static func sample() -> SafetensorsFile {
        let patterns: [UInt32] = [0x7FC0_1234, 0x7F80_0001, 0xFF80_0000, 0x8000_0000, 0x0000_0001, 0x007F_FFFF]
            + (0..<1000).map { UInt32(truncatingIfNeeded: $0 &* 2_654_435_761 &+ 12345) }
        return SafetensorsFile(
            tensors: [
                "weight_ih_l0": Tensor(shape: [2, 503], scalars: patterns.map(Float.init(bitPattern:))),
                "scalar": Tensor(shape: [], scalars: [-3.25]),
                "empty": Tensor(shape: [0, 3], scalars: []),
                "é": Tensor(shape: [1], scalars: [1]),
            ],
            integerTensors: [
                "lengths": IntegerTensor([.min, -1, 0, 1, .max]),
                "rank0": IntegerTensor(shape: [], values: [42]),
                "none": IntegerTensor(shape: [2, 0], values: []),
            ],
            metadata: [
                "architecture": #"{"cell":"lstm","hidden":[64]}"#,
                "unicode é 😀": "line\nbreak\u{0}nul \u{2028} \\ \"",
                "": "empty key",
            ])
    }

    static func expectBitIdentical(_ a: SafetensorsFile, _ b: SafetensorsFile) {
        #expect(a.tensors.keys.sorted() == b.tensors.keys.sorted())
        for (name, tensor) in a.tensors {
            guard let other = b.tensors[name] else { continue }
            #expect(tensor.shape == other.shape, "tensor \(name)")
            #expect(tensor.scalars.map(\.bitPattern) == other.scalars.map(\.bitPattern), "tensor \(name)")
        }
        #expect(a.integerTensors == b.integerTensors)
        #expect(a.metadata == b.metadata)
    }

    @Test func roundTripIsBitExact() throws {
        let original = Self.sample()
        let bytes = try original.serialized()
        let loaded = try SafetensorsFile(data: bytes, name: "sample")
        Self.expectBitIdentical(original, loaded)
        #expect(try loaded.serialized() == bytes, "re-serializing a loaded file changes its bytes")
        #expect(try original.serialized() == bytes, "serializing twice gives different bytes")
    }

    @Test func emptyFileRoundTrips() throws {
        let bytes = try SafetensorsFile().serialized()
        #expect(Array(bytes) == [8, 0, 0, 0, 0, 0, 0, 0] + Array("{}      ".utf8))
        #expect(try SafetensorsFile(data: bytes, name: "empty") == SafetensorsFile())
    }

    @Test func writeThenReadFromDisk() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("model.safetensors")
        try Self.sample().write(to: url)
        Self.expectBitIdentical(Self.sample(), try SafetensorsFile(contentsOf: url))
        #expect(try Data(contentsOf: url) == Self.sample().serialized())
    }

    @Test func headerIsPaddedToEightBytesAndDataFollows() throws {
        let bytes = Array(try Self.sample().serialized())
        let length = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect(length % 8 == 0)
        let header = String(decoding: bytes[8..<8 + length], as: UTF8.self)
        #expect(header.hasPrefix(#"{"__metadata__":{"":"empty key","architecture":"#))
        // I64 tensors first, then F32, each group in UTF-8 byte order ("é" is 0xC3 0xA9).
        let order = ["lengths", "none", "rank0", "empty", "scalar", "weight_ih_l0", "é"].map {
            header.range(of: "\"\($0)\":{\"dtype\"")!.lowerBound
        }
        #expect(order == order.sorted())
    }
}

// MARK: - Headers written by other writers

@Suite struct SafetensorsHeaderTests {
    /// Whitespace and newlines, escapes (`\/`, `\u00e9`, a surrogate pair),
    /// entries out of offset order, unknown fields, mixed dtypes at
    /// unaligned offsets: all valid, all read.
    @Test func acceptsAnyValidHeader() throws {
        let header = """
            {
              "b\\u00e9\\/\\ud83d\\ude00" : { "shape" : [ 1 ], "data_offsets" : [ 2, 6 ], "dtype" : "F32", "extra": [null, true] },
              "__metadata__": {"k\\n": "v\\u0041"},
              "a": {"dtype": "F16", "shape": [], "data_offsets": [0, 2]},
              "i": {"dtype": "I8", "shape": [2, 1], "data_offsets": [6, 8]}
            }\t\r\n
            """
        let data: [UInt8] = [0x00, 0x3C] + littleEndianBytes([Float(-1.5).bitPattern]) + [0xFF, 0x05]
        let file = try SafetensorsFile(data: fileBytes(header: header, data: data), name: "other")
        #expect(file.tensors["a"] == Tensor(1))
        #expect(file.tensors["bé/😀"] == Tensor([-1.5]))
        #expect(file.integerTensors["i"] == IntegerTensor(shape: [2, 1], values: [-1, 5]))
        #expect(file.metadata == ["k\n": "vA"])
    }
}

// MARK: - Files written by the Python safetensors package

@Suite struct SafetensorsPythonFixtureTests {
    @Test func float16AndFloat64MatchNumpy() throws {
        let file = try SafetensorsFile(contentsOf: fixtureURL("floats.safetensors"))
        let f16 = try #require(file.tensors["f16"])
        #expect(f16.shape == [224])
        expectSameFloats(f16.scalars, try #require(file.tensors["f16_as_f32"]).scalars, "f16")
        expectSameFloats(
            try #require(file.tensors["f64"]).scalars, try #require(file.tensors["f64_as_f32"]).scalars, "f64")

        let f32 = try #require(file.tensors["f32"])
        let bits = try #require(file.integerTensors["f32_bits"])
        #expect(f32.scalars.map { Int64($0.bitPattern) } == bits.values)

        let matrix = try #require(file.tensors["matrix_f64"])
        #expect(matrix.shape == [2, 3])
        #expect(matrix.scalars == [0, 0.125, 0.25, 0.375, 0.5, 0.625])

        #expect(file.metadata["generated_by"] == "scripts/make_safetensors_fixtures.py")
        #expect(file.metadata["note"] == "é \"quoted\" back\\slash /slash\nnew line \t tab \u{1} \u{2028} 😀")
    }

    @Test func bfloat16AndFloat8MatchTorch() throws {
        let file = try SafetensorsFile(contentsOf: fixtureURL("bfloat16.safetensors"))
        for name in ["bf16", "f8_e4m3", "f8_e5m2"] {
            let converted = try #require(file.tensors[name], "fixture lacks \(name)")
            let reference = try #require(file.tensors[name + "_as_f32"])
            expectSameFloats(converted.scalars, reference.scalars, name)
        }
        #expect(file.tensors["f8_e4m3"]?.shape == [256])
    }

    @Test func integerDtypesWidenToInt64() throws {
        let file = try SafetensorsFile(contentsOf: fixtureURL("integers.safetensors"))
        let expected: [String: IntegerTensor] = [
            "i64": IntegerTensor([.min, -1, 0, 1, .max]),
            "i32": IntegerTensor([Int64(Int32.min), -1, 0, Int64(Int32.max)]),
            "i16": IntegerTensor([-32768, -1, 32767]),
            "i8": IntegerTensor([-128, -1, 127]),
            "u64": IntegerTensor([0, .max]),
            "u32": IntegerTensor([0, 4_294_967_295]),
            "u16": IntegerTensor([0, 65535]),
            "u8": IntegerTensor(shape: [1, 3], values: [0, 1, 255]),
            "bool": IntegerTensor([1, 0, 1]),
        ]
        #expect(file.integerTensors == expected)
        #expect(file.tensors.isEmpty)
    }

    /// The tensors of `layout.safetensors`, built by hand (see `layout_tensors`
    /// in the script).
    static let layout = SafetensorsFile(
        tensors: [
            "weight_ih_l0": Tensor(shape: [4, 3], scalars: (0..<12).map { Float($0) * 0.25 - 1 }),
            "bias_ih_l0": Tensor([0.5, -0.5, .infinity, -0.0]),
            "Z": Tensor(2.5),
            "empty": Tensor(shape: [0, 3], scalars: []),
            "odd é \"q\" \\ / \n\t\u{1}": Tensor([1, 2]),
        ],
        integerTensors: [
            "lengths": IntegerTensor([3, 1, 2]),
            "labels": IntegerTensor(shape: [2, 2], values: [0, -1, 7, 1 << 40]),
        ],
        metadata: ["format": "pt"])

    @Test func serializerWritesPythonsBytes() throws {
        #expect(try Self.layout.serialized() == fixtureData("layout.safetensors"))
        let noMetadata = SafetensorsFile(tensors: ["b": Tensor([1, 2, 3]), "a": Tensor([4])])
        #expect(try noMetadata.serialized() == fixtureData("layout_no_metadata.safetensors"))
        #expect(try SafetensorsFile().serialized() == fixtureData("empty.safetensors"))
    }

    @Test(arguments: ["layout.safetensors", "layout_no_metadata.safetensors", "empty.safetensors"])
    func pythonFilesSurviveReadAndWrite(_ name: String) throws {
        let bytes = try fixtureData(name)
        #expect(try SafetensorsFile(data: bytes, name: name).serialized() == bytes)
    }

    @Test func layoutFixtureReadsAsBuiltByHand() throws {
        let file = try SafetensorsFile(contentsOf: fixtureURL("layout.safetensors"))
        SafetensorsRoundTripTests.expectBitIdentical(file, Self.layout)
    }
}

// MARK: - Conversions

@Suite struct SafetensorsConversionTests {
    static func decode(dtype: String, _ data: [UInt8], count: Int) throws -> [Float] {
        let file = try SafetensorsFile(data: singleTensor(dtype: dtype, count: count, data: data), name: dtype)
        return try #require(file.tensors["x"]).scalars
    }

    static func decode16(dtype: String, _ patterns: [UInt16]) throws -> [Float] {
        try decode(dtype: dtype, littleEndianBytes(patterns), count: patterns.count)
    }

    /// binary16 by hand: value = (−1)^s × 2^(e−15) × 1.m, subnormals
    /// m × 2⁻²⁴, e = 31 infinities and NaNs (payload moved to the top of
    /// Float's significand).
    @Test func float16BitPatterns() throws {
        let cases: [(UInt16, Float)] = [
            (0x0000, 0), (0x8000, -0.0), (0x0001, 0x1p-24), (0x8001, -0x1p-24), (0x03FF, 1023 * 0x1p-24),
            (0x0400, 0x1p-14), (0x3C00, 1), (0x3C01, 1 + 0x1p-10), (0xC000, -2), (0x3555, 0.333251953125),
            (0x7BFF, 65504), (0xFBFF, -65504), (0x7C00, .infinity), (0xFC00, -.infinity),
            (0x7E00, Float(bitPattern: 0x7FC0_0000)), (0x7C01, Float(bitPattern: 0x7F80_2000)),
            (0xFE00, Float(bitPattern: 0xFFC0_0000)),
        ]
        let observed = try Self.decode16(dtype: "F16", cases.map(\.0))
        for ((bits, expected), value) in zip(cases, observed) {
            #expect(value.bitPattern == expected.bitPattern, "F16 0x\(String(bits, radix: 16)): expected \(hex(expected)), observed \(hex(value))")
        }
    }

    @Test func bfloat16BitPatterns() throws {
        let cases: [(UInt16, Float)] = [
            (0x0000, 0), (0x8000, -0.0), (0x3F80, 1), (0xBF80, -1), (0x4049, 3.140625), (0x0001, 0x1p-133),
            (0x0080, 0x1p-126), (0x7F7F, 0x1.FEp127), (0x7F80, .infinity), (0xFF80, -.infinity),
            (0x7FC0, Float(bitPattern: 0x7FC0_0000)), (0x7F81, Float(bitPattern: 0x7F81_0000)),
        ]
        let observed = try Self.decode16(dtype: "BF16", cases.map(\.0))
        for ((bits, expected), value) in zip(cases, observed) {
            #expect(value.bitPattern == expected.bitPattern, "BF16 0x\(String(bits, radix: 16)): expected \(hex(expected)), observed \(hex(value))")
        }
    }

    /// OCP FP8: E4M3FN has bias 7, no infinities, S.1111.111 NaN, max 448;
    /// E5M2 is binary16's top byte.
    @Test func float8BitPatterns() throws {
        let e4m3: [(UInt8, Float)] = [
            (0x00, 0), (0x80, -0.0), (0x01, 0x1p-9), (0x07, 7 * 0x1p-9), (0x08, 0x1p-6), (0x38, 1),
            (0x7E, 448), (0xFE, -448), (0x78, 256),
        ]
        let observed = try Self.decode(dtype: "F8_E4M3", e4m3.map(\.0), count: e4m3.count)
        #expect(observed.map(\.bitPattern) == e4m3.map(\.1.bitPattern))
        let nans = try Self.decode(dtype: "F8_E4M3", [0x7F, 0xFF], count: 2)
        #expect(nans[0].isNaN && nans[0].sign == .plus && nans[1].isNaN && nans[1].sign == .minus)

        let e5m2: [(UInt8, Float)] = [
            (0x3C, 1), (0x01, 0x1p-16), (0x7B, 57344), (0x7C, .infinity), (0xFC, -.infinity), (0x80, -0.0),
        ]
        #expect(try Self.decode(dtype: "F8_E5M2", e5m2.map(\.0), count: e5m2.count).map(\.bitPattern)
            == e5m2.map(\.1.bitPattern))
    }

    /// Round to nearest, ties to even, worked out by hand on the binary
    /// expansions: Float keeps 24 significant bits.
    @Test func float64RoundsToNearestEven() throws {
        let cases: [(Double, Float)] = [
            (1 + 0x1p-24, 1),  // halfway, even is 1
            (1 + 0x1.8p-23, 1 + 0x1p-22),  // halfway between 1+2⁻²³ and 1+2⁻²², even is the latter
            (1 + 0x1p-24 + 0x1p-50, 1 + 0x1p-23),  // above halfway
            (0x1p-149, 0x1p-149),  // smallest subnormal, exact
            (0x1p-150, 0),  // halfway to the smallest subnormal, even is 0
            (-0x1p-150, -0.0),
            (0x1.8p-149, 0x1p-148),  // halfway between 1 and 2 × 2⁻¹⁴⁹
            (0x1.fffffefffffffp127, .greatestFiniteMagnitude),
            (0x1.ffffffp127, .infinity),  // halfway to 2¹²⁸, even rounds up and overflows
            (-1e300, -.infinity),
            (0.1, 0x1.99999ap-4),
        ]
        let data = littleEndianBytes(cases.map(\.0.bitPattern))
        let observed = try Self.decode(dtype: "F64", data, count: cases.count)
        for ((input, expected), value) in zip(cases, observed) {
            #expect(value.bitPattern == expected.bitPattern, "F64 \(input): expected \(hex(expected)), observed \(hex(value))")
        }
    }

    /// Every binary16 bit pattern against the platform's own `Float16`
    /// (absent on macOS on Intel).
    #if !((os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64))
    @Test func everyFloat16MatchesSwiftFloat16() throws {
        let patterns = (0...UInt16.max).map { $0 }
        let observed = try Self.decode16(dtype: "F16", patterns)
        var mismatches = 0
        for (bits, value) in zip(patterns, observed) {
            let expected = Float(Float16(bitPattern: bits))
            if !sameFloat(value, expected) {
                mismatches += 1
                if mismatches <= 5 {
                    Issue.record("F16 0x\(String(bits, radix: 16)): expected \(hex(expected)), observed \(hex(value))")
                }
            }
        }
        #expect(mismatches == 0)
    }
    #endif
}

// MARK: - Malformed files
