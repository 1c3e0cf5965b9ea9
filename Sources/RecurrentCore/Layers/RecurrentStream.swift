/// Runs a unidirectional ``RecurrentLayer`` as data arrives: one time step,
/// or a chunk of steps, at a time, carrying an explicit ``RecurrentState``.
///
/// Stepping through a sequence gives the same outputs, to the bit, as running
/// it whole. The stream packs the layer's weights once when it is made, so a
/// step costs only its arithmetic; make a new stream after changing weights.
/// A single step (``step(_:state:)``) of a layer whose weights reach 512 KiB
/// splits its hidden units between two threads, each reading its own slice of
/// the weights, packed apart (as much memory again as the weights); in
/// ``Precision/bf16`` a step runs as a chunk of one step, on the bf16 kernels.
///
/// ```swift
/// let stream = try RecurrentStream(lstm)
/// var state = lstm.zeroState(batchSize: 1)
/// for reading in readings {                       // each [1, D]
///     let y = try stream.step(reading, state: &state)   // [1, H]
/// }
/// let saved = try JSONEncoder().encode(state)     // restore it later
/// ```
public struct RecurrentStream: Sendable {
    /// The layer this stream runs, as it was when the stream was made.
    public let layer: RecurrentLayer
    private let prepared: PreparedWeights
    /// The single step's own packing (``step(_:state:)``), beside `prepared` for chunks.
    private let single: StreamStep?

    /// A stream over `layer`'s current weights.
    ///
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` for a
    ///   bidirectional layer, whose backward direction needs the whole sequence.
    public init(_ layer: RecurrentLayer) throws {
        guard !layer.bidirectional else {
            throw RecurrentError.invalidArgument(
                name: "layer", value: "bidirectional",
                reason: "a bidirectional layer needs the whole sequence and cannot stream")
        }
        self.layer = layer
        prepared = PreparedWeights(layer)
        // The single step runs the fp32 kernels; in bf16 every step goes through `chunk`.
        single = layer.precision == .fp32 ? StreamStep(layer, sharing: prepared) : nil
    }

    /// Advances every sequence of a batch by one step.
    ///
    /// - Parameters:
    ///   - input: [B, D], one step of each of B sequences.
    ///   - state: the state before the step, replaced by the state after it.
    /// - Returns: the output of the step, [B, H].
    public func step(_ input: Tensor, state: inout RecurrentState) throws -> Tensor {
        guard input.rank == 2 else {
            throw RecurrentError.invalidArgument(
                name: "input", value: "of shape \(input.shape)", reason: "a step is [B, \(layer.inputSize)]")
        }
        if let single { return try single.step(input, state: &state) }
        let output = try chunk(input.reshaped([input.shape[0], 1, input.shape[1]]), state: &state)
        return output.reshaped([input.shape[0], layer.outputSize])
    }

    /// Advances every sequence of a batch by several steps.
    ///
    /// - Parameters:
    ///   - input: [B, k, D], the next k steps of each of B sequences.
    ///   - lengths: how many of the k steps are real for each sequence (in
    ///     1…k); nil means all. A sequence's state stops at its last real step.
    ///   - state: the state before the chunk, replaced by the state after it.
    /// - Returns: the outputs, [B, k, H], zero past each sequence's length.
    public func chunk(_ input: Tensor, lengths: [Int]? = nil, state: inout RecurrentState) throws -> Tensor {
        var unused = RandomGenerator(seed: 0)
        let result = try layer.run(
            input, lengths: lengths, initialState: state, training: false, generator: &unused, prepared: prepared)
        state = result.state
        return result.output
    }
}
