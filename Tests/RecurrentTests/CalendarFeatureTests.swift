import Foundation
import Recurrent
import RecurrentTestSupport
import Testing

/// Calendar features on known dates (a leap day, the year's last day, UTC
/// offsets), the automatic choice by frequency, the continuation of a time
/// column, and the known-future windows of a ``SeriesDataset``.
@Suite struct CalendarFeatureTests {
    static func stamp(_ text: String) throws -> TimeStamp { try #require(TimeStamp(iso8601: text)) }

    /// Phases worked out by hand: 2024-02-29 is a Thursday (weekday 4), day
    /// 60 of a 366-day year; 2023-03-01 is day 60 of 365; 31 December 2024
    /// is day 366 of 366, just before φ = 1.
    @Test func phasesOnKnownDates() throws {
        let leap = try Self.stamp("2024-02-29T06:00:00")
        #expect(CalendarFeature.hour.phase(of: leap) == 0.25)
        #expect(CalendarFeature.weekday.phase(of: leap) == 3.0 / 7)
        #expect(CalendarFeature.yearday.phase(of: leap) == 59.0 / 366)
        #expect(CalendarFeature.month.phase(of: leap) == 1.0 / 12)
        #expect(CalendarFeature.yearday.phase(of: try Self.stamp("2023-03-01")) == 59.0 / 365)
        #expect(CalendarFeature.yearday.phase(of: try Self.stamp("2024-12-31")) == 365.0 / 366)
        #expect(CalendarFeature.yearday.phase(of: try Self.stamp("2025-01-01")) == 0)
        #expect(CalendarFeature.hour.phase(of: try Self.stamp("2024-02-29T13:45:36")) == (13 + 45.0 / 60 + 36.0 / 3600) / 24)
        let (s, c) = CalendarFeature.hour.values(of: leap)
        #expect(abs(s - 1) < 1e-12 && abs(c) < 1e-12)
        let sunday = try Self.stamp("2024-03-03")
        #expect(CalendarFeature.weekday.phase(of: sunday) == 6.0 / 7)
    }

    /// The local clock as written: 23:30 at +02:00 is hour 23.5 on Thursday
    /// 29 February, though the instant is 21:30 UTC; the same instant written
    /// in UTC is hour 21.5. 00:30 at +02:00 on 1 March is still 22:30 UTC of
    /// 29 February, but its features are 1 March's.
    @Test func featuresReadTheClockAsWritten() throws {
        let offset = try Self.stamp("2024-02-29T23:30:00+02:00")
        let utc = try Self.stamp("2024-02-29T21:30:00Z")
        #expect(offset.secondsSinceEpoch == utc.secondsSinceEpoch)
        #expect(CalendarFeature.hour.phase(of: offset) == 23.5 / 24)
        #expect(CalendarFeature.hour.phase(of: utc) == 21.5 / 24)
        let march = try Self.stamp("2024-03-01T00:30:00+02:00")
        #expect(CalendarFeature.yearday.phase(of: march) == 60.0 / 366)
        #expect(CalendarFeature.weekday.phase(of: march) == 4.0 / 7)  // Friday
        #expect(CalendarFeature.month.phase(of: march) == 2.0 / 12)
        let west = try Self.stamp("2024-02-29T23:30:00-0500")
        #expect(CalendarFeature.hour.phase(of: west) == 23.5 / 24)
    }

    @Test func automaticChoiceFollowsTheFrequency() {
        let hourly = (0..<24).map { String(format: "2024-02-28T%02d:00:00", $0) }
        #expect(CalendarFeature.automatic(ofTimes: hourly) == [.hour, .weekday])
        let daily = (1...20).map { String(format: "2024-03-%02d", $0) }
        #expect(CalendarFeature.automatic(ofTimes: daily) == [.weekday, .yearday])
        let weekly = ["2024-01-01", "2024-01-08", "2024-01-15", "2024-01-22"]
        #expect(CalendarFeature.automatic(ofTimes: weekly) == [.yearday])
        let monthly = (1...12).map { String(format: "2023-%02d-01", $0) }
        #expect(CalendarFeature.automatic(ofTimes: monthly) == [.month])
        #expect(CalendarFeature.automatic(ofTimes: ["2020", "2021", "2022"]).isEmpty)
        #expect(CalendarFeature.automatic(ofTimes: ["1", "2", "3"]).isEmpty)
    }

    @Test func parsesTheOptionsList() throws {
        #expect(try CalendarFeature.parseList("auto") == nil)
        #expect(try CalendarFeature.parseList("none") == [])
        #expect(try CalendarFeature.parseList("month,hour") == [.hour, .month])
        #expect(throws: RecurrentError.self) { try CalendarFeature.parseList("hour,hour") }
        #expect(throws: RecurrentError.self) { try CalendarFeature.parseList("minute") }
    }

    /// Continuing a time column: hourly by the gap, across a leap day;
    /// monthly by calendar months, a month end staying one.
    @Test func continuesATimeColumn() throws {
        let hourly = try ["2024-02-28T22:00:00+01:00", "2024-02-28T23:00:00+01:00"].map(Self.stamp)
        let next = try #require(TimeStamp.continuing(hourly, count: 26))
        #expect(next[0].local.day == 29 && next[0].local.hour == 0 && next[0].utcOffset == 3600)
        #expect(next[25].local.month == 3 && next[25].local.day == 1 && next[25].local.hour == 1)
        let monthEnds = try ["2024-01-31", "2024-02-29", "2024-03-31"].map(Self.stamp)
        let months = try #require(TimeStamp.continuing(monthEnds, count: 3))
        #expect(months.map { [$0.local.month, $0.local.day] } == [[4, 30], [5, 31], [6, 30]])
        let firsts = try ["2023-11-15", "2023-12-15"].map(Self.stamp)
        let after = try #require(TimeStamp.continuing(firsts, count: 2))
        #expect(after.map { [$0.local.year, $0.local.month, $0.local.day] } == [[2024, 1, 15], [2024, 2, 15]])
        #expect(TimeStamp.continuing(try [Self.stamp("2024-01-01")], count: 2) == nil)
    }

    /// The calendar columns appended to a series; a cell that is no time is
    /// named by line and column.
    @Test func addsCalendarColumnsAndNamesABadCell() throws {
        let columns = try NumericColumns(
            names: ["y"], values: [[1.0, 2, 3]], times: ["2024-02-29T00:00", "2024-02-29T06:00", "2024-02-29T12:00"],
            source: "s.csv")
        let added = try columns.addingCalendarFeatures([.hour], timeColumn: "when")
        #expect(added.names == ["y", "hour_sin", "hour_cos"])
        let sines = try #require(added.values(of: "hour_sin")), cosines = try #require(added.values(of: "hour_cos"))
        #expect(zip(sines, [0.0, 1, 0]).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(zip(cosines, [1.0, 0, -1]).allSatisfy { abs($0 - $1) < 1e-12 })
        let bad = try NumericColumns(names: ["y"], values: [[1.0, 2]], times: ["2024-02-29", "2024-02-30"], source: "s.csv")
        #expect(throws: CSVError(file: "s.csv", line: 3, column: "when", problem: .notATime(cell: "2024-02-30"))) {
            try bad.addingCalendarFeatures([.yearday], timeColumn: "when")
        }
    }

    /// A window's known-future tensor holds the known-future columns at the
    /// target rows, normalised as its input is; ``SeriesWindows/modelInput``
    /// appends them after the window with the other features at 0.
    @Test func windowsCarryTheKnownFutureColumns() throws {
        let y = (0..<20).map { Double($0) }
        let flag = (0..<20).map { Double(($0 * 7) % 3 == 0 ? 1 : 0) }
        let columns = try NumericColumns(names: ["y", "flag"], values: [y, flag])
        var options = SeriesOptions(
            features: ["y", "flag"], targets: ["y"], window: 3, horizon: 2, split: SplitFractions(train: 0.5, validation: 0.25, test: 0.25))
        options.futureFeatures = ["flag"]
        let data = try SeriesDataset(columns, options: options)
        let future = try #require(data.train.future)
        #expect(future.shape == [data.train.count, 2, 1])
        for (n, e) in data.train.endRows.enumerated() {
            for j in 0..<2 {
                let expected = data.normalization.normalize(flag[e + 1 + j], column: 1)
                #expect(abs(Double(future[n, j, 0]) - expected) < 1e-6)
            }
        }
        let packed = data.train.modelInput
        #expect(packed.shape == [data.train.count, 5, 2])
        #expect(packed[1, 3, 0] == 0 && packed[1, 4, 1] == future[1, 1, 0] && packed[1, 2, 0] == data.train.input[1, 2, 0])
        var missing = options
        missing.futureFeatures = ["z"]
        #expect(throws: RecurrentError.self) { _ = try SeriesDataset(columns, options: missing) }
        let encoded = try JSONEncoder().encode(options)
        #expect(try JSONDecoder().decode(SeriesOptions.self, from: encoded) == options)
        var old = options
        old.futureFeatures = []
        #expect(String(decoding: try JSONEncoder().encode(old), as: UTF8.self).contains("future") == false)
    }
}
