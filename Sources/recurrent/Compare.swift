import ArgumentParser
import Foundation
import Recurrent

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Train an MLP, an Elman RNN, an LSTM and a GRU of comparable size on the same data, and compare them.",
        discussion: """
            Reads the data as `recurrent train` does (--csv, --text, --sequences or \
            --task, with the same options), then trains each model in --models with \
            the same optimiser, epochs, batch size and seed. --hidden sizes the \
            LSTM; every other model gets the hidden size whose parameter count is \
            nearest the LSTM's (the MLP reads each window flattened through two tanh \
            layers). Prints one table: hidden size, parameters, training time, and, \
            for the model after its last epoch, the validation loss and the data's \
            own error on the validation and test parts (RMSE for a series, accuracy \
            for classes, bits per character for text, …), with the baseline \
            (majority class, unigram entropy, …) below it and, for a \
            model whose validation loss was lowest at an earlier epoch, a line \
            naming that epoch and loss (--json: best_epoch, best_validation_loss). \
            A series gets a row per baseline, measured as `evaluate` measures them: \
            persistence, seasonal naive (--season S, or the season --time implies), \
            drift, and a ridge regression on the same window; and one line when the \
            best model's test RMSE is above the best baseline's (--json: every \
            baseline's RMSE, MAE, MAPE, sMAPE and MASE on each part, best_baseline, \
            models_lose). --model is ignored (--models chooses), and --json prints \
            one object. No model file is written; --plots writes compare.svg (the \
            errors side by side, a series' baselines beside the models) and each \
            model's loss curve.
            """)

    @OptionGroup(title: "Data")
    var data: DataOptions

    @OptionGroup(title: "Model and training")
    var modelOptions: ModelOptions

    @Option(help: "The models to compare, separated by commas, from mlp, rnn, lstm and gru.")
    var models = "mlp,rnn,lstm,gru"

    @Option(help: "A folder for SVG plots (compare.svg and a loss curve per model); created if missing.")
    var plots: String?

    @Option(
        parsing: .unconditional,
        help:
            "For a series: the season in rows (≥ 1) of the seasonal-naive baseline and of MASE's scale (default: from --time's spacing, as evaluate)."
    )
    var season: Int?

    @OptionGroup(title: "Output")
    var progress: ProgressOptions

    private var modelList: [String] { models.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }

    func validate() throws {
        try data.validateData()
        try modelOptions.validateModel()
        if data.series.skip == true || data.series.revin == true || data.series.head != .direct
            || data.series.quantiles != nil || data.series.likelihood != nil,
            modelList.contains("mlp")
        {
            throw ValidationError(
                "--skip, --revin, --head per-step, --quantiles and --likelihood do not apply to the MLP; leave mlp out of --models")
        }
        if let season, season < 1 { throw ValidationError("--season must be at least 1, got \(season)") }
        if modelOptions.tbptt != nil, modelList.contains("mlp") {
            throw ValidationError("--tbptt does not apply to the MLP; leave mlp out of --models")
        }
        let list = modelList
        guard !list.isEmpty, list.allSatisfy(["mlp", "rnn", "lstm", "gru"].contains), Set(list).count == list.count
        else {
            throw ValidationError("--models must be distinct names from mlp, rnn, lstm and gru, got '\(models)'")
        }
        if let plots {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: plots, isDirectory: &isFolder), !isFolder.boolValue {
                throw ValidationError("--plots \(plots): is a file, not a folder")
            }
        }
    }

    /// One model's row of the table.
    private struct Row {
        var model: String
        var hidden: Int
        var parameters: Int
        var seconds: Double
        /// After the last epoch, as every figure of the row.
        var validationLoss: Double
        /// The epoch with the lowest validation loss, and that loss.
        var best: (epoch: Int, loss: Double)?
        var epochs: Int
        var validation: Double?
        var test: Double?
        /// A series model's figures beside the baselines (`test_mase`, …), as `evaluate` names them.
        var figures: [String: Double] = [:]
    }

    func run() throws {
        if let threads = modelOptions.threads { ThreadPool.shared.threadCount = threads }
        let job: any TrainingJob = try reportingDataErrors { try data.makeJob(model: modelOptions) }
        var seriesBaselines = try baselines(of: job)
        if let plots { try makeOutputFolder(plots, "--plots") }
        let text = !progress.quiet && !progress.json
        if text { print(job.description) }
        let target = try reportingDataErrors { try ParameterCount(job: job, options: modelOptions, models: modelList) }
        let goal = target.count(model: "lstm", hidden: modelOptions.hidden)
        var rows: [Row] = []
        var metric: String?
        var baseline: [String: Double] = [:]
        var histories: [(String, [EpochSummary])] = []
        for name in modelList {
            var options = modelOptions
            options.model = name
            options.hidden = name == "lstm" ? modelOptions.hidden : target.nearest(model: name, to: goal)
            if name == "mlp", job.pooling == .everyStep {
                if text { print("mlp: skipped, this data needs an output at every step and an MLP reads one window") }
                continue
            }
            if text {
                print(
                    "training \(name), hidden \(options.hidden), \(target.count(model: name, hidden: options.hidden)) "
                        + "parameters …")
                flushOutput()
            }
            let quiet = try ProgressOptions.parse(["--quiet"])
            let result = try reportingDataErrors {
                try TrainingLoop(options: options, progress: quiet).train(job)
            }
            let validation = try reportingDataErrors { try job.summary(of: result.model) }
            let test = try reportingDataErrors { try job.testSummary(of: result.model) }
            var figures: [String: Double] = [:]
            if let series = job as? SeriesJob, seriesBaselines != nil {
                figures = try reportingDataErrors { try seriesBaselines!.measure(result.model, data: series.data) }
            }
            if metric == nil { metric = Self.primaryMetric(validation.metrics) }
            for (key, value) in validation.metrics.merging(test?.metrics ?? [:], uniquingKeysWith: { a, _ in a })
            where key.contains("persistence") || key.contains("baseline") || key == "unigram_entropy_bits" {
                baseline[key] = value
            }
            let suffix = metric.map { String($0.dropFirst("validation_".count)) }
            rows.append(
                Row(
                    model: name, hidden: options.hidden, parameters: result.model.parameterCount,
                    seconds: result.seconds, validationLoss: result.history.last?.validationLoss ?? .nan,
                    best: result.fit.bestEpoch.flatMap { epoch in result.fit.bestValidationLoss.map { (epoch, $0) } },
                    epochs: result.history.count,
                    validation: suffix.flatMap { validation.metrics["validation_" + $0] },
                    test: suffix.flatMap { test?.metrics["test_" + $0] }, figures: figures))
            histories.append((name, result.history))
            if text {
                print("  \(format(Float(result.seconds))) s" + (validation.lines.first.map { "; \($0)" } ?? ""))
            }
        }
        guard !rows.isEmpty else {
            throw usageFailure(
                "--models \(models): no model could be trained on this data (the MLP needs one output per sequence)")
        }
        let measure = metric.map { String($0.dropFirst("validation_".count)) } ?? "loss"
        if let seriesBaselines { baseline = seriesBaselines.figures }
        let written = try reportingDataErrors {
            try writePlots(
                rows, histories, measure: measure, loss: job.lossMeaning, baselines: baseline,
                baselineBars: seriesBaselines?.rows ?? [])
        }
        let judged = seriesBaselines?.best?.part
        let losing = seriesBaselines?.losingLine(
            models: rows.map { ($0.model, (judged == .test ? $0.test : $0.validation) ?? .nan) })
        if progress.json {
            let table: [[String: Any]] = rows.map { row in
                var entry: [String: Any] = [
                    "model": row.model, "hidden": row.hidden, "parameters": row.parameters,
                    "training_seconds": row.seconds, "validation_loss": row.validationLoss,
                ]
                if let best = row.best {
                    entry["best_epoch"] = best.epoch
                    entry["best_validation_loss"] = best.loss
                }
                if let v = row.validation { entry["validation_" + measure] = v }
                if let t = row.test { entry["test_" + measure] = t }
                entry.merge(row.figures) { a, _ in a }
                return entry
            }
            var object: [String: Any] = ["models": table, "baselines": baseline, "plots": written]
            if let seriesBaselines {
                if let season = seriesBaselines.season { object["season"] = season }
                if let best = seriesBaselines.best {
                    object["best_baseline"] = best.baseline.rawValue
                    object["models_lose"] = losing != nil
                }
            }
            print(jsonLine(object))
            return
        }
        print("")
        let header = ["model", "hidden", "parameters", "training s", "val. loss", "val. \(measure)", "test \(measure)"]
        var lines = [header]
        for row in rows {
            lines.append([
                row.model.uppercased(), String(row.hidden), String(row.parameters), format(Float(row.seconds)),
                significant(row.validationLoss), row.validation.map(significant) ?? "—",
                row.test.map(significant) ?? "—",
            ])
        }
        for row in seriesBaselines?.rows ?? [] {
            lines.append(
                [row.name, "—", "—", "—", "—"] + [row.validation, row.test].map { $0.map(significant) ?? "—" })
        }
        let widths = header.indices.map { column in lines.map { $0[column].count }.max()! }
        for line in lines {
            print(
                line.enumerated().map { column, cell in
                    column == 0
                        ? cell.padding(toLength: widths[0], withPad: " ", startingAt: 0)
                        : String(repeating: " ", count: widths[column] - cell.count) + cell
                }.joined(separator: "   "))
        }
        for row in rows {
            guard let best = row.best, best.epoch != row.epochs else { continue }
            print(
                "\(row.model.uppercased()): validation loss lowest at epoch \(best.epoch) of \(row.epochs), "
                    + "\(significant(best.loss)); the row is after epoch \(row.epochs)")
        }
        // A series' baselines are rows of the table; any other job's, lines below it.
        for (key, value) in baseline.sorted(by: { $0.key < $1.key })
        where seriesBaselines == nil && (key.hasSuffix(measure) || !key.contains("_\(measure)") && baseline.count <= 2)
        {
            print("baseline, \(key.replacingOccurrences(of: "_", with: " ")): \(significant(value))")
        }
        if let losing { print(losing) }
        if !written.isEmpty { print("plots: \(written.joined(separator: ", "))") }
    }

    /// The figure a table row shows: the first of RMSE, accuracy, bits per
    /// character, MSE, cross-entropy that the job reports.
    static func primaryMetric(_ metrics: [String: Double]) -> String? {
        let preferred = [
            "rmse", "accuracy", "bits_per_character", "mse", "cross_entropy", "binary_cross_entropy",
        ]
        for name in preferred where metrics["validation_" + name] != nil { return "validation_" + name }
        return metrics.keys.filter { $0.hasPrefix("validation_") }.sorted().first
    }

    /// A series job's baselines, with `--season` or the season its time
    /// column implies; nil for any other job, where `--season` is refused.
    private func baselines(of job: any TrainingJob) throws -> CompareBaselines? {
        if let series = job as? SeriesJob, series.many != nil {
            throw usageFailure(
                "compare trains on one series; for many (--id-column, --series-columns) use train, then evaluate or backtest")
        }
        guard let series = job as? SeriesJob else {
            if season != nil {
                throw usageFailure("--season applies to a series (--csv or --task mackey-glass|sine)")
            }
            return nil
        }
        let rows = series.data.train.rows.count
        if let season, season >= rows {
            throw usageFailure(
                "--season \(season): the training part holds only \(rows) rows; a season must be shorter")
        }
        return CompareBaselines(season: season ?? series.data.series.times.flatMap { TimeStamp.season(ofTimes: $0) })
    }

    private func writePlots(
        _ rows: [Row], _ histories: [(String, [EpochSummary])], measure: String, loss: LossMeaning,
        baselines: [String: Double], baselineBars: [(name: String, validation: Double?, test: Double?)]
    ) throws -> [String] {
        guard let plots else { return [] }
        let folder = URL(fileURLWithPath: plots)
        func shown(_ url: URL) -> String { (plots.hasSuffix("/") ? plots : plots + "/") + url.lastPathComponent }
        var written: [String] = []
        let measured = rows.first?.validation != nil
        let chart = comparisonChart(
            models: rows.map(\.model), validation: rows.map { $0.validation ?? $0.validationLoss },
            test: rows.allSatisfy { $0.test != nil } ? rows.map { $0.test! } : nil,
            measure: measured ? measure : "validation_loss", baselines: measured ? baselines : [:],
            baselineBars: measured ? baselineBars : [])
        let url = folder.appendingPathComponent("compare.svg")
        try chart.write(to: url)
        written.append(shown(url))
        for (name, history) in histories {
            let url = folder.appendingPathComponent("loss-\(name).svg")
            try lossPlot(history, meaning: loss, model: name).write(to: url)
            written.append(shown(url))
        }
        return written
    }
}

/// `value` to 4 significant digits (`0.001342`, `2.310e-05`): errors of very
/// different sizes side by side.
func significant(_ value: Double) -> String {
    guard value.isFinite, value != 0 else { return value == 0 ? "0" : "\(value)" }
    return abs(value) >= 1e-4 && abs(value) < 1e6 ? String(format: "%.4g", value) : String(format: "%.3e", value)
}

/// Parameter counts of the models `compare` builds, to match sizes: each
/// model's count is a quadratic a·H² + b·H + c in its hidden size H (every
/// weight matrix is H × something or H × H), so three models built at H = 1,
/// 2 and 3 — with the job's embedding, layers, directions, head, skip,
/// covariates, decoder and distribution, as `train` builds them — give it
/// exactly.
struct ParameterCount {
    /// Per model name, (a, b, c).
    private var coefficients: [String: (Int, Int, Int)] = [:]

    init(job: some TrainingJob, options: ModelOptions, models: [String]) throws {
        for model in Set(models + ["lstm"]) {
            let counts = try (1...3).map { h in try Self.built(model: model, hidden: h, job: job, options: options) }
            // Through (1, n₁), (2, n₂), (3, n₃): a = (n₃ − 2n₂ + n₁) / 2, b = n₂ − n₁ − 3a, c = n₁ − a − b.
            let a = (counts[2] - 2 * counts[1] + counts[0]) / 2
            let b = counts[1] - counts[0] - 3 * a
            coefficients[model] = (a, b, counts[0] - a - b)
        }
    }

    /// The parameters of `model` as `train` builds it for the job at hidden size `h`.
    static func built(model: String, hidden h: Int, job: some TrainingJob, options: ModelOptions) throws -> Int {
        var generator = RandomGenerator(seed: 0)
        if model == "mlp" {
            return try WindowMLP(
                input: job.input, steps: job.train.steps, hiddenSizes: [h, h], outputSize: job.outputSize,
                generator: &generator
            ).parameterCount
        }
        var sized = options
        sized.model = model
        sized.hidden = h
        let quiet = try ProgressOptions.parse(["--quiet"])
        return try TrainingLoop(options: sized, progress: quiet).makeModel(for: job, generator: &generator).parameterCount
    }

    func count(model: String, hidden h: Int) -> Int {
        guard let (a, b, c) = coefficients[model] else { return 0 }
        return (a * h + b) * h + c
    }

    /// The hidden size whose count is nearest `goal`.
    func nearest(model: String, to goal: Int) -> Int {
        var best = 1
        for h in 1...4096 {
            let c = count(model: model, hidden: h)
            if abs(c - goal) < abs(count(model: model, hidden: best) - goal) { best = h }
            if c > goal { break }
        }
        return best
    }
}
