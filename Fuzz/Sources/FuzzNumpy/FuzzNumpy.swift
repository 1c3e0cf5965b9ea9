import Foundation
import FuzzSupport
import Recurrent

/// A .npy file: read it; what it read must write and read again.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNumpy(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let tensor = try? NumpyFile.tensor(data: FuzzInput.data(bytes, count), name: "fuzz.npy") else { return 0 }
    _ = try! NumpyFile.tensor(data: NumpyFile.data(tensor), name: "again.npy")
    return 0
}
