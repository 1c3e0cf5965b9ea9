import Recurrent
import RecurrentTestSupport
import Testing

/// The generator against an independent implementation, and its draws against
/// their distributions.
///
/// Reference values come from `python3 scripts/random_reference.py`, a separate
/// implementation of SplitMix64 + xoshiro256** with Python integers.
@Suite struct RandomGeneratorTests {
    @Test func rawOutputsMatchTheReference() {
        var zero = RandomGenerator(seed: 0)
        let expectedZero: [UInt64] = [
            0x99EC_5F36_CB75_F2B4, 0xBF6E_1F78_4956_452A, 0x1A5F_849D_4933_E6E0,
            0x6AA5_94F1_262D_2D2C, 0xBBA5_AD4A_1F84_2E59, 0xFFEF_8375_D9EB_CACA,
        ]
        #expect((0..<6).map { _ in zero.next() } == expectedZero)
        var fortyTwo = RandomGenerator(seed: 42)
        let expectedFortyTwo: [UInt64] = [
            0x1578_0B2E_0C2E_C716, 0x6104_D986_6D11_3A7E, 0xAE17_5332_39E4_99A1,
            0xECB8_AD47_03B3_60A1, 0xFDE6_DC7F_E2EC_5E64, 0xC50D_A531_0179_5238,
        ]
        #expect((0..<6).map { _ in fortyTwo.next() } == expectedFortyTwo)
    }

    @Test func floatsAreTheTopBitsExactly() {
        var generator = RandomGenerator(seed: 42)
        let floats: [Float] = [
            0.08386296033859253, 0.37898021936416626, 0.6800433993339539,
            0.9246929287910461, 0.9918038845062256, 0.7697394490242004,
        ]
        #expect((0..<6).map { _ in generator.nextFloat() } == floats)
        generator = RandomGenerator(seed: 42)
        let doubles: [Double] = [
            0.08386297105988216, 0.3789802506626686, 0.6800434110281394,
            0.9246929453253876, 0.9918039142821028, 0.7697394604342425,
        ]
        #expect((0..<6).map { _ in generator.nextDouble() } == doubles)
    }

    @Test func boundedIntegersAndPermutations() {
        var generator = RandomGenerator(seed: 7)
        #expect((0..<10).map { _ in generator.next(below: 10) } == [7, 2, 8, 9, 9, 8, 0, 1, 4, 1])
        generator = RandomGenerator(seed: 7)
        #expect((0..<4).map { _ in generator.next(below: 3_000_000_000) } == [2_101_729_446, 836_253_688, 2_518_882_385, 2_943_293_175])
        generator = RandomGenerator(seed: 11)
        #expect(generator.permutation(count: 10) == [5, 4, 6, 9, 7, 8, 3, 1, 0, 2])
    }

    @Test func normalPairsMatchBoxMullerWithLibm() {
        // The reference uses the platform's libm; the generator its own
        // polynomials (error < 1e-15), so they agree to a few ulps, not bits.
        var generator = RandomGenerator(seed: 5)
        let expected: [(Double, Double)] = [
            (-0.6609817491416791, -0.49357201244041027),
            (0.6293137312379913, -1.30423159034658),
            (0.25954642531212807, -1.177679342164038),
        ]
        let observed = expected.flatMap { _ in
            let (z0, z1) = generator.nextNormalPair()
            return [z0, z1]
        }
        #expect(mismatch(observed, expected.flatMap { [$0.0, $0.1] }, relative: 1e-14) == nil)
    }

    @Test func sameSeedSameBitsAndCopiesReplay() {
        var first = RandomGenerator(seed: 123)
        var second = RandomGenerator(seed: 123)
        #expect(Tensor.normal([50], using: &first) == Tensor.normal([50], using: &second))
        var replay = first
        #expect(Tensor.uniform([50], using: &first) == Tensor.uniform([50], using: &replay))
        #expect(RandomGenerator(seed: 1) != RandomGenerator(seed: 2))
    }

    /// With n = 200 000 draws, the sample mean of U(0, 1) has standard deviation
    /// √(1/12/n) ≈ 6.5e-4 and the sample variance √((1/80 − 1/144)/n) ≈ 1.7e-4;
    /// N(0, 1): 1/√n ≈ 2.2e-3 for the mean and √(2/n) ≈ 3.2e-3 for the variance.
    /// Each bound below is 5 standard deviations (a chance of 6e-7 for a good generator).
    @Test func momentsAreWithinStatisticalBounds() {
        var generator = RandomGenerator(seed: 2024)
        let n = 200_000
        let uniform = Tensor.uniform([n], using: &generator)
        let uniformMean = Double(uniform.mean())
        let uniformVariance = Double((uniform - Float(uniformMean)).squaredNorm()) / Double(n)
        #expect(abs(uniformMean - 0.5) < 5 * 6.5e-4, "uniform mean \(uniformMean)")
        #expect(abs(uniformVariance - 1.0 / 12) < 5 * 1.7e-4, "uniform variance \(uniformVariance)")
        #expect(uniform.scalars.allSatisfy { $0 >= 0 && $0 < 1 })

        let normal = Tensor.normal([n], using: &generator)
        let normalMean = Double(normal.mean())
        let normalVariance = Double((normal - Float(normalMean)).squaredNorm()) / Double(n)
        #expect(abs(normalMean) < 5 * 2.2e-3, "normal mean \(normalMean)")
        #expect(abs(normalVariance - 1) < 5 * 3.2e-3, "normal variance \(normalVariance)")
        // Tails: P(|z| > 2) = 0.0455, standard deviation of the fraction √(p(1 − p)/n) ≈ 4.7e-4.
        let tail = Double(normal.scalars.filter { abs($0) > 2 }.count) / Double(n)
        #expect(abs(tail - 0.0455) < 5 * 4.7e-4, "fraction beyond 2σ \(tail)")
    }

    @Test func boundedIntegersAreUniform() {
        // 60 000 draws in 0..<6: each count has mean 10 000 and standard deviation ≈ 91.
        var generator = RandomGenerator(seed: 9)
        var counts = [Int](repeating: 0, count: 6)
        for _ in 0..<60_000 { counts[generator.next(below: 6)] += 1 }
        #expect(counts.allSatisfy { abs($0 - 10_000) < 5 * 91 }, "counts \(counts)")
    }
}
