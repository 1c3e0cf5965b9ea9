@testable import RecurrentCore
import Testing

/// The bias gradients' column sums: in row order per column, in Float, on
/// any number of threads.
@Suite struct ColumnSumsTests {
    @Test("column sums equal a row-order Float sum and do not depend on the thread count")
    func sumsInRowOrderOnAnyThreads() {
        let pool = ThreadPool.shared
        // 1000 × 131 = 131 000 values: above the parallel threshold, with a
        // last block that is not a whole group of 16 columns.
        for (rows, columns) in [(1000, 131), (3, 5), (700, 96), (1, 1), (17, 64), (9, 79)] {
            var generator = RandomGenerator(seed: UInt64(rows + columns))
            let values = Tensor.normal([rows, columns], using: &generator).scalars
            var expected = [Float](repeating: 0, count: columns)
            for r in 0..<rows { for j in 0..<columns { expected[j] += values[r * columns + j] } }
            let saved = pool.threadCount
            defer { pool.threadCount = saved }
            for threads in 1...pool.maximumThreadCount {
                pool.threadCount = threads
                for isa in ISA.allCases where isa.isSupported {
                    let sums = columnSums(values, rows: rows, columns: columns, isa: isa)
                    #expect(sums.shape == [columns])
                    #expect(
                        sums.scalars.map(\.bitPattern) == expected.map(\.bitPattern),
                        "rows \(rows) columns \(columns) threads \(threads) \(isa)")
                }
            }
        }
    }
}
