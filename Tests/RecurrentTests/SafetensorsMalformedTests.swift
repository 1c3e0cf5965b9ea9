import Foundation
import Recurrent
import Testing

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
