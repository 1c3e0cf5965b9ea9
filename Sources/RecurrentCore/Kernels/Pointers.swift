import CRecurrentKernels

// Buffers and pointers for the kernels: uninitialised float arrays, column
// sums, and the base addresses of tensors, arrays and step caches.

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
/// Float sums in the kernel `rc_column_sums`, which keeps four vectors of
/// columns' partial sums in registers over the rows: ``Tensor/sumRows()``
/// accumulates in Double, which cost about 8% of a large LSTM's training
/// step for the two bias gradients (one sitting: 331–352 against 311–317
/// ms), and a Swift loop `s[j] += row[j]`, which the compiler could not keep
/// in registers, cost 9% of the adding problem's (LSTM H64, B64, T100)
/// whole training step in a profile, for 1.6 M additions.
///
/// The threads of the shared pool take blocks of columns, each summed over
/// the rows in order from +0, so the bits depend neither on the thread
/// count nor on the ISA.
func columnSums(_ values: [Float], rows: Int, columns: Int, isa: ISA = .active) -> Tensor {
    var sums = [Float](repeating: 0, count: columns)
    let blocks = rows * columns >= 1 << 16 ? min(ThreadPool.shared.threadCount, (columns + 15) / 16) : 1
    values.withUnsafeBufferPointer { v in
        sums.withUnsafeMutableBufferPointer { s in
            let (v, s) = (v.baseAddress!, s.baseAddress!)
            ThreadPool.shared.parallelFor(blocks) { block in
                // Whole 16-column groups per block but the last.
                let j0 = min(columns, (columns + 15) / 16 * block / blocks * 16)
                let j1 = block == blocks - 1 ? columns : min(columns, (columns + 15) / 16 * (block + 1) / blocks * 16)
                guard j0 < j1 else { return }
                rc_column_sums(isa.rawValue, v + j0, rows, j1 - j0, columns, s + j0)
            }
        }
    }
    return Tensor(shape: [columns], scalars: sums)
}

/// Base addresses of the step caches, nil where a cell keeps none.
func withCachePointers<R>(
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
