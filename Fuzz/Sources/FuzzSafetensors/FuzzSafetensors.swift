import Foundation
import FuzzSupport
import Recurrent

/// A safetensors file: read it; what it read must serialise and read again.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let file = try? SafetensorsFile(data: FuzzInput.data(bytes, count), name: "fuzz.safetensors") else { return 0 }
    let again = try! file.serialized()
    _ = try! SafetensorsFile(data: again, name: "again.safetensors")
    return 0
}
