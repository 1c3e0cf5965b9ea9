import Foundation
import FuzzSupport
import Recurrent

/// A training checkpoint: read it; what it read must serialise and read again.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCheckpoint(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let checkpoint = try? TrainingCheckpoint(data: FuzzInput.data(bytes, count), name: "fuzz.checkpoint") else {
        return 0
    }
    _ = try! TrainingCheckpoint(data: try! checkpoint.serialized(), name: "again.checkpoint")
    return 0
}
