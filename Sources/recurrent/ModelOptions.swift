import ArgumentParser
import Recurrent

extension Precision: ExpressibleByArgument {}

/// `--precision`, for the commands that run a model without the other
/// training options (`predict`, `forecast`, `generate`).
struct PrecisionOption: ParsableArguments {
    @Option(help: ArgumentHelp("The arithmetic of the recurrent products: fp32, or bf16 (bf16 operands, fp32 sums; weights and cell arithmetic stay fp32; an MLP runs in fp32)."))
    var precision: Precision = .fp32
}

/// The network and training options shared by `train` and `compare`.
struct ModelOptions: ParsableArguments {
    @Option(
        help:
            "The model: lstm, gru, rnn (Elman, tanh) or mlp (the window flattened through two tanh layers; series and labelled sequences)."
    )
    var model = "lstm"

    @Option(parsing: .unconditional, help: "Hidden units per recurrent (or MLP) layer (≥ 1).")
    var hidden = 32

    @Option(parsing: .unconditional, help: "Stacked recurrent layers (≥ 1).")
    var layers = 1

    @Flag(help: "Run each recurrent layer in both directions.")
    var bidirectional = false

    @Option(parsing: .unconditional, help: "Dropout between recurrent layers in training, in [0, 1).")
    var dropout: Float = 0

    @Option(parsing: .unconditional, help: "Embedding dimensions for token input (text, symbol sequences) (≥ 1).")
    var embedding = 32

    @Option(
        help:
            "The optimiser, with PyTorch's defaults: adam, adamw (weight decay 0.01), sgd (momentum 0.9), rmsprop or adagrad."
    )
    var optimizer = "adam"

    @Option(parsing: .unconditional, help: "The learning rate (finite, > 0).")
    var learningRate: Float = 5e-3

    @Option(help: "The learning-rate schedule: constant or cosine (to 0 over the run).")
    var schedule = "constant"

    @Option(parsing: .unconditional, help: "Sequences or windows per optimiser step (≥ 1).")
    var batchSize = 32

    @Option(parsing: .unconditional, help: "Passes over the training data (≥ 1).")
    var epochs = 20

    @Option(
        parsing: .unconditional,
        help: "Mini-batches to train for, instead of --epochs; the last epoch may be partial (≥ 1).")
    var steps: Int?

    @Option(
        parsing: .unconditional,
        help:
            "Truncated backpropagation: cut each sequence into windows of this many steps, carrying the state between them and updating after each (≥ 1; default: whole sequences)."
    )
    var tbptt: Int?

    @Option(parsing: .unconditional, help: "Largest global gradient norm (finite, > 0).")
    var clip: Float = 1

    @Option(parsing: .unconditional, help: "Seed of the weights, the shuffle, dropout and generated data.")
    var seed: UInt64 = 42

    @Option(parsing: .unconditional, help: "Worker threads for the kernels (≥ 1; default: all cores).")
    var threads: Int?

    @Option(help: ArgumentHelp("The arithmetic of the recurrent products: fp32, or bf16 (bf16 operands, fp32 sums; weights and cell arithmetic stay fp32; an MLP runs in fp32)."))
    var precision: Precision = .fp32

    func validateModel() throws {
        guard ["lstm", "gru", "rnn", "mlp"].contains(model) else {
            throw ValidationError("--model must be lstm, gru, rnn or mlp, got '\(model)'")
        }
        for (name, value) in [
            ("--hidden", hidden), ("--layers", layers), ("--embedding", embedding), ("--epochs", epochs),
            ("--batch-size", batchSize),
        ] where value < 1 {
            throw ValidationError("\(name) must be at least 1, got \(value)")
        }
        if let steps, steps < 1 { throw ValidationError("--steps must be at least 1, got \(steps)") }
        for (name, value, most) in [
            ("--hidden", hidden, Limits.hiddenSize), ("--layers", layers, Limits.layers),
            ("--embedding", embedding, Limits.hiddenSize), ("--batch-size", batchSize, Limits.batchSize),
            ("--epochs", epochs, Limits.epochs),
        ] where value > most {
            throw ValidationError("\(name) must be at most \(most), got \(value)")
        }
        if steps != nil, commandLineGives("--epochs") {
            throw ValidationError("give --epochs or --steps, not both")
        }
        if model == "mlp" {
            for option in ["--layers", "--bidirectional", "--dropout", "--embedding", "--tbptt"]
            where commandLineGives(option) {
                throw ValidationError(
                    "\(option) does not apply to --model mlp (two tanh layers of --hidden units on the flattened window)"
                )
            }
        }
        guard dropout.isFinite, dropout >= 0, dropout < 1 else {
            throw ValidationError("--dropout must be in [0, 1), got \(dropout)")
        }
        guard ["adam", "adamw", "sgd", "rmsprop", "adagrad"].contains(optimizer) else {
            throw ValidationError("--optimizer must be adam, adamw, sgd, rmsprop or adagrad, got '\(optimizer)'")
        }
        guard learningRate.isFinite, learningRate > 0 else {
            throw ValidationError("--learning-rate must be finite and > 0, got \(learningRate)")
        }
        guard ["constant", "cosine"].contains(schedule) else {
            throw ValidationError("--schedule must be constant or cosine, got '\(schedule)'")
        }
        guard clip.isFinite, clip > 0 else { throw ValidationError("--clip must be finite and > 0, got \(clip)") }
        if let threads, threads < 1 || threads > ThreadPool.shared.maximumThreadCount {
            throw ValidationError(
                "--threads must lie in 1...\(ThreadPool.shared.maximumThreadCount) (the processors online), got \(threads)")
        }
        if let tbptt {
            guard tbptt >= 1 else { throw ValidationError("--tbptt must be at least 1, got \(tbptt)") }
            if bidirectional {
                throw ValidationError("--tbptt carries the state forwards; it cannot train --bidirectional")
            }
            if model == "mlp" { throw ValidationError("--tbptt trains recurrent models; an MLP has no state to carry") }
        }
    }

    /// What the run is, for the model file's `training` summary.
    var summary: String {
        model == "mlp"
            ? "mlp, two tanh layers of \(hidden)"
            : "\(model) hidden \(hidden) layers \(layers)\(bidirectional ? " bidirectional" : "")"
                + (dropout > 0 ? " dropout \(dropout)" : "") + (tbptt.map { " tbptt \($0)" } ?? "")
    }

    /// How the run trains, as a forecaster's model file records it
    /// (`training_options`): the same names as the options, checked by ``validateModel()``.
    ///
    /// - Parameters:
    ///   - patience: `--patience`, or nil.
    ///   - calibrate: `--calibrate`.
    func trainingOptions(patience: Int? = nil, calibrate: Bool = false) -> SeriesTrainingOptions {
        SeriesTrainingOptions(
            optimizer: SeriesTrainingOptions.OptimizerKind(rawValue: optimizer) ?? .adam, learningRate: learningRate,
            schedule: SeriesTrainingOptions.ScheduleKind(rawValue: schedule) ?? .constant, epochs: epochs,
            steps: steps, batchSize: batchSize, patience: patience, clip: clip, seed: seed, tbptt: tbptt,
            calibrate: calibrate)
    }

    /// The recurrent cell `--model` names (nil for the MLP).
    var cell: Cell? {
        switch model {
        case "lstm": .lstm
        case "gru": .gru
        case "rnn": .elman(.tanh)
        default: nil
        }
    }
}

/// Whether the command line gives `option` (as `--name value` or
/// `--name=value`): for options whose default cannot tell "not given" apart.
func commandLineGives(_ option: String) -> Bool {
    CommandLine.arguments.dropFirst().contains { $0 == option || $0.hasPrefix(option + "=") }
}
