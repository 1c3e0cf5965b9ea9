// Benchmarks of Recurrent. Run in release:
//   swift run -c release RecurrentBench gemm            GFLOP/s of sgemm on 1 and 2 threads
//   swift run -c release RecurrentBench gemm-threshold  where a second thread starts to pay
//   swift run -c release RecurrentBench peak            the sitting's FMA peak, GFLOP/s per core
//   swift run -c release RecurrentBench rnn [PYTORCH.json [rnn|lstm|gru]]
//       the recurrent grid of DESIGN.md (rnn, lstm, gru × small, medium, large,
//       and the small models users train: tiny, adding, sensors, b1 ×
//       forward, training step; batch-1 streaming step), beside PyTorch's
//       figures when given the JSON of ../shared/bench/pytorch_rnn.py
//   --precision bf16 (anywhere) runs the recurrent layers, and `gemm`, in bf16
//       (bf16 operands, fp32 sums; vdpbf16ps where the CPU has AVX512_BF16,
//       BFMMLA where it has Arm FEAT_BF16)
// Figures are medians of repeated runs; compare against scripts/numpy_gemm.py
// and pytorch_rnn.py run in the same sitting, since shared machines are noisy.
import CRecurrentKernels
import Foundation
import Recurrent

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

func now() -> Double { monotonicSeconds() }

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

func gemmSeconds(
    m: Int, n: Int, k: Int, transA: Transpose = .none, transB: Transpose = .none, pool: ThreadPool,
    repetitions: Int = 7
) -> Double {
    let (lda, ldb) = (transA == .none ? k : m, transB == .none ? n : k)
    let a = [Float](repeating: 0.5, count: m * k).enumerated().map { Float($0.offset % 7) * 0.1 - 0.3 }
    let b = [Float](repeating: 0.5, count: k * n).enumerated().map { Float($0.offset % 5) * 0.1 - 0.2 }
    var c = [Float](repeating: 0, count: m * n)
    return a.withUnsafeBufferPointer { a in
        b.withUnsafeBufferPointer { b in
            c.withUnsafeMutableBufferPointer { c in
                medianSeconds(repetitions: repetitions) {
                    if precision == .bf16 {
                        GEMM.bgemm(
                            transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1,
                            a: a.baseAddress!, lda: lda, b: b.baseAddress!, ldb: ldb,
                            beta: 0, c: c.baseAddress!, ldc: n, pool: pool)
                    } else {
                        GEMM.sgemm(
                            transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1,
                            a: a.baseAddress!, lda: lda, b: b.baseAddress!, ldb: ldb,
                            beta: 0, c: c.baseAddress!, ldc: n, pool: pool)
                    }
                }
            }
        }
    }
}

func benchGEMM() {
    let shapes = [(32, 512, 128), (64, 1024, 256), (64, 4096, 1024), (128, 2048, 512), (1024, 1024, 1024), (2048, 2048, 2048)]
    let pool = ThreadPool.shared
    print("\(precision == .bf16 ? "bgemm (bf16)" : "sgemm"), ISA \(ISA.active), GFLOP/s (median of 7)")
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
    print("multiply-adds  1 thread µs  2 threads µs  (the second thread joins from \(GEMM.parallelThreshold))")
    for (m, n, k) in [(8, 64, 32), (16, 64, 64), (16, 128, 64), (32, 128, 64), (32, 128, 128), (32, 256, 128), (32, 512, 128)] {
        pool.threadCount = 1
        let one = gemmSeconds(m: m, n: n, k: k, pool: pool, repetitions: 15)
        pool.threadCount = min(2, pool.maximumThreadCount)
        let two = gemmSeconds(m: m, n: n, k: k, pool: pool, repetitions: 15)
        print("\(pad(m * n * k, 13))  \(pad(format1(one * 1e6), 11))  \(pad(format1(two * 1e6), 12))")
    }
}

/// `lstm`, `gru`, or anything else for a tanh Elman RNN.
func cellNamed(_ name: String) -> Cell { name == "lstm" ? .lstm : name == "gru" ? .gru : .elman(.tanh) }

func pad(_ value: Int, _ width: Int) -> String { pad(String(value), width) }
func pad(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
func format1(_ x: Double) -> String {
    let scaled = (x * 10).rounded() / 10
    return String(scaled)
}

/// Median seconds per call, sampling for at least `minimum` seconds (as
/// pytorch_rnn.py does: at least 5 calls and 1 s). With RECURRENT_BENCH_MIN=1
/// the fastest call instead: on a loaded machine, the figure least touched by
/// the other processes, for comparing two builds of this code.
func medianSeconds(minimum: Double, _ body: () throws -> Void) rethrows -> Double {
    for _ in 0..<3 { try body() }
    var samples: [Double] = []
    let start = now()
    while now() - start < minimum || samples.count < 5 {
        let t = now()
        try body()
        samples.append(now() - t)
    }
    samples.sort()
    return ProcessInfo.processInfo.environment["RECURRENT_BENCH_MIN"] == "1" ? samples[0] : samples[samples.count / 2]
}

func benchRecurrent(pytorchFile: String?, only: String?) throws {
    var reference: [String: Double] = [:]
    if let pytorchFile {
        let data = try Data(contentsOf: URL(fileURLWithPath: pytorchFile))
        let rows = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
        for row in rows {
            if let cell = row["cell"] as? String, let config = row["config"] as? String,
                let mode = row["mode"] as? String, let ms = row["ms"] as? Double
            {
                reference["\(cell) \(config) \(mode)"] = ms
            }
        }
    }
    // DESIGN.md's grid, then the sizes forecasting and the generated tasks
    // train at (issue #10; the same names as scripts/interleaved_grid.py).
    let grid = [
        ("small", 32, 100, 32, 128), ("medium", 64, 100, 256, 256), ("large", 64, 50, 512, 1024),
        ("tiny", 32, 48, 1, 32), ("adding", 64, 100, 2, 64), ("sensors", 32, 100, 8, 64), ("b1", 1, 100, 1, 32),
    ]
    let cells: [(String, Cell)] = [("rnn", .elman(.tanh)), ("lstm", .lstm), ("gru", .gru)]
    print("recurrent layers, ISA \(ISA.active), \(precision), \(ThreadPool.shared.threadCount) threads, median ms per call")
    print("cell  config           mode      Recurrent ms   PyTorch ms   PyTorch/Recurrent")
    func report(_ cell: String, _ config: String, _ mode: String, _ seconds: Double) {
        let ms = seconds * 1e3
        var line = "\(cell.padding(toLength: 5, withPad: " ", startingAt: 0)) "
            + "\(config.padding(toLength: 16, withPad: " ", startingAt: 0)) "
            + "\(mode.padding(toLength: 8, withPad: " ", startingAt: 0)) \(pad(String(format: "%.3f", ms), 12))"
        if let theirs = reference["\(cell) \(config) \(mode)"] {
            line += "   \(pad(String(format: "%.3f", theirs), 10))   \(pad(String(format: "%.2f×", theirs / ms), 17))"
        }
        print(line)
    }
    for (name, cell) in cells where only == nil || only == name {
        for (config, b, t, d, h) in grid {
            var generator = RandomGenerator(seed: 0)
            var layer = try RecurrentLayer(cell: cell, inputSize: d, hiddenSize: h, generator: &generator)
            layer.precision = precision
            let x = Tensor.normal([b, t, d], using: &generator)
            let forward = try medianSeconds(minimum: 1) { _ = try layer(x) }
            report(name, config, "forward", forward)
            var sgd = try SGD(learningRate: 1e-3)
            let ones = Tensor.ones([b, t, layer.outputSize])
            let train = try medianSeconds(minimum: 1) {
                let (_, _, cache) = try layer.forward(x, generator: &generator)
                let (_, _, gradients) = layer.backward(ones, cache: cache, inputGradient: false)  // PyTorch's x needs no grad either
                sgd.step(&layer, gradients: gradients)
            }
            report(name, config, "train", train)
        }
        var generator = RandomGenerator(seed: 0)
        var layer = try RecurrentLayer(cell: cell, inputSize: 32, hiddenSize: 128, generator: &generator)
        layer.precision = precision
        let stream = try RecurrentStream(layer)
        let x = Tensor.normal([1, 32], using: &generator)
        var state = layer.zeroState(batchSize: 1)
        let step = try medianSeconds(minimum: 1) { _ = try stream.step(x, state: &state) }
        report(name, "stream-b1-h128", "step", step)
    }
}

var arguments = Array(CommandLine.arguments.dropFirst())
/// `--precision fp32|bf16`, taken out of the arguments wherever it stands.
let precision: Precision = {
    guard let at = arguments.firstIndex(of: "--precision") else { return .fp32 }
    guard at + 1 < arguments.count, let value = Precision(name: arguments[at + 1]) else {
        print("--precision must be fp32 or bf16")
        exit(2)
    }
    arguments.removeSubrange(at...(at + 1))
    return value
}()
switch arguments.first ?? "gemm" {
case "gemm": benchGEMM()
case "peak":
    // The register-only multiply-add loop (CRecurrentKernels/peak_impl.h) on
    // the active ISA: the floor every figure of this sitting is read against.
    let isa = ISA.active, iterations = 2_000_000
    let flops = Double(iterations * 12 * Int(rc_fma_peak_lanes(isa.rawValue)) * 2)
    var sink: Float = 0
    let seconds = medianSeconds { sink += rc_fma_peak_loop(isa.rawValue, iterations, 1e-3) }
    print("peak \(isa), 1 thread: \(format1(flops / seconds / 1e9)) GFLOP/s per core (sum \(sink.isFinite ? "finite" : "not finite"))")
    if isa.hasNativeBF16 {
        let bf16 = medianSeconds { sink += rc_bf16_peak_loop(iterations, 1e-3) }
        print("peak bf16 \(isa == .neon ? "BFMMLA" : "vdpbf16ps"), 1 thread: \(format1(Double(iterations * 16 * 64) / bf16 / 1e9)) GFLOP/s per core")
    }
case "gemm-threshold": benchThreshold()
case "prepacked" where arguments.count == 4:
    // One thread, op(B) packed once: the recurrent product of a time step.
    let (m, n, k) = (Int(arguments[1])!, Int(arguments[2])!, Int(arguments[3])!)
    let isa = ISA.active
    let a = [Float](repeating: 0.25, count: m * k), b = [Float](repeating: 0.5, count: n * k)
    let bf16 = precision == .bf16
    var packed = [Float](
        repeating: 0, count: bf16 ? rc_bgemm_packed_b_size(isa.rawValue, k, n) : rc_sgemm_packed_b_size(isa.rawValue, k, n))
    var c = [Float](repeating: 0, count: m * n)
    b.withUnsafeBufferPointer { b in
        packed.withUnsafeMutableBufferPointer { p in
            if bf16 {
                rc_bgemm_pack_b(isa.rawValue, 1, k, n, b.baseAddress, k, p.baseAddress)
            } else {
                rc_sgemm_pack_b(isa.rawValue, 1, k, n, b.baseAddress, k, p.baseAddress)
            }
        }
    }
    let seconds = medianSeconds {
        if bf16 {
            rc_bgemm_prepacked(isa.rawValue, 0, m, n, k, 1, a, k, packed, n, 0, 0, &c, n)
        } else {
            rc_sgemm_prepacked(isa.rawValue, 0, m, n, k, 1, a, k, packed, n, 0, 0, &c, n)
        }
    }
    print("prepacked \(precision) \(m)×\(n)×\(k), 1 thread: \(format1(seconds * 1e6)) µs, \(format1(2 * Double(m * n * k) / seconds / 1e9)) GFLOP/s")
case "forward" where arguments.count == 6 || arguments.count == 7:
    // One configuration's inference: forward CELL B T D H [ONNX_PATH]; with a
    // path, the same layer is also written as ONNX (scripts/onnx_latency.py).
    let cell = cellNamed(arguments[1])
    let (b, t, d, h) = (Int(arguments[2])!, Int(arguments[3])!, Int(arguments[4])!, Int(arguments[5])!)
    var generator = RandomGenerator(seed: 0)
    var layer = try RecurrentLayer(cell: cell, inputSize: d, hiddenSize: h, generator: &generator)
    layer.precision = precision
    if arguments.count == 7 { try layer.exportONNX(to: URL(fileURLWithPath: arguments[6])) }
    let x = Tensor.normal([b, t, d], using: &generator)
    let seconds = try medianSeconds(minimum: 2) { _ = try layer(x) }
    print("forward \(arguments[1]) \(precision) B\(b) T\(t) D\(d) H\(h): \(String(format: "%.3f", seconds * 1e3)) ms")
case "train" where arguments.count == 6:
    // One configuration's training step: train CELL B T D H.
    let cell = cellNamed(arguments[1])
    let (b, t, d, h) = (Int(arguments[2])!, Int(arguments[3])!, Int(arguments[4])!, Int(arguments[5])!)
    var generator = RandomGenerator(seed: 0)
    var layer = try RecurrentLayer(cell: cell, inputSize: d, hiddenSize: h, generator: &generator)
    layer.precision = precision
    let x = Tensor.normal([b, t, d], using: &generator)
    var sgd = try SGD(learningRate: 1e-3)
    let ones = Tensor.ones([b, t, layer.outputSize])
    let seconds = try medianSeconds(minimum: 2) {
        let (_, _, cache) = try layer.forward(x, generator: &generator)
        let (_, _, gradients) = layer.backward(ones, cache: cache, inputGradient: false)  // PyTorch's x needs no grad either
        sgd.step(&layer, gradients: gradients)
    }
    print("train \(arguments[1]) \(precision) B\(b) T\(t) D\(d) H\(h): \(String(format: "%.3f", seconds * 1e3)) ms")
case "stream" where arguments.count == 2 || arguments.count == 4:
    // Batch-1 streaming step latency of one cell (D 32, H 128 unless given).
    let cell = cellNamed(arguments[1])
    let (d, h) = arguments.count == 4 ? (Int(arguments[2])!, Int(arguments[3])!) : (32, 128)
    var generator = RandomGenerator(seed: 0)
    var layer = try RecurrentLayer(cell: cell, inputSize: d, hiddenSize: h, generator: &generator)
    layer.precision = precision
    let stream = try RecurrentStream(layer)
    let x = Tensor.normal([1, d], using: &generator)
    var state = layer.zeroState(batchSize: 1)
    let seconds = try medianSeconds(minimum: 3) { _ = try stream.step(x, state: &state) }
    print("stream \(arguments[1]) \(precision) B1 D\(d) H\(h): \(format1(seconds * 1e9)) ns per step")
case "gemm-shape" where arguments.count == 4 || arguments.count == 5:
    // gemm-shape M N K [NN|TN|NT|TT]: one product's shape (and transposes), 1 and 2 threads.
    let (m, n, k) = (Int(arguments[1])!, Int(arguments[2])!, Int(arguments[3])!)
    let letters = arguments.count == 5 ? Array(arguments[4]) : ["N", "N"]
    let (transA, transB): (Transpose, Transpose) = (
        letters.first == "T" ? .transposed : .none, letters.last == "T" ? .transposed : .none
    )
    for threads in [1, 2] {
        ThreadPool.shared.threadCount = min(threads, ThreadPool.shared.maximumThreadCount)
        let seconds = gemmSeconds(m: m, n: n, k: k, transA: transA, transB: transB, pool: .shared)
        print("\(m)×\(n)×\(k) \(String(letters)), \(threads) thread(s): \(format1(seconds * 1e3)) ms, \(format1(2 * Double(m * n * k) / seconds / 1e9)) GFLOP/s")
    }
case "rnn":
    try benchRecurrent(
        pytorchFile: arguments.count > 1 ? arguments[1] : nil, only: arguments.count > 2 ? arguments[2] : nil)
default:
    print("usage: RecurrentBench [gemm | gemm-threshold | rnn [PYTORCH.json [rnn|lstm|gru]]]")
    exit(2)
}
