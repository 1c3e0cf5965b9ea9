import Foundation
import RecurrentCore

extension TimeStamp {
    /// The rows of a time column to label along a plot's time axis: at most
    /// `count` of them, where the column's values cross round boundaries.
    ///
    /// - ISO 8601 cells (every one parses as a ``TimeStamp``, in order):
    ///   the first row of each new period of the smallest calendar step that
    ///   gives at most `count` ticks — 1, 2, 5, 10, 15 or 30 seconds or
    ///   minutes; 1, 2, 3, 6 or 12 hours; 1 or 2 days; a week (from Monday);
    ///   2 weeks (from the data's first Monday); 1, 2, 3 or 6 months; 1, 2 or 5 years and their multiples of
    ///   ten — on the writer's clock. Hourly data over six weeks get ticks at
    ///   each Monday's midnight; ten years of days get one on each 1 January.
    /// - Numbers (every cell parses as a finite `Double`, in order): the first
    ///   row at or past each multiple of the smallest step 1, 2 or 5 × 10ᵏ
    ///   that gives at most `count` ticks.
    /// - Anything else, or cells out of order: every s-th row from 0, s the
    ///   smallest of 1, 2, 5 × 10ᵏ that gives at most `count` ticks.
    ///
    /// The first row counts only when it lies on a boundary itself (a
    /// midnight, a multiple). When fewer than two rows would be labelled the
    /// evenly spaced rows are used instead. A plot shows the cells of these
    /// rows as they are written, so a reader sees the file's own dates.
    ///
    /// ```swift
    /// let hours = (0..<1000).map { … "2024-01-01T00:00:00" + $0 hours … }
    /// TimeStamp.tickRows(ofTimes: hours, count: 6)   // [0, 168, 336, 504, 672, 840]: Mondays
    /// ```
    ///
    /// - Parameters:
    ///   - times: The time column's cells, in row order.
    ///   - count: The most rows to return (at least 1).
    /// - Returns: Row indices into `times`, increasing.
    public static func tickRows(ofTimes times: [String], count: Int) -> [Int] {
        let count = max(count, 1)
        guard !times.isEmpty else { return [] }
        let stamps = times.compactMap { TimeStamp(iso8601: $0) }
        if stamps.count == times.count, isSorted(stamps.map(\.secondsSinceEpoch)) {
            let local = stamps.map { $0.secondsSinceEpoch + Int64($0.utcOffset) }
            for step in calendarSteps(from: local[0], span: local[local.count - 1] - local[0]) {
                let rows = boundaryRows(count: local.count) { step.period(of: local[$0]) }
                    first: { step.period(of: local[0]) != step.period(of: local[0] - 1) }
                if rows.count <= count { return rows.count >= 2 ? rows : evenRows(times.count, count: count) }
            }
        }
        let numbers = times.compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        if numbers.count == times.count, numbers.allSatisfy(\.isFinite), isSorted(numbers),
            let span = numbers.last.map({ $0 - numbers[0] }), span > 0
        {
            var exponent = Int((log10(span / Double(count))).rounded(.down)) - 1
            while true {
                for mantissa in [1.0, 2, 5] {
                    let step = mantissa * pow(10, Double(exponent))
                    let rows = boundaryRows(count: numbers.count) {
                        Int64(min(max((numbers[$0] / step).rounded(.down), -9e18), 9e18))
                    }
                        first: { (numbers[0] / step).rounded(.down) == numbers[0] / step }
                    if rows.count <= count { return rows.count >= 2 ? rows : evenRows(times.count, count: count) }
                }
                exponent += 1
            }
        }
        return evenRows(times.count, count: count)
    }

    /// Rows 0, s, 2s, … for the smallest s ∈ {1, 2, 5} × 10ᵏ giving at most `count` rows.
    private static func evenRows(_ rows: Int, count: Int) -> [Int] {
        var scale = 1
        while true {
            for mantissa in [1, 2, 5] {
                let step = mantissa * scale
                if (rows - 1) / step + 1 <= count { return Array(stride(from: 0, to: rows, by: step)) }
            }
            scale *= 10
        }
    }

    /// The rows whose period differs from the row before's, and row 0 when
    /// `first` says it starts its period.
    private static func boundaryRows(count: Int, period: (Int) -> Int64, first: () -> Bool) -> [Int] {
        var rows = first() ? [0] : []
        var previous = period(0)
        for row in 1..<max(count, 1) {
            let current = period(row)
            if current != previous { rows.append(row) }
            previous = current
        }
        return rows
    }

    private static func isSorted<T: Comparable>(_ values: [T]) -> Bool {
        zip(values, values.dropFirst()).allSatisfy { $0 <= $1 }
    }

    /// A round step of the calendar.
    private enum CalendarStep {
        /// A fixed number of seconds, counted from midnight 1970-01-01 (days
        /// and shorter) or from a Monday (weeks, fortnights).
        case seconds(Int64, offset: Int64)
        case months(Int)
        case years(Int)

        /// The index of the period holding local time `t` (seconds since
        /// the epoch on the writer's clock).
        func period(of t: Int64) -> Int64 {
            switch self {
            case .seconds(let length, let offset):
                return floorDivide(t - offset, length)
            case .months(let length):
                let fields = TimeStamp(secondsSinceEpoch: t).local
                return floorDivide(Int64(fields.year * 12 + fields.month - 1), Int64(length))
            case .years(let length):
                return floorDivide(Int64(TimeStamp(secondsSinceEpoch: t).local.year), Int64(length))
            }
        }

        private func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
            a >= 0 ? a / b : -((-a + b - 1) / b)
        }
    }

    /// The calendar steps from the finest to years enough to cover `span`
    /// seconds with a handful of ticks; fortnights count from the first
    /// Monday at or after `start`.
    private static func calendarSteps(from start: Int64, span: Int64) -> [CalendarStep] {
        let day: Int64 = 86_400
        let startDay = start >= 0 ? start / day : -((-start + day - 1) / day)
        let firstMonday = startDay + ((4 - startDay) % 7 + 7) % 7  // day 4, 1970-01-05, was a Monday
        var steps: [CalendarStep] = [1, 2, 5, 10, 15, 30].map { .seconds($0, offset: 0) }
        steps += [1, 2, 5, 10, 15, 30].map { .seconds($0 * 60, offset: 0) }
        steps += [1, 2, 3, 6, 12].map { .seconds($0 * 3600, offset: 0) }
        steps += [.seconds(day, offset: 0), .seconds(2 * day, offset: 0)]
        steps += [.seconds(7 * day, offset: 4 * day), .seconds(14 * day, offset: firstMonday * day)]
        steps += [1, 2, 3, 6].map { .months($0) }
        var years = 1
        while true {
            for mantissa in [1, 2, 5] { steps.append(.years(mantissa * years)) }
            if Int64(years) * 365 * day > max(span, 0) { break }
            years *= 10
        }
        return steps
    }
}
