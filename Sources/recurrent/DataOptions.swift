import ArgumentParser
import Foundation
import Recurrent

/// Where `train` and `compare` get their data: one of a CSV series, a text,
/// labelled sequences or a generated task, with each kind's own options.
struct DataOptions: ParsableArguments {
    @Option(help: "A CSV file holding a numeric series (header row, one row per time step).")
    var csv: String?

    @Option(help: "A UTF-8 text file for a character model.")
    var text: String?

    @Option(help: "Labelled sequences: CSV/TSV (sequence, label per line), long-form CSV, or safetensors.")
    var sequences: String?

    @Option(
        parsing: .unconditional,
        help:
            "A generated task instead of a file: the series mackey-glass or sine, or the sequence tasks adding, copy or reber."
    )
    var task: String?

    @Option(
        parsing: .unconditional,
        help:
            "With --task: rows of a generated series (default 1000), T of the adding problem (50), the copy delay (20)."
    )
    var length: Int?

    @Option(
        parsing: .unconditional, help: "Steps of history in each window (≥ 1; default 24 for a series, 100 for text).")
    var window: Int?

    @OptionGroup(title: "Series")
    var series: SeriesDataOptions

    @OptionGroup(title: "Generated sequence tasks")
    var taskOptions: TaskDataOptions

    @OptionGroup(title: "Text")
    var textOptions: TextDataOptions

    @OptionGroup(title: "Labelled sequences")
    var sequenceOptions: SequenceDataOptions

    func validateData() throws {
        let sources = [("--csv", csv), ("--text", text), ("--sequences", sequences), ("--task", task)]
            .filter { $0.1 != nil }
        guard !sources.isEmpty else {
            throw ValidationError("give one of --csv FILE, --text FILE, --sequences FILE or --task NAME")
        }
        guard sources.count == 1 else {
            throw ValidationError("give one data source, not \(sources.map(\.0).joined(separator: " and "))")
        }
        for (option, path) in [("--csv", csv), ("--text", text), ("--sequences", sequences)] {
            if let path { try validateExistingFile(path, option) }
        }
        if csv != nil, series.target == nil, series.seriesColumns == nil {
            throw ValidationError("--target COLUMN is required with --csv")
        }
        try validateManySeries()
        if let task {
            guard Self.seriesTasks.contains(task) || GeneratedTaskSpec.names.contains(task) else {
                throw ValidationError("--task must be mackey-glass, sine, adding, copy or reber, got '\(task)'")
            }
            if let length {
                let least = task == "copy" ? 1 : 2
                guard length >= least else {
                    throw ValidationError("--length must be at least \(least), got \(length)")
                }
                if task == "reber" { throw ValidationError("--length: the Reber grammar's strings have no set length") }
            }
            guard taskOptions.samples >= 1 else {
                throw ValidationError("--samples must be at least 1, got \(taskOptions.samples)")
            }
        }
        if csv != nil || task.map(Self.seriesTasks.contains) == true {
            try series.validateSeries(generated: task != nil)
        }
        if let sequences { try validateSequenceParts(sequences) }
        if let window, window < 1 { throw ValidationError("--window must be at least 1, got \(window)") }
        try refuseOptionsOfOtherSources()
        if let length, task.map(Self.seriesTasks.contains) == true, length > Limits.seriesLength {
            throw ValidationError("--length must be at most \(Limits.seriesLength) rows, got \(length)")
        }
        if let length, task == "adding" || task == "copy", length > Limits.taskLength {
            throw ValidationError("--length must be at most \(Limits.taskLength) steps for --task \(task!), got \(length)")
        }
        if GeneratedTaskSpec.names.contains(task ?? "") {
            let steps = task == "copy" ? (length ?? 20) + 20 : task == "adding" ? (length ?? 50) : 30
            let elements = Double(taskOptions.samples) * Double(steps) * (task == "adding" ? 2 : 1)
            guard elements <= Double(Limits.taskElements) else {
                throw ValidationError(
                    "--samples \(taskOptions.samples) of \(steps) steps would take \(Int(elements / 2.5e8)) GB; "
                        + "keep samples × steps below 200 million")
            }
        }
    }

    /// The options each kind of data reads; another kind's option given on
    /// the command line is an error rather than silently ignored.
    private func refuseOptionsOfOtherSources() throws {
        let seriesOnly = [
            "--target", "--time", "--missing", "--horizon", "--stride", "--split", "--scaling", "--skip", "--skip-steps", "--skip-start",
            "--quantiles", "--likelihood", "--calibrate", "--no-calibrate", "--series-columns", "--series-embedding",
        ]
        let taskOnly = ["--length", "--samples"]
        let textOnly = ["--vocabulary"]
        let sequencesOnly = [
            "--sequence-column", "--label-column", "--id-column", "--step-column", "--pooling", "--validation",
        ]
        let (kind, allowed): (String, Set<String>)
        if csv != nil {
            (kind, allowed) = ("--csv", Set(seriesOnly + ["--features", "--window", "--id-column"]))
        } else if text != nil {
            (kind, allowed) = ("--text", Set(textOnly + ["--window"]))
        } else if sequences != nil {
            (kind, allowed) = ("--sequences", Set(sequencesOnly + ["--features", "--split", "--scaling"]))
        } else if let task, Self.seriesTasks.contains(task) {
            let unused: Set = ["--time", "--missing", "--target", "--features", "--series-columns", "--series-embedding"]
            (kind, allowed) = ("--task \(task)", Set(seriesOnly + ["--window", "--length"]).subtracting(unused))
        } else {
            (kind, allowed) = ("--task \(task ?? "")", Set(taskOnly))
        }
        for option in seriesOnly + taskOnly + textOnly + sequencesOnly + ["--features", "--window"]
        where !allowed.contains(option) && commandLineGives(option) {
            throw ValidationError("\(option) does not apply to \(kind)")
        }
    }

    static let seriesTasks = ["mackey-glass", "sine"]

    /// `--split` for labelled sequences: TRAIN,VALIDATION shares that may sum
    /// to 1 (no test part); or `--validation FILE`, which makes all of the
    /// file training data.
    private func validateSequenceParts(_ sequences: String) throws {
        if let validation = sequenceOptions.validation {
            try validateExistingFile(validation, "--validation")
            if URL(fileURLWithPath: validation).standardized == URL(fileURLWithPath: sequences).standardized {
                throw ValidationError("--validation \(validation) is the --sequences file; give another file")
            }
            if commandLineGives("--split") {
                throw ValidationError("--split does not apply with --validation: all of --sequences is training data")
            }
            return
        }
        _ = try sequenceShares()
    }

    /// `--split` as labelled-sequence shares: train > 0, validation > 0, train + validation ≤ 1.
    func sequenceShares() throws -> (train: Double, validation: Double) {
        let parts = series.split.split(separator: ",", omittingEmptySubsequences: false).map {
            Double($0.trimmingCharacters(in: .whitespaces))
        }
        guard parts.count == 2, let train = parts[0], let validation = parts[1], train > 0, validation > 0,
            train + validation <= 1 + 1e-9
        else {
            throw ValidationError(
                "--split must be two fractions TRAIN,VALIDATION, each > 0, summing to at most 1 (1: no test part), "
                    + "got '\(series.split)'")
        }
        return (train, validation)
    }

    func makeJob(model modelOptions: ModelOptions, run: RunOptions? = nil) throws -> any TrainingJob {
        if let task, GeneratedTaskSpec.names.contains(task) {
            return try GeneratedTaskJob(
                GeneratedTaskSpec(
                    name: task, length: length ?? GeneratedTaskSpec.defaultLength(task), samples: taskOptions.samples,
                    seed: modelOptions.seed))
        }
        if let text {
            return try TextJob(path: text, window: window, options: textOptions, model: modelOptions)
        }
        if let sequences {
            return try LabelledSequenceJob(
                path: sequences, features: series.features == nil ? nil : series.featureList,
                options: sequenceOptions, shares: try sequenceShares(), scaling: series.scaling, model: modelOptions)
        }
        if task != nil {  // before generating the series: its windows may not fit
            try MemoryCheck.seriesWindows(
                rows: length ?? 1000, window: window ?? 24, horizon: series.horizon, stride: series.stride,
                features: 1, targets: 1
            ).check()
        }
        let recurrent = modelOptions.cell != nil
        if !recurrent, let option = [("--calendar", series.calendar != "none"), ("--future-features", series.futureFeatures != nil)]
            .first(where: \.1)?.0
        {
            throw RecurrentError.invalidArgument(
                name: option, value: option == "--calendar" ? series.calendar : series.futureFeatures!,
                reason: "known-future covariates are read by a recurrent model; the MLP reads the window alone")
        }
        var job: SeriesJob
        if readsManySeries {
            let (many, calendar) = try loadManySeries(calendarChoice: series.calendarChoice)
            let embedding = series.seriesEmbedding ?? .none
            job = try SeriesJob(
                manySeries: many, record: (sequenceOptions.idColumn, series.seriesColumns.map { _ in series.seriesColumnList }),
                embedding: embedding, source: csv!, window: window ?? 24, options: series, calendar: calendar)
        } else {
            let (loaded, source) = try loadSeries(seed: modelOptions.seed)
            // --calendar: the cycles asked for, or those of the time column's frequency.
            let calendar = series.calendarChoice ?? CalendarFeature.automatic(ofTimes: loaded.times ?? [])
            let columns = try loaded.addingCalendarFeatures(calendar, timeColumn: series.time ?? "time")
            job = try SeriesJob(series: columns, source: source, window: window ?? 24, options: series, calendar: calendar)
        }
        job.training = modelOptions.trainingOptions(patience: run?.patience, calibrate: series.calibrate)
        if let task { job.generated = GeneratedSeriesSpec(task: task, length: length ?? 1000, seed: modelOptions.seed) }
        for (name, given) in [("--skip", series.skip), ("--revin", series.revin)] where given == true && !recurrent {
            throw RecurrentError.invalidArgument(
                name: name, value: "on", reason: "applies to a recurrent model; the MLP reads the whole window")
        }
        if series.head != .direct, !recurrent {
            throw RecurrentError.invalidArgument(
                name: "--head", value: series.head.rawValue, reason: "applies to a recurrent model; the MLP has one output layer")
        }
        job.encoderDecoder = series.head == .encoderDecoder
        if job.futureCovariates != nil {
            if modelOptions.tbptt != nil {
                throw RecurrentError.invalidArgument(
                    name: "--tbptt", value: "\(modelOptions.tbptt!)",
                    reason: "cuts the window, but known-future covariates and an encoder–decoder read it whole with its horizon")
            }
            if modelOptions.bidirectional {
                throw RecurrentError.invalidArgument(
                    name: "--bidirectional", value: "on",
                    reason: "known-future covariates and an encoder–decoder read a forward recurrent layer's last state")
            }
        }
        if let distribution = try series.distribution() {
            guard recurrent else {
                throw RecurrentError.invalidArgument(
                    name: series.quantiles != nil ? "--quantiles" : "--likelihood",
                    value: series.quantiles ?? series.likelihood!.rawValue,
                    reason: "applies to a recurrent model; the MLP gives one value per step")
            }
            job.distribution = distribution
            job.calibrate = series.calibrate
        } else if let option = ["--calibrate", "--no-calibrate"].first(where: commandLineGives) {
            throw RecurrentError.invalidArgument(
                name: option, value: "given", reason: "applies to a probabilistic forecaster (--quantiles or --likelihood)")
        }
        // Truncated backpropagation trains through the last window of T − (T − 1)/k·k steps only.
        let t = job.options.window
        let reached = modelOptions.tbptt.map { k in k < t ? t - (t - 1) / k * k : t } ?? t
        // With a one-hot embedding RevIN and the skip read the data's columns only, not the S 0/1 columns after them.
        if job.many?.embedding == .oneHot { job.identityColumns = job.many!.ids.count }
        if series.skip ?? recurrent {
            // By default the skip reads the whole window, or as much of it as reaches the output.
            let steps = series.skipSteps ?? (series.skip == true ? t : reached)
            guard steps <= t else {
                throw RecurrentError.invalidArgument(
                    name: "--skip-steps", value: "\(steps)", reason: "must be at most --window \(t)")
            }
            guard steps <= reached else {
                throw RecurrentError.invalidArgument(
                    name: "--skip-steps", value: "\(steps)",
                    reason: "reads more steps than the last --tbptt window, \(reached), that reaches the output")
            }
            job.skipSteps = steps
            job.skipRidgeStart = series.skipStart == "ridge"
        }
        if series.head == .perStep {
            guard job.options.horizon <= reached else {
                throw RecurrentError.invalidArgument(
                    name: "--head", value: "per-step",
                    reason: "reads the last \(job.options.horizon) steps, more than the last --tbptt window, \(reached), that reaches the output")
            }
            job.headSteps = job.options.horizon
        }
        // RevIN's statistics are the whole window's; truncated backpropagation would run it on pieces.
        if series.revin == true, modelOptions.tbptt != nil {
            throw RecurrentError.invalidArgument(
                name: "--revin", value: "on", reason: "standardises whole windows; truncated backpropagation (--tbptt) cuts them")
        }
        let targetsAreFeatures = job.options.targets.allSatisfy(job.options.features.contains)
        if series.revin ?? (recurrent && targetsAreFeatures && modelOptions.tbptt == nil) {
            job.instanceNormalizationChannels = try job.revinChannels()
            if let given = series.revinLevel {
                job.instanceNormalizationLevelPath = given
                job.levelNote = given ? "--revin-level" : "--no-revin-level"
            } else if job.options.window < 2 {
                job.levelNote = "a window of one step: no level to learn from"
            } else {  // two ridge regressions in closed form: the level path where μ predicts the validation part
                let choice = try RevINLevelChoice(
                    train: job.train, validation: job.validation, window: job.options.window,
                    targetColumns: job.options.targets.map { job.options.features.firstIndex(of: $0)! })
                job.levelChoice = choice
                job.instanceNormalizationLevelPath = choice.levelPath
            }
        } else if series.revinLevel == true {
            throw RecurrentError.invalidArgument(
                name: "--revin-level", value: "on",
                reason: "learns the level RevIN adds back, but this model has no RevIN (--no-revin, --tbptt, the MLP, or targets not among --features)")
        }
        return job
    }

    private func loadSeries(seed: UInt64) throws -> (NumericColumns, String) {
        if let csv {
            let table = try CSVTable(contentsOf: URL(fileURLWithPath: csv))
            var names = series.featureList
            for target in series.targetList + series.futureFeatureList where !names.contains(target) { names.append(target) }
            return (try table.numericColumns(names, time: series.time, missing: series.missing), csv)
        }
        let spec = GeneratedSeriesSpec(task: task!, length: length ?? 1000, seed: seed)
        return (try spec.columns(), "--task \(task!)")
    }
}

/// A generated series (`--task mackey-glass|sine`), recorded in the model
/// file so that `evaluate` and `forecast` can make it again without a file.
struct GeneratedSeriesSpec: Codable, Equatable {
    var task: String
    var length: Int
    var seed: UInt64

    /// Throws unless the task is known and its length lies within ``Limits``,
    /// as on the command line: for a spec read from a model file.
    func check() throws {
        guard ["sine", "mackey-glass"].contains(task) else {
            throw RecurrentError.invalidArgument(name: "task", value: "\"\(task)\"", reason: "must be sine or mackey-glass")
        }
        try Limits.check(length, "length", in: 2...Limits.seriesLength)
    }

    /// The series as one column, `value`.
    func columns() throws -> NumericColumns {
        var generator = RandomGenerator(seed: seed)
        let values =
            task == "sine"
            ? try SineMixture(noise: 0.05).series(length: length, generator: &generator).scalars
            : try MackeyGlass().series(length: length).scalars
        return try NumericColumns(names: ["value"], values: [values.map(Double.init)])
    }
}
