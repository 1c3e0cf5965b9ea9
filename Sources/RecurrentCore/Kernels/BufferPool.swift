import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Float buffers kept for reuse between calls of the same layer.
///
/// A training loop asks for the same large buffers every step (the input
/// product of all time steps, the per-step caches, their gradients). Freed
/// and allocated again, megabytes go back to the system and come back as
/// fresh pages that fault in one by one: a fifth of an LSTM training step on
/// the development machine. A pool keeps them instead. Buffers are matched
/// by exact size, which is what a loop over batches of one shape asks for.
///
/// Thread-safe: copies of a layer share its pool, and any of them may run
/// on any thread.
final class BufferPool: Sendable {
    /// At most this many floats are kept (1 GiB); beyond, buffers are freed.
    static let capacity = 1 << 28

    private let buffers = Mutex<[[Float]]>([])

    init() {}

    /// A buffer of `count` floats whose contents are unspecified.
    func take(_ count: Int) -> [Float] {
        if count > 0 {
            let reused: [Float]? = buffers.withLock { buffers in
                guard let index = buffers.firstIndex(where: { $0.count == count }) else { return nil }
                return buffers.remove(at: index)
            }
            if let reused { return reused }
        }
        return uninitializedFloats(count)
    }

    /// Keeps `buffer` for a later ``take(_:)`` of the same size.
    func give(_ buffer: [Float]) {
        guard buffer.count > 0 else { return }
        buffers.withLock { buffers in
            buffers.append(buffer)
            var total = buffers.reduce(0) { $0 + $1.count }
            while total > Self.capacity, !buffers.isEmpty {
                total -= buffers.removeFirst().count
            }
        }
    }
}

/// Buffers that go back to a pool when the last reference to them goes.
final class PooledBuffers: @unchecked Sendable {
    var buffers: [[Float]]
    private let pool: BufferPool

    init(_ buffers: [[Float]], pool: BufferPool) {
        self.buffers = buffers
        self.pool = pool
    }

    deinit {
        for buffer in buffers { pool.give(buffer) }
    }
}

/// A layer's weights packed for the GEMM kernels, kept between inference
/// calls while the weights are unchanged (shared by copies; thread-safe).
///
/// An entry holds the weight array it was packed from. That keeps the array's
/// buffer alive and shared, so the layer cannot change it in place: a change
/// copies it first (copy-on-write) and moves it to another address. Hence an
/// entry whose source has the address of the layer's current array was packed
/// from exactly these weights.
final class PackedWeightCache: Sendable {
    struct Entry {
        let source: [Float]
        let key: String
        let packed: [Float]
    }

    private let entries = Mutex<[Int: Entry]>([:])
    /// Per slot: where two threads should split the hidden units.
    private let splits = Mutex<[Int: Int]>([:])
    /// Per slot: whether a weight array (held, as in `entries`) is all finite.
    private let finite = Mutex<[Int: (source: [Float], finite: Bool)]>([:])

    init() {}

    /// The packing of `weights` under `key` (slot `slot`), made by `pack`
    /// unless a stored one was made from the same array with the same key.
    func packed(slot: Int, weights: [Float], key: String, pack: () -> [Float]) -> [Float] {
        let hit: [Float]? = entries.withLock { entries in
            guard let entry = entries[slot], entry.key == key, Self.same(entry.source, weights) else { return nil }
            return entry.packed
        }
        if let hit { return hit }
        let packed = pack()
        entries.withLock { $0[slot] = Entry(source: weights, key: key, packed: packed) }
        return packed
    }

    /// Whether every element of `weights` is finite, remembered for slot
    /// `slot` while the same array is passed (one scan per version).
    func isFinite(slot: Int, weights: [Float]) -> Bool {
        let known: Bool? = finite.withLock { finite in
            guard let entry = finite[slot], Self.same(entry.source, weights) else { return nil }
            return entry.finite
        }
        if let known { return known }
        let result = weights.allSatisfy { $0.isFinite }
        finite.withLock { $0[slot] = (weights, result) }
        return result
    }

    /// Whether two arrays share one buffer (a held array is never changed in
    /// place, so then they hold the same values).
    private static func same(_ a: [Float], _ b: [Float]) -> Bool {
        a.count == b.count
            && a.withUnsafeBufferPointer { $0.baseAddress } == b.withUnsafeBufferPointer { $0.baseAddress }
    }

    /// The unit where part 1 of a two-way hidden split should start, from
    /// earlier calls' timing; nil before any (split in the middle).
    func split(slot: Int, hidden: Int) -> Int? {
        splits.withLock { $0[slot] }.flatMap { (hidden / 4...hidden * 3 / 4).contains($0) ? $0 : nil }
    }

    /// Learns from one call: part 0 did units 0..<`split` in `busy.0`
    /// seconds, part 1 the rest in `busy.1`. The next call moves the split
    /// halfway toward where both would have taken as long (in multiples of 16
    /// units, within the middle half), so a slower core gets fewer units and
    /// nobody waits, while one noisy call cannot swing it far.
    func record(slot: Int, hidden: Int, split: Int, busy: (Double, Double)) {
        guard busy.0 > 0, busy.1 > 0, split > 0, split < hidden else { return }
        let rate0 = Double(split) / busy.0
        let rate1 = Double(hidden - split) / busy.1  // units per second
        let ideal = Double(hidden) * rate0 / (rate0 + rate1)
        splits.withLock { splits in
            // Halfway from the split used to the ideal one: one noisy call cannot swing it.
            let target = (Double(split) + ideal) / 2
            splits[slot] = min(max(Int((target / 16).rounded()) * 16, hidden / 4 / 16 * 16), hidden * 3 / 4 / 16 * 16)
        }
    }
}

/// Seconds on a monotonic clock (`CLOCK_MONOTONIC`, in every C library
/// the package builds with).
package func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}
