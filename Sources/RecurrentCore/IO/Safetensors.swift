import Foundation

/// The contents of a safetensors file: named float tensors, named integer
/// tensors, and string metadata.
///
/// A safetensors file is an 8-byte little-endian header length `N`, then `N`
/// bytes of UTF-8 JSON mapping each tensor's name to its `dtype`, `shape` and
/// `data_offsets` (`[begin, end)`, relative to the data section) plus an
/// optional `"__metadata__"` object of strings, then the raw little-endian,
/// row-major data section. It is the format of PyTorch's
/// `safetensors.torch.save_file` and of Recurrent's model files.
///
/// ```swift
/// var file = SafetensorsFile()
/// file.tensors["weight_ih_l0"] = Tensor(shape: [4, 2], scalars: Array(repeating: 0.5, count: 8))
/// file.integerTensors["lengths"] = IntegerTensor([7, 5])
/// file.metadata["format"] = "pt"
/// try file.write(to: URL(fileURLWithPath: "model.safetensors"))
///
/// let loaded = try SafetensorsFile(contentsOf: URL(fileURLWithPath: "model.safetensors"))
/// assert(loaded == file)
/// ```
///
/// ## Reading
/// Float dtypes F32, F64, F16, BF16, F8_E5M2 and F8_E4M3 become ``Tensor``
/// values: all but F64 exactly (subnormals, infinities, signed zeros and NaN
/// payloads included), F64 rounded to the nearest `Float` (ties to even;
/// beyond `Float`'s range to ±infinity). Integer dtypes I64, I32, I16, I8, U64,
/// U32, U16, U8 and BOOL become ``IntegerTensor`` values. Other dtypes (C64,
/// F4, F6, F8_E8M0) are rejected by name.
///
/// The file is untrusted input. Reading checks, before anything is returned:
/// the file holds the 8-byte length; the header length fits the file and
/// ``maximumHeaderLength``; the header is UTF-8, well-formed JSON and an
/// object; no key appears twice (tensor names, entry fields, metadata keys;
/// names equal under Unicode canonical equivalence count as the same key, as
/// they do in a Swift dictionary; the Python library silently keeps the last
/// of two equal keys, Recurrent refuses the file);
/// each entry is an object with a supported `dtype` string, a `shape` of
/// non-negative integers whose element and byte counts fit in `Int`, and
/// `data_offsets` of two non-negative integers with begin ≤ end inside the
/// data section, spanning exactly shape × dtype size bytes; the tensors,
/// sorted by offset, tile the data section with no overlap and no gap from
/// its first byte to its last; `__metadata__` maps strings to strings; BOOL
/// bytes are 0 or 1 and U64 values fit `Int64`. Each failure is a
/// ``SafetensorsError`` naming the file, the tensor and the problem. Fields
/// other than `dtype`, `shape` and `data_offsets` in an entry are ignored, as
/// the Python library ignores them.
///
/// ## Writing
/// Integer tensors are written as I64 and float tensors as F32; the I64
/// tensors come first and each group is sorted by the UTF-8 bytes of its
/// names; metadata keys are sorted the same way and `__metadata__` is left out
/// when empty; the JSON is compact and padded with spaces to a multiple of 8
/// bytes. This is the Python library's layout (it orders tensors by dtype
/// alignment, then name), so a file of F32 and I64 tensors with at most one
/// metadata key is byte-for-byte the file `safetensors.numpy.save_file` writes;
/// with more keys Python's order of metadata follows a hash map and varies,
/// Recurrent's does not. The same contents always give the same bytes.
///
/// Equality compares elements with `==`, so a file holding a NaN is not equal
/// to itself; compare `bitPattern`s to check a round trip.
public struct SafetensorsFile: Sendable, Equatable {
    /// Float tensors by name.
    public var tensors: [String: Tensor]
    /// Integer tensors by name; a name may not also be in ``tensors``.
    public var integerTensors: [String: IntegerTensor]
    /// The header's `__metadata__`: free-form string annotations.
    public var metadata: [String: String]
    /// How ``tensors`` are written: F32 (``Precision/fp32``, the default), or
    /// BF16 (``Precision/bf16``: each value rounded to the nearest bf16, ties
    /// to even, NaN kept), half the bytes, for inference in bf16. Reading
    /// leaves it ``Precision/fp32`` whatever the file's dtypes.
    public var floatStorage: Precision = .fp32

    /// The longest header a file may declare, in bytes: 100 MB, the Python
    /// library's limit.
    public static let maximumHeaderLength = 100_000_000

    /// A file with the given contents, empty by default.
    public init(
        tensors: [String: Tensor] = [:],
        integerTensors: [String: IntegerTensor] = [:],
        metadata: [String: String] = [:]
    ) {
        self.tensors = tensors
        self.integerTensors = integerTensors
        self.metadata = metadata
    }

    /// Reads and checks the safetensors file at `url`.
    ///
    /// - Parameter url: A file URL. Errors name the file by its path.
    /// - Throws: ``SafetensorsError`` if the file cannot be read or breaks
    ///   any rule listed under "Reading" above; nothing is partly loaded.
    public init(contentsOf url: URL) throws {
        let name = url.displayName
        var isFolder: ObjCBool = false
        if url.isFileURL {
            guard FileManager.default.fileExists(atPath: name, isDirectory: &isFolder) else {
                throw SafetensorsError(file: name, problem: "no such file")
            }
            guard !isFolder.boolValue else { throw SafetensorsError(file: name, problem: "is a folder, not a file") }
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw SafetensorsError(file: name, problem: "cannot be read: \(error.localizedDescription)")
        }
        try self.init(bytes: [UInt8](data), name: name)
    }

    /// Parses and checks the bytes of a safetensors file.
    ///
    /// - Parameters:
    ///   - data: The whole file.
    ///   - name: What to call the file in errors, such as its path.
    /// - Throws: ``SafetensorsError`` for any rule listed under "Reading"
    ///   above; nothing is partly loaded.
    public init(data: Data, name: String) throws {
        try self.init(bytes: [UInt8](data), name: name)
    }

    /// The file's bytes, in the layout described under "Writing" above.
    ///
    /// - Returns: A complete safetensors file.
    /// - Throws: ``SafetensorsError`` if a name is both a float and an integer
    ///   tensor, a tensor is named `__metadata__`, or the header would exceed
    ///   ``maximumHeaderLength``.
    public func serialized() throws -> Data {
        Data(try serializedBytes(name: "safetensors data"))
    }

    /// Writes the file atomically: a reader, or a run interrupted at any
    /// moment, sees the old file or the new one, never a partial one.
    ///
    /// - Parameter url: A file URL in an existing folder.
    /// - Throws: ``SafetensorsError`` naming the file if the contents cannot be
    ///   serialized (see ``serialized()``) or the file cannot be written; the
    ///   previous file at `url`, if any, is then left unchanged.
    public func write(to url: URL) throws {
        let name = url.displayName
        let bytes = try serializedBytes(name: name)
        do {
            try AtomicFile.write(bytes, to: url)
        } catch let error as AtomicFileError {
            throw SafetensorsError(file: error.file, problem: error.problem)
        }
    }
}

extension SafetensorsFile {
    /// The element types of a safetensors file that Recurrent reads; it writes F32 (or BF16) and I64.
    enum DType: String, CaseIterable {
        case F64, F32, F16, BF16, F8_E5M2, F8_E4M3
        case I64, I32, I16, I8, U64, U32, U16, U8, BOOL

        /// Bytes per element.
        var size: Int {
            switch self {
            case .F64, .I64, .U64: 8
            case .F32, .I32, .U32: 4
            case .F16, .BF16, .I16, .U16: 2
            case .F8_E5M2, .F8_E4M3, .I8, .U8, .BOOL: 1
            }
        }

        var isFloat: Bool {
            switch self {
            case .F64, .F32, .F16, .BF16, .F8_E5M2, .F8_E4M3: true
            default: false
            }
        }
    }
}

// MARK: - Writing

extension SafetensorsFile {
    /// The file's bytes; errors name the file `file`.
    func serializedBytes(name file: String) throws -> [UInt8] {
        for name in tensors.keys where integerTensors[name] != nil {
            throw SafetensorsError(file: file, tensor: name, problem: "is both a float tensor and an integer tensor")
        }
        if tensors["__metadata__"] != nil || integerTensors["__metadata__"] != nil {
            throw SafetensorsError(
                file: file, tensor: "__metadata__", problem: "is reserved for the header's metadata, not a tensor name")
        }
        func byUTF8(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }
        let integerNames = integerTensors.keys.sorted(by: byUTF8)
        let floatNames = tensors.keys.sorted(by: byUTF8)

        var header = Array("{".utf8)
        var members = 0
        func beginMember() {
            if members > 0 { header.append(UInt8(ascii: ",")) }
            members += 1
        }
        if !metadata.isEmpty {
            beginMember()
            header += Array("\"__metadata__\":{".utf8)
            for (index, key) in metadata.keys.sorted(by: byUTF8).enumerated() {
                if index > 0 { header.append(UInt8(ascii: ",")) }
                SafetensorsJSON.appendQuoted(key, to: &header)
                header.append(UInt8(ascii: ":"))
                SafetensorsJSON.appendQuoted(metadata[key]!, to: &header)
            }
            header.append(UInt8(ascii: "}"))
        }
        var dataCount = 0
        func appendEntry(_ name: String, dtype: DType, shape: [Int], count: Int) {
            beginMember()
            let end = dataCount + count * dtype.size
            SafetensorsJSON.appendQuoted(name, to: &header)
            let shapeText = shape.map(String.init).joined(separator: ",")
            header += Array(":{\"dtype\":\"\(dtype)\",\"shape\":[\(shapeText)],\"data_offsets\":[\(dataCount),\(end)]}".utf8)
            dataCount = end
        }
        for name in integerNames {
            let tensor = integerTensors[name]!
            appendEntry(name, dtype: .I64, shape: tensor.shape, count: tensor.values.count)
        }
        let floatDType: DType = floatStorage == .bf16 ? .BF16 : .F32
        for name in floatNames {
            let tensor = tensors[name]!
            appendEntry(name, dtype: floatDType, shape: tensor.shape, count: tensor.count)
        }
        header.append(UInt8(ascii: "}"))
        header += Array(repeating: UInt8(ascii: " "), count: (8 - header.count % 8) % 8)
        guard header.count <= Self.maximumHeaderLength else {
            throw SafetensorsError(
                file: file,
                problem: "header of \(header.count) bytes exceeds the limit of \(Self.maximumHeaderLength) bytes")
        }

        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + header.count + dataCount)
        Self.appendLittleEndian(UInt64(header.count), to: &bytes)
        bytes += header
        for name in integerNames {
            for value in integerTensors[name]!.values {
                Self.appendLittleEndian(UInt64(bitPattern: value), to: &bytes)
            }
        }
        for name in floatNames {
            if floatStorage == .bf16 {
                for scalar in tensors[name]!.scalars {
                    Self.appendLittleEndian(UInt16(Float.bf16Rounded(scalar).bitPattern >> 16), to: &bytes)
                }
            } else {
                for scalar in tensors[name]!.scalars {
                    Self.appendLittleEndian(scalar.bitPattern, to: &bytes)
                }
            }
        }
        return bytes
    }

    private static func appendLittleEndian<T: FixedWidthInteger & UnsignedInteger>(_ value: T, to bytes: inout [UInt8]) {
        for shift in stride(from: 0, to: T.bitWidth, by: 8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> shift))
        }
    }
}
