// Every Swift snippet of the README and the DocC articles, compiled by every
// build and run by the tests (`DocumentationSnippetTests`), so that none can
// rot. Each file below holds one document's snippets, word for word, inside
// the code that makes their inputs; the tests check that every ```swift block
// of those documents stands in one of these files.
//
//   swift run DocumentationSnippets DIR    runs them all in DIR (it makes the
//                                          files they read there first)
import Foundation

let arguments = CommandLine.arguments.dropFirst()
guard arguments.count == 1, FileManager.default.changeCurrentDirectoryPath(arguments.first!) else {
    FileHandle.standardError.write(Data("usage: DocumentationSnippets DIR (an existing folder)\n".utf8))
    exit(64)
}
let snippets: [(String, () throws -> Void)] = [
    ("README: the layer", ReadmeLayer.run),
    ("README: fit", ReadmeFit.run),
    ("README: backtest", ReadmeBacktest.run),
    ("Train an LSTM on a CSV", TrainAnLSTM.run),
    ("Classify sequences", ClassifySequences.run),
    ("Train a character model", TrainACharacterModel.run),
    ("Weights from and to PyTorch", WeightsFromAndToPyTorch.run),
    ("Serve a model", ServeAModel.run),
    ("Stream in an app", StreamInAnApp.run),
]
for (name, run) in snippets {
    do {
        try run()
        print("ok: \(name)")
    } catch {
        print("failed: \(name): \(error)")
        exit(1)
    }
}
