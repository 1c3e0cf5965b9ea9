import ArgumentParser

@main
struct RecurrentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recurrent",
        abstract: "Recurrent neural networks — Elman RNN, LSTM, GRU and the MLP baseline — on the CPU.",
        discussion: "Run 'recurrent demo' to train a model on a built-in task and see what it learned.",
        version: "0.1.0",
        subcommands: [
            Demo.self, Train.self, Evaluate.self, Forecast.self, Generate.self, Compare.self, Import.self, Export.self, Info.self, Predict.self])
}
