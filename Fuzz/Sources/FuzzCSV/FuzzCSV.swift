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
    return 0
}
