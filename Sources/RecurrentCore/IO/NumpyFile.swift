import Foundation

/// One array in NumPy's `.npy` format (versions 1.0, 2.0 and 3.0), as written
/// by `numpy.save`: the way to hand a single tensor to `recurrent predict`
/// from any tool that speaks NumPy.
///
/// ## Layout
/// The magic `\x93NUMPY`, a major and minor version byte, the header length
/// (2 bytes little-endian in version 1, 4 bytes in 2 and 3), then the header:
/// a Python dict literal `{'descr': '<f4', 'fortran_order': False, 'shape':
/// (2, 3, 4), }` padded with spaces and a line break, then the data in C
/// order.
///
/// Reading accepts float arrays (`f2`, `f4`, `f8`, little- or big-endian,
/// converted to `Float`) in C order, of any rank; anything else — another
/// dtype, Fortran order, a header that does not parse, data shorter or
/// longer than the shape says — is a ``SafetensorsError`` naming the file and
/// the problem. Writing gives version 1.0, `<f4`.
///
/// ```swift
/// let x = try NumpyFile.tensor(contentsOf: URL(fileURLWithPath: "input.npy"))   // [B, T, D]
/// try NumpyFile.data(x).write(to: URL(fileURLWithPath: "copy.npy"))
/// ```
public enum NumpyFile {
    private static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY

    /// The array in the `.npy` file at `url`.
    ///
    /// - Throws: ``SafetensorsError`` naming the file, as described above.
    public static func tensor(contentsOf url: URL) throws -> Tensor {
        let name = url.displayName
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw SafetensorsError(file: name, problem: "cannot be read: \(error.localizedDescription)")
        }
        return try tensor(data: data, name: name)
    }

    /// What a `.npy` file's header says about its array.
    public struct Header: Sendable, Equatable {
        /// The dtype as NumPy writes it: `<f4`, `>f8`, `<f2`.
        public var dtype: String
        /// The array's shape, C order.
        public var shape: [Int]
    }

    /// The header of `data`, a whole `.npy` file, after every check that
    /// ``tensor(data:name:)`` makes; errors call the file `name`.
    ///
    /// - Parameters:
    ///   - data: The whole file.
    ///   - name: What to call the file in errors.
    /// - Throws: ``SafetensorsError`` naming the file, as ``tensor(data:name:)`` does.
    public static func header(data: Data, name: String) throws -> Header {
        let bytes = [UInt8](data)
        let (descr, shape, _) = try checkedHeader(bytes, name: name)
        return Header(dtype: descr, shape: shape)
    }

    /// The array in `data`, a whole `.npy` file; errors call it `name`.
    public static func tensor(data: Data, name: String) throws -> Tensor {
        let bytes = [UInt8](data)
        let (descr, shape, dataStart) = try checkedHeader(bytes, name: name)
        let width = Int(descr.dropFirst(2))!
        let count = shape.reduce(1, *)
        let bigEndian = descr.first == ">"
        return Tensor(
            shape: shape, scalars: decoded(bytes, from: dataStart, count: count, width: width, bigEndian: bigEndian))
    }

    /// The checked dtype, shape and data offset of the file in `bytes`; errors name the file `name`.
    private static func checkedHeader(_ bytes: [UInt8], name: String) throws -> (String, [Int], Int) {
        func fail(_ problem: String) -> SafetensorsError { SafetensorsError(file: name, problem: problem) }
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw fail("is not a .npy file (it does not begin with \\x93NUMPY)")
        }
        let major = bytes[6]
        let lengthBytes: Int
        switch major {
        case 1: lengthBytes = 2
        case 2, 3: lengthBytes = 4
        default: throw fail("has .npy format version \(major).\(bytes[7]); this build reads 1.0, 2.0 and 3.0")
        }
        guard bytes.count >= 8 + lengthBytes else { throw fail("is truncated inside its header length") }
        var headerLength = 0
        for i in 0..<lengthBytes { headerLength |= Int(bytes[8 + i]) << (8 * i) }
        let dataStart = 8 + lengthBytes + headerLength
        guard dataStart <= bytes.count else {
            throw fail("says its header is \(headerLength) bytes, but the file is \(bytes.count) bytes")
        }
        let header = String(decoding: bytes[(8 + lengthBytes)..<dataStart], as: UTF8.self)
        guard let descr = quotedValue(of: "descr", in: header) else {
            throw fail("header \(header.trimmingCharacters(in: .whitespacesAndNewlines)) has no 'descr'")
        }
        guard let fortran = literal(of: "fortran_order", in: header), ["True", "False"].contains(fortran) else {
            throw fail("header has no 'fortran_order' True or False")
        }
        guard fortran == "False" else {
            throw fail("holds a Fortran-order array; save it in C order (numpy.ascontiguousarray)")
        }
        guard let shape = shape(in: header) else { throw fail("header has no 'shape' tuple of whole numbers") }
        let endian = descr.first
        let kind = descr.dropFirst()
        guard ["<", ">", "="].contains(endian), ["f2", "f4", "f8"].contains(kind) else {
            throw fail("holds dtype '\(descr)'; expected float16, float32 or float64 ('<f2', '<f4', '<f8')")
        }
        let width = Int(kind.dropFirst())!
        // Every partial product must fit, even when a later dimension is 0:
        // Tensor counts its elements the same way.
        var count = 1
        for dimension in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            count = overflow ? .max : product
            if overflow { break }
        }
        guard count < Int.max / 8, count * width == bytes.count - dataStart else {
            throw fail(
                "has \(bytes.count - dataStart) data bytes; shape \(shape) of \(descr) needs "
                    + "\(count < Int.max / 8 ? String(count * width) : "too many")")
        }
        return (descr, shape, dataStart)
    }

    private static func decoded(_ bytes: [UInt8], from dataStart: Int, count: Int, width: Int, bigEndian: Bool)
        -> [Float]
    {
        var scalars = [Float](repeating: 0, count: count)
        for i in 0..<count {
            var bits: UInt64 = 0
            for j in 0..<width {
                let byte = UInt64(bytes[dataStart + i * width + (bigEndian ? width - 1 - j : j)])
                bits |= byte << (8 * UInt64(j))
            }
            switch width {
            case 2: scalars[i] = FloatConversion.float(fromFloat16Bits: UInt16(bits))
            case 4: scalars[i] = Float(bitPattern: UInt32(bits))
            default: scalars[i] = Float(Double(bitPattern: bits))
            }
        }
        return scalars
    }

    /// `tensor` as a version-1.0 `.npy` file of `<f4`, C order.
    public static func data(_ tensor: Tensor) -> Data {
        let dims = tensor.shape.map(String.init)
        let shape = dims.count == 1 ? "(\(dims[0]),)" : "(" + dims.joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }"
        // Pad so that the data starts on a multiple of 64 bytes, as numpy does.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var bytes = magic + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
        bytes += Array(header.utf8)
        bytes.reserveCapacity(bytes.count + 4 * tensor.count)
        for value in tensor.scalars {
            let bits = value.bitPattern
            bytes += [UInt8(bits & 0xFF), UInt8(bits >> 8 & 0xFF), UInt8(bits >> 16 & 0xFF), UInt8(bits >> 24)]
        }
        return Data(bytes)
    }

    /// The text after `'key':`, up to the next `,` or `}` outside brackets.
    private static func literal(of key: String, in header: String) -> String? {
        guard let range = header.range(of: "'\(key)'") ?? header.range(of: "\"\(key)\"") else { return nil }
        var rest = header[range.upperBound...].drop { $0 == " " }
        guard rest.first == ":" else { return nil }
        rest = rest.dropFirst().drop { $0 == " " }
        var depth = 0
        var end = rest.startIndex
        while end < rest.endIndex {
            let c = rest[end]
            if c == "(" || c == "[" { depth += 1 }
            if c == ")" || c == "]" { depth -= 1 }
            if depth == 0 && (c == "," || c == "}") { break }
            end = rest.index(after: end)
        }
        return String(rest[..<end]).trimmingCharacters(in: .whitespaces)
    }

    private static func quotedValue(of key: String, in header: String) -> String? {
        guard let value = literal(of: key, in: header), value.count >= 2,
            let quote = value.first, quote == "'" || quote == "\"", value.last == quote
        else { return nil }
        return String(value.dropFirst().dropLast())
    }

    private static func shape(in header: String) -> [Int]? {
        guard let value = literal(of: "shape", in: header), value.first == "(", value.last == ")" else { return nil }
        let parts = value.dropFirst().dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        let dims = parts.compactMap { Int($0) }
        guard dims.count == parts.count, dims.allSatisfy({ $0 >= 0 }) else { return nil }
        return dims
    }
}
