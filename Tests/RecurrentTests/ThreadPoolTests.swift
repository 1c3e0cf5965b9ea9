import Foundation
import Recurrent
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The pool's threads, as the platform reports them: every part runs once,
/// parts run on workers as well as the caller, and a worker's stack is at
/// least the documented 4 MiB whatever the system's default (8 MiB from `ulimit -s`
/// on Glibc, 512 KiB on Darwin, 128 KiB on Musl).
struct ThreadPoolTests {
    /// The stack size of the calling thread, from the system: Darwin's
    /// `pthread_get_stacksize_np`; on Linux the size of the mapping in
    /// `/proc/self/maps` that holds a local variable (Glibc's and Musl's
    /// thread stacks are one mapping each, less a guard page that is mapped
    /// apart), rounded up to 64 KiB.
    static func currentStackBytes() -> Int {
        #if canImport(Darwin)
        return pthread_get_stacksize_np(pthread_self())
        #else
        var local = 0
        let address = withUnsafeMutablePointer(to: &local) { UInt(bitPattern: $0) }
        guard let maps = try? String(contentsOfFile: "/proc/self/maps", encoding: .utf8) else { return -1 }
        for line in maps.split(separator: "\n") {
            let range = line.prefix { $0 != " " }.split(separator: "-")
            guard range.count == 2, let low = UInt(range[0], radix: 16), let high = UInt(range[1], radix: 16) else {
                continue
            }
            if low <= address && address < high { return Int((high - low + 0xFFFF) / 0x10000 * 0x10000) }
        }
        return -1
        #endif
    }

    @Test func workersRunPartsOnStacksOfTheDocumentedSize() {
        let pool = ThreadPool(threads: 3)
        let caller = pthread_self()
        let parts = 64
        let counts = Mutex([Int](repeating: 0, count: parts))
        let workerStacks = Mutex<[Int]>([])
        // Workers that start during a loop join from the next one.
        pool.parallelFor(parts) { _ in usleep(100) }
        // Parts long enough (2 ms) that the workers take some of them.
        pool.parallelFor(parts) { part in
            counts.withLock { $0[part] += 1 }
            if pthread_equal(pthread_self(), caller) == 0 {
                let size = Self.currentStackBytes()
                workerStacks.withLock { $0.append(size) }
            }
            usleep(2000)
        }
        #expect(counts.withLock { $0 } == [Int](repeating: 1, count: parts))
        let stacks = workerStacks.withLock { $0 }
        #expect(!stacks.isEmpty, "no part ran on a worker thread")
        // At least the documented size: Glibc may hand a new thread a larger
        // stack from its cache of stacks of threads that have ended (those of
        // other pools in a parallel test run), never a smaller one.
        #expect(stacks.allSatisfy { $0 >= 4 << 20 }, "worker stacks: \(Set(stacks)) bytes, expected ≥ \(4 << 20)")
    }
}
