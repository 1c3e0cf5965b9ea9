import Foundation
import Recurrent
import RecurrentTestSupport
import Testing

/// Streaming, dropout, initialisation and bad input of
/// ``RecurrentLayer``. The references here are the layer's own whole-sequence
/// pass (itself checked against PyTorch in RecurrentReferenceTests) and
/// finite differences.
struct RecurrentLayerTests {
    static let cells: [Cell] = [.elman(.tanh), .elman(.relu), .elman(.sigmoid), .lstm, .gru]

    static func layer(_ cell: Cell, layers: Int = 2, bidirectional: Bool = false, dropout: Float = 0) throws -> RecurrentLayer {
        var generator = RandomGenerator(seed: 5)
        return try RecurrentLayer(
            cell: cell, inputSize: 3, hiddenSize: 5, layers: layers, bidirectional: bidirectional,
            dropout: dropout, generator: &generator)
    }

    @Test("stepping through a sequence equals running it whole, to the bit", arguments: cells)
    func streamingEqualsWhole(cell: Cell) throws {
        let layer = try Self.layer(cell)
        var generator = RandomGenerator(seed: 6)
        let x = Tensor.normal([2, 7, 3], using: &generator)
        let start = RecurrentState(
            h: Tensor.normal([2, 2, 5], using: &generator),
            c: cell == .lstm ? Tensor.normal([2, 2, 5], using: &generator) : nil)
        let (whole, final) = try layer(x, initialState: start)

        let stream = try RecurrentStream(layer)
        var state = start
        var steps: [Tensor] = []
        for t in 0..<7 {
            steps.append(try stream.step(x.timeSlice(t..<(t + 1)).reshaped([2, 3]), state: &state))
        }
        #expect(Tensor.stacked(steps, alongAxis: 1) == whole)
        #expect(state == final)

        // In chunks of 3, 3 and 1 steps, with the state saved and restored as JSON between them.
        var chunked = start
        var outputs: [Tensor] = []
        for range in [0..<3, 3..<6, 6..<7] {
            outputs.append(try stream.chunk(x.timeSlice(range), state: &chunked))
            chunked = try JSONDecoder().decode(RecurrentState.self, from: JSONEncoder().encode(chunked))
        }
        #expect(Tensor.concatenated(outputs, alongAxis: 1) == whole)
        #expect(chunked == final)
    }

    @Test func bidirectionalLayersDoNotStream() throws {
        let layer = try Self.layer(.gru, layers: 1, bidirectional: true)
        #expect(throws: RecurrentError.self) { try RecurrentStream(layer) }
    }

    /// Large layers split the hidden units between threads, smaller ones the
    /// batch (with the input product made a span of steps at a time once
    /// W_ih is large); either way every number must be the same as on one
    /// thread, which makes one input product before the time loop.
    @Test(
        "results do not depend on the thread count",
        arguments: [Cell.lstm, .gru, .elman(.tanh)], [false, true])
    func threadCountChangesNoBit(cell: Cell, splitHidden: Bool) throws {
        let pool = ThreadPool.shared
        guard pool.maximumThreadCount >= 2 else { return }
        var generator = RandomGenerator(seed: 14)
        // Recurrent weights of 2 MiB or more: the hidden units are split between
        // threads. Otherwise D·G·H above 65 536: spans of 8 steps (11 steps: one short span).
        let hidden = splitHidden ? (cell == .lstm ? 384 : cell == .gru ? 448 : 768) : 256
        let (input, steps) = splitHidden ? (8, 6) : (cell == .elman(.tanh) ? 300 : 80, 11)
        let layer = try RecurrentLayer(
            cell: cell, inputSize: input, hiddenSize: hidden, layers: 1, bidirectional: true, generator: &generator)
        let x = Tensor.normal([5, steps, input], using: &generator)
        let dOut = Tensor.normal([5, steps, 2 * hidden], using: &generator)
        let lengths = splitHidden ? [6, 2, 5, 1, 6] : [11, 2, 9, 1, 11]
        func run(threads: Int) throws -> (Tensor, RecurrentState, NamedTensors, Tensor) {
            let saved = pool.threadCount
            pool.threadCount = threads
            defer { pool.threadCount = saved }
            var noise = RandomGenerator(seed: 1)
            let (output, state, cache) = try layer.forward(x, lengths: lengths, generator: &noise)
            let (dx, _, gradients) = layer.backward(dOut, cache: cache)
            return (output, state, gradients, dx)
        }
        let one = try run(threads: 1), two = try run(threads: 2)
        #expect(one.0 == two.0)
        #expect(one.1 == two.1)
        #expect(one.2 == two.2)
        #expect(one.3 == two.3)
    }

    @Test func dropoutAppliesInTrainingOnly() throws {
        let layer = try Self.layer(.lstm, layers: 3, dropout: 0.5)
        var generator = RandomGenerator(seed: 9)
        let x = Tensor.normal([2, 4, 3], using: &generator)
        let (inference1, _) = try layer(x)
        let (inference2, _) = try layer(x)
        #expect(inference1 == inference2)
        var a = RandomGenerator(seed: 1), b = RandomGenerator(seed: 1), c = RandomGenerator(seed: 2)
        let trainA = try layer.forward(x, generator: &a).output
        let trainB = try layer.forward(x, generator: &b).output
        let trainC = try layer.forward(x, generator: &c).output
        #expect(trainA == trainB, "the same generator state gives the same masks")
        #expect(trainA != trainC && trainA != inference1)
        #expect(throws: RecurrentError.self) { try Self.layer(.gru, dropout: 1) }
    }

    /// Dropout's backward: finite differences through a fixed mask (the
    /// generator re-seeded for every evaluation); tolerance as in
    /// RecurrentGradientTests. The direction leans along the gradient
    /// (``GradientCheck/direction(along:using:)``): a plain normal one
    /// cancelled to 6% of the scale here, so a gradient 1% too large passed.
    @Test func dropoutGradientsMatchFiniteDifferences() throws {
        let layer = try Self.layer(.gru, layers: 2, dropout: 0.4)
        var generator = RandomGenerator(seed: 10)
        let x = Tensor.normal([2, 4, 3], using: &generator)
        let w = Tensor.normal([2, 4, 5], using: &generator)
        func loss(_ x: Tensor) throws -> Double {
            var masks = RandomGenerator(seed: 77)
            let output = try layer.forward(x, generator: &masks).output
            return zip(output.scalars, w.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        var masks = RandomGenerator(seed: 77)
        let cache = try layer.forward(x, generator: &masks).cache
        let dx = layer.backward(w, cache: cache).dInput
        let v = GradientCheck.direction(along: dx, using: &generator)
        let result = try GradientCheck.compare("input", at: x, gradient: dx, direction: v, step: 1e-2, loss)
        #expect(mismatch(result.observed, result.expected, absolute: 1e-3 * result.scale + 1e-4) == nil, "\(result)")
    }

    @Test func kerasInitialisation() throws {
        var generator = RandomGenerator(seed: 12)
        let lstm = try RecurrentLayer(
            cell: .lstm, inputSize: 6, hiddenSize: 8, layers: 2, initialization: .keras, generator: &generator)
        for weights in lstm.weights {
            #expect(weights.biasHH == Tensor.zeros([32]))
            let expectedBias = (0..<32).map { (8..<16).contains($0) ? Float(1) : 0 }
            #expect(weights.biasIH == Tensor(expectedBias), "forget-gate bias 1, others 0")
            // W_hh [4H, H] is the transpose of Keras's orthogonal [H, 4H] kernel: orthonormal columns.
            let gram = weights.weightHH.matmul(weights.weightHH, transposeSelf: true)
            let identity = (0..<64).map { $0 / 8 == $0 % 8 ? 1.0 : 0 }
            #expect(gram.shape == [8, 8] && mismatch(gram, identity, absolute: 1e-5) == nil, "WᵀW against I")
            let fanIn = weights.weightIH.shape[1], bound = (6 / Float(fanIn + 32)).squareRoot()
            #expect(weights.weightIH.scalars.allSatisfy { abs($0) <= bound })
        }
    }

    @Test func badInputGetsAClearError() throws {
        let lstm = try Self.layer(.lstm)
        var generator = RandomGenerator(seed: 13)
        let x = Tensor.normal([2, 4, 3], using: &generator)
        func message(_ body: () throws -> Void) -> String {
            do {
                try body()
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        #expect(message { _ = try lstm(Tensor.zeros([2, 4, 5])) }.contains("input"))
        #expect(message { _ = try lstm(Tensor.zeros([4, 3])) }.contains("[B, T, 3]"))
        #expect(message { _ = try lstm(x, lengths: [4]) }.contains("lengths"))
        #expect(message { _ = try lstm(x, lengths: [4, 0]) }.contains("lengths[1]"))
        #expect(message { _ = try lstm(x, lengths: [5, 1]) }.contains("lengths[0]"))
        let wrongH = RecurrentState(h: .zeros([2, 3, 5]), c: .zeros([2, 2, 5]))
        #expect(message { _ = try lstm(x, initialState: wrongH) }.contains("initial state h"))
        let noC = RecurrentState(h: .zeros([2, 2, 5]))
        #expect(message { _ = try lstm(x, initialState: noC) }.contains("initial state c"))
        let gru = try Self.layer(.gru)
        #expect(message { _ = try gru(x, initialState: wrongH) }.contains("initial state h"))
        #expect(message { _ = try gru(x, initialState: RecurrentState(h: .zeros([2, 2, 5]), c: .zeros([2, 2, 5]))) }
            .contains("only an LSTM"))
        #expect(message { _ = try Self.layer(.lstm, layers: 0) }.contains("layers"))
        var g = RandomGenerator(seed: 0)
        #expect(message { _ = try RecurrentLayer(cell: .gru, inputSize: 0, hiddenSize: 3, generator: &g) }.contains("inputSize"))
        #expect(message { _ = try RecurrentLayer(cell: .gru, inputSize: 2, hiddenSize: -1, generator: &g) }.contains("hiddenSize"))
    }
}
