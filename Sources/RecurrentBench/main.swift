// Benchmarks of Recurrent's kernels. Run in release:
//   swift run -c release RecurrentBench gemm            GFLOP/s of sgemm on 1 and 2 threads
//   swift run -c release RecurrentBench gemm-threshold  where a second thread starts to pay
// Figures are medians of repeated runs; compare against scripts/numpy_gemm.py
// run in the same sitting, since shared machines are noisy.
import Recurrent

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// Median seconds per call of `body`, over `repetitions` samples, each
/// sample long enough (≥ 20 ms) to swamp the clock.
func medianSeconds(repetitions: Int = 7, _ body: () -> Void) -> Double {
    body()
    var calls = 1
    while true {
        let start = now()
        for _ in 0..<calls { body() }
        if now() - start >= 0.02 { break }
        calls *= 2
    }
    var samples: [Double] = []
    for _ in 0..<repetitions {
        let start = now()
        for _ in 0..<calls { body() }
        samples.append((now() - start) / Double(calls))
    }
    samples.sort()
    return samples[samples.count / 2]
}

func gemmSeconds(m: Int, n: Int, k: Int, pool: ThreadPool, repetitions: Int = 7) -> Double {
    let a = [Float](repeating: 0.5, count: m * k).enumerated().map { Float($0.offset % 7) * 0.1 - 0.3 }
    let b = [Float](repeating: 0.5, count: k * n).enumerated().map { Float($0.offset % 5) * 0.1 - 0.2 }
    var c = [Float](repeating: 0, count: m * n)
    return a.withUnsafeBufferPointer { a in
        b.withUnsafeBufferPointer { b in
            c.withUnsafeMutableBufferPointer { c in
                medianSeconds(repetitions: repetitions) {
                    GEMM.sgemm(
                        transA: .none, transB: .none, m: m, n: n, k: k, alpha: 1,
                        a: a.baseAddress!, lda: k, b: b.baseAddress!, ldb: n,
                        beta: 0, c: c.baseAddress!, ldc: n, pool: pool)
                }
            }
        }
    }
}

func benchGEMM() {
    let shapes = [(32, 512, 128), (64, 1024, 256), (64, 4096, 1024), (128, 2048, 512), (1024, 1024, 1024), (2048, 2048, 2048)]
    let pool = ThreadPool.shared
    print("sgemm, ISA \(ISA.active), GFLOP/s (median of 7)")
    print("    M     N     K   1 thread  2 threads")
    for (m, n, k) in shapes {
        var row = "\(pad(m, 5)) \(pad(n, 5)) \(pad(k, 5))"
        for threads in [1, 2] {
            pool.threadCount = min(threads, pool.maximumThreadCount)
            let seconds = gemmSeconds(m: m, n: n, k: k, pool: pool)
            row += "  " + pad(String(format1(2 * Double(m * n * k) / seconds / 1e9)), 9)
        }
        print(row)
    }
}

func benchThreshold() {
    let pool = ThreadPool.shared
    print("multiply-adds  1 thread µs  2 threads µs  (threaded path forced)")
    for (m, n, k) in [(8, 64, 32), (16, 64, 64), (16, 128, 64), (32, 128, 64), (32, 128, 128), (32, 256, 128), (32, 512, 128)] {
        pool.threadCount = 1
        let one = gemmSeconds(m: m, n: n, k: k, pool: pool, repetitions: 15)
        pool.threadCount = min(2, pool.maximumThreadCount)
        let two = gemmSeconds(m: m, n: n, k: k, pool: pool, repetitions: 15)
        print("\(pad(m * n * k, 13))  \(pad(format1(one * 1e6), 11))  \(pad(format1(two * 1e6), 12))")
    }
}

func pad(_ value: Int, _ width: Int) -> String { pad(String(value), width) }
func pad(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
func format1(_ x: Double) -> String {
    let scaled = (x * 10).rounded() / 10
    return String(scaled)
}

let arguments = CommandLine.arguments.dropFirst()
switch arguments.first ?? "gemm" {
case "gemm": benchGEMM()
case "gemm-threshold": benchThreshold()
default:
    print("usage: RecurrentBench [gemm | gemm-threshold]")
    exit(2)
}
