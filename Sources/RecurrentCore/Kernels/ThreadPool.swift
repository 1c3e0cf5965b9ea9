import CRecurrentKernels
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A fixed set of worker threads that run the parts of one parallel loop.
///
/// Workers spin for a short while after each loop, so that the next loop of
/// a time step starts without a wake-up (waking a parked thread costs
/// 10–20 µs, more than a whole small GEMM), and then park on a condition
/// variable so an idle process uses no CPU.
///
/// The calling thread takes part in every loop. A loop started while another
/// runs on the same pool (from a second thread) runs on its caller alone:
/// pools never deadlock and never interleave two loops.
///
/// Workers have 4 MiB stacks on every platform. On Darwin they take the
/// quality of service of the thread that first starts them.
///
/// ``shared`` has `RECURRENT_THREADS` threads when that variable is set,
/// else one per processor. Its ``threadCount`` can be lowered or raised up to
/// the number it was made with.
public final class ThreadPool: @unchecked Sendable {
    /// The pool the kernels use unless given another.
    public static let shared = ThreadPool(threads: ThreadPool.defaultThreadCount)

    /// `RECURRENT_THREADS` if set to a positive integer, else the number of
    /// online processors.
    public static var defaultThreadCount: Int {
        if let text = getenv("RECURRENT_THREADS").map({ String(cString: $0) }) {
            if let value = Int(text), value >= 1 { return value }
            writeStandardError("recurrent: RECURRENT_THREADS=\(text) is not a positive integer; using all processors")
        }
        return onlineProcessorCount
    }

    /// The number of processors online (at least 1).
    public static var onlineProcessorCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// The most threads (caller included) this pool can use.
    public let maximumThreadCount: Int

    private let requested: Atomic<Int>

    /// Threads (caller included) each loop uses, from 1 to
    /// ``maximumThreadCount``.
    public var threadCount: Int {
        get { requested.load(ordering: .relaxed) }
        set {
            require(
                newValue >= 1 && newValue <= maximumThreadCount,
                "ThreadPool.threadCount: \(newValue) is outside 1...\(maximumThreadCount)")
            requested.store(newValue, ordering: .relaxed)
        }
    }

    private final class Job: @unchecked Sendable {
        let body: (Int) -> Void
        let count: Int
        let next = Atomic<Int>(0)
        let done = Atomic<Int>(0)
        init(body: @escaping (Int) -> Void, count: Int) {
            self.body = body
            self.count = count
        }

        /// Runs parts until none is left.
        func work() {
            while true {
                let part = next.add(1, ordering: .relaxed).oldValue
                if part >= count { return }
                body(part)
                done.add(1, ordering: .releasing)
            }
        }
    }

    private let generation = Atomic<Int>(0)
    /// Workers holding the current job; the caller waits for none before
    /// its closure goes out of scope.
    private let holders = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let wake: UnsafeMutablePointer<pthread_cond_t>
    private var job: Job?  // guarded by mutex
    private var workersStarted = 0  // touched only by the thread that holds `busy`
    private let spinIterations: Int

    /// A pool that can run loops on up to `threads` threads, the caller
    /// included. Workers start on first use.
    public init(threads: Int, spinIterations: Int = 200_000) {
        require(threads >= 1, "ThreadPool: threads must be at least 1, got \(threads)")
        maximumThreadCount = threads
        requested = Atomic(threads)
        self.spinIterations = spinIterations
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        wake = .allocate(capacity: 1)
        pthread_cond_init(wake, nil)
    }

    // A started worker keeps its pool alive (it holds a strong reference for
    // good), so this runs only for pools whose workers never started: no
    // thread can be waiting on the mutex or the condition.
    deinit {
        pthread_cond_destroy(wake)
        wake.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body(0)`, …, `body(count − 1)`, spread over the pool's threads,
    /// and returns when all have finished. Parts must not depend on each
    /// other's order.
    public func parallelFor(_ count: Int, _ body: (Int) -> Void) {
        let threads = min(threadCount, count)
        if threads <= 1 || !busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged {
            for part in 0..<count { body(part) }
            return
        }
        defer { busy.store(false, ordering: .releasing) }
        while workersStarted < threads - 1 { startWorker() }
        withoutActuallyEscaping(body) { body in
            let job = Job(body: body, count: count)
            pthread_mutex_lock(mutex)
            self.job = job
            generation.add(1, ordering: .releasing)
            pthread_cond_broadcast(wake)
            pthread_mutex_unlock(mutex)
            job.work()
            while job.done.load(ordering: .acquiring) < count { spinPause() }
            pthread_mutex_lock(mutex)
            self.job = nil
            pthread_mutex_unlock(mutex)
            // A worker that took the job (under the mutex, before it was
            // cleared) may still hold it: `body` must not outlive this call.
            while holders.load(ordering: .acquiring) > 0 { spinPause() }
        }
    }

    /// Stack of each worker thread. Set rather than left to the system,
    /// whose defaults differ by a factor of 64 (Glibc: the `ulimit -s`
    /// of the process, usually 8 MiB; Darwin: 512 KiB; Musl: 128 KiB): the
    /// kernels need a few KiB, the Swift code around them a little more, and
    /// the reservation is virtual, so one size serves every platform.
    static let workerStackBytes = 4 << 20

    private func startWorker() {
        workersStarted += 1
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setstacksize(&attributes, Self.workerStackBytes)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        #if canImport(Darwin)
        // Workers take the quality of service of the thread that starts them
        // (the first caller), so an app's user-initiated work gets the
        // performance cores and its background work does not.
        pthread_attr_set_qos_class_np(&attributes, qos_class_self(), 0)
        #endif
        // The handle's type differs: an integer on Glibc, a non-optional
        // pointer on Darwin (`pthread_create` takes a `pthread_t?` there), an
        // opaque pointer on Musl.
        #if canImport(Glibc)
        var thread = pthread_t()
        #else
        var thread: pthread_t? = nil
        #endif
        let context = Unmanaged.passRetained(self).toOpaque()
        let status = pthread_create(&thread, &attributes, { context in
            // Darwin passes the argument as a non-optional pointer, Glibc and
            // Musl as an optional: widening it to an optional reads either.
            let pool = Unmanaged<ThreadPool>.fromOpaque((context as UnsafeMutableRawPointer?)!).takeRetainedValue()
            pool.workerLoop()
            return nil
        }, context)
        if status != 0 { Unmanaged<ThreadPool>.fromOpaque(context).release() }
        require(status == 0, "ThreadPool: could not start a worker thread (error \(status))")
    }

    private func workerLoop() {
        var seen = generation.load(ordering: .acquiring)
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seen && spins < spinIterations {
                spinPause()
                spins += 1
            }
            pthread_mutex_lock(mutex)
            while generation.load(ordering: .acquiring) == seen {
                pthread_cond_wait(wake, mutex)
            }
            seen = generation.load(ordering: .acquiring)
            if takeAndRunJob() { holders.subtract(1, ordering: .releasing) }
        }
    }

    /// With the mutex held: takes the current job, if any, unlocks and works
    /// on it. The job, and the caller's closure inside it, are released when
    /// this returns, before the worker says it is done holding it.
    @inline(never)
    private func takeAndRunJob() -> Bool {
        guard let current = job else {
            pthread_mutex_unlock(mutex)
            return false
        }
        holders.add(1, ordering: .relaxed)
        pthread_mutex_unlock(mutex)
        current.work()
        return true
    }

    @inline(__always)
    private func spinPause() { rc_cpu_relax() }
}
