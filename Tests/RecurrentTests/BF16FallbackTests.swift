import Foundation
@testable import RecurrentCore
import RecurrentTestSupport
import Testing

/// A bf16 ``RecurrentLayer`` on every instruction set this machine has, not
/// only the active one: the native kernels (`vdpbf16ps`, `BFMMLA`) and the rounding
/// fallback (operands rounded to bf16, then each set's fp32 kernel), each
/// against PyTorch's fp32 values within ``BF16AccuracyTests``' bound, and
/// the sets within twice that bound of each other (they sum the same exact
/// products in different orders).
struct BF16FallbackTests {
    @Test("bf16 inference on every ISA against PyTorch's fp32", arguments: RecurrentReferenceTests.cases)
    func everyISAMatchesPyTorch(name: String) throws {
        let file = try SafetensorsFile(contentsOf: RecurrentReferenceTests.folder.appendingPathComponent(name))
        var layer = try RecurrentReferenceTests.layer(from: file)
        layer.precision = .bf16
        let input = file.tensors["input"]!
        let lengths = file.integerTensors["lengths"]!.values.map { Int($0) }
        let initial = RecurrentState(h: file.tensors["h0"]!, c: file.tensors["c0"])
        var outputs: [(ISA, Tensor)] = []
        for isa in ISA.supported {
            var unused = RandomGenerator(seed: 0)
            let (output, state, _) = try layer.run(
                input, lengths: lengths, initialState: initial, training: false, generator: &unused,
                prepared: PreparedWeights(layer, isa: isa))
            let tolerance = BF16AccuracyTests.forwardTolerance
            #expect(mismatch(output, file.tensors["output"]!, relativeToLargest: tolerance) == nil, "\(name) \(isa)")
            #expect(mismatch(state.h, file.tensors["h_n"]!, relativeToLargest: tolerance) == nil, "\(name) \(isa) h_n")
            // And it does round: the same layer in fp32 on this ISA gives other bits.
            var fp32 = layer
            fp32.precision = .fp32
            let (exact, _, _) = try fp32.run(
                input, lengths: lengths, initialState: initial, training: false, generator: &unused,
                prepared: PreparedWeights(fp32, isa: isa))
            #expect(output != exact, "\(name) \(isa): bf16 gave fp32's bits")
            outputs.append((isa, output))
        }
        for (isa, output) in outputs.dropFirst() {
            #expect(
                mismatch(output, outputs[0].1, relativeToLargest: 2 * BF16AccuracyTests.forwardTolerance) == nil,
                "\(name): \(isa) against \(outputs[0].0)")
        }
    }
}
