import CRecurrentKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An instruction set with kernels of its own.
///
/// The kernels for every set this CPU supports are compiled into the package;
/// ``ISA/active`` is chosen once, at first use, from the CPU's features, or
/// from the environment variable `RECURRENT_ISA` (`portable`, `avx2`,
/// `avx512`, `neon`) when it names a supported set. The bf16 products of
/// ``Precision/bf16`` follow the set: `avx512` runs `vdpbf16ps` where the
/// CPU has AVX512_BF16 and `neon` runs `BFMMLA` where it has FEAT_BF16
/// (``hasNativeBF16``); every other set rounds the operands and runs its
/// fp32 kernel.
public enum ISA: Int32, CaseIterable, Sendable, CustomStringConvertible {
    case portable = 0
    case avx2 = 1
    case avx512 = 2
    case neon = 3

    /// Whether this CPU can run the set's kernels.
    public var isSupported: Bool { rc_isa_supported(rawValue) != 0 }

    /// Every set this CPU supports, slowest first.
    public static var supported: [ISA] { allCases.filter(\.isSupported) }

    /// The fastest set this CPU supports.
    public static var best: ISA { ISA(rawValue: rc_isa_best()) ?? .portable }

    /// The set used by default: `RECURRENT_ISA` if it names a supported set,
    /// else ``best``. Fixed for the life of the process.
    public static let active: ISA = {
        if let name = getenv("RECURRENT_ISA").map({ String(cString: $0) }), !name.isEmpty {
            if let isa = ISA(name: name), isa.isSupported { return isa }
            writeStandardError(
                "recurrent: RECURRENT_ISA=\(name) is not a supported instruction set here "
                    + "(supported: \(supported.map(\.description).joined(separator: ", "))); using \(best)")
        }
        return best
    }()

    /// Parses `portable`, `avx2`, `avx512` or `neon`.
    public init?(name: String) {
        guard let isa = ISA.allCases.first(where: { $0.description == name.lowercased() }) else { return nil }
        self = isa
    }

    public var description: String {
        switch self {
        case .portable: "portable"
        case .avx2: "avx2"
        case .avx512: "avx512"
        case .neon: "neon"
        }
    }
}
