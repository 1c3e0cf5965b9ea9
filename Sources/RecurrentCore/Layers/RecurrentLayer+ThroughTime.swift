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
    func runDirection(
        index: Int, input: Tensor, lengths: [Int]?, initial: RecurrentState, final: inout RecurrentState,
        output: inout Tensor, keepCache: Bool, prepared: PreparedWeights?
    ) -> RecurrentCache.StepCache? {
        let w = weights[index]
        let isa = prepared?.isa ?? ISA.active
        // bf16: every product against bf16 weights packed once per version
        // of the weights (the layer's cache), so also in training.
        let precision = prepared?.precision ?? self.precision
        let bf16 = precision == .bf16
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
            ?? (bf16
                ? packedBF16(w.weightHH, transposed: true, slot: bf16Slot(index, 0), isa: isa)
                : packed(w.weightHH, slot: 2 * index, key: "whole \(isa.rawValue)", keep: keepPacking, isa: isa))
        let packedIH =
            prepared?.inputWeights[index]
            ?? (bf16
                ? packedBF16(w.weightIH, transposed: true, slot: bf16Slot(index, 1), isa: isa)
                : perStep
                    ? packed(
                        w.weightIH, slot: 2 * index + 1, key: "whole \(isa.rawValue)", keep: keepPacking, isa: isa)
                    : nil)
        defer {
            if prepared == nil && !keepPacking && !bf16 {
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
                    if let packedIH, bf16 {
                        packedIH.withUnsafeBufferPointer { p in
                            GEMM.bgemmPrepacked(
                                transA: .none, m: b * t, n: gh, k: d, alpha: 1, a: x.baseAddress!, lda: d,
                                packed: p.baseAddress!, beta: 0, c: gx.baseAddress!, ldc: gh, isa: isa)
                        }
                    } else if let packedIH {
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
                                                    prepackedProduct(
                                                        precision, isa, m: count * rows, n: gh, k: d, a: a, lda: lda,
                                                        packed: packedIH, packedN: gh, beta: 0, c: gxSpan, ldc: gh)
                                                }
                                                if s == 0 && zeroStart {
                                                    (ghBuffer + r0 * gh).update(repeating: 0, count: rows * gh)
                                                } else {
                                                    prepackedProduct(
                                                        precision, isa, m: rows, n: gh, k: h, a: state + r0 * h,
                                                        lda: h, packed: packedHH.baseAddress, packedN: gh, beta: 0,
                                                        c: ghBuffer + r0 * gh, ldc: gh)
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

    /// The step caches of one layer and direction, returned to the pool when
    /// the cache that holds them goes.
    func stepCache(_ gates: [Float], _ hPrev: [Float], _ cPrev: [Float], _ aux: [Float])
        -> RecurrentCache.StepCache
    {
        RecurrentCache.StepCache(storage: PooledBuffers([gates, hPrev, cPrev, aux], pool: scratch))
    }

    /// Gradients of a loss through the layers, given its gradients with
    /// respect to the output and the final state of the forward pass that
    /// made `cache`.
    ///
    /// - Parameters:
    ///   - dOutput: ∂loss/∂output, [B, T, directions·H]. Entries past a
    ///     sequence's length are ignored (those outputs are constant zero).
    ///   - finalStateGradient: ∂loss/∂(final state); nil means zero.
    ///   - cache: what the forward pass kept.
    ///   - inputGradient: whether to compute ∂loss/∂input. A first layer
    ///     reading data needs no input gradient for training: without it the
    ///     first layer skips one of its six products, dx = dG·W_ih.
    /// - Returns: ∂loss/∂input [B, T, D] (an empty tensor, shape [0], when
    ///   `inputGradient` is false), ∂loss/∂(initial state), and
    ///   ∂loss/∂parameter for every parameter, by name.
    public func backward(
        _ dOutput: Tensor, finalStateGradient: RecurrentState? = nil, cache: RecurrentCache,
        inputGradient: Bool = true
    ) -> (dInput: Tensor, dInitialState: RecurrentState, gradients: NamedTensors) {
        let (b, t) = (cache.batchSize, cache.steps)
        dOutput.expectShape([b, t, outputSize], "RecurrentLayer.backward dOutput")
        let dFinal = finalStateGradient ?? zeroState(batchSize: b)
        dFinal.h.expectShape([layers * directions, b, hiddenSize], "RecurrentLayer.backward final h gradient")
        var dInitial = zeroState(batchSize: b)
        var perIndex = [NamedTensors](repeating: NamedTensors(), count: weights.count)
        var dOut = dOutput
        var dInput = Tensor.zeros([0])
        for layer in (0..<layers).reversed() {
            let x = cache.inputs[layer]
            // Empty: backwardDirection then skips the product dx = dG·W_ih.
            var dx = layer == 0 && !inputGradient ? Tensor.zeros([0]) : Tensor.zeros(x.shape)
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
    /// gradients, adds into `dInput` (unless it is empty: not wanted), and
    /// writes its slice of `dInitial`.
    func backwardDirection(
        index: Int, cache: RecurrentCache, input: Tensor, output: Tensor, dOutput: Tensor,
        dFinal: RecurrentState, dInitial: inout RecurrentState, dInput: inout Tensor
    ) -> NamedTensors {
        let w = weights[index]
        let isa = ISA.active
        let bf16 = precision == .bf16
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
        // W_hh packed as op(B) = W_hh [G·H, H], for dh_prev += dgh·W_hh
        // (bf16: from the layer's cache, made once per version of the weights).
        var packed =
            bf16
            ? packedBF16(w.weightHH, transposed: false, slot: bf16Slot(index, 2), isa: isa)
            : scratch.take(rc_sgemm_packed_b_size(isa.rawValue, gh, h))  // packing writes every entry
        defer { if !bf16 { scratch.give(packed) } }
        if !bf16 {
            w.weightHH.withUnsafeBufferPointer { whh in
                packed.withUnsafeMutableBufferPointer { p in
                    rc_sgemm_pack_b(isa.rawValue, 0, gh, h, whh.baseAddress, h, p.baseAddress)
                }
            }
        }
        let precision = self.precision
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
                                        prepackedProduct(
                                            precision, isa, m: rows, n: h, k: gh, a: dghBase + row * gh,
                                            lda: t * gh, packed: packed.baseAddress, packedN: h, beta: 1, c: next,
                                            ldc: h)
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
        if bf16 {
            weightGradientsBF16(
                index: index, dgx: dgx, dgh: dghValues, input: input, hPrev: stepCache.hPrev,
                dWih: &dWih, dWhh: &dWhh, dInput: &dInput)
        } else {
            dgx.withUnsafeBufferPointer { dgx in
                input.withUnsafeBufferPointer { x in
                    dWih.withUnsafeMutableBufferPointer { dW in
                        // dW_ih = Σ_t dgx_tᵀ·x_t
                        GEMM.sgemm(
                            transA: .transposed, transB: .none, m: gh, n: d, k: b * t, alpha: 1,
                            a: dgx.baseAddress!, lda: gh, b: x.baseAddress!, ldb: d, beta: 0, c: dW.baseAddress!, ldc: d)
                    }
                }
                if dInput.count > 0 {
                    w.weightIH.withUnsafeBufferPointer { wih in
                        dInput.withUnsafeMutableBufferPointer { dx in
                            // dx_t += dgx_t·W_ih
                            GEMM.sgemm(
                                transA: .none, transB: .none, m: b * t, n: d, k: gh, alpha: 1,
                                a: dgx.baseAddress!, lda: gh, b: wih.baseAddress!, ldb: d, beta: 1,
                                c: dx.baseAddress!, ldc: d)
                        }
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
        }
        let suffix = parameterSuffix(index)
        var gradients = NamedTensors()
        gradients["weight_ih" + suffix] = dWih
        gradients["weight_hh" + suffix] = dWhh
        if hasBias {
            // Both biases enter every gate sum alike except the GRU's b_hn
            // (inside r⊙(…)), so outside the GRU their gradients are one sum.
            let dBiasIH = columnSums(dgx, rows: b * t, columns: gh)
            gradients["bias_ih" + suffix] = dBiasIH
            gradients["bias_hh" + suffix] = gru ? columnSums(dghValues, rows: b * t, columns: gh) : dBiasIH
        }
        return gradients
    }
}
