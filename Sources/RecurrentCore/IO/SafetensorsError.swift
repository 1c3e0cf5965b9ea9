/// A safetensors file that cannot be read or written.
///
/// Its ``description`` is one line naming the file, the tensor when one is at
/// fault, and the problem, ready to print to a user:
///
/// ```swift
/// do {
///     let file = try SafetensorsFile(contentsOf: url)
/// } catch {
///     print(error)
///     // model.safetensors: tensor "weight_hh_l0": data_offsets [0, 4096] hold 4096 bytes
///     // but shape [64, 32] of F32 needs 8192
/// }
/// ```
///
/// Code that checks a loaded file against what it expects (a missing tensor, a
/// wrong shape) can throw this error too, through ``init(file:tensor:problem:)``,
/// so every problem with a model file reads the same way.
public struct SafetensorsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file's path, or the name given to ``SafetensorsFile/init(data:name:)``.
    public var file: String
    /// The tensor at fault, if the problem concerns one tensor.
    public var tensor: String?
    /// What is wrong, as a phrase without a trailing period.
    public var problem: String

    /// An error about `file`, optionally about one of its tensors.
    public init(file: String, tensor: String? = nil, problem: String) {
        self.file = file
        self.tensor = tensor
        self.problem = problem
    }

    /// `file: tensor "name": problem`, on one line: control characters and
    /// line separators in the names are escaped, so a hostile name cannot
    /// break the line.
    public var description: String {
        let line = tensor.map { "\(file): tensor \(SafetensorsJSON.quoted($0)): \(problem)" } ?? "\(file): \(problem)"
        guard line.unicodeScalars.contains(where: Self.breaksLine) else { return line }
        var escaped = ""
        for scalar in line.unicodeScalars {
            if Self.breaksLine(scalar) {
                escaped += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    private static func breaksLine(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .lineSeparator, .paragraphSeparator: true
        default: false
        }
    }
}
