// Truncated backpropagation through time: a long sequence in windows of k
// steps, the state carried forward between windows without gradient.

extension RecurrentLayer {
    /// Runs a long batch of sequences in windows of `window` steps and
    /// backpropagates within each window only.
    ///
    /// Each window starts from the state the previous one ended in, as a
    /// constant: no gradient flows across a window boundary. The gradients of
    /// all windows are summed, so with `window ≥ T` the result is exactly that
    /// of ``forward(_:lengths:initialState:generator:)`` followed by
    /// ``backward(_:finalStateGradient:cache:)``.
    ///
    /// ```swift
    /// let result = try lstm.truncatedBackpropagation(x, window: 50, generator: &g) { output, steps in
    ///     loss(head(output), target: y.timeSlice(steps)).gradient   // ∂L/∂output of the window
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - input: [B, T, D].
    ///   - lengths: each sequence's length in 1…T; nil means all are T.
    ///   - initialState: the state before the first step; nil means zeros.
    ///   - window: k, the steps per window (≥ 1).
    ///   - generator: draws dropout masks.
    ///   - outputGradient: given a window's output [B, k′, directions·H] and
    ///     its steps (k′ ≤ k for the last window), returns ∂loss/∂output.
    /// - Returns: the summed parameter gradients and the state after each
    ///   sequence's last real step.
    /// - Throws: what ``callAsFunction(_:lengths:initialState:)`` throws for
    ///   bad input, ``RecurrentError/invalidArgument(name:value:reason:)`` for
    ///   a bidirectional layer (its backward direction needs the whole
    ///   sequence) or `window < 1`, and what `outputGradient` throws.
    public func truncatedBackpropagation(
        _ input: Tensor, lengths: [Int]? = nil, initialState: RecurrentState? = nil, window: Int,
        generator: inout RandomGenerator,
        outputGradient: (_ output: Tensor, _ steps: Range<Int>) throws -> Tensor
    ) throws -> (gradients: NamedTensors, finalState: RecurrentState) {
        try Check.positive(window, "window")
        guard !bidirectional else {
            throw RecurrentError.invalidArgument(
                name: "layer", value: "bidirectional",
                reason: "truncated backpropagation needs a unidirectional layer")
        }
        try validate(input, lengths: lengths, initialState: initialState)
        let (b, t) = (input.shape[0], input.shape[1])
        var state = initialState ?? zeroState(batchSize: b)
        var total = NamedTensors()
        for start in stride(from: 0, to: t, by: window) {
            let steps = start..<min(start + window, t)
            // A sequence that ended before this window keeps its state (length 0 here).
            let windowLengths = lengths.map { $0.map { min(max($0 - start, 0), steps.count) } }
            let (output, final, cache) = try run(
                input.timeSlice(steps), lengths: windowLengths, initialState: state, training: true,
                generator: &generator, validated: true)
            let dOutput = try outputGradient(output, steps)
            let (_, _, gradients) = backward(dOutput, cache: cache!)
            if total.isEmpty {
                total = gradients
            } else {
                for (name, gradient) in gradients { total[name] = total[name]! + gradient }
            }
            state = final
        }
        return (total, state)
    }
}

extension Tensor {
    /// The steps `range` of a batch-first sequence tensor [B, T, …], as
    /// [B, range.count, …].
    public func timeSlice(_ range: Range<Int>) -> Tensor {
        require(rank >= 2, "Tensor.timeSlice: shape \(shape) has no time axis")
        require(
            range.lowerBound >= 0 && range.upperBound <= shape[1],
            "Tensor.timeSlice: steps \(range) outside 0..<\(shape[1]) of shape \(shape)")
        let (b, t) = (shape[0], shape[1])
        let inner = count / Swift.max(1, b * t)
        var result = Tensor(uninitializedShape: [b, range.count] + shape.dropFirst(2))
        withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                for row in 0..<b {
                    let from = source.baseAddress! + (row * t + range.lowerBound) * inner
                    let to = target.baseAddress! + row * range.count * inner
                    to.update(from: from, count: range.count * inner)
                }
            }
        }
        return result
    }
}
