import CRecurrentKernels

// The public face of RecurrentLayer over whole sequences: inference and the
// training forward pass, the checks of their input, and the run that sends
// each layer and direction to the time loop (RecurrentLayer+ThroughTime.swift)
// or, for large layers, to the hidden-unit split (RecurrentLayer+HiddenSplit.swift).

extension RecurrentLayer {
    /// Runs the layers over a batch of sequences (inference: no dropout,
    /// nothing kept for backward).
    ///
    /// - Parameters:
    ///   - input: [B, T, D].
    ///   - lengths: each sequence's length, in 1…T; nil means all are T.
    ///   - initialState: [layers·directions, B, H] (and `c` for an LSTM);
    ///     nil means zeros.
    /// - Returns: the output [B, T, directions·H], zero past each sequence's
    ///   length, and the state after each sequence's last real step.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` naming
    ///   the argument whose shape or values do not fit the layer.
    public func callAsFunction(
        _ input: Tensor, lengths: [Int]? = nil, initialState: RecurrentState? = nil
    ) throws -> (output: Tensor, state: RecurrentState) {
        var unused = RandomGenerator(seed: 0)
        let result = try run(
            input, lengths: lengths, initialState: initialState, training: false, generator: &unused)
        return (result.output, result.state)
    }

    /// The forward pass of training: applies dropout between layers and
    /// keeps what ``backward(_:finalStateGradient:cache:inputGradient:)`` needs.
    ///
    /// - Parameters:
    ///   - input: [B, T, D], a batch of sequences.
    ///   - lengths: each sequence's real length (1…T); nil means all are T.
    ///   - initialState: the state before the first step; nil means zeros.
    ///   - generator: draws the dropout masks.
    public func forward(
        _ input: Tensor, lengths: [Int]? = nil, initialState: RecurrentState? = nil,
        generator: inout RandomGenerator
    ) throws -> (output: Tensor, state: RecurrentState, cache: RecurrentCache) {
        let result = try run(input, lengths: lengths, initialState: initialState, training: true, generator: &generator)
        return (result.output, result.state, result.cache!)
    }

    /// Checks an input, its lengths and an initial state against the layer.
    func validate(_ input: Tensor, lengths: [Int]?, initialState: RecurrentState?) throws {
        guard input.rank == 3, input.shape[2] == inputSize, input.shape[0] > 0, input.shape[1] > 0 else {
            throw RecurrentError.invalidArgument(
                name: "input", value: "of shape \(input.shape)",
                reason: "expected [B, T, \(inputSize)] with B, T ≥ 1")
        }
        let (b, t) = (input.shape[0], input.shape[1])
        if let lengths {
            guard lengths.count == b else {
                throw RecurrentError.invalidArgument(
                    name: "lengths", value: "of count \(lengths.count)", reason: "expected one per sequence (\(b))")
            }
            if let (index, bad) = lengths.enumerated().first(where: { $0.element < 1 || $0.element > t }) {
                throw RecurrentError.invalidArgument(
                    name: "lengths[\(index)]", value: "\(bad)", reason: "must lie in 1…\(t) (the input's T)")
            }
        }
        if let state = initialState {
            try state.check(shape: [layers * directions, b, hiddenSize], withCell: cell.hasCellState, named: "initial state")
        }
    }

    func run(
        _ input: Tensor, lengths: [Int]?, initialState: RecurrentState?, training: Bool,
        generator: inout RandomGenerator, prepared: PreparedWeights? = nil
    ) throws -> (output: Tensor, state: RecurrentState, cache: RecurrentCache?) {
        try validate(input, lengths: lengths, initialState: initialState)
        let (b, t) = (input.shape[0], input.shape[1])
        let lengths = lengths.flatMap { $0.allSatisfy { $0 == t } ? nil : $0 }
        let initial = initialState ?? zeroState(batchSize: b)
        var final = zeroState(batchSize: b)
        var cache = RecurrentCache(batchSize: b, steps: t, lengths: lengths)
        var x = input
        for layer in 0..<layers {
            var output = Tensor(uninitializedShape: [b, t, outputSize])  // every step written
            for direction in 0..<directions {
                let index = layer * directions + direction
                let stepCache = runDirection(
                    index: index, input: x, lengths: lengths, initial: initial, final: &final,
                    output: &output, keepCache: training, prepared: prepared)
                if let stepCache { cache.steps_.append(stepCache) }
            }
            if training {
                cache.inputs.append(x)
                cache.outputs.append(output)
            }
            if layer + 1 < layers, training, dropout > 0 {
                let keep = 1 / (1 - dropout)
                var mask = Tensor.zeros(output.shape)
                mask.withUnsafeMutableBufferPointer { m in
                    for i in 0..<m.count { m[i] = generator.nextFloat() < dropout ? 0 : keep }
                }
                cache.dropoutMasks.append(mask)
                x = output * mask
            } else {
                if layer + 1 < layers, training { cache.dropoutMasks.append(nil) }
                x = output
            }
        }
        return (x, final, training ? cache : nil)
    }

    /// How many row chunks to split a batch into: one per thread when the
    /// time loop is long enough to repay a wake-up.
    func chunkCount(batch: Int, steps: Int) -> Int {
        let work = batch * steps * cell.gateCount * hiddenSize * hiddenSize
        return work >= 1 << 17 ? min(ThreadPool.shared.threadCount, batch) : 1
    }
}

extension RecurrentState {
    /// Throws unless h has `expected`'s shape ([L·directions, B, H]) and c
    /// has it too exactly when the cell keeps one (an LSTM); `name` leads the message.
    func check(shape expected: [Int], withCell: Bool, named name: String) throws {
        guard h.shape == expected else {
            throw RecurrentError.invalidArgument(
                name: "\(name) h", value: "of shape \(h.shape)", reason: "expected \(expected)")
        }
        if withCell {
            guard let c, c.shape == expected else {
                throw RecurrentError.invalidArgument(
                    name: "\(name) c", value: c.map { "of shape \($0.shape)" } ?? "missing",
                    reason: "an LSTM needs c of shape \(expected)")
            }
        } else if c != nil {
            throw RecurrentError.invalidArgument(name: "\(name) c", value: "present", reason: "only an LSTM has a cell state")
        }
    }
}
