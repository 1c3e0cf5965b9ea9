import CRecurrentKernels

// The time loops of RecurrentLayer, forward and backward side by side.
// Letters: B batch, T time, D input features of a layer, H hidden, G gates.
//
// Per layer and direction, forward:
//   for each step t (reversed for the backward direction):
//     gx = x_t·W_ihᵀ              when the threads split the batch: one GEMM
//                                 every 8 steps, for those steps, against
//                                 W_ih packed once; otherwise one GEMM over
//                                 all B·T rows before the loop (per thread
//                                 for its units' columns, when the threads
//                                 split the hidden units)
//     gh = h·W_hhᵀ                one GEMM against W_hh packed once
//     fused cell pass             biases, activations, state update, caches
// Backward runs the same loop in reverse order of steps, then forms
//   dW_ih = dgxᵀ·x, dW_hh = dghᵀ·h_prev, dx += dgx·W_ih   one GEMM each.
// Rows of a batch are independent, so each thread runs whole time loops for
// its own rows: no synchronisation inside the time loop.

/// What a training forward pass of ``RecurrentLayer`` keeps for its
/// backward pass.
public struct RecurrentCache: Sendable {
    let batchSize: Int
    let steps: Int
    let lengths: [Int]?
    /// Per layer: its input [B, T, D_l] (after dropout for layers above the first).
    var inputs: [Tensor] = []
    /// Per layer: its output [B, T, directions·H], before dropout.
    var outputs: [Tensor] = []
    /// Per layer above the first: the dropout mask applied to its input.
    var dropoutMasks: [Tensor?] = []
    /// Per layer and direction: the cell's step caches.
    var steps_: [StepCache] = []

    /// Per layer and direction, the cell's caches; their memory goes back
    /// to the layer's pool when the last copy of the cache goes.
    struct StepCache: Sendable {
        let storage: PooledBuffers
        var gates: [Float] { storage.buffers[0] }  // [B, T, G·H]
        var hPrev: [Float] { storage.buffers[1] }  // [B, T, H]
        var cPrev: [Float] { storage.buffers[2] }  // [B, T, H] (LSTM)
        var aux: [Float] { storage.buffers[3] }  // [B, T, H]: LSTM tanh(c_t); GRU h·W_hnᵀ + b_hn
    }
}

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
    /// keeps what ``backward(_:finalStateGradient:cache:)`` needs.
    ///
    /// - Parameter generator: draws the dropout masks.
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
            let expected = [layerCount * directions, b, hiddenSize]
            guard state.h.shape == expected else {
                throw RecurrentError.invalidArgument(
                    name: "initial state h", value: "of shape \(state.h.shape)", reason: "expected \(expected)")
            }
            if cell.hasCellState {
                guard let c = state.c, c.shape == expected else {
                    throw RecurrentError.invalidArgument(
                        name: "initial state c", value: state.c.map { "of shape \($0.shape)" } ?? "missing",
                        reason: "an LSTM needs c of shape \(expected)")
                }
            } else if state.c != nil {
                throw RecurrentError.invalidArgument(
                    name: "initial state c", value: "present", reason: "only an LSTM has a cell state")
            }
        }
    }

    func run(
        _ input: Tensor, lengths: [Int]?, initialState: RecurrentState?, training: Bool,
        generator: inout RandomGenerator, prepared: PreparedWeights? = nil, validated: Bool = false
    ) throws -> (output: Tensor, state: RecurrentState, cache: RecurrentCache?) {
        if !validated { try validate(input, lengths: lengths, initialState: initialState) }
        let (b, t) = (input.shape[0], input.shape[1])
        let lengths = lengths.flatMap { $0.allSatisfy { $0 == t } ? nil : $0 }
        let initial = initialState ?? zeroState(batchSize: b)
        var final = zeroState(batchSize: b)
        var cache = RecurrentCache(batchSize: b, steps: t, lengths: lengths)
        var x = input
        for layer in 0..<layerCount {
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
            if layer + 1 < layerCount, training, dropout > 0 {
                let keep = 1 / (1 - dropout)
                var mask = Tensor.zeros(output.shape)
                mask.withUnsafeMutableBufferPointer { m in
                    for i in 0..<m.count { m[i] = generator.nextFloat() < dropout ? 0 : keep }
                }
                cache.dropoutMasks.append(mask)
                x = output * mask
            } else {
                if layer + 1 < layerCount, training { cache.dropoutMasks.append(nil) }
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

    /// One layer and direction over the whole batch: fills its slice of
    /// `output` and of the final state.
    ///
    /// With more than one thread, each thread runs the whole sequence for its
    /// own rows of the batch, input product included, with no meeting between
    /// the threads until the end. Every ``inputSpan`` steps it multiplies its
    /// rows of the next steps' x by the packed W_ihᵀ, shortly before the cell
    /// passes read them: gx then comes from L2 instead of from memory, where
    /// one product over all steps leaves it.
    /// Every element of gx and gh is summed in the same order as by ``GEMM``,
    /// so the result has the same bits on any number of threads.
    private func runDirection(
        index: Int, input: Tensor, lengths: [Int]?, initial: RecurrentState, final: inout RecurrentState,
        output: inout Tensor, keepCache: Bool, prepared: PreparedWeights?
    ) -> RecurrentCache.StepCache? {
        let w = weights[index]
        let isa = prepared?.isa ?? ISA.active
        let (b, t, d) = (input.shape[0], input.shape[1], input.shape[2])
        let (h, g) = (hiddenSize, cell.gateCount)
        let gh = g * h
        let reverse = index % directions == 1
        let column = (index % directions) * h
        let lstm = cell.hasCellState

        var state = Array(initial.h.scalars[(index * b * h)..<((index + 1) * b * h)])
        var cell =
            lstm
            ? Array(initial.c!.scalars[(index * b * h)..<((index + 1) * b * h)]) : [Float](repeating: 0, count: b * h)
        // From h₀ = 0 the first step's recurrent product is zero: skipped in
        // inference. (0·w is ±0 for every finite w, and the sum of ±0 starting
        // from +0 is +0; an infinite or NaN w makes it NaN, as in PyTorch, so
        // the skip needs W_hh finite, which the layer's cache knows per
        // version of the weights.)
        let zeroStart =
            !keepCache && prepared == nil && !state.contains { $0 != 0 }
            && packedCache.isFinite(slot: index, weights: w.weightHH.scalars)
        // Caches are written for every row and step the backward pass reads
        // (gates and aux only where a sequence is active, which is all it reads).
        let cacheCount = keepCache ? b * t : 0
        var gates = scratch.take(keepCache && g > 1 ? cacheCount * gh : 0)
        var hPrev = scratch.take(cacheCount * h)
        var cPrev = scratch.take(keepCache && lstm ? cacheCount * h : 0)
        var aux = scratch.take(keepCache && g > 1 ? cacheCount * h : 0)
        let parts = prepared == nil ? hiddenPartCount(batch: b) : 1
        if parts > 1 {
            runDirectionByHiddenUnits(
                index: index, parts: parts, input: input, lengths: lengths, zeroStart: zeroStart,
                state: &state, cellState: &cell, gates: &gates, hPrev: &hPrev, cPrev: &cPrev, aux: &aux,
                output: &output, isa: isa, keepPacking: !keepCache)
            final.h.scalars.replaceSubrange((index * b * h)..<((index + 1) * b * h), with: state)
            if lstm { final.c!.scalars.replaceSubrange((index * b * h)..<((index + 1) * b * h), with: cell) }
            return keepCache ? stepCache(gates, hPrev, cPrev, aux) : nil
        }
        let chunks = chunkCount(batch: b, steps: t)
        // W_hhᵀ packed once for the whole sequence, and W_ihᵀ too when the
        // threads make their own input products step by step. One thread
        // makes one input product for all rows and steps instead, which GEMM
        // may still split (a long sequence of batch 1).
        let perStep = chunks > 1
        let keepPacking = !keepCache && prepared == nil
        let packedHH =
            prepared?.recurrentWeights[index]
            ?? packed(w.weightHH, slot: 2 * index, key: "whole \(isa.rawValue)", keep: keepPacking, isa: isa)
        let packedIH =
            prepared?.inputWeights[index]
            ?? (perStep
                ? packed(w.weightIH, slot: 2 * index + 1, key: "whole \(isa.rawValue)", keep: keepPacking, isa: isa)
                : nil)
        defer {
            if prepared == nil && !keepPacking {
                scratch.give(packedHH)
                if let packedIH { scratch.give(packedIH) }
            }
        }
        // gx = x·W_ihᵀ, b_ih added in the cell pass: per step into [B, G·H]
        // (row block r0 for the rows r0… of a thread), or for all steps at
        // once into [B·T, G·H].
        let span = d * gh <= Self.smallInputWeights ? 1 : Self.inputSpan
        var gx = scratch.take(perStep ? span * b * gh : b * t * gh)
        var xSpan = scratch.take(perStep && span > 1 ? span * b * d : 0)  // a thread's x rows of `span` steps, step-major
        defer { scratch.give(xSpan) }
        defer { scratch.give(gx) }
        if !perStep {
            input.withUnsafeBufferPointer { x in
                gx.withUnsafeMutableBufferPointer { gx in
                    if let packedIH {
                        packedIH.withUnsafeBufferPointer { p in
                            rc_sgemm_prepacked(
                                isa.rawValue, 0, b * t, gh, d, 1, x.baseAddress, d, p.baseAddress, gh, 0, 0,
                                gx.baseAddress, gh)
                        }
                    } else {
                        w.weightIH.withUnsafeBufferPointer { wih in
                            GEMM.sgemm(
                                transA: .none, transB: .transposed, m: b * t, n: gh, k: d,
                                alpha: 1, a: x.baseAddress!, lda: d, b: wih.baseAddress!, ldb: d,
                                beta: 0, c: gx.baseAddress!, ldc: gh)
                        }
                    }
                }
            }
        }
        var ghBuffer = scratch.take(b * gh)
        defer { scratch.give(ghBuffer) }
        let outputStride = t * outputSize
        let recurrence = self.cell

        withPointers(
            &state, &cell, &ghBuffer, &gates, &hPrev, &cPrev, &aux, &output.scalars
        ) { state, cell, ghBuffer, gates, hPrev, cPrev, aux, out in
            let (state, cell, ghBuffer, out) = (state!, cell!, ghBuffer!, out!)
            gx.withUnsafeMutableBufferPointer { gx in
                xSpan.withUnsafeMutableBufferPointer { xSpan in
                    packedHH.withUnsafeBufferPointer { packedHH in
                        withOptionalPointer(packedIH) { packedIH in
                            withOptionalPointers(w.biasIH, w.biasHH) { biasIH, biasHH in
                                withOptionalPointer(lengths) { lengths in
                                    input.withUnsafeBufferPointer { x in
                                        ThreadPool.shared.parallelFor(chunks) { part in
                                            let r0 = b * part / chunks
                                            let rows = b * (part + 1) / chunks - r0
                                            guard rows > 0 else { return }
                                            var step = rc_cell_forward()
                                            step.rows = rows
                                            step.hidden = h
                                            step.lengths = lengths.map { UnsafePointer($0 + r0) }
                                            step.ldgx = perStep ? gh : t * gh
                                            step.gh = UnsafePointer(ghBuffer + r0 * gh)
                                            step.ldgh = gh
                                            step.bias_ih = biasIH
                                            step.bias_hh = biasHH
                                            step.h = state + r0 * h
                                            step.ldh = h
                                            step.c = cell + r0 * h
                                            step.ldc = h
                                            step.ldout = outputStride
                                            step.ldgates = t * gh
                                            step.ldhprev = t * h
                                            step.ldcprev = t * h
                                            step.ldaux = t * h
                                            for s in 0..<t {
                                                let time = reverse ? t - 1 - s : s
                                                let row = r0 * t + time
                                                let slot = s % span
                                                let gxSpan = gx.baseAddress! + r0 * span * gh
                                                if perStep, let packedIH, slot == 0 {
                                                    // The next `span` steps' input product at once: their
                                                    // rows of x gathered step by step, one product. A span
                                                    // of one step reads its rows in place, T·D apart.
                                                    let count = min(span, t - s)
                                                    var (a, lda) = (x.baseAddress! + row * d, t * d)
                                                    if span > 1 {
                                                        let xs = xSpan.baseAddress! + r0 * span * d
                                                        for k in 0..<count {
                                                            let stepTime = reverse ? t - 1 - s - k : s + k
                                                            for r in 0..<rows {
                                                                (xs + (k * rows + r) * d).update(
                                                                    from: x.baseAddress! + ((r0 + r) * t + stepTime)
                                                                        * d,
                                                                    count: d)
                                                            }
                                                        }
                                                        (a, lda) = (UnsafePointer(xs), d)
                                                    }
                                                    rc_sgemm_prepacked(
                                                        isa.rawValue, 0, count * rows, gh, d, 1, a, lda, packedIH, gh,
                                                        0, 0, gxSpan, gh)
                                                }
                                                if s == 0 && zeroStart {
                                                    (ghBuffer + r0 * gh).update(repeating: 0, count: rows * gh)
                                                } else {
                                                    rc_sgemm_prepacked(
                                                        isa.rawValue, 0, rows, gh, h, 1, state + r0 * h, h,
                                                        packedHH.baseAddress, gh, 0, 0, ghBuffer + r0 * gh, gh)
                                                }
                                                step.t = time
                                                step.gx = UnsafePointer(
                                                    perStep ? gxSpan + slot * rows * gh : gx.baseAddress! + row * gh)
                                                step.out = out + r0 * outputStride + time * outputSize + column
                                                step.hprev = hPrev.map { $0 + row * h }
                                                step.gates = gates.map { $0 + row * gh }
                                                step.aux = aux.map { $0 + row * h }
                                                step.cprev = cPrev.map { $0 + row * h }
                                                recurrence.forwardStep(&step, isa: isa)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        final.h.scalars.replaceSubrange((index * b * h)..<((index + 1) * b * h), with: state)
        if lstm { final.c!.scalars.replaceSubrange((index * b * h)..<((index + 1) * b * h), with: cell) }
        return keepCache ? stepCache(gates, hPrev, cPrev, aux) : nil
    }

    /// Steps whose input product a thread makes at once when the threads
    /// split the batch: W_ih streams from L3 once per span instead of once
    /// per step, and the span's gx (span·rows·G·H) stays in L2. Measured on
    /// LSTM B64 T100 D256 H256 forward: spans of 1, 2, 4, 8, 16 steps take
    /// 17.4, 17.1, 16.4, 16.2, 16.2 ms, one product before the loop 16.4.
    static let inputSpan = 8

    /// Input weights of at most this many floats (256 KiB) stay in a core's
    /// cache, so their product is made step by step (a span of one, nothing
    /// gathered): LSTM B32 T100 D32 H128 forward 1.26 ms, against 1.30 in
    /// spans of 8.
    static let smallInputWeights = 1 << 16

    /// W [N, K] packed as op(B) = Wᵀ, the packing split between the threads.
    /// For inference (`keep`) the packing stays in the layer's cache while
    /// the weights are unchanged; otherwise it is taken from the scratch
    /// pool, for the caller to give back.
    private func packed(_ weight: Tensor, slot: Int, key: String, keep: Bool, isa: ISA) -> [Float] {
        let (n, k) = (weight.shape[0], weight.shape[1])
        return packing(
            of: weight, slot: slot, key: key, count: rc_sgemm_packed_b_size(isa.rawValue, k, n), keep: keep
        ) { packed in
            let nr = Int(rc_gemm_nr(isa.rawValue))
            let kcMax = Int(rc_gemm_kc())
            let paddedN = (n + nr - 1) / nr * nr
            let parts = n * k >= 1 << 16 ? ThreadPool.shared.threadCount : 1
            weight.withUnsafeBufferPointer { w in
                packed.withUnsafeMutableBufferPointer { packed in
                    ThreadPool.shared.parallelFor(parts) { part in
                        let panels = paddedN / nr
                        let (j0, j1) = (panels * part / parts * nr, min(panels * (part + 1) / parts * nr, n))
                        for pc in stride(from: 0, to: k, by: kcMax) {
                            rc_sgemm_pack_b_block(
                                isa.rawValue, 1, min(kcMax, k - pc), n, w.baseAddress, k, pc, 0, j0, j1,
                                packed.baseAddress! + pc * paddedN)
                        }
                    }
                }
            }
        }
    }

    /// `count` floats that `pack` fills from `weight`: for inference (`keep`)
    /// kept in the layer's cache under `slot` and `key` while the weights are
    /// unchanged; otherwise taken from the scratch pool, for the caller to
    /// give back.
    private func packing(
        of weight: Tensor, slot: Int, key: String, count: Int, keep: Bool, pack: (inout [Float]) -> Void
    ) -> [Float] {
        if keep {
            return packedCache.packed(slot: slot, weights: weight.scalars, key: key) {
                var fresh = uninitializedFloats(count)
                pack(&fresh)
                return fresh
            }
        }
        var buffer = scratch.take(count)
        pack(&buffer)
        return buffer
    }

    /// The step caches of one layer and direction, returned to the pool when
    /// the cache that holds them goes.
    private func stepCache(_ gates: [Float], _ hPrev: [Float], _ cPrev: [Float], _ aux: [Float])
        -> RecurrentCache.StepCache
    {
        RecurrentCache.StepCache(storage: PooledBuffers([gates, hPrev, cPrev, aux], pool: scratch))
    }

    /// How many parts to split the hidden units into, one per thread, when
    /// the recurrent weights (2 MiB or more) are too large for one core's L2:
    /// each thread then multiplies the whole batch by its own slice of W_hh
    /// (half the weight traffic, twice the reuse) and the threads meet once
    /// per step. Measured: at 1 MiB (LSTM H 256) splitting the batch is still
    /// faster (15.8 against 17 ms forward), at 16 MiB (H 1024) not.
    /// Smaller layers split the batch instead, with no meeting at all.
    func hiddenPartCount(batch: Int) -> Int {
        let threads = ThreadPool.shared.threadCount
        let weightBytes = cell.gateCount * hiddenSize * hiddenSize * 4
        guard threads > 1, weightBytes >= 1 << 21, hiddenSize >= 32 * threads else { return 1 }
        return threads
    }

    /// The forward time loop with the hidden units split between threads:
    /// per step, part k computes gh_k = h·W_hh,kᵀ (its units' rows of every
    /// gate) and the cell update of its units. h is double-buffered, since
    /// every part reads all of h_{t−1} while the others write h_t. Each part
    /// also makes its own columns of the input product, gx_k = x·W_ih,kᵀ
    /// [B·T, G·width_k], before its first step.
    private func runDirectionByHiddenUnits(
        index: Int, parts: Int, input: Tensor, lengths: [Int]?, zeroStart: Bool,
        state: inout [Float], cellState: inout [Float], gates: inout [Float], hPrev: inout [Float],
        cPrev: inout [Float], aux: inout [Float], output: inout Tensor, isa: ISA, keepPacking: Bool
    ) {
        let w = weights[index]
        let (b, t, d) = (input.shape[0], input.shape[1], input.shape[2])
        let (h, g) = (hiddenSize, cell.gateCount)
        let gh = g * h
        let reverse = index % directions == 1
        let column = (index % directions) * h
        let outputStride = t * outputSize
        let recurrence = self.cell
        // Unit boundaries, multiples of 16 (one AVX-512 vector); two parts
        // split where the last call's timing says both threads finish
        // together (cores differ).
        let split = parts == 2 ? packedCache.split(slot: index, hidden: h) : nil
        let bounds = (0...parts).map { part in
            part == parts ? h : part == 1 && split != nil ? split! : (h * part / parts) / 16 * 16
        }
        let busy = UnsafeMutablePointer<Double>.allocate(capacity: parts)  // seconds each part worked
        busy.initialize(repeating: 0, count: parts)
        defer { busy.deallocate() }
        // Each part's rows of W_hh and of W_ih (its units in every gate),
        // packed one part after another, each part by its own thread (into
        // that core's cache).
        func offsets(_ k: Int) -> [Int] {
            (0...parts).map { part in
                (0..<part).reduce(0) { $0 + rc_sgemm_packed_b_size(isa.rawValue, k, g * (bounds[$1 + 1] - bounds[$1])) }
            }
        }
        let (hhOffsets, ihOffsets) = (offsets(h), offsets(d))
        func pack(_ weight: Tensor, offsets: [Int], into packed: inout [Float]) {
            let k = weight.shape[1]
            weight.withUnsafeBufferPointer { whole in
                packed.withUnsafeMutableBufferPointer { packed in
                    ThreadPool.shared.parallelFor(parts) { part in
                        let width = bounds[part + 1] - bounds[part]
                        let panel = Int(rc_gemm_nr(isa.rawValue))
                        if width % panel == 0 {
                            // Gate block `gate` of this part's units: columns gate·width of its op(B) = rowsᵀ [K, G·width].
                            for gate in 0..<g {
                                packGateBlock(
                                    rows: whole.baseAddress! + (gate * h + bounds[part]) * k, width: width, length: k,
                                    columnOffset: gate * width, totalColumns: g * width,
                                    into: packed.baseAddress! + offsets[part], isa: isa)
                            }
                        } else {
                            let rowIndices = (0..<g).flatMap { gate in
                                (bounds[part]..<bounds[part + 1]).map { gate * h + $0 }
                            }
                            let slice = packTransposed(weight.gatheringRows(rowIndices), isa: isa)
                            (packed.baseAddress! + offsets[part]).update(from: slice, count: slice.count)
                        }
                    }
                }
            }
        }
        // An inference call keeps the packings for the next while the weights
        // are unchanged (training changes them every step, so it packs into
        // scratch and gives it back). The layout follows the bounds.
        let key = "parts \(isa.rawValue) \(bounds)"
        let packedHH = packing(of: w.weightHH, slot: 2 * index, key: key, count: hhOffsets[parts], keep: keepPacking) {
            pack(w.weightHH, offsets: hhOffsets, into: &$0)
        }
        let packedIH = packing(
            of: w.weightIH, slot: 2 * index + 1, key: key, count: ihOffsets[parts], keep: keepPacking
        ) {
            pack(w.weightIH, offsets: ihOffsets, into: &$0)
        }
        defer {
            if !keepPacking {
                scratch.give(packedHH)
                scratch.give(packedIH)
            }
        }
        var gx = scratch.take(b * t * gh)  // part k at b·t·G·bounds[k]: [B·T, G·width_k]
        var ghParts = scratch.take(b * gh)  // part k at b·G·bounds[k]: [B, G·width_k]
        var other = scratch.take(b * h)
        defer {
            scratch.give(gx)
            scratch.give(ghParts)
            scratch.give(other)
        }
        withPointers(
            &state, &cellState, &other, &gates, &hPrev, &cPrev, &aux, &output.scalars
        ) { state, cell, other, gates, hPrev, cPrev, aux, out in
            let (state, cell, other, out) = (state!, cell!, other!, out!)
            packedHH.withUnsafeBufferPointer { packedHH in
                packedIH.withUnsafeBufferPointer { packedIH in
                    ghParts.withUnsafeMutableBufferPointer { ghParts in
                        gx.withUnsafeMutableBufferPointer { gx in
                            input.withUnsafeBufferPointer { x in
                                withOptionalPointers(w.biasIH, w.biasHH) { biasIH, biasHH in
                                    withOptionalPointer(lengths) { lengths in
                                        for s in 0..<t {
                                            let time = reverse ? t - 1 - s : s
                                            let (hIn, hOut) = s % 2 == 0 ? (state, other) : (other, state)
                                            ThreadPool.shared.parallelFor(parts) { part in
                                                let started = monotonicSeconds()
                                                defer { busy[part] += monotonicSeconds() - started }
                                                let j0 = bounds[part]
                                                let width = bounds[part + 1] - j0
                                                let ghPart = ghParts.baseAddress! + b * g * j0
                                                let gxPart = gx.baseAddress! + b * t * g * j0  // [B·T, G·width]
                                                if s == 0 {
                                                    rc_sgemm_prepacked(
                                                        isa.rawValue, 0, b * t, g * width, d, 1, x.baseAddress, d,
                                                        packedIH.baseAddress! + ihOffsets[part], g * width, 0, 0,
                                                        gxPart, g * width)
                                                }
                                                if s == 0 && zeroStart {
                                                    ghPart.update(repeating: 0, count: b * g * width)
                                                } else {
                                                    rc_sgemm_prepacked(
                                                        isa.rawValue, 0, b, g * width, h, 1, hIn, h,
                                                        packedHH.baseAddress! + hhOffsets[part], g * width, 0, 0,
                                                        ghPart, g * width)
                                                }
                                                var step = rc_cell_forward()
                                                step.rows = b
                                                step.hidden = width
                                                step.t = time
                                                step.lengths = lengths
                                                step.gx = UnsafePointer(gxPart + time * g * width)
                                                step.ldgx = t * g * width
                                                step.gx_gate_stride = width
                                                step.gh = UnsafePointer(ghPart)
                                                step.ldgh = g * width
                                                step.gh_gate_stride = width
                                                step.gate_stride = h
                                                step.bias_ih = biasIH.map { $0 + j0 }
                                                step.bias_hh = biasHH.map { $0 + j0 }
                                                step.h = hIn + j0
                                                step.h_out = hOut + j0
                                                step.ldh = h
                                                step.c = cell + j0
                                                step.ldc = h
                                                step.out = out + time * outputSize + column + j0
                                                step.ldout = outputStride
                                                step.gates = gates.map { $0 + time * gh + j0 }
                                                step.ldgates = t * gh
                                                step.hprev = hPrev.map { $0 + time * h + j0 }
                                                step.ldhprev = t * h
                                                step.cprev = cPrev.map { $0 + time * h + j0 }
                                                step.ldcprev = t * h
                                                step.aux = aux.map { $0 + time * h + j0 }
                                                step.ldaux = t * h
                                                recurrence.forwardStep(&step, isa: isa)
                                            }
                                        }
                                        if t % 2 == 1 { state.update(from: other, count: b * h) }
                                        if parts == 2 {
                                            packedCache.record(
                                                slot: index, hidden: h, split: bounds[1], busy: (busy[0], busy[1]))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Gradients of a loss through the layers, given its gradients with
    /// respect to the output and the final state of the forward pass that
    /// made `cache`.
    ///
    /// - Parameters:
    ///   - dOutput: ∂loss/∂output, [B, T, directions·H]. Entries past a
    ///     sequence's length are ignored (those outputs are constant zero).
    ///   - finalStateGradient: ∂loss/∂(final state); nil means zero.
    /// - Returns: ∂loss/∂input [B, T, D], ∂loss/∂(initial state), and
    ///   ∂loss/∂parameter for every parameter, by name.
    public func backward(
        _ dOutput: Tensor, finalStateGradient: RecurrentState? = nil, cache: RecurrentCache
    ) -> (dInput: Tensor, dInitialState: RecurrentState, gradients: NamedTensors) {
        let (b, t) = (cache.batchSize, cache.steps)
        dOutput.expectShape([b, t, outputSize], "RecurrentLayer.backward dOutput")
        let dFinal = finalStateGradient ?? zeroState(batchSize: b)
        dFinal.h.expectShape([layerCount * directions, b, hiddenSize], "RecurrentLayer.backward final h gradient")
        var dInitial = zeroState(batchSize: b)
        var perIndex = [NamedTensors](repeating: NamedTensors(), count: weights.count)
        var dOut = dOutput
        var dInput = Tensor.zeros([0])
        for layer in (0..<layerCount).reversed() {
            let x = cache.inputs[layer]
            var dx = Tensor.zeros(x.shape)
            for direction in 0..<directions {
                let index = layer * directions + direction
                perIndex[index] = backwardDirection(
                    index: index, cache: cache, input: x, output: cache.outputs[layer], dOutput: dOut,
                    dFinal: dFinal, dInitial: &dInitial, dInput: &dx)
            }
            if layer > 0, let mask = cache.dropoutMasks[layer - 1] {
                dOut = dx * mask  // forward was x = output ⊙ mask
            } else {
                dOut = dx
            }
            if layer == 0 { dInput = dx }
        }
        var gradients = NamedTensors()
        for named in perIndex { gradients.append(contentsOf: named) }
        return (dInput, dInitial, gradients)
    }

    /// One layer and direction backwards through time: returns its weight
    /// gradients, adds into `dInput`, and writes its slice of `dInitial`.
    private func backwardDirection(
        index: Int, cache: RecurrentCache, input: Tensor, output: Tensor, dOutput: Tensor,
        dFinal: RecurrentState, dInitial: inout RecurrentState, dInput: inout Tensor
    ) -> NamedTensors {
        let w = weights[index]
        let isa = ISA.active
        let (b, t, d) = (input.shape[0], input.shape[1], input.shape[2])
        let (h, g) = (hiddenSize, cell.gateCount)
        let gh = g * h
        let reverse = index % directions == 1
        let column = (index % directions) * h
        let lstm = cell.hasCellState
        let gru = cell == .gru
        let stepCache = cache.steps_[index]
        let slice = (index * b * h)..<((index + 1) * b * h)

        var dh = Array(dFinal.h.scalars[slice])
        var dc = lstm ? Array(dFinal.c!.scalars[slice]) : [Float](repeating: 0, count: b * h)
        var dhOther = [Float](repeating: 0, count: b * h)
        var dgx = scratch.take(b * t * gh)  // every row and step written
        var dgh = scratch.take(gru ? b * t * gh : 0)
        defer {
            scratch.give(dgx)
            scratch.give(dgh)
        }
        // W_hh packed as op(B) = W_hh [G·H, H], for dh_prev += dgh·W_hh.
        var packed = scratch.take(rc_sgemm_packed_b_size(isa.rawValue, gh, h))  // packing writes every entry
        defer { scratch.give(packed) }
        w.weightHH.withUnsafeBufferPointer { whh in
            packed.withUnsafeMutableBufferPointer { p in
                rc_sgemm_pack_b(isa.rawValue, 0, gh, h, whh.baseAddress, h, p.baseAddress)
            }
        }
        let chunks = chunkCount(batch: b, steps: t)
        let outputStride = t * outputSize
        let recurrence = cell
        let lengths = cache.lengths

        withPointers(&dh, &dc, &dhOther, &dgx, &dgh) { dh, dc, dhOther, dgx, dgh in
            let (dh, dc, dhOther, dgx) = (dh!, dc!, dhOther!, dgx!)
            let dghBase = gru ? dgh! : dgx
            dOutput.withUnsafeBufferPointer { dy in
                output.withUnsafeBufferPointer { out in
                    packed.withUnsafeBufferPointer { packed in
                        withCachePointers(stepCache) { gates, hPrev, cPrev, aux in
                            withOptionalPointer(lengths) { lengths in
                                ThreadPool.shared.parallelFor(chunks) { part in
                                    let r0 = b * part / chunks
                                    let rows = b * (part + 1) / chunks - r0
                                    guard rows > 0 else { return }
                                    var current = dh + r0 * h
                                    var next = dhOther + r0 * h
                                    var step = rc_cell_backward()
                                    step.rows = rows
                                    step.hidden = h
                                    step.lengths = lengths.map { UnsafePointer($0 + r0) }
                                    step.lddy = outputStride
                                    step.lddh = h
                                    step.lddhp = h
                                    step.dc = dc + r0 * h
                                    step.lddc = h
                                    step.lddgx = t * gh
                                    step.lddgh = t * gh
                                    step.ldout = outputStride
                                    step.ldgates = t * gh
                                    step.ldhprev = t * h
                                    step.ldcprev = t * h
                                    step.ldaux = t * h
                                    // The forward loop, run backwards.
                                    for s in (0..<t).reversed() {
                                        let time = reverse ? t - 1 - s : s
                                        let row = r0 * t + time
                                        let position = r0 * outputStride + time * outputSize + column
                                        step.t = time
                                        step.dy = dy.baseAddress! + position
                                        step.out = out.baseAddress! + position
                                        step.dh = UnsafePointer(current)
                                        step.dh_prev = next
                                        step.dgx = dgx + row * gh
                                        step.dgh = dghBase + row * gh
                                        step.hprev = hPrev.map { UnsafePointer($0 + row * h) }
                                        step.gates = gates.map { UnsafePointer($0 + row * gh) }
                                        step.cprev = cPrev.map { UnsafePointer($0 + row * h) }
                                        step.aux = aux.map { UnsafePointer($0 + row * h) }
                                        recurrence.backwardStep(&step, isa: isa)
                                        // dh_{t−1} += dgh_t·W_hh
                                        rc_sgemm_prepacked(
                                            isa.rawValue, 0, rows, h, gh, 1, dghBase + row * gh, t * gh,
                                            packed.baseAddress, h, 0, 1, next, h)
                                        swap(&current, &next)
                                    }
                                    if current != dh + r0 * h {
                                        (dh + r0 * h).update(from: current, count: rows * h)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        dInitial.h.scalars.replaceSubrange(slice, with: dh)
        if lstm { dInitial.c!.scalars.replaceSubrange(slice, with: dc) }

        let dghValues = gru ? dgh : dgx
        var dWih = Tensor.zeros([gh, d])
        var dWhh = Tensor.zeros([gh, h])
        dgx.withUnsafeBufferPointer { dgx in
            input.withUnsafeBufferPointer { x in
                dWih.withUnsafeMutableBufferPointer { dW in
                    // dW_ih = Σ_t dgx_tᵀ·x_t
                    GEMM.sgemm(
                        transA: .transposed, transB: .none, m: gh, n: d, k: b * t, alpha: 1,
                        a: dgx.baseAddress!, lda: gh, b: x.baseAddress!, ldb: d, beta: 0, c: dW.baseAddress!, ldc: d)
                }
            }
            w.weightIH.withUnsafeBufferPointer { wih in
                dInput.withUnsafeMutableBufferPointer { dx in
                    // dx_t += dgx_t·W_ih
                    GEMM.sgemm(
                        transA: .none, transB: .none, m: b * t, n: d, k: gh, alpha: 1,
                        a: dgx.baseAddress!, lda: gh, b: wih.baseAddress!, ldb: d, beta: 1, c: dx.baseAddress!, ldc: d)
                }
            }
        }
        dghValues.withUnsafeBufferPointer { dgh in
            stepCache.hPrev.withUnsafeBufferPointer { hPrev in
                dWhh.withUnsafeMutableBufferPointer { dW in
                    // dW_hh = Σ_t dgh_tᵀ·h_{t−1}
                    GEMM.sgemm(
                        transA: .transposed, transB: .none, m: gh, n: h, k: b * t, alpha: 1,
                        a: dgh.baseAddress!, lda: gh, b: hPrev.baseAddress!, ldb: h, beta: 0, c: dW.baseAddress!, ldc: h
                    )
                }
            }
        }
        let suffix = parameterSuffix(index)
        var gradients = NamedTensors()
        gradients["weight_ih" + suffix] = dWih
        gradients["weight_hh" + suffix] = dWhh
        if hasBias {
            gradients["bias_ih" + suffix] = columnSums(dgx, rows: b * t, columns: gh)
            gradients["bias_hh" + suffix] = columnSums(dghValues, rows: b * t, columns: gh)
        }
        return gradients
    }
}

/// A layer's weights packed for the GEMM kernels of one ISA, made once and
/// reused over many calls (streaming).
struct PreparedWeights: Sendable {
    let isa: ISA
    /// Per layer and direction: W_ihᵀ [D, G·H], packed.
    let inputWeights: [[Float]]
    /// Per layer and direction: W_hhᵀ [H, G·H], packed.
    let recurrentWeights: [[Float]]

    init(_ layer: RecurrentLayer, isa: ISA = .active) {
        self.isa = isa
        inputWeights = layer.weights.map { packTransposed($0.weightIH, isa: isa) }
        recurrentWeights = layer.weights.map { packTransposed($0.weightHH, isa: isa) }
    }
}

/// Packs `width` rows of a weight (each `length` long) as columns
/// `columnOffset ..< columnOffset + width` of a packed op(B) = [length, totalColumns],
/// whose other columns are packed by other calls. `columnOffset` and `width`
/// are multiples of the ISA's panel width, so panels do not straddle calls.
func packGateBlock(
    rows: UnsafePointer<Float>, width: Int, length h: Int, columnOffset: Int, totalColumns: Int,
    into packed: UnsafeMutablePointer<Float>, isa: ISA
) {
    let kc = Int(rc_gemm_kc())
    for pc in stride(from: 0, to: h, by: kc) {
        let rowsInBlock = min(kc, h - pc)
        let paddedColumns =
            (totalColumns + Int(rc_gemm_nr(isa.rawValue)) - 1) / Int(rc_gemm_nr(isa.rawValue))
            * Int(rc_gemm_nr(isa.rawValue))
        rc_sgemm_pack_b_block(
            isa.rawValue, 1, rowsInBlock, width, rows, h, pc, 0, 0, width,
            packed + pc * paddedColumns + columnOffset * rowsInBlock)
    }
}

/// A weight W [N, K] packed as the GEMM operand op(B) = Wᵀ [K, N].
func packTransposed(_ weight: Tensor, isa: ISA) -> [Float] {
    let (n, k) = (weight.shape[0], weight.shape[1])
    var packed = uninitializedFloats(rc_sgemm_packed_b_size(isa.rawValue, k, n))  // packing writes every entry
    weight.withUnsafeBufferPointer { w in
        packed.withUnsafeMutableBufferPointer { p in
            rc_sgemm_pack_b(isa.rawValue, 1, k, n, w.baseAddress, k, p.baseAddress)
        }
    }
    return packed
}

/// An array of `count` floats whose values are unspecified: for buffers that
/// a kernel fills entirely before anything reads them (zeroing megabytes of
/// caches per call costs more than the arithmetic of a small layer).
///
/// Buffers of 4 MiB or more ask the kernel for transparent huge pages (where
/// it grants them on request, as Linux does by default): one fault per 2 MiB
/// instead of one per 4 KiB, and far fewer TLB misses in the GEMMs that sweep
/// them.
func uninitializedFloats(_ count: Int) -> [Float] {
    [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
        if count >= 1 << 20, let base = buffer.baseAddress { adviseHugePages(base, bytes: count * 4) }
        initialized = count
    }
}

extension Tensor {
    /// A tensor whose elements are unspecified, for a kernel to fill.
    init(uninitializedShape shape: [Int]) {
        self.init(shape: shape, scalars: uninitializedFloats(Tensor.count(of: shape)))
    }
}

/// Σ over rows of a row-major [rows, columns] matrix, as a [columns] tensor.
///
/// Float sums in a loop the compiler vectorises: ``Tensor/sumRows()``
/// accumulates in Double, which costs about 8% of a large LSTM's training step for
/// the two bias gradients (one sitting: 331–352 against 311–317 ms).
func columnSums(_ values: [Float], rows: Int, columns: Int) -> Tensor {
    var sums = [Float](repeating: 0, count: columns)
    values.withUnsafeBufferPointer { v in
        sums.withUnsafeMutableBufferPointer { s in
            for r in 0..<rows {
                let row = v.baseAddress! + r * columns
                for j in 0..<columns { s[j] += row[j] }
            }
        }
    }
    return Tensor(shape: [columns], scalars: sums)
}

/// Base addresses of the step caches, nil where a cell keeps none.
private func withCachePointers<R>(
    _ cache: RecurrentCache.StepCache,
    _ body: (UnsafePointer<Float>?, UnsafePointer<Float>?, UnsafePointer<Float>?, UnsafePointer<Float>?) -> R
) -> R {
    cache.gates.withUnsafeBufferPointer { gates in
        cache.hPrev.withUnsafeBufferPointer { hPrev in
            cache.cPrev.withUnsafeBufferPointer { cPrev in
                cache.aux.withUnsafeBufferPointer { aux in
                    body(
                        gates.isEmpty ? nil : gates.baseAddress, hPrev.isEmpty ? nil : hPrev.baseAddress,
                        cPrev.isEmpty ? nil : cPrev.baseAddress, aux.isEmpty ? nil : aux.baseAddress)
                }
            }
        }
    }
}

/// The base address of an optional tensor's elements, or nil.
func withOptionalPointer<R>(_ tensor: Tensor?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let tensor else { return body(nil) }
    return tensor.withUnsafeBufferPointer { body($0.baseAddress) }
}

/// The base addresses of two optional tensors' elements, or nil.
func withOptionalPointers<R>(
    _ a: Tensor?, _ b: Tensor?, _ body: (UnsafePointer<Float>?, UnsafePointer<Float>?) -> R
) -> R {
    withOptionalPointer(a) { a in withOptionalPointer(b) { b in body(a, b) } }
}

/// The base address of an optional array's elements, or nil.
func withOptionalPointer<T, R>(_ values: [T]?, _ body: (UnsafePointer<T>?) -> R) -> R {
    guard let values else { return body(nil) }
    return values.withUnsafeBufferPointer { body($0.baseAddress) }
}

/// Mutable base addresses of several arrays at once; nil for an empty array.
func withPointers<R>(
    _ a: inout [Float], _ b: inout [Float], _ c: inout [Float], _ d: inout [Float], _ e: inout [Float],
    _ body: (
        UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?,
        UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?
    ) -> R
) -> R {
    a.withUnsafeMutableBufferPointer { a in
        b.withUnsafeMutableBufferPointer { b in
            c.withUnsafeMutableBufferPointer { c in
                d.withUnsafeMutableBufferPointer { d in
                    e.withUnsafeMutableBufferPointer { e in
                        body(base(a), base(b), base(c), base(d), base(e))
                    }
                }
            }
        }
    }
}

/// The base address of a buffer, nil when it is empty (an empty array's
/// address may be a shared placeholder that must never be written).
private func base(_ buffer: UnsafeMutableBufferPointer<Float>) -> UnsafeMutablePointer<Float>? {
    buffer.isEmpty ? nil : buffer.baseAddress
}

/// Eight at once; nil for an empty array.
func withPointers<R>(
    _ a: inout [Float], _ b: inout [Float], _ c: inout [Float], _ d: inout [Float], _ e: inout [Float],
    _ f: inout [Float], _ g: inout [Float], _ h: inout [Float],
    _ body: (
        UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?,
        UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?,
        UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?
    ) -> R
) -> R {
    withPointers(&a, &b, &c, &d, &e) { a, b, c, d, e in
        f.withUnsafeMutableBufferPointer { f in
            g.withUnsafeMutableBufferPointer { g in
                h.withUnsafeMutableBufferPointer { h in
                    body(a, b, c, d, e, base(f), base(g), base(h))
                }
            }
        }
    }
}
