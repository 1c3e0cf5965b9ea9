import Foundation
import FuzzSupport
import Recurrent

/// A series CSV as `train --csv` reads it: the table, its numeric columns
/// (every column a feature, the last the target; each missing-value policy),
/// and the windows, scaled, that training would see.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let text = FuzzInput.text(FuzzInput.data(bytes, count))
    guard let table = try? CSVTable(string: text, name: "fuzz.csv"), let target = table.header.last else { return 0 }
    let columns = Array(Set(table.header)).sorted()
    for missing in [MissingValuePolicy.error, .drop, .forwardFill] {
        guard let series = try? table.numericColumns(columns, missing: missing) else { continue }
        let options = SeriesOptions(features: columns, targets: [target], inputLength: 2, horizon: 1)
        guard let dataset = try? SeriesDataset(series, options: options) else { continue }
        _ = dataset.persistenceForecast(for: .test)
        _ = dataset.latestInput()
    }
    // Many series: the first column as the id (long form, the second as the
    // time) or every other column a series (wide form), then the global windows.
    let others = Array(table.header.dropFirst()).filter { $0 != table.header[0] }
    if let value = others.last,
        let long = try? table.longFormSeries(
            idColumn: table.header[0], columns: [value], time: others.count > 1 ? others[0] : nil, missing: .drop)
    {
        let options = SeriesOptions(features: [value], targets: [value], inputLength: 2, horizon: 1)
        _ = try? ManySeriesDataset(long, options: options, embedding: .oneHot)
    }
    let options = SeriesOptions(features: ["value"], targets: ["value"], inputLength: 2, horizon: 1)
    if !others.isEmpty, let wide = try? table.wideSeries(others, time: table.header[0], missing: .forwardFill) {
        _ = try? ManySeriesDataset(wide, options: options)
    }
    return 0
}
