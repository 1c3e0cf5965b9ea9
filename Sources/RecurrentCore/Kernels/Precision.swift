import CRecurrentKernels

/// The arithmetic of a recurrent layer's matrix products.
///
/// In ``bf16`` the input product `x·W_ihᵀ`, the recurrent product `h·W_hhᵀ`
/// and their backward products (`dgh·W_hh`, `dgx·W_ih`, `dgxᵀ·x`,
/// `dghᵀ·h`) read their operands rounded to bfloat16 (8 bits of
/// significand, nearest with ties to even) and sum in fp32. Everything else
/// stays fp32: the master weights, the optimiser's state, the gates, the
/// nonlinearities and the cell state. The bf16 copies of the weights are
/// packed once per version of the weights (once per optimiser update), not
/// per step or per call.
///
/// On a CPU with AVX512_BF16 the products run on `vdpbf16ps` (the `avx512`
/// ``ISA``), on an Arm CPU with FEAT_BF16 on `BFMMLA` (the `neon` set, whose
/// additions round to odd: within one ulp, not half of one); every other
/// instruction set rounds the operands and runs its own fp32 kernel, with
/// the same exact products summed in another order.
///
/// Each rounding has a relative error of at most 2⁻⁹, so a product
/// `Σₖ aₖ·bₖ` carries at most about 2⁻⁸·Σₖ|aₖ·bₖ|; the tests hold a layer's
/// outputs and final states to PyTorch's fp32 values within 2⁻⁵ of each
/// tensor's largest entry (measured: 2⁻⁷), and its gradients within 2⁻⁴.
///
/// bf16 follows the instruction set (`RECURRENT_ISA`): forcing `avx2` or
/// `portable` (on Arm, `portable`) runs the rounding fallback.
///
/// ```swift
/// var layer = try RecurrentLayer(cell: .lstm, inputSize: 8, hiddenSize: 32, generator: &generator)
/// layer.precision = .bf16
/// ```
public enum Precision: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// Single precision throughout: the reference.
    case fp32
    /// bf16 operands with fp32 sums in the products; fp32 everywhere else.
    case bf16

    public var description: String { rawValue }

    /// Parses `fp32` or `bf16`.
    public init?(name: String) {
        self.init(rawValue: name.lowercased())
    }
}

extension ISA {
    /// Whether this set's bf16 products run on native bf16 instructions
    /// (`vdpbf16ps` for ``avx512`` on a CPU with AVX512_BF16, `BFMMLA` for
    /// ``neon`` on an Arm CPU with FEAT_BF16); otherwise they round their
    /// operands to bf16 and run the set's fp32 kernel.
    public var hasNativeBF16: Bool { rc_bf16_native(rawValue) != 0 }
}
