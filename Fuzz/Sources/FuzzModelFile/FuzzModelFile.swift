import Foundation
import FuzzSupport
import Recurrent

/// A task model file, as evaluate, forecast, generate and info read it: as
/// a forecasting model (recurrent or MLP), a sequence classifier and a text
/// model; each one read is written and read again.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelFile(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let url = FuzzInput.file(FuzzInput.data(bytes, count), named: "model.safetensors")
    if let model = try? ForecastModelFile(contentsOf: url) {
        try! model.write(to: url)
        _ = try! ForecastModelFile(contentsOf: url)
    } else if let model = try? SequenceClassifierFile(contentsOf: url) {
        try! model.write(to: url)
        _ = try! SequenceClassifierFile(contentsOf: url)
    } else if let model = try? TextModelFile(contentsOf: url) {
        try! model.write(to: url)
        _ = try! TextModelFile(contentsOf: url)
    }
    return 0
}
