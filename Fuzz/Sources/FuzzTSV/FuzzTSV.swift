import Foundation
import FuzzSupport
import Recurrent

/// Labelled sequences in a TSV file (`train --sequences`): read, split,
/// encoded on the training part and batched.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTSV(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let url = FuzzInput.file(FuzzInput.data(bytes, count), named: "sequences.tsv")
    guard
        let sequences = try? LabelledSequences(
            contentsOf: url, layout: .symbols(sequenceColumn: "sequence", labelColumn: "label"))
    else { return 0 }
    let classes = LabelledSequences.classNames(sequences.labels)
    let all = Array(0..<sequences.labels.count)
    guard let encoding = try? sequences.fittedEncoding(on: all) else { return 0 }
    _ = try? sequences.batch(all, encoding: encoding, classes: classes)
    return 0
}
