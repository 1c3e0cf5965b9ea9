import Recurrent
import Testing

/// Embedding: lookup on hand values, PyTorch's initialisation and name,
/// backward accumulating repeated ids (by hand and against finite
/// differences), padding, and ids that are not in the vocabulary.
@Suite struct EmbeddingTests {
    private let table = Tensor(rows: [[0, 0.5], [1, -1], [2, 4], [-3, 0.25]])  // [V=4, E=2]

    @Test func forwardReadsTheRowOfEachId() throws {
        let embedding = try Embedding(weight: table)
        let ids = Tensor(rows: [[2, 0, 2], [3, 1, 1]])  // [B=2, T=3]
        let y = try embedding(ids)
        #expect(y.shape == [2, 3, 2])
        #expect(y.scalars == [2, 4, 0, 0.5, 2, 4, -3, 0.25, 1, -1, 1, -1])
        #expect(try embedding(Tensor([3, 0])) == Tensor(rows: [[-3, 0.25], [0, 0.5]]))
    }

    @Test func backwardAddsEveryUseOfARow() throws {
        let embedding = try Embedding(weight: table)
        let ids = Tensor(rows: [[2, 0, 2], [3, 2, 1]])
        let (_, cache) = try embedding.forward(ids)
        let dy = Tensor(shape: [2, 3, 2], scalars: (1...12).map { Float($0) })
        let gradients = embedding.backward(dy, cache: cache)
        #expect(gradients.names == ["weight"])
        // id 2 at [0, 0], [0, 2] and [1, 1]: (1 + 5 + 9, 2 + 6 + 10); id 0 at [0, 1]; id 3 at [1, 0]; id 1 at [1, 2].
        #expect(gradients["weight"] == Tensor(rows: [[3, 4], [11, 12], [15, 18], [7, 8]]))
    }

    /// f = Σ R ⊙ embedding(ids) is linear in W, so the five-point difference
    /// is exact but for Float32 rounding of f (about 1e-7 of Σ|R·y| per
    /// evaluation, divided by h = 1e-2): 1e-4 of the scale leaves a wide
    /// margin and still fails a dropped or doubled use of a row (an error of
    /// one term among 24, about 4%).
    @Test func backwardMatchesFiniteDifferences() throws {
        var generator = RandomGenerator(seed: 1)
        let embedding = try Embedding(vocabularySize: 5, dimension: 3, generator: &generator)
        let ids = Tensor(rows: [[4, 0, 4, 1], [2, 2, 2, 3]])
        let lengths = [4, 3]
        let (y, cache) = try embedding.forward(ids, lengths: lengths)
        let r = Tensor.normal(y.shape, using: &generator)
        let dW = embedding.backward(r, cache: cache)["weight"]!
        let result = try GradientCheck.compare(
            "weight", at: embedding.weight, gradient: dW,
            direction: GradientCheck.direction(along: dW, using: &generator), step: 1e-2
        ) { w in
            let moved = try Embedding(weight: w)
            return SequenceTestMath.dot(try moved(ids, lengths: lengths), r)
        }
        #expect(result.relativeError < 1e-4, "\(result)")
    }

    @Test func paddingIsNeitherReadNorChecked() throws {
        let embedding = try Embedding(weight: table)
        let ids = Tensor(rows: [[1, 3, 99], [2, .nan, -1]])  // padding past lengths [2, 1]
        let (y, cache) = try embedding.forward(ids, lengths: [2, 1])
        #expect(y.scalars == [1, -1, -3, 0.25, 0, 0, 2, 4, 0, 0, 0, 0])
        let dW = embedding.backward(Tensor.ones([2, 3, 2]), cache: cache)["weight"]!
        #expect(dW == Tensor(rows: [[0, 0], [1, 1], [1, 1], [1, 1]]))
    }

    @Test func idsOutsideTheVocabularyThrowNamingIdAndSize() throws {
        let embedding = try Embedding(weight: table)
        let ids = Tensor(rows: [[0, 1], [4, 2]])
        #expect(throws: RecurrentError.invalidArgument(
            name: "token id at [1, 0]", value: "4.0", reason: "must be a whole number in 0..<4 (the vocabulary size is 4)")
        ) { try embedding(ids) }
        for bad: Float in [-1, 1.5, .nan, .infinity] {
            #expect(throws: RecurrentError.self) { try embedding(Tensor([0, bad])) }
        }
        let error = RecurrentError.invalidArgument(
            name: "token id at [1, 0]", value: "4.0", reason: "must be a whole number in 0..<4 (the vocabulary size is 4)")
        #expect(error.description == "invalid token id at [1, 0] 4.0: must be a whole number in 0..<4 (the vocabulary size is 4)")
        #expect(throws: RecurrentError.invalidArgument(name: "lengths[1]", value: "3", reason: "must lie in 1…2 (the input's T)")) {
            try embedding(ids, lengths: [2, 3])
        }
    }

    @Test func startsFromAStandardNormalUnderPyTorchsName() throws {
        var generator = RandomGenerator(seed: 2)
        let embedding = try Embedding(vocabularySize: 100, dimension: 50, generator: &generator)
        #expect(embedding.parameters.names == ["weight"])
        #expect(embedding.weight.shape == [100, 50])
        var same = RandomGenerator(seed: 2)
        #expect(embedding.weight == Tensor.normal([100, 50], using: &same))
        // 5000 draws of N(0, 1): the mean's standard error is 0.014, the variance's 0.02.
        let mean = embedding.weight.mean()
        let variance = embedding.weight.map { ($0 - mean) * ($0 - mean) }.mean()
        #expect(abs(mean) < 0.06 && abs(variance - 1) < 0.08, "mean \(mean), variance \(variance)")
    }

    @Test func badSizesThrow() throws {
        var generator = RandomGenerator(seed: 3)
        #expect(throws: RecurrentError.invalidArgument(name: "dimension", value: "0", reason: "must be ≥ 1")) {
            _ = try Embedding(vocabularySize: 3, dimension: 0, generator: &generator)
        }
        #expect(throws: RecurrentError.self) { _ = try Embedding(vocabularySize: 0, dimension: 2, generator: &generator) }
        #expect(throws: RecurrentError.self) { _ = try Embedding(weight: Tensor([1, 2, 3])) }
    }
}

/// Helpers shared by the tests of embeddings, heads and sequence models.
enum SequenceTestMath {
    /// Σ aᵢbᵢ in Double: the scalar f = Σ R ⊙ y whose gradient is R.
    static func dot(_ a: Tensor, _ b: Tensor) -> Double {
        zip(a.scalars, b.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }
}
