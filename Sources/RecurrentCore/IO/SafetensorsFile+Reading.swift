import Foundation

extension SafetensorsFile {
    /// One tensor's header entry, checked on its own.
    struct Entry {
        var name: String
        var dtype: DType
        var shape: [Int]
        var count: Int
        var begin: Int
        var end: Int
    }

    /// The element type each tensor is stored as in the file's header
    /// (`F32`, `F64`, `BF16`, `I64`, …), by name: what reading converted from,
    /// since ``tensors`` and ``integerTensors`` hold `Float` and `Int64`.
    ///
    /// - Parameters:
    ///   - data: The whole file.
    ///   - name: What to call the file in errors.
    /// - Throws: ``SafetensorsError`` for a header that breaks a rule listed
    ///   under "Reading" on ``SafetensorsFile``.
    public static func storedTypes(data: Data, name: String) throws -> [String: String] {
        let (entries, _, _) = try checkedHeader([UInt8](data), name: name)
        return Dictionary(uniqueKeysWithValues: entries.map { ($0.name, $0.dtype.rawValue) })
    }

    /// Parses and checks `bytes`, throwing before anything is kept; errors
    /// name the file `file`. See "Reading" on ``SafetensorsFile``.
    init(bytes: [UInt8], name file: String) throws {
        let (entries, metadata, headerEnd) = try Self.checkedHeader(bytes, name: file)
        func failure(_ problem: String, tensor: String? = nil) -> SafetensorsError {
            SafetensorsError(file: file, tensor: tensor, problem: problem)
        }
        var tensors: [String: Tensor] = [:]
        var integerTensors: [String: IntegerTensor] = [:]
        for entry in entries {
            let base = headerEnd + entry.begin
            if entry.dtype.isFloat {
                let scalars = Self.decodeFloats(bytes, at: base, count: entry.count, dtype: entry.dtype)
                tensors[entry.name] = Tensor(shape: entry.shape, scalars: scalars)
            } else {
                let values = try Self.decodeIntegers(bytes, at: base, count: entry.count, dtype: entry.dtype) {
                    failure($0, tensor: entry.name)
                }
                integerTensors[entry.name] = IntegerTensor(shape: entry.shape, values: values)
            }
        }
        self.init(tensors: tensors, integerTensors: integerTensors, metadata: metadata)
    }

    /// The header of `bytes`, checked: its entries, its metadata, and where the data section begins.
    private static func checkedHeader(_ bytes: [UInt8], name file: String) throws -> (
        entries: [Entry], metadata: [String: String], headerEnd: Int
    ) {
        func failure(_ problem: String, tensor: String? = nil) -> SafetensorsError {
            SafetensorsError(file: file, tensor: tensor, problem: problem)
        }
        guard bytes.count >= 8 else {
            throw failure("file is \(bytes.count) bytes, too short for the 8-byte header length")
        }
        let headerLength = Self.loadUInt64(bytes, at: 0)
        guard headerLength <= UInt64(Self.maximumHeaderLength) else {
            throw failure(
                "is not a safetensors file: its first 8 bytes give a header length of \(headerLength), beyond the "
                    + "limit of \(Self.maximumHeaderLength) bytes")
        }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw failure(
                "header length \(headerLength) runs past the end of the file (\(bytes.count - 8) bytes follow the length field); the file may be truncated"
            )
        }
        let headerEnd = 8 + Int(headerLength)
        let header = Array(bytes[8..<headerEnd])
        if let offset = Self.firstInvalidUTF8(header) {
            throw failure("header is not valid UTF-8 (byte \(offset) of the header)")
        }
        let root: SafetensorsJSON.Value
        do {
            root = try SafetensorsJSON.parse(header)
        } catch {
            throw failure("header is not valid JSON: \(error.message) at byte \(error.offset) of the header")
        }
        guard case .object(let members) = root else {
            throw failure("header is \(root.kind), not a JSON object")
        }

        let dataCount = bytes.count - headerEnd
        var seen = Set<String>()
        var entries: [Entry] = []
        var metadata: [String: String] = [:]
        for (key, value) in members {
            guard seen.insert(key).inserted else {
                if key == "__metadata__" { throw failure("__metadata__ appears more than once in the header") }
                throw failure("appears more than once in the header", tensor: key)
            }
            if key == "__metadata__" {
                metadata = try Self.parseMetadata(value, failure: failure)
            } else {
                entries.append(try Self.parseEntry(name: key, value, dataCount: dataCount, failure: failure))
            }
        }
        try Self.checkTiling(entries, dataCount: dataCount, failure: failure)
        return (entries, metadata, headerEnd)
    }

    private static func parseMetadata(
        _ value: SafetensorsJSON.Value, failure: (String, String?) -> SafetensorsError
    ) throws -> [String: String] {
        guard case .object(let members) = value else {
            throw failure("__metadata__ is \(value.kind), expected an object of strings", nil)
        }
        var metadata: [String: String] = [:]
        for (key, value) in members {
            guard case .string(let text) = value else {
                throw failure(
                    "__metadata__ value for key \(SafetensorsJSON.quoted(key)) is \(value.kind), expected a string", nil
                )
            }
            guard metadata.updateValue(text, forKey: key) == nil else {
                throw failure("__metadata__ key \(SafetensorsJSON.quoted(key)) appears more than once", nil)
            }
        }
        return metadata
    }

    private static func parseEntry(
        name: String, _ value: SafetensorsJSON.Value, dataCount: Int,
        failure: (String, String?) -> SafetensorsError
    ) throws -> Entry {
        func fail(_ problem: String) -> SafetensorsError { failure(problem, name) }
        guard case .object(let fields) = value else {
            throw fail("entry is \(value.kind), expected an object with dtype, shape and data_offsets")
        }
        var dtypeValue: SafetensorsJSON.Value?
        var shapeValue: SafetensorsJSON.Value?
        var offsetsValue: SafetensorsJSON.Value?
        var fieldNames = Set<String>()
        for (field, fieldValue) in fields {
            guard fieldNames.insert(field).inserted else {
                throw fail("field \(SafetensorsJSON.quoted(field)) appears more than once")
            }
            switch field {
            case "dtype": dtypeValue = fieldValue
            case "shape": shapeValue = fieldValue
            case "data_offsets": offsetsValue = fieldValue
            default: break
            }
        }

        guard let dtypeValue else { throw fail("entry has no dtype") }
        guard case .string(let dtypeName) = dtypeValue else {
            throw fail("dtype is \(dtypeValue.kind), expected a string such as \"F32\"")
        }
        guard let dtype = DType(rawValue: dtypeName) else {
            let known = DType.allCases.map(\.rawValue).joined(separator: ", ")
            throw fail("dtype \(SafetensorsJSON.quoted(dtypeName)) is not supported (Recurrent reads \(known))")
        }

        guard let shapeValue else { throw fail("entry has no shape") }
        guard case .array(let dimensions) = shapeValue else {
            throw fail("shape is \(shapeValue.kind), expected an array of non-negative integers")
        }
        let shape = try dimensions.map { dimension in
            guard case .number(let text) = dimension, let extent = SafetensorsJSON.nonNegativeInteger(text) else {
                throw fail("shape entry \(describe(dimension)) is not a non-negative integer below 2^63")
            }
            return extent
        }
        let shapeText = "[" + shape.map(String.init).joined(separator: ", ") + "]"
        var count = 1
        for extent in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            guard !overflow else { throw fail("shape \(shapeText) has more elements than fit in 64 bits") }
            count = product
        }
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: dtype.size)
        guard !overflow else { throw fail("shape \(shapeText) of \(dtype) needs more bytes than fit in 64 bits") }

        guard let offsetsValue else { throw fail("entry has no data_offsets") }
        guard case .array(let pair) = offsetsValue, pair.count == 2 else {
            throw fail("data_offsets is \(describe(offsetsValue)), expected two non-negative integers [begin, end]")
        }
        let offsets = try pair.map { offset in
            guard case .number(let text) = offset, let position = SafetensorsJSON.nonNegativeInteger(text) else {
                throw fail("data_offsets entry \(describe(offset)) is not a non-negative integer below 2^63")
            }
            return position
        }
        let (begin, end) = (offsets[0], offsets[1])
        let offsetsText = "data_offsets [\(begin), \(end)]"
        guard begin <= end else { throw fail("\(offsetsText) begin after they end") }
        guard end <= dataCount else {
            throw fail(
                "\(offsetsText) reach past the end of the data section (\(dataCount) bytes); the file may be truncated")
        }
        guard end - begin == byteCount else {
            throw fail("\(offsetsText) hold \(end - begin) bytes but shape \(shapeText) of \(dtype) needs \(byteCount)")
        }
        return Entry(name: name, dtype: dtype, shape: shape, count: count, begin: begin, end: end)
    }

    /// A JSON value as it would read in the header, shortened for messages.
    private static func describe(_ value: SafetensorsJSON.Value) -> String {
        switch value {
        case .number(let text): text.count > 40 ? String(text.prefix(40)) + "…" : text
        case .string(let text): SafetensorsJSON.quoted(text.count > 40 ? String(text.prefix(40)) + "…" : text)
        case .array(let elements)
        where elements.count <= 4 && elements.allSatisfy({ if case .number = $0 { true } else { false } }):
            "[" + elements.map(describe).joined(separator: ", ") + "]"
        default: value.kind
        }
    }

    /// Checks that the tensors, in offset order, cover the data section
    /// exactly: the first at 0, each where the previous ended, the last at the
    /// section's end.
    private static func checkTiling(
        _ entries: [Entry], dataCount: Int, failure: (String, String?) -> SafetensorsError
    ) throws {
        let ordered = entries.sorted {
            ($0.begin, $0.end) != ($1.begin, $1.end)
                ? ($0.begin, $0.end) < ($1.begin, $1.end) : $0.name.utf8.lexicographicallyPrecedes($1.name.utf8)
        }
        var position = 0
        var previous: Entry?
        for entry in ordered {
            let offsetsText = "data_offsets [\(entry.begin), \(entry.end)]"
            if entry.begin < position, let previous {
                throw failure(
                    "\(offsetsText) overlap tensor \(SafetensorsJSON.quoted(previous.name)) at [\(previous.begin), \(previous.end)]",
                    entry.name)
            }
            if entry.begin > position {
                let after =
                    previous.map { "after tensor \(SafetensorsJSON.quoted($0.name))" }
                    ?? "at the start of the data section"
                throw failure(
                    "\(offsetsText) leave a gap of \(entry.begin - position) unused bytes \(after)", entry.name)
            }
            position = entry.end
            previous = entry
        }
        guard position == dataCount else {
            if entries.isEmpty {
                throw failure("the data section has \(dataCount) bytes but the header lists no tensor", nil)
            }
            let after = previous.map { " after tensor \(SafetensorsJSON.quoted($0.name))" } ?? ""
            throw failure(
                "the data section has \(dataCount) bytes but the tensors cover only the first \(position); the \(dataCount - position) bytes\(after) belong to no tensor",
                nil)
        }
    }

    /// The byte offset of the first invalid UTF-8 sequence, or `nil`.
    private static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded): offset += encoded.count
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }

    private static func loadUInt16(_ bytes: [UInt8], at offset: Int) -> UInt16 {
        UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    private static func loadUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
            | UInt32(bytes[offset + 3]) << 24
    }

    private static func loadUInt64(_ bytes: [UInt8], at offset: Int) -> UInt64 {
        UInt64(loadUInt32(bytes, at: offset)) | UInt64(loadUInt32(bytes, at: offset + 4)) << 32
    }

    /// `count` little-endian floats of `dtype` from `bytes[offset...]`, as `Float`.
    private static func decodeFloats(_ bytes: [UInt8], at offset: Int, count: Int, dtype: DType) -> [Float] {
        let size = dtype.size
        return (0..<count).map { index in
            let position = offset + index * size
            switch dtype {
            case .F32: return Float(bitPattern: loadUInt32(bytes, at: position))
            case .F64: return Float(Double(bitPattern: loadUInt64(bytes, at: position)))
            case .F16: return FloatConversion.float(fromFloat16Bits: loadUInt16(bytes, at: position))
            case .BF16: return FloatConversion.float(fromBFloat16Bits: loadUInt16(bytes, at: position))
            case .F8_E5M2: return FloatConversion.float(fromFloat8E5M2Bits: bytes[position])
            case .F8_E4M3: return FloatConversion.float(fromFloat8E4M3Bits: bytes[position])
            default: fatalError("decodeFloats called for \(dtype)")
            }
        }
    }

    /// `count` little-endian integers of `dtype` from `bytes[offset...]`, as `Int64`.
    private static func decodeIntegers(
        _ bytes: [UInt8], at offset: Int, count: Int, dtype: DType, failure: (String) -> SafetensorsError
    ) throws -> [Int64] {
        let size = dtype.size
        var values = [Int64](repeating: 0, count: count)
        for index in 0..<count {
            let position = offset + index * size
            switch dtype {
            case .I64: values[index] = Int64(bitPattern: loadUInt64(bytes, at: position))
            case .I32: values[index] = Int64(Int32(bitPattern: loadUInt32(bytes, at: position)))
            case .I16: values[index] = Int64(Int16(bitPattern: loadUInt16(bytes, at: position)))
            case .I8: values[index] = Int64(Int8(bitPattern: bytes[position]))
            case .U64:
                let value = loadUInt64(bytes, at: position)
                guard let exact = Int64(exactly: value) else {
                    throw failure("U64 element \(index) is \(value), larger than the largest Int64")
                }
                values[index] = exact
            case .U32: values[index] = Int64(loadUInt32(bytes, at: position))
            case .U16: values[index] = Int64(loadUInt16(bytes, at: position))
            case .U8: values[index] = Int64(bytes[position])
            case .BOOL:
                guard bytes[position] <= 1 else {
                    throw failure("BOOL element \(index) is the byte \(bytes[position]), not 0 or 1")
                }
                values[index] = Int64(bytes[position])
            default: fatalError("decodeIntegers called for \(dtype)")
            }
        }
        return values
    }
}
