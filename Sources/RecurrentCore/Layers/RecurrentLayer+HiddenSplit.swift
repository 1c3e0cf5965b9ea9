import CRecurrentKernels

// The forward time loop of a large layer, its hidden units split between
// threads that meet once per step.

extension RecurrentLayer {
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
    func runDirectionByHiddenUnits(
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
        // bf16: each part's slices packed for the bf16 kernels and kept in the
        // layer's cache, in training too (once per version of the weights).
        let precision = self.precision
        let bf16 = precision == .bf16
        let keepPacking = keepPacking || bf16
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
                (0..<part).reduce(0) {
                    let n = g * (bounds[$1 + 1] - bounds[$1])
                    return $0 + (bf16 ? rc_bgemm_packed_b_size(isa.rawValue, k, n) : rc_sgemm_packed_b_size(isa.rawValue, k, n))
                }
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
                        if bf16 {
                            // This part's rows of every gate, gathered, then packed as op(B) = rowsᵀ.
                            let rowIndices = (0..<g).flatMap { gate in
                                (bounds[part]..<bounds[part + 1]).map { gate * h + $0 }
                            }
                            weight.gatheringRows(rowIndices).withUnsafeBufferPointer { rows in
                                rc_bgemm_pack_b(
                                    isa.rawValue, 1, k, g * width, rows.baseAddress, k,
                                    packed.baseAddress! + offsets[part])
                            }
                        } else if width % panel == 0 {
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
        let key = "parts \(precision) \(isa.rawValue) \(bounds)"
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
                                                    prepackedProduct(
                                                        precision, isa, m: b * t, n: g * width, k: d,
                                                        a: x.baseAddress!, lda: d,
                                                        packed: packedIH.baseAddress! + ihOffsets[part],
                                                        packedN: g * width, beta: 0, c: gxPart, ldc: g * width)
                                                }
                                                if s == 0 && zeroStart {
                                                    ghPart.update(repeating: 0, count: b * g * width)
                                                } else {
                                                    prepackedProduct(
                                                        precision, isa, m: b, n: g * width, k: h, a: hIn, lda: h,
                                                        packed: packedHH.baseAddress! + hhOffsets[part],
                                                        packedN: g * width, beta: 0, c: ghPart, ldc: g * width)
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
}
