import ArgumentParser
import Foundation
import Recurrent

// Placeholder: `recurrent generate` lands here.

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sample text from a character model trained with `recurrent train --text`.")

    @Option(name: .shortAndLong, help: "The text model file.")
    var model: String

    func run() throws {
        throw usageFailure("generate is not available yet")
    }
}
