import Foundation
import Recurrent
import RecurrentTestSupport
import Testing

/// The generated tasks other than the adding problem (AddingProblemTests):
/// copy memory, the embedded Reber grammar, sine mixtures and Mackey–Glass,
/// each against an independent description of what it should produce.
@Suite struct GeneratedTaskTests {
    @Test func copyMemoryShowsWaitsAndAsksBack() throws {
        var generator = RandomGenerator(seed: 1)
        let task = try CopyMemoryTask(delay: 6, symbols: 4, copyLength: 3)
        let batch = task.batch(count: 50, generator: &generator)
        #expect(task.sequenceLength == 12 && task.vocabularySize == 6 && task.delimiter == 5)
        #expect(batch.input.shape == [50, 12] && batch.targets.shape == [50, 12] && batch.lengths == nil)
        for b in 0..<50 {
            let input = (0..<12).map { batch.input[b, $0] }, target = (0..<12).map { batch.targets[b, $0] }
            let shown = Array(input[0..<3])
            #expect(shown.allSatisfy { (1...4).contains($0) }, "sequence \(b): \(input)")
            #expect(Array(input[3...]) == [0, 0, 0, 0, 0, 5, 0, 0, 0], "sequence \(b): \(input)")
            #expect(target == Array(repeating: 0, count: 9) + shown, "sequence \(b): \(target)")
        }
        #expect(throws: RecurrentError.self) { _ = try CopyMemoryTask(delay: 0) }
    }

    /// The baseline is what its description says: certain blanks until the
    /// symbols are due, then a uniform guess over the K symbols, scored by
    /// the library's cross-entropy.
    @Test func copyMemoryBaselineIsTheMemorylessCrossEntropy() throws {
        var generator = RandomGenerator(seed: 2)
        let task = try CopyMemoryTask(delay: 20)
        let batch = task.batch(count: 4, generator: &generator)
        let (l, classes) = (task.sequenceLength, task.vocabularySize)
        var logits = Tensor(repeating: -1e4, shape: [4, l, classes])
        for b in 0..<4 {
            for t in 0..<l {
                if t < l - task.copyLength {
                    logits[b, t, 0] = 0  // blank, certainly
                } else {
                    for symbol in 1...task.symbolCount { logits[b, t, symbol] = 0 }  // uniform guess
                }
            }
        }
        let loss = Loss.softmaxCrossEntropy(logits, target: batch.targets).value
        #expect(abs(loss - task.baselineCrossEntropy) < 1e-5, "cross-entropy \(loss), baseline \(task.baselineCrossEntropy)")
        #expect(abs(task.baselineCrossEntropy - 10 * log(8.0) / 40) < 1e-6)
    }

    /// Every string matches the grammar's regular expression, derived by
    /// hand from the graph (from state 4: (XT*VP)*(S|XT*VV)), independently
    /// of the generator's tables.
    @Test func reberStringsMatchTheGrammarsRegularExpression() throws {
        let fromFour = "(XT*VP)*(S|XT*VV)"
        let reber = "B(TS*X\(fromFour)|PT*V(V|P\(fromFour)))E"
        let embedded = try Regex("B(T\(reber)T|P\(reber)P)E")
        var generator = RandomGenerator(seed: 3)
        let grammar = EmbeddedReberGrammar()
        var outerT = 0, lengths: [Int] = []
        for _ in 0..<500 {
            let ids = grammar.string(generator: &generator)
            let text = String(ids.map { EmbeddedReberGrammar.symbols[$0] })
            #expect(text.wholeMatch(of: embedded) != nil, "\(text)")
            if ids[1] == 1 { outerT += 1 }
            lengths.append(ids.count)
        }
        // Both branches, about equally (500 fair coins: 250 ± 11 per standard deviation).
        #expect(abs(outerT - 250) < 50, "T chosen \(outerT) times of 500")
        #expect(lengths.min() == 9 && lengths.max()! > 15)
    }

    @Test func reberTargetsListEveryAllowedNextSymbol() throws {
        // B T (B T X S E) T E: after each prefix, the symbols the grammar allows next.
        let ids = [0, 1, 0, 1, 4, 3, 6, 1, 6]
        let expected: [Set<Int>] = [[1, 2], [0], [1, 2], [3, 4], [4, 3], [6], [1], [6]]
        #expect(EmbeddedReberGrammar.allowedNextSymbols(ids) == expected)
        #expect(EmbeddedReberGrammar.allowedNextSymbols([0, 1, 0, 1, 4, 3, 6, 2, 6]) == nil)  // T … P
        #expect(EmbeddedReberGrammar.allowedNextSymbols([0, 2, 0, 1, 3, 3, 6, 2, 6]) == nil)  // S after T needs X
        var generator = RandomGenerator(seed: 4)
        let batch = EmbeddedReberGrammar().batch(count: 6, generator: &generator)
        let lengths = try #require(batch.lengths)
        let t = batch.steps
        #expect(lengths.max() == t && batch.targets.shape == [6, t, 7])
        for b in 0..<6 {
            for step in 0..<t {
                let row = (0..<7).filter { batch.targets[b, step, $0] == 1 }
                #expect(step < lengths[b] ? (1...2).contains(row.count) : row.isEmpty)
            }
            // The long-range step: after the inner E the outer symbol must follow.
            let outer = Int(batch.input[b, 1])
            #expect((0..<7).map { batch.targets[b, lengths[b] - 2, $0] } == (0..<7).map { $0 == outer ? 1 : 0 })
        }
    }

    @Test func sineMixtureIsTheSumOfItsSines() throws {
        var generator = RandomGenerator(seed: 5)
        let mixture = try SineMixture(periods: [20, 7], amplitudes: [2, 0.5])
        let series = mixture.series(length: 200, generator: &generator)
        var replay = RandomGenerator(seed: 5)
        let phases = [2 * Double.pi * replay.nextDouble(), 2 * Double.pi * replay.nextDouble()]
        let expected = (0..<200).map { t in
            2 * sin(2 * Double.pi * Double(t) / 20 + phases[0]) + 0.5 * sin(2 * Double.pi * Double(t) / 7 + phases[1])
        }
        #expect(mismatch(series, expected, absolute: 1e-6) == nil)
        // Noise of σ = 0.1 over 4000 steps: the residual's standard deviation within 5% of σ.
        let noisy = try SineMixture(periods: [20, 7], amplitudes: [2, 0.5], noise: 0.1)
        var same = RandomGenerator(seed: 6), clean = RandomGenerator(seed: 6)
        let residual = noisy.series(length: 4000, generator: &same) - (try SineMixture(periods: [20, 7], amplitudes: [2, 0.5]))
            .series(length: 4000, generator: &clean)
        let deviation = (residual.squaredNorm() / 4000).squareRoot()
        #expect(abs(deviation - 0.1) < 0.005, "noise standard deviation \(deviation)")
        #expect(throws: RecurrentError.self) { _ = try SineMixture(periods: [0]) }
        #expect(throws: RecurrentError.self) { _ = try SineMixture(periods: [3], amplitudes: [1, 2]) }
    }

    /// Halving the integration step changes the series by much less than the
    /// step itself (convergence: the default h = 0.1 is within 1e-3 (measured: 2e-4) of
    /// h = 0.025 over the first 300 units, before chaos amplifies the
    /// difference), and the series stays on the τ = 17 attractor: 2000 units
    /// of it span 0.42…1.32, the range usually plotted for it.
    @Test func mackeyGlassConvergesAndStaysOnItsAttractor() throws {
        let coarse = try MackeyGlass().series(length: 300, transient: 0)
        let fine = try MackeyGlass(stepsPerUnit: 40).series(length: 300, transient: 0)
        #expect(mismatch(coarse, fine, absolute: 1e-3) == nil, "h = 0.1 against h = 0.025")
        let series = try MackeyGlass().series(length: 2000)
        #expect(series.scalars.allSatisfy { $0 > 0.35 && $0 < 1.4 }, "range \(series.scalars.min()!)…\(series.scalars.max()!)")
        #expect(series.scalars.max()! - series.scalars.min()! > 0.8)
        #expect(throws: RecurrentError.self) { _ = try MackeyGlass(tau: 17.05) }
    }
}
