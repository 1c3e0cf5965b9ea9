import Recurrent
import RecurrentTestSupport
import Testing

// Metrics against values computed by hand from the confusion matrix, as
// scikit-learn's precision_recall_fscore_support(zero_division=0) defines them.

@Suite struct ClassificationMetricsTests {
    /// truth [0, 0, 1, 1, 1, 2], predicted [0, 1, 1, 1, 0, 1], K = 4:
    /// class 2 is never predicted, class 3 never occurs.
    ///
    ///         pred 0  1  2  3
    ///   true 0     1  1  0  0     support 2
    ///        1     1  2  0  0             3
    ///        2     0  1  0  0             1
    ///        3     0  0  0  0             0
    ///   predicted  2  4  0  0
    static let metrics = try! ClassificationMetrics(
        truth: [0, 0, 1, 1, 1, 2], predicted: [0, 1, 1, 1, 0, 1], classCount: 4)

    /// Figures are ratios of small counts, computed in Double: 1e-12 · max(1, |expected|).
    static func expectClose(_ observed: Double, _ expected: Double, _ what: String) {
        #expect(mismatch(observed, expected, absolute: 1e-12, relative: 1e-12) == nil, "\(what)")
    }

    @Test func confusionMatrixSupportAndAccuracy() {
        let m = Self.metrics
        #expect(m.confusion == [[1, 1, 0, 0], [1, 2, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0]])
        #expect(m.support == [2, 3, 1, 0])
        #expect(m.predictedCount == [2, 4, 0, 0])
        #expect(m.total == 6)
        Self.expectClose(m.accuracy, 3.0 / 6, "accuracy")
        Self.expectClose(m.accuracy(ofAlwaysPredicting: 1), 3.0 / 6, "always class 1")
        Self.expectClose(m.accuracy(ofAlwaysPredicting: 3), 0, "always class 3")
    }

    @Test func perClassFiguresAreZeroWhereUndefined() {
        let m = Self.metrics
        let expected: [(String, [Double], [Double])] = [
            ("precision", m.precision, [1.0 / 2, 2.0 / 4, 0, 0]),
            ("recall", m.recall, [1.0 / 2, 2.0 / 3, 0, 0]),
            ("f1", m.f1, [2.0 / 4, 4.0 / 7, 0, 0]),
        ]
        for (name, observed, values) in expected {
            #expect(mismatch(observed, values, absolute: 1e-12, relative: 1e-12) == nil, "\(name)")
        }
    }

    @Test func macroAveragesClassesPresentInTruthOrPredictionsAndWeightedUsesSupport() {
        let m = Self.metrics
        // Macro over classes 0, 1, 2 (class 3 is absent from both).
        Self.expectClose(m.macroAverage.precision, (0.5 + 0.5 + 0) / 3, "macro precision")
        Self.expectClose(m.macroAverage.recall, (0.5 + 2.0 / 3 + 0) / 3, "macro recall")
        Self.expectClose(m.macroAverage.f1, (0.5 + 4.0 / 7 + 0) / 3, "macro f1")
        Self.expectClose(m.weightedAverage.precision, (2 * 0.5 + 3 * 0.5 + 0) / 6, "weighted precision")
        Self.expectClose(m.weightedAverage.recall, (2 * 0.5 + 3 * 2.0 / 3 + 0) / 6, "weighted recall")
        Self.expectClose(m.weightedAverage.f1, (2 * 0.5 + 3 * 4.0 / 7 + 0) / 6, "weighted f1")
    }

    @Test func perfectPredictionsScoreOne() throws {
        let m = try ClassificationMetrics(truth: [2, 0, 1, 1], predicted: [2, 0, 1, 1], classCount: 3)
        #expect(m.accuracy == 1 && m.precision == [1, 1, 1] && m.recall == [1, 1, 1] && m.f1 == [1, 1, 1])
        #expect(m.macroAverage.f1 == 1 && m.weightedAverage.f1 == 1)
    }

    @Test func badInputThrowsNamingTheArgument() {
        #expect(throws: RecurrentError.invalidArgument(name: "predicted[1]", value: "3", reason: "must lie in 0..<3")) {
            try ClassificationMetrics(truth: [0, 1], predicted: [0, 3], classCount: 3)
        }
        #expect(throws: RecurrentError.self) {
            try ClassificationMetrics(truth: [0, 1], predicted: [0], classCount: 2)
        }
        #expect(throws: RecurrentError.self) { try ClassificationMetrics(truth: [], predicted: [], classCount: 2) }
        #expect(throws: RecurrentError.self) { try ClassificationMetrics(truth: [-1], predicted: [0], classCount: 2) }
    }

    @Test func predictedClassesIsTheArgmaxOfTheHeadFirstOnATie() throws {
        // A head that copies the pooled features: logits = the last step's hidden state.
        var generator = RandomGenerator(seed: 5)
        let model = try SequenceModel(
            input: .features(2), cell: .gru, hiddenSize: 3, outputSize: 3, pooling: .last, generator: &generator)
        let input = Tensor.normal([5, 4, 2], using: &generator)
        let batch = try SequenceBatch(input: input, lengths: [4, 1, 2, 3, 4], targets: Tensor.zeros([5]))
        let logits = try model(input, lengths: batch.lengths)
        let expected = (0..<5).map { row in
            let scores = Array(logits.scalars[(row * 3)..<(row * 3 + 3)])
            return scores.firstIndex(of: scores.max()!)!
        }
        #expect(try model.predictedClasses(batch) == expected)
        #expect(try model.predictedClasses(batch, chunkSize: 2) == expected)
    }
}
