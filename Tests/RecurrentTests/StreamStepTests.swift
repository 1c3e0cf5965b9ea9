@testable import RecurrentCore
import Testing

/// The streaming step straight onto the kernels (``StreamStep``), whole or
/// with its hidden units split between threads: the same bits as the layer's
/// whole-sequence pass on the same ISA (itself checked against PyTorch in
/// RecurrentReferenceTests), on every ISA.
struct StreamStepTests {
    static let cells: [Cell] = [.elman(.tanh), .elman(.relu), .lstm, .gru]

    @Test("steps equal the whole sequence to the bit, in one part or two, batch 1 and 3", arguments: cells)
    func stepsEqualWhole(cell: Cell) throws {
        // H 80 splits at unit 32 (widths 32 and 48, not a multiple of the
        // 32-float panels of the second part's offset); D 7 ≠ H.
        var generator = RandomGenerator(seed: 11)
        let layer = try RecurrentLayer(cell: cell, inputSize: 7, hiddenSize: 80, layers: 2, generator: &generator)
        for batch in [1, 3] {
            let x = Tensor.normal([batch, 5, 7], using: &generator)
            let start = RecurrentState(
                h: Tensor.normal([2, batch, 80], using: &generator),
                c: cell == .lstm ? Tensor.normal([2, batch, 80], using: &generator) : nil)
            for isa in ISA.supported {
                // The whole sequence on the same ISA (the kernels of different ISAs round differently).
                var unused = RandomGenerator(seed: 0)
                let (whole, final, _) = try layer.run(
                    x, lengths: nil, initialState: start, training: false, generator: &unused,
                    prepared: PreparedWeights(layer, isa: isa))
                for parts in [1, 2] {
                    let step = try #require(StreamStep(layer, isa: isa, parts: parts))
                    #expect(step.parts == parts)
                    var state = start
                    var outputs: [Tensor] = []
                    for t in 0..<5 {
                        outputs.append(try step.step(x.timeSlice(t..<(t + 1)).reshaped([batch, 7]), state: &state))
                    }
                    #expect(Tensor.stacked(outputs, alongAxis: 1) == whole, "\(cell) B\(batch) \(isa) parts \(parts)")
                    #expect(state == final, "\(cell) B\(batch) \(isa) parts \(parts)")
                }
            }
        }
    }

    @Test("a stream of a layer above the split size splits its single steps, and still equals the whole")
    func largeLayersSplit() throws {
        var generator = RandomGenerator(seed: 12)
        let layer = try RecurrentLayer(cell: .gru, inputSize: 32, hiddenSize: 128, generator: &generator)
        let step = try #require(StreamStep(layer))
        #expect(step.parts == (ThreadPool.shared.threadCount > 1 ? 2 : 1))
        let small = try RecurrentLayer(cell: .gru, inputSize: 4, hiddenSize: 32, generator: &generator)
        #expect(try #require(StreamStep(small)).parts == 1)

        let stream = try RecurrentStream(layer)
        let x = Tensor.normal([1, 6, 32], using: &generator)
        let (whole, final) = try layer(x)
        var state = layer.zeroState(batchSize: 1)
        var outputs: [Tensor] = []
        for t in 0..<6 { outputs.append(try stream.step(x.timeSlice(t..<(t + 1)).reshaped([1, 32]), state: &state)) }
        #expect(Tensor.stacked(outputs, alongAxis: 1) == whole)
        #expect(state == final)
    }

    @Test("a step of the wrong shape or state is refused, the state unchanged")
    func badInput() throws {
        var generator = RandomGenerator(seed: 13)
        let lstm = try RecurrentLayer(cell: .lstm, inputSize: 3, hiddenSize: 16, layers: 2, generator: &generator)
        let step = try #require(StreamStep(lstm))
        let good = lstm.zeroState(batchSize: 2)
        var state = good
        #expect(throws: RecurrentError.self) { try step.step(Tensor.zeros([2, 4]), state: &state) }
        #expect(throws: RecurrentError.self) { try step.step(Tensor.zeros([3, 3]), state: &state) }
        #expect(throws: RecurrentError.self) { try step.step(Tensor.zeros([2, 1, 3]), state: &state) }
        var noCell = RecurrentState(h: good.h)
        #expect(throws: RecurrentError.self) { try step.step(Tensor.zeros([2, 3]), state: &noCell) }
        #expect(state == good)
        let gru = try RecurrentLayer(cell: .gru, inputSize: 3, hiddenSize: 16, generator: &generator)
        var withCell = RecurrentState(h: Tensor.zeros([1, 2, 16]), c: Tensor.zeros([1, 2, 16]))
        #expect(throws: RecurrentError.self) { try #require(StreamStep(gru)).step(Tensor.zeros([2, 3]), state: &withCell) }
        let bidirectional = try RecurrentLayer(
            cell: .gru, inputSize: 3, hiddenSize: 16, bidirectional: true, generator: &generator)
        #expect(StreamStep(bidirectional) == nil)
    }
}
