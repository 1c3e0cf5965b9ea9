import Foundation
import RecurrentCore

// Calendar features: cycles of the clock and the calendar as sin/cos pairs,
// derived from a parsed time column. Each is known for any future row, so a
// forecaster may read them for its h target steps as well as for its window.

/// A cycle of the clock or the calendar, given to a model as the pair
/// `sin(2π·φ)`, `cos(2π·φ)` of its phase φ ∈ [0, 1).
///
/// | feature | φ of a time stamp (local clock fields) |
/// | --- | --- |
/// | ``hour`` | (hour + minute/60 + second/3600) / 24 |
/// | ``weekday`` | (weekday − 1) / 7, Monday 0 |
/// | ``yearday`` | (day of year − 1) / the year's length (365, or 366 in a leap year) |
/// | ``month`` | (month − 1) / 12 |
///
/// The fields are those of the clock **as written**: `2024-02-29T23:30+02:00`
/// is 23:30 on a Thursday, not the 21:30 UTC of the same instant, so a daily
/// cycle stays at the hours the data was recorded in. A cell without an
/// offset is read as UTC, which is the same thing.
///
/// ```swift
/// let t = TimeStamp(iso8601: "2024-02-29T06:00:00")!
/// CalendarFeature.hour.phase(of: t)      // 0.25
/// CalendarFeature.yearday.phase(of: t)   // 59 / 366
/// CalendarFeature.hour.values(of: t)     // (sin 1, cos 0)
/// ```
public enum CalendarFeature: String, Sendable, Codable, CaseIterable {
    /// The hour of the day, with its minutes and seconds.
    case hour
    /// The day of the week.
    case weekday
    /// The day of the year.
    case yearday
    /// The month of the year.
    case month

    /// φ ∈ [0, 1), the stamp's position in this cycle (see the table above).
    public func phase(of stamp: TimeStamp) -> Double {
        let f = stamp.local
        switch self {
        case .hour: return (Double(f.hour) + Double(f.minute) / 60 + Double(f.second) / 3600) / 24
        case .weekday: return Double(f.weekday - 1) / 7
        case .yearday: return Double(f.dayOfYear - 1) / (TimeStamp.isLeap(f.year) ? 366 : 365)
        case .month: return Double(f.month - 1) / 12
        }
    }

    /// `(sin 2πφ, cos 2πφ)` of the stamp's ``phase(of:)``.
    public func values(of stamp: TimeStamp) -> (sin: Double, cos: Double) {
        let angle = 2 * Double.pi * phase(of: stamp)
        return (sin(angle), cos(angle))
    }

    /// The pair's column names: `hour_sin`, `hour_cos`, and so on.
    public var columnNames: [String] { ["\(rawValue)_sin", "\(rawValue)_cos"] }

    /// The features that vary at a time column's sampling frequency, read
    /// from the median gap g between consecutive stamps:
    ///
    /// | g | features |
    /// | --- | --- |
    /// | under a day (hourly, half-hourly, …) | ``hour``, ``weekday`` |
    /// | 1 day up to a week | ``weekday``, ``yearday`` |
    /// | 1 week up to 28 days | ``yearday`` |
    /// | 28 days up to 92 (monthly, quarterly) | ``month`` |
    /// | longer (yearly) | none |
    ///
    /// - Parameter times: The time column's cells, in row order.
    /// - Returns: The features in the order of `allCases`; none when fewer
    ///   than two cells, or any cell, fail to parse as ISO 8601 (a column of
    ///   plain numbers has no calendar).
    public static func automatic(ofTimes times: [String]) -> [CalendarFeature] {
        let stamps = times.compactMap { TimeStamp(iso8601: $0) }
        guard stamps.count == times.count, let gap = TimeStamp.medianGap(of: stamps) else { return [] }
        let day: Int64 = 86400
        switch gap {
        case ..<day: return [.hour, .weekday]
        case day..<(7 * day): return [.weekday, .yearday]
        case (7 * day)..<(28 * day): return [.yearday]
        case (28 * day)...(92 * day): return [.month]
        default: return []
        }
    }

    /// `--calendar`'s spelling: `auto`, `none`, or names separated by commas.
    ///
    /// - Parameter text: `auto`, `none` or a list such as `hour,weekday`.
    /// - Returns: nil for `auto`, the features (in the order of `allCases`)
    ///   otherwise, empty for `none`.
    /// - Throws: `RecurrentError/invalidArgument(name:value:reason:)` for an
    ///   unknown or repeated name.
    public static func parseList(_ text: String) throws -> [CalendarFeature]? {
        if text == "auto" { return nil }
        if text == "none" { return [] }
        let names = text.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        var features: [CalendarFeature] = []
        for name in names {
            guard let feature = CalendarFeature(rawValue: name) else {
                throw RecurrentError.invalidArgument(
                    name: "calendar", value: "\"\(name)\"",
                    reason: "must be auto, none, or some of \(allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard !features.contains(feature) else {
                throw RecurrentError.invalidArgument(name: "calendar", value: "\"\(name)\"", reason: "named twice")
            }
            features.append(feature)
        }
        return allCases.filter(features.contains)
    }
}

extension TimeStamp {
    /// The median gap, in seconds, between consecutive stamps; nil for fewer than two.
    static func medianGap(of stamps: [TimeStamp]) -> Int64? {
        guard stamps.count >= 2 else { return nil }
        let gaps = zip(stamps.dropFirst(), stamps).map { $0.secondsSinceEpoch - $1.secondsSinceEpoch }.sorted()
        return gaps[gaps.count / 2]
    }

    /// The `count` stamps after the last of `stamps`, continuing its median
    /// gap: by calendar months for a gap of 28–31 days, by three months for
    /// 89–92 days, by years for 365–366 days, else by the gap in seconds;
    /// each in the last stamp's UTC offset.
    ///
    /// ```swift
    /// let months = ["2024-01-31", "2024-02-29", "2024-03-31"].compactMap { TimeStamp(iso8601: $0) }
    /// TimeStamp.continuing(months, count: 1)   // 2024-04-30 (a month end stays one)
    /// ```
    ///
    /// - Parameters:
    ///   - stamps: At least two, in time order, with a positive median gap.
    ///   - count: How many to make, ≥ 0.
    /// - Returns: nil when the stamps do not give a positive gap.
    public static func continuing(_ stamps: [TimeStamp], count: Int) -> [TimeStamp]? {
        guard let gap = medianGap(of: stamps), gap > 0, let last = stamps.last else { return nil }
        let day: Int64 = 86400
        let months: Int? =
            switch gap {
            case (28 * day)...(31 * day): 1
            case (89 * day)...(92 * day): 3
            case (365 * day)...(366 * day): 12
            default: nil
            }
        guard let months else {
            return (0..<max(count, 0)).map {
                TimeStamp(secondsSinceEpoch: last.secondsSinceEpoch + Int64($0 + 1) * gap, utcOffset: last.utcOffset)
            }
        }
        let f = last.local
        let monthEnd = f.day == daysIn(month: f.month, year: f.year)
        let secondOfDay = Int64(f.hour * 3600 + f.minute * 60 + f.second)
        return (0..<max(count, 0)).map { i in
            let index = f.year * 12 + (f.month - 1) + (i + 1) * months
            let (year, month) = (index / 12, index % 12 + 1)
            let day = monthEnd ? daysIn(month: month, year: year) : min(f.day, daysIn(month: month, year: year))
            let local = Int64(daysSinceEpoch(year: year, month: month, day: day)) * 86400 + secondOfDay
            return TimeStamp(secondsSinceEpoch: local - Int64(last.utcOffset), utcOffset: last.utcOffset)
        }
    }
}

extension NumericColumns {
    /// These columns with two more per calendar feature (`hour_sin`,
    /// `hour_cos`, …, see ``CalendarFeature``), computed from ``times``.
    ///
    /// - Parameters:
    ///   - features: The cycles to add; none returns the columns unchanged.
    ///   - timeColumn: The time column's name, for messages.
    /// - Throws: ``CSVError/Problem/notATime(cell:)`` naming the line of the
    ///   first cell that does not parse; `RecurrentError` when there is no
    ///   time column or a calendar column's name is taken.
    public func addingCalendarFeatures(_ features: [CalendarFeature], timeColumn: String) throws -> NumericColumns {
        guard !features.isEmpty else { return self }
        guard let times else {
            throw RecurrentError.invalidArgument(
                name: "calendar", value: features.map(\.rawValue).joined(separator: ","),
                reason: "calendar features need a time column")
        }
        var stamps: [TimeStamp] = []
        stamps.reserveCapacity(times.count)
        for (r, cell) in times.enumerated() {
            guard let stamp = TimeStamp(iso8601: cell) else {
                throw CSVError(
                    file: source, line: lines[r], column: timeColumn,
                    problem: .notATime(cell: cell.trimmingCharacters(in: .whitespaces)))
            }
            stamps.append(stamp)
        }
        let added = CalendarFeature.columns(features, of: stamps)
        let newNames = features.flatMap(\.columnNames)
        if let taken = newNames.first(where: names.contains) {
            throw RecurrentError.invalidArgument(
                name: "calendar", value: "\"\(taken)\"", reason: "the file already has a column of that name")
        }
        return NumericColumns(
            unchecked: names + newNames, values: values + added, times: times, lines: lines, source: source)
    }
}

extension CalendarFeature {
    /// `columns[2i]`, `columns[2i + 1]`: the sin and cos of `features[i]` at each stamp.
    public static func columns(_ features: [CalendarFeature], of stamps: [TimeStamp]) -> [[Double]] {
        features.flatMap { feature -> [[Double]] in
            let pairs = stamps.map { feature.values(of: $0) }
            return [pairs.map(\.sin), pairs.map(\.cos)]
        }
    }
}
