import Foundation
import RecurrentCore

/// An instant read from an ISO 8601 cell of a time column, with the UTC
/// offset it was written in, so calendar fields are those of the writer's
/// local clock.
///
/// Accepted: `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, then optionally `T` or a space
/// and `HH`, `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fff`, then optionally `Z`,
/// `±HH:MM`, `±HHMM` or `±HH`. No offset means UTC. Also ISO 8601's basic
/// form of a date alone, `YYYYMMDD` (eight digits, year 1583…2999): dates
/// stored as integers, such as 20240131, read as dates rather than as
/// numbers (whose month ends would be skipped steps); see ``isBasicDate(_:)``.
/// Fields are range-checked (a 30 February or hour 25 is rejected); the
/// Gregorian calendar is used proleptically.
///
/// ```swift
/// let t = TimeStamp(iso8601: "2024-02-29T23:30:00+02:00")!
/// t.secondsSinceEpoch            // 1709242200 (21:30 UTC)
/// t.local.day, t.local.weekday   // 29, 4 (Thursday; Monday is 1)
/// ```
public struct TimeStamp: Sendable, Hashable {
    /// Seconds since 1970-01-01T00:00:00Z (UTC), fractions dropped.
    public let secondsSinceEpoch: Int64
    /// The offset of the writer's clock from UTC, in seconds.
    public let utcOffset: Int

    /// The calendar fields of the local clock.
    public struct Fields: Sendable, Hashable {
        /// The year, month (1…12), day (1…31), hour, minute and second.
        public var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int
        /// ISO weekday: Monday 1 … Sunday 7.
        public var weekday: Int
        /// Day of the year, 1 … 365 (366 in a leap year).
        public var dayOfYear: Int
    }

    /// A time stamp from its instant and offset.
    ///
    /// - Parameters:
    ///   - secondsSinceEpoch: The UTC instant.
    ///   - utcOffset: The local clock's offset from UTC, in seconds.
    public init(secondsSinceEpoch: Int64, utcOffset: Int = 0) {
        self.secondsSinceEpoch = secondsSinceEpoch
        self.utcOffset = utcOffset
    }

    /// Parses an ISO 8601 date or date-time; nil when `text` is not one.
    ///
    /// - Parameter text: The cell, surrounding spaces ignored.
    public init?(iso8601 text: String) {
        var s = Substring(text.trimmingCharacters(in: .whitespaces))
        func digits(_ count: Int) -> Int? {
            guard s.count >= count else { return nil }
            let head = s.prefix(count)
            guard head.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(head) else { return nil }
            s = s.dropFirst(count)
            return value
        }
        func skip(_ c: Character) -> Bool {
            guard s.first == c else { return false }
            s = s.dropFirst()
            return true
        }
        guard let year = digits(4) else { return nil }
        var (month, day, hour, minute, second, offset) = (1, 1, 0, 0, 0, 0)
        if s.count == 4, s.allSatisfy({ $0.isASCII && $0.isNumber }) {  // YYYYMMDD
            guard (1583...2999).contains(year), let m = digits(2), let d = digits(2) else { return nil }
            (month, day) = (m, d)
        } else if skip("-") {
            guard let m = digits(2) else { return nil }
            month = m
            if skip("-") {
                guard let d = digits(2) else { return nil }
                day = d
                if skip("T") || skip(" ") {
                    guard let h = digits(2) else { return nil }
                    hour = h
                    if skip(":") {
                        guard let mi = digits(2) else { return nil }
                        minute = mi
                        if skip(":") {
                            guard let se = digits(2) else { return nil }
                            second = se
                            if skip(".") || skip(",") {
                                let fraction = s.prefix { $0.isASCII && $0.isNumber }
                                guard !fraction.isEmpty else { return nil }
                                s = s.dropFirst(fraction.count)
                            }
                        }
                    }
                    if skip("Z") {
                    } else if let sign = s.first, sign == "+" || sign == "-" {
                        s = s.dropFirst()
                        guard let oh = digits(2), oh <= 23 else { return nil }
                        _ = skip(":")
                        let om = s.isEmpty ? 0 : digits(2)
                        guard let om, om <= 59 else { return nil }
                        offset = (sign == "-" ? -1 : 1) * (oh * 3600 + om * 60)
                    }
                }
            }
        }
        guard s.isEmpty, (1...12).contains(month), day >= 1, day <= Self.daysIn(month: month, year: year),
            hour <= 23, minute <= 59, second <= 60
        else { return nil }
        let days = Self.daysSinceEpoch(year: year, month: month, day: day)
        let local = Int64(days) * 86400 + Int64(hour * 3600 + minute * 60 + second)
        self.init(secondsSinceEpoch: local - Int64(offset), utcOffset: offset)
    }

    /// The local clock's calendar fields.
    public var local: Fields {
        let t = secondsSinceEpoch + Int64(utcOffset)
        let days = Int((t >= 0 ? t : t - 86399) / 86400)  // floor division
        let secondOfDay = Int(t - Int64(days) * 86400)
        let (year, month, day) = Self.civil(fromDays: days)
        let weekday = ((days % 7 + 7) % 7 + 3) % 7 + 1  // 1970-01-01 was a Thursday (4)
        let dayOfYear = days - Self.daysSinceEpoch(year: year, month: 1, day: 1) + 1
        return Fields(
            year: year, month: month, day: day, hour: secondOfDay / 3600, minute: secondOfDay % 3600 / 60,
            second: secondOfDay % 60, weekday: weekday, dayOfYear: dayOfYear)
    }

    /// Whether `text` (surrounding spaces ignored) is a date in the basic
    /// form `YYYYMMDD`, eight digits of a valid date in the years 1583…2999.
    ///
    /// ```swift
    /// TimeStamp.isBasicDate("20240229")   // true
    /// TimeStamp.isBasicDate("20230229")   // false: 2023 has no 29 February
    /// TimeStamp.isBasicDate("12345678")   // false: no month 56
    /// ```
    public static func isBasicDate(_ text: String) -> Bool {
        let t = text.trimmingCharacters(in: .whitespaces)
        return t.count == 8 && t.allSatisfy { $0.isASCII && $0.isNumber } && TimeStamp(iso8601: t) != nil
    }

    /// Whether `year` has a 29 February.
    public static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    static func daysIn(month: Int, year: Int) -> Int {
        [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    }

    /// Days from 1970-01-01 to the date (H. Hinnant's `days_from_civil`).
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146097 + dayOfEra - 719468
    }

    /// The date `days` after 1970-01-01 (H. Hinnant's `civil_from_days`).
    static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let dayOfEra = z - era * 146097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// The season, in rows, that a time column's spacing implies: the median
    /// gap between consecutive time stamps read as a sampling frequency.
    ///
    /// | median gap | season |
    /// | --- | --- |
    /// | g < 1 day, dividing a day | 86 400 / g (24 for hourly, 48 for half-hourly) |
    /// | 1 day | 7 (a week) |
    /// | 7 days | 52 (a year of weeks) |
    /// | 28–31 days | 12 (a year of months) |
    /// | 89–92 days | 4 (a year of quarters) |
    ///
    /// - Parameter times: The time column's cells, in row order.
    /// - Returns: The season, or nil when a cell does not parse, there are
    ///   fewer than 3 cells, or the gap has no season in the table (yearly data).
    public static func season(ofTimes times: [String]) -> Int? {
        let stamps = times.compactMap { TimeStamp(iso8601: $0) }
        guard stamps.count == times.count, stamps.count >= 3 else { return nil }
        let gaps = zip(stamps.dropFirst(), stamps).map { $0.secondsSinceEpoch - $1.secondsSinceEpoch }.sorted()
        let gap = gaps[gaps.count / 2]
        let day: Int64 = 86400
        switch gap {
        case 1..<day where day % gap == 0: return Int(day / gap)
        case day: return 7
        case 7 * day: return 52
        case (28 * day)...(31 * day): return 12
        case (89 * day)...(92 * day): return 4
        default: return nil
        }
    }
}
