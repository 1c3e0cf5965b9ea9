import Recurrent
import Testing

/// Inference keeps a large layer's packed recurrent weights between calls;
/// a change to the weights must never meet a stale packing.
@Suite struct PackedWeightCacheTests {
    @Test func changedWeightsAreRepackedAndCopiesStayApart() throws {
        var generator = RandomGenerator(seed: 4)
        // W_hh of 4 MiB: large enough for the hidden-unit split that keeps its packing.
        var layer = try RecurrentLayer(cell: .lstm, inputSize: 3, hiddenSize: 512, generator: &generator)
        let x = Tensor.normal([4, 3, 3], using: &generator)
        let before = try layer(x).output
        // Later calls reuse the packing, or repack when the threads' timing moves the split
        // between them: the same bits either way.
        for _ in 0..<5 { #expect(try layer(x).output == before) }

        let original = layer
        layer.updateParameters { name, tensor in
            if name == "weight_hh_l0" { tensor = tensor * 1.5 }
        }
        let after = try layer(x).output
        #expect(after != before)
        // The same as a layer that never packed anything.
        let fresh = try RecurrentLayer(stateDict: layer.parameters)
        #expect(try fresh(x).output == after)
        // The copy made before the change still computes with its own weights.
        #expect(try original(x).output == before)
        // And training's forward (which packs afresh) agrees with inference.
        var unused = RandomGenerator(seed: 0)
        #expect(try layer.forward(x, generator: &unused).output == after)

        // A change in place (as an optimiser makes one) is seen too.
        layer.updateParameters { name, tensor in
            if name == "weight_hh_l0" { tensor.withUnsafeMutableBufferPointer { $0[7] += 0.25 } }
        }
        let inPlace = try layer(x).output
        #expect(inPlace != after)
        #expect(try RecurrentLayer(stateDict: layer.parameters)(x).output == inPlace)
    }
}
