import Foundation
import Recurrent
import Testing

// Reference values come from outside Recurrent: files written by the Python
// `safetensors` package with values converted by numpy and torch
// (Fixtures/safetensors, made by scripts/make_safetensors_fixtures.py), bit
// patterns worked out by hand from the IEEE 754 / bfloat16 / OCP FP8
// definitions, and Swift's own Float16 where the platform has it.

private let fixtureFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Fixtures/safetensors")

private func fixtureURL(_ name: String) -> URL { fixtureFolder.appendingPathComponent(name) }

private func fixtureData(_ name: String) throws -> Data { try Data(contentsOf: fixtureURL(name)) }

/// A file of `header` (padded with spaces to a multiple of 8, as writers do)
/// followed by `data`; `declaredLength` overrides the length field.
private func fileBytes(header: [UInt8], data: [UInt8] = [], declaredLength: UInt64? = nil) -> Data {
    var header = header
    header += Array(repeating: UInt8(ascii: " "), count: (8 - header.count % 8) % 8)
    let length = declaredLength ?? UInt64(header.count)
    var bytes = (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) }
    bytes += header + data
    return Data(bytes)
}

private func fileBytes(header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) -> Data {
    fileBytes(header: Array(header.utf8), data: data, declaredLength: declaredLength)
}

/// A file holding one tensor `x` of `dtype` and `count` elements whose raw
/// bytes are `data`.
private func singleTensor(dtype: String, count: Int, data: [UInt8]) -> Data {
    fileBytes(header: #"{"x":{"dtype":"\#(dtype)","shape":[\#(count)],"data_offsets":[0,\#(data.count)]}}"#, data: data)
}

private func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
    values.flatMap { value in (0..<T.bitWidth / 8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
}

/// Same bits, or both NaN of the same sign (conversions may quiet a NaN).
private func sameFloat(_ a: Float, _ b: Float) -> Bool {
    a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN && a.sign == b.sign)
}

private func hex(_ value: Float) -> String { "0x" + String(value.bitPattern, radix: 16) }

/// Expects `observed` to match `expected` element by element with
/// ``sameFloat(_:_:)``, naming the first mismatch.
private func expectSameFloats(
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

private func temporaryFolder() throws -> URL {
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

/// One malformed file and what its error must say.
struct MalformedCase: Sendable, CustomTestStringConvertible {
    var label: String
    var bytes: Data
    /// The tensor the error must name, if any.
    var tensor: String?
    /// Phrases the description must contain.
    var phrases: [String]

    var testDescription: String { label }

    init(_ label: String, _ bytes: Data, tensor: String? = nil, _ phrases: String...) {
        self.label = label
        self.bytes = bytes
        self.tensor = tensor
        self.phrases = phrases
    }

    /// A header with one entry `w` whose fields are given as JSON text.
    init(_ label: String, entry: String, data: [UInt8] = [], _ phrases: String...) {
        self.label = label
        self.bytes = fileBytes(header: #"{"w":{\#(entry)}}"#, data: data)
        self.tensor = "w"
        self.phrases = phrases
    }
}

@Suite struct SafetensorsMalformedTests {
    static let f32Entry = #""dtype":"F32","shape":[1]"#
    static let four: [UInt8] = [0, 0, 128, 63]

    static func cases() -> [MalformedCase] {
        [
            MalformedCase("empty file", Data(), "file is 0 bytes", "too short"),
            MalformedCase("7 bytes", Data([8, 0, 0, 0, 0, 0, 0]), "file is 7 bytes"),
            MalformedCase("header over the cap", fileBytes(header: "{}", declaredLength: 100_000_001), "header length of 100000001", "beyond the limit of 100000000"),
            MalformedCase("header length 2^64-1", fileBytes(header: "{}", declaredLength: .max), "header length of 18446744073709551615", "beyond the limit"),
            MalformedCase("header past the end", fileBytes(header: "{}", declaredLength: 64), "header length 64 runs past the end of the file (8 bytes", "truncated"),
            MalformedCase("invalid UTF-8", fileBytes(header: [UInt8(ascii: "{"), 0xC3, 0x28, UInt8(ascii: "}")]), "not valid UTF-8 (byte 1"),
            MalformedCase("overlong UTF-8", fileBytes(header: [UInt8(ascii: "{"), 0xC0, 0xAF, UInt8(ascii: "}")]), "not valid UTF-8"),
            MalformedCase("UTF-8 surrogate", fileBytes(header: [UInt8(ascii: "{"), 0xED, 0xA0, 0x80, UInt8(ascii: "}")]), "not valid UTF-8"),
            MalformedCase("truncated JSON", fileBytes(header: #"{"w":"#), "not valid JSON", "end of the header"),
            MalformedCase("text after JSON", fileBytes(header: "{} x"), "not valid JSON", "after the JSON value"),
            MalformedCase("NUL padding", fileBytes(header: Array("{}".utf8) + [0, 0, 0, 0, 0, 0]), "not valid JSON"),
            MalformedCase("single quotes", fileBytes(header: "{'w':1}"), "not valid JSON", "expected a quoted key"),
            MalformedCase("trailing comma", fileBytes(header: #"{"a":"b",}"#), "not valid JSON"),
            MalformedCase("lone surrogate", fileBytes(header: #"{"\ud800":{}}"#), "not valid JSON", "lone surrogate"),
            MalformedCase("raw newline in key", fileBytes(header: "{\"a\nb\":{}}"), "raw control character"),
            MalformedCase("deep nesting", fileBytes(header: #"{"w":"# + String(repeating: "[", count: 100_000)), "nested deeper than 64"),
            MalformedCase("array header", fileBytes(header: "[1,2]"), "header is an array, not a JSON object"),
            MalformedCase("string header", fileBytes(header: #""hello""#), "header is a string, not a JSON object"),
            MalformedCase("entry not an object", fileBytes(header: #"{"w":5}"#), tensor: "w", "entry is the number 5", "expected an object"),
            MalformedCase("no dtype", entry: #""shape":[1],"data_offsets":[0,4]"#, data: four, "no dtype"),
            MalformedCase("no shape", entry: #""dtype":"F32","data_offsets":[0,4]"#, data: four, "no shape"),
            MalformedCase("no offsets", entry: #""dtype":"F32","shape":[1]"#, data: four, "no data_offsets"),
            MalformedCase("dtype a number", entry: #""dtype":32,"shape":[1],"data_offsets":[0,4]"#, data: four, "dtype is the number 32", "expected a string"),
            MalformedCase("unknown dtype", entry: #""dtype":"F33","shape":[1],"data_offsets":[0,4]"#, data: four, #"dtype "F33" is not supported"#, "F32"),
            MalformedCase("complex dtype", entry: #""dtype":"C64","shape":[1],"data_offsets":[0,8]"#, data: four + four, #"dtype "C64" is not supported"#),
            MalformedCase("lower-case dtype", entry: #""dtype":"f32","shape":[1],"data_offsets":[0,4]"#, data: four, #"dtype "f32" is not supported"#),
            MalformedCase("shape an object", entry: #""dtype":"F32","shape":{},"data_offsets":[0,4]"#, data: four, "shape is an object"),
            MalformedCase("negative extent", entry: #""dtype":"F32","shape":[-1],"data_offsets":[0,4]"#, data: four, "shape entry -1 is not a non-negative integer"),
            MalformedCase("fractional extent", entry: #""dtype":"F32","shape":[1.5],"data_offsets":[0,4]"#, data: four, "shape entry 1.5"),
            MalformedCase("1.0 extent", entry: #""dtype":"F32","shape":[1.0],"data_offsets":[0,4]"#, data: four, "shape entry 1.0"),
            MalformedCase("exponent extent", entry: #""dtype":"F32","shape":[1e0],"data_offsets":[0,4]"#, data: four, "shape entry 1e0"),
            MalformedCase("string extent", entry: #""dtype":"F32","shape":["1"],"data_offsets":[0,4]"#, data: four, #"shape entry "1""#),
            MalformedCase("huge extent", entry: #""dtype":"F32","shape":[99999999999999999999],"data_offsets":[0,4]"#, data: four, "shape entry 99999999999999999999", "below 2^63"),
            MalformedCase("element count overflow", entry: #""dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]"#, data: four, "shape [4294967296, 4294967296] has more elements than fit in 64 bits"),
            MalformedCase("byte count overflow", entry: #""dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,4]"#, data: four, "of F32 needs more bytes than fit in 64 bits"),
            MalformedCase("offsets a number", entry: #"\#(f32Entry),"data_offsets":4"#, data: four, "data_offsets is 4, expected two non-negative integers [begin, end]"),
            MalformedCase("one offset", entry: #"\#(f32Entry),"data_offsets":[4]"#, data: four, "data_offsets is [4]"),
            MalformedCase("three offsets", entry: #"\#(f32Entry),"data_offsets":[0,4,8]"#, data: four, "data_offsets is [0, 4, 8]"),
            MalformedCase("negative offset", entry: #"\#(f32Entry),"data_offsets":[-4,0]"#, data: four, "data_offsets entry -4"),
            MalformedCase("fractional offset", entry: #"\#(f32Entry),"data_offsets":[0,4.0]"#, data: four, "data_offsets entry 4.0"),
            MalformedCase("null offset", entry: #"\#(f32Entry),"data_offsets":[0,null]"#, data: four, "data_offsets entry null"),
            MalformedCase("begin after end", entry: #"\#(f32Entry),"data_offsets":[4,0]"#, data: four, "data_offsets [4, 0] begin after they end"),
            MalformedCase("offsets past the data", entry: #"\#(f32Entry),"data_offsets":[0,8]"#, data: four, "data_offsets [0, 8] reach past the end of the data section (4 bytes)"),
            MalformedCase("huge end offset", entry: #"\#(f32Entry),"data_offsets":[0,9223372036854775807]"#, data: four, "reach past the end of the data section"),
            MalformedCase("size mismatch", entry: #""dtype":"F32","shape":[2],"data_offsets":[0,4]"#, data: four, "data_offsets [0, 4] hold 4 bytes but shape [2] of F32 needs 8"),
            MalformedCase("F16 size mismatch", entry: #""dtype":"F16","shape":[3],"data_offsets":[0,4]"#, data: four, "shape [3] of F16 needs 6"),
            MalformedCase(
                "overlap",
                fileBytes(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, data: four + four + four),
                tensor: "b", #"data_offsets [4, 12] overlap tensor "a" at [0, 8]"#),
            MalformedCase(
                "same offsets",
                fileBytes(header: #"{"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: four),
                tensor: "b", #"overlap tensor "a""#),
            MalformedCase(
                "gap between tensors",
                fileBytes(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#, data: four + four + four),
                tensor: "b", #"leave a gap of 4 unused bytes after tensor "a""#),
            MalformedCase("gap at the start", entry: #"\#(f32Entry),"data_offsets":[4,8]"#, data: four + four, "gap of 4 unused bytes at the start of the data section"),
            MalformedCase(
                "bytes after the last tensor",
                fileBytes(header: #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: four + four),
                #"data section has 8 bytes but the tensors cover only the first 4; the 4 bytes after tensor "w" belong to no tensor"#),
            MalformedCase("data but no tensors", fileBytes(header: "{}", data: four), "the data section has 4 bytes but the header lists no tensor"),
            MalformedCase("metadata an array", fileBytes(header: #"{"__metadata__":["a"]}"#), "__metadata__ is an array, expected an object of strings"),
            MalformedCase("metadata value a number", fileBytes(header: #"{"__metadata__":{"epochs":10}}"#), #"__metadata__ value for key "epochs" is the number 10, expected a string"#),
            MalformedCase("metadata value nested", fileBytes(header: #"{"__metadata__":{"arch":{"cell":"lstm"}}}"#), #"key "arch" is an object"#),
            MalformedCase("duplicate metadata key", fileBytes(header: #"{"__metadata__":{"k":"a","k":"b"}}"#), #"__metadata__ key "k" appears more than once"#),
            MalformedCase("duplicate __metadata__", fileBytes(header: #"{"__metadata__":{},"__metadata__":{}}"#), "__metadata__ appears more than once"),
            MalformedCase(
                "duplicate tensor",
                fileBytes(header: #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: four),
                tensor: "w", "appears more than once in the header"),
            MalformedCase(
                "duplicate tensor, canonically equal names",
                fileBytes(header: "{\"\u{E9}\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"e\u{301}\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", data: four + four),
                tensor: "e\u{301}", "appears more than once"),
            MalformedCase("duplicate field", entry: #""dtype":"F32","dtype":"F64","shape":[1],"data_offsets":[0,4]"#, data: four, #"field "dtype" appears more than once"#),
            MalformedCase("BOOL byte 2", fileBytes(header: #"{"mask":{"dtype":"BOOL","shape":[2],"data_offsets":[0,2]}}"#, data: [1, 2]), tensor: "mask", "BOOL element 1 is the byte 2, not 0 or 1"),
            MalformedCase("U64 above Int64", fileBytes(header: #"{"ids":{"dtype":"U64","shape":[1],"data_offsets":[0,8]}}"#, data: Array(repeating: 0xFF, count: 8)), tensor: "ids", "U64 element 0 is 18446744073709551615"),
            MalformedCase("control characters in a name", fileBytes(header: "{\"a\\nb\\u2028\":5}"), tensor: "a\nb\u{2028}", #"tensor "a\nb\u{2028}": entry is the number 5"#),
        ]
    }

    @Test(arguments: cases())
    func malformedFileIsRejected(_ testCase: MalformedCase) {
        do {
            _ = try SafetensorsFile(data: testCase.bytes, name: "bad.safetensors")
            Issue.record("\(testCase.label): parsed without error")
        } catch let error as SafetensorsError {
            let text = error.description
            #expect(text.hasPrefix("bad.safetensors: "), "\(text)")
            #expect(!text.contains("\n") && !text.contains("\u{2028}"), "not one line: \(text)")
            #expect(error.tensor == testCase.tensor, "\(text)")
            for phrase in testCase.phrases {
                #expect(text.contains(phrase), "expected \(phrase.debugDescription) in: \(text)")
            }
        } catch {
            Issue.record("\(testCase.label): threw \(type(of: error)), not SafetensorsError: \(error)")
        }
    }

    /// Every proper prefix of a valid file is rejected, none crashes.
    @Test func everyTruncationIsRejected() throws {
        let bytes = try fixtureData("layout.safetensors")
        var accepted: [Int] = []
        for length in 0..<bytes.count {
            do {
                _ = try SafetensorsFile(data: bytes.prefix(length), name: "cut")
                accepted.append(length)
            } catch is SafetensorsError {
            } catch {
                Issue.record("length \(length): \(type(of: error)) \(error)")
            }
        }
        #expect(accepted.isEmpty, "prefixes accepted: \(accepted)")
    }

    /// Overwriting each byte of a valid file with a few hostile values either
    /// still parses or throws ``SafetensorsError``; it never crashes.
    @Test func corruptedBytesNeverCrash() throws {
        let bytes = try fixtureData("layout.safetensors")
        let replacements: [UInt8] = [0x00, 0xFF, 0x20, 0x22, 0x2C, 0x39, 0x5B, 0x7B, 0x7D]
        var rejected = 0
        for position in bytes.indices {
            for replacement in replacements + [bytes[position] ^ 0x01] where replacement != bytes[position] {
                var corrupted = bytes
                corrupted[position] = replacement
                do {
                    _ = try SafetensorsFile(data: corrupted, name: "corrupt")
                } catch is SafetensorsError {
                    rejected += 1
                } catch {
                    Issue.record("byte \(position) = \(replacement): \(type(of: error)) \(error)")
                }
            }
        }
        #expect(rejected > bytes.count)
    }

    @Test func missingFileAndFolderAreNamed() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = folder.appendingPathComponent("absent.safetensors")
        #expect(throws: SafetensorsError(file: missing.path, problem: "no such file")) {
            try SafetensorsFile(contentsOf: missing)
        }
        #expect(throws: SafetensorsError(file: folder.path, problem: "is a folder, not a file")) {
            try SafetensorsFile(contentsOf: folder)
        }
    }
}

// MARK: - Writing

@Suite struct SafetensorsWriteTests {
    @Test func nameInBothDictionariesIsRejected() {
        let file = SafetensorsFile(tensors: ["x": Tensor([1])], integerTensors: ["x": IntegerTensor([1])])
        #expect(throws: SafetensorsError(file: "safetensors data", tensor: "x", problem: "is both a float tensor and an integer tensor")) {
            try file.serialized()
        }
    }

    @Test func reservedNameIsRejected() {
        let file = SafetensorsFile(tensors: ["__metadata__": Tensor([1])])
        #expect {
            try file.serialized()
        } throws: { error in
            (error as? SafetensorsError)?.tensor == "__metadata__"
        }
    }

    @Test func overwriteReplacesWholeFileAndLeavesNoTemporaryFile() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("model.safetensors")
        try SafetensorsRoundTripTests.sample().write(to: url)
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: url.path)

        let small = SafetensorsFile(tensors: ["w": Tensor([1, 2])])
        try small.write(to: url)
        #expect(try Data(contentsOf: url) == small.serialized())
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["model.safetensors"])
        let permissions = try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int
        #expect(permissions == 0o640, "permissions of the replaced file are kept")
    }

    @Test func failedWriteLeavesNothingBehind() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = SafetensorsFile(tensors: ["w": Tensor([1])])

        let inMissingFolder = folder.appendingPathComponent("no/such/folder/model.safetensors")
        #expect {
            try file.write(to: inMissingFolder)
        } throws: { error in
            guard let error = error as? SafetensorsError else { return false }
            return error.file == inMissingFolder.path && error.problem.contains("cannot create a temporary file")
        }

        // A folder where the file should go: the rename fails after the data was written.
        let occupied = folder.appendingPathComponent("occupied")
        try FileManager.default.createDirectory(at: occupied, withIntermediateDirectories: false)
        #expect {
            try file.write(to: occupied)
        } throws: { error in
            (error as? SafetensorsError)?.problem.contains("cannot replace the file") == true
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["occupied"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: occupied.path).isEmpty)
    }
}
