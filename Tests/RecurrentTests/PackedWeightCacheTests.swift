import Recurrent
import Testing

/// Inference keeps a layer's packed weights between calls; a change to the
/// weights must never meet a stale packing.
@Suite struct PackedWeightCacheTests {
    /// W_hh of 4 MiB (hidden 512), large enough for the hidden-unit split,
    /// which packs each thread's slices; and a smaller layer whose threads
    /// split the batch, sharing whole packings of W_ih and W_hh.
    @Test(arguments: [(512, [4, 3, 3]), (64, [8, 9, 3])])
    func changedWeightsAreRepackedAndCopiesStayApart(hidden: Int, shape: [Int]) throws {
        var generator = RandomGenerator(seed: 4)
        var layer = try RecurrentLayer(cell: .lstm, inputSize: 3, hiddenSize: hidden, generator: &generator)
        let x = Tensor.normal(shape, using: &generator)
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

        // The input weights are packed and kept as well.
        layer.updateParameters { name, tensor in
            if name == "weight_ih_l0" { tensor.withUnsafeMutableBufferPointer { $0[5] -= 0.5 } }
        }
        let input = try layer(x).output
        #expect(input != inPlace)
        #expect(try RecurrentLayer(stateDict: layer.parameters)(x).output == input)
    }

    /// From a zero state the first step's recurrent product is skipped (it
    /// is zero); but 0·∞ is NaN, and PyTorch's output is NaN from the first
    /// step when W_hh holds an infinity: so is ours, in inference (cached
    /// knowledge of the weights) and in training.
    @Test(arguments: [64, 512])
    func infiniteRecurrentWeightsGiveNaNFromTheFirstStep(hidden: Int) throws {
        var generator = RandomGenerator(seed: 6)
        var layer = try RecurrentLayer(cell: .lstm, inputSize: 3, hiddenSize: hidden, generator: &generator)
        let x = Tensor.normal([8, 9, 3], using: &generator)
        #expect(try layer(x).output.scalars.allSatisfy { $0.isFinite })
        layer.updateParameters { name, tensor in
            if name == "weight_hh_l0" { tensor.withUnsafeMutableBufferPointer { $0[0] = .infinity } }
        }
        let inference = try layer(x).output
        var unused = RandomGenerator(seed: 0)
        let training = try layer.forward(x, generator: &unused).output
        for output in [inference, training] {
            // Unit 0 of every row at step 0: its gate i row of W_hh holds the infinity.
            for row in 0..<8 { #expect(output.scalars[row * 9 * hidden].isNaN) }
        }
    }
}
