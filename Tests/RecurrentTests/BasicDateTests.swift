import Foundation
import Recurrent
import Testing

/// Dates stored as integers, YYYYMMDD (ISO 8601's basic form): read as the
/// dates they are, so a month end or a leap day is one step, not a gap of 70.
@Suite struct BasicDateTests {
    /// Known dates: the same instants as their extended form; impossible ones and other integers are not dates.
    @Test func eightDigitsReadAsTheDateTheySpell() throws {
        for (basic, extended) in [("20240131", "2024-01-31"), ("20240229", "2024-02-29"), ("19991231", "1999-12-31"), (" 20000301 ", "2000-03-01")] {
            let stamp = try #require(TimeStamp(iso8601: basic), "\(basic)")
            #expect(stamp == TimeStamp(iso8601: extended), "\(basic)")
            #expect(TimeStamp.isBasicDate(basic), "\(basic)")
        }
        #expect(TimeStamp(iso8601: "20240229")!.secondsSinceEpoch == 1_709_164_800)  // 2024-02-29T00:00:00Z
        #expect(TimeStamp(iso8601: "20240229")!.local.dayOfYear == 60)
        for text in ["20230229", "20240132", "20241301", "12345678", "30000101", "15821231", "2024013", "202401311", "20240131T12"] {
            #expect(!TimeStamp.isBasicDate(text), "\(text)")
            #expect(TimeStamp(iso8601: text) == nil, "\(text)")
        }
        #expect(TimeStamp(iso8601: "2024") != nil)  // a year alone still reads as one
    }

    /// A long-form series dated 20240130, 20240131, 20240201 (a month end)
    /// and 20240228, 20240229, 20240301 (a leap day) steps by one day; a
    /// missing day is named as a skip of 86400 s; the season is a week.
    @Test func integerDatesStepByDays() throws {
        let days = ["20240130", "20240131", "20240201", "20240202"]
        try CSVTable.checkRegularTimes(days, series: "s", lines: [2, 3, 4, 5], column: "t", file: "f.csv")
        let leap = ["20240228", "20240229", "20240301"]
        try CSVTable.checkRegularTimes(leap, series: "s", lines: [2, 3, 4], column: "t", file: "f.csv")
        #expect(TimeStamp.season(ofTimes: days) == 7)
        #expect {
            try CSVTable.checkRegularTimes(["20240130", "20240131", "20240202"], series: "s", lines: [2, 3, 4], column: "t", file: "f.csv")
        } throws: { error in
            "\(error)".contains("time \"20240202\" skips steps after \"20240131\" (the series' step is 86400 s)")
        }
    }
}
