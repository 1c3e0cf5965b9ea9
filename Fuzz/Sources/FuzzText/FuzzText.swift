import Foundation
import FuzzSupport
import Recurrent

/// A text corpus (`train --text`), by characters and by bytes: read, split,
/// cut into windows, and its vocabulary written and read back.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzText(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = FuzzInput.data(bytes, count)
    for kind in Vocabulary.Kind.allCases {
        guard let corpus = try? TextCorpus(data: data, source: "fuzz.txt", kind: kind) else { continue }
        for part in [SeriesPart.train, .validation, .test] { _ = corpus.windows(of: part, length: 4) }
        _ = corpus.unigramEntropy
        let json = try! JSONEncoder().encode(corpus.vocabulary)
        let vocabulary = try! JSONDecoder().decode(Vocabulary.self, from: json)
        _ = try! vocabulary.encode(data, source: "fuzz.txt")
    }
    return 0
}
