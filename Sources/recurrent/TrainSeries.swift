import ArgumentParser
import Foundation
import Recurrent

/// Options of `recurrent train` for a numeric series (`--csv`, or `--task mackey-glass|sine`).
struct SeriesDataOptions: ParsableArguments {
    @Option(
        parsing: .unconditional,
        help: "The column(s) to forecast, separated by commas (required with --csv; \"value\" with a generated series)."
    )
    var target: String?

    @Option(
        parsing: .unconditional,
        help:
            "Comma-separated columns read at each step: of a series (default: the target alone), or of long-form sequences (with --id-column; default: every other column)."
    )
    var features: String?

    @Option(
        help:
            "A time column, not read as a feature: the forecast plot's axis, and with ISO 8601 dates compare's season (hourly 24, daily 7, …)."
    )
    var time: String?

    @Option(
        help:
            "What to do with an empty or NA cell: stop with an error naming it, drop its row, carry the last value forward, or interpolate."
    )
    var missing: MissingValuePolicy = .error

    @Option(parsing: .unconditional, help: "Steps forecast at once after each window (≥ 1).")
    var horizon = 1

    @Option(parsing: .unconditional, help: "Rows between the ends of consecutive windows (≥ 1).")
    var stride = 1

    @Option(
        help:
            "Training and validation fractions of the rows, in time order; the rest is the test part. For --sequences, of the sequences shuffled with --seed, and summing to 1 leaves no test part."
    )
    var split = "0.7,0.15"

    @Option(
        help:
            "How every column (or numeric feature of --sequences, long-form CSV or safetensors alike) is scaled, with statistics of the training part."
    )
    var scaling: Normalization.Method = .zScore

    @Flag(
        inversion: .prefixedNo,
        help:
            "A linear skip beside a recurrent model's head (LSTNet's highway): output = head(h_last) + W·(last --skip-steps steps of the window, flattened) + b, W and b starting at zero. On by default for a recurrent forecaster (measured on real series: README), off for the MLP."
    )
    var skip: Bool?

    @Option(parsing: .unconditional, help: "Window steps the skip reads (1…--window; default: the whole window).")
    var skipSteps: Int?

    @Option(
        help:
            "Where the skip's W and b start: zero, or ridge (the ridge regression on the training windows in the frame the skip works in, RevIN's under --revin, λ chosen on the validation part; not with --future-features or --calendar)."
    )
    var skipStart: String = "zero"

    @Option(
        help: ArgumentHelp(
            "How a recurrent model reads the --horizon steps off its outputs.",
            discussion:
                "direct: the last state through one dense layer to all horizon·targets outputs. per-step: the last --horizon outputs of the recurrent stack, each through one dense layer shared by every step (steps before the window's start read zeros). encoder-decoder: the encoder's final state (h, and c for the LSTM) starts a decoder layer of the same cell and --hidden run over the --horizon future steps, reading the known-future covariates (--future-features, --calendar) at each step, or the constant 1 without them; each decoder output through one shared dense layer. With known-future covariates the direct head also reads them all beside the last state, and the per-step head each step's beside its output."
        ))
    var head: ForecastHeadKind = .direct

    @Option(
        help: ArgumentHelp(
            "Calendar features from --time's ISO 8601 dates, as sin/cos pairs: auto, none, or some of hour,weekday,yearday,month.",
            discussion:
                "auto takes the cycles that vary at the column's frequency (hourly: hour,weekday; daily: weekday,yearday; weekly: yearday; monthly or quarterly: month; none for yearly data or a column of numbers). The fields are those of the clock as written (23:30+02:00 is 23:30). The pairs are features of the window and, for a recurrent model, known-future covariates of the forecast steps: `forecast` continues the time column at its frequency."
        ))
    var calendar = "none"

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Comma-separated columns known in advance for the forecast steps (a holiday flag, a planned price); recurrent models only.",
            discussion:
                "Each is also a feature of the window. The model reads their values at the --horizon target rows; `forecast` reads them from --future FILE."
        ))
    var futureFeatures: String?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "A wide file of many series: these columns, separated by commas, each one series (called by its column's name) sharing --time; one global model over all of them.",
            discussion:
                "Each column is the target in turn, read as the single feature `value`; not with --target, --features or --id-column. A long-form file (one row per series and step) takes --id-column instead."
        ))
    var seriesColumns: String?

    @Option(
        help:
            "With many series (--id-column, --series-columns): onehot appends one 0/1 column per series to every input step (a learned series embedding through the first layer's input weights; RevIN and the skip read the data's columns only), none reads every series alike."
    )
    var seriesEmbedding: SeriesEmbedding?

    /// `--series-columns`, split at commas (empty when not given).
    var seriesColumnList: [String] {
        seriesColumns.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) } ?? []
    }

    /// `--future-features`, split at commas (empty when not given).
    var futureFeatureList: [String] {
        futureFeatures.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) } ?? []
    }

    /// `--calendar` read: nil for auto, the cycles otherwise (checked by ``validateSeries(generated:)``).
    var calendarChoice: [CalendarFeature]? {
        calendar == "auto" ? nil : (try? CalendarFeature.parseList(calendar)) ?? []
    }

    @Flag(
        inversion: .prefixedNo,
        help:
            "Reversible instance normalisation (RevIN): the network reads each window standardised by its own mean and deviation per column, and the forecast is scaled back with the target's. On by default for a recurrent forecaster whose targets are among --features (measured on real series: README), off for the MLP."
    )
    var revin: Bool?

    @Flag(
        inversion: .prefixedNo,
        help:
            "RevIN's learned level: the forecast adds back (1 + a)·μ + b of the window's mean μ instead of μ, a and b learned, so it can move back towards the series' long-run level. By default chosen per series by two ridge regressions on the training windows, with and without μ, scored on the validation part (train prints which and why)."
    )
    var revinLevel: Bool?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Probabilistic forecasts: quantile levels in (0, 1), strictly increasing, separated by commas (such as 0.1,0.5,0.9).",
            discussion:
                "The model gives each level of every step and target, trained by the pinball loss averaged over levels and steps; the levels never cross (the one nearest 0.5 plus softplus steps up and down). With --likelihood gaussian, the levels reported from the normal's quantiles. Recurrent models only."
        ))
    var quantiles: String?

    @Option(
        help:
            "pinball: quantile regression at --quantiles (default 0.1,0.5,0.9). gaussian: a mean and a softplus standard deviation per step and target, trained by the negative log-likelihood, reported at --quantiles."
    )
    var likelihood: ForecastLikelihood?

    @Flag(
        inversion: .prefixedNo,
        help:
            "After training, scale the distance of every level from the point forecast by the factor k (0.25…4) that minimises the validation part's pinball loss, so that the intervals fit data the model was not trained on (k is kept in the model file). Off by default: on the benchmark series (README) the validation part was too short to calibrate the test part's intervals."
    )
    var calibrate = false

    /// `--split` as fractions (checked by ``validateSeries(generated:)``).
    var splitFractions: SplitFractions {
        let parts = split.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2 else { return SplitFractions() }
        return SplitFractions(train: parts[0], validation: parts[1], test: 1 - parts[0] - parts[1])
    }

    /// The columns to forecast: `--target`, split at commas.
    var targetList: [String] {
        (target ?? "value").split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    }

    var featureList: [String] {
        features.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) } ?? targetList
    }

    func validateSeries(generated: Bool) throws {
        if generated {
            if let target, target != "value" {
                throw ValidationError("--target: a generated series has one column, \"value\", not '\(target)'")
            }
            if let features, features != "value" {
                throw ValidationError("--features: a generated series has one column, \"value\", not '\(features)'")
            }
        }
        if target != nil, targetList.contains("") || Set(targetList).count != targetList.count {
            throw ValidationError("--target must name distinct columns separated by commas, got '\(target!)'")
        }
        if featureList.contains("") || Set(featureList).count != featureList.count {
            throw ValidationError(
                "--features must be distinct column names separated by commas, got '\(features ?? "")'")
        }
        guard horizon >= 1 else { throw ValidationError("--horizon must be at least 1, got \(horizon)") }
        if let time, featureList.contains(time) || targetList.contains(time) {
            throw ValidationError("--time \(time) is the time column; it cannot also be a feature or a target")
        }
        guard ["zero", "ridge"].contains(skipStart) else {
            throw ValidationError("--skip-start must be zero or ridge, got '\(skipStart)'")
        }
        if skipStart == "ridge", skip == false {
            throw ValidationError("--skip-start ridge needs the skip, which --no-skip turns off")
        }
        if let skipSteps {
            guard skip != false else { throw ValidationError("--skip-steps needs the skip, which --no-skip turns off") }
            guard skipSteps >= 1 else { throw ValidationError("--skip-steps must be at least 1, got \(skipSteps)") }
        }
        guard stride >= 1 else { throw ValidationError("--stride must be at least 1, got \(stride)") }
        do { _ = try CalendarFeature.parseList(calendar) } catch let error as RecurrentError {
            throw ValidationError("--calendar: \(error)")
        }
        if calendar != "none", time == nil {
            throw ValidationError("--calendar \(calendar) reads the dates of a time column: give it with --time")
        }
        if futureFeatures != nil,
            futureFeatureList.contains("") || Set(futureFeatureList).count != futureFeatureList.count
        {
            throw ValidationError("--future-features must name distinct columns separated by commas, got '\(futureFeatures!)'")
        }
        if let time, futureFeatureList.contains(time) {
            throw ValidationError("--time \(time) is the time column; it cannot also be a future feature")
        }
        if generated, calendar != "none" || futureFeatures != nil {
            throw ValidationError("--calendar and --future-features read columns of a --csv file, not a generated series")
        }
        _ = try quantileLevels()
        let parts = split.split(separator: ",", omittingEmptySubsequences: false).map {
            Double($0.trimmingCharacters(in: .whitespaces))
        }
        guard parts.count == 2, let train = parts[0], let validation = parts[1], train > 0, validation > 0,
            train + validation < 1
        else {
            throw ValidationError(
                "--split must be two fractions TRAIN,VALIDATION, each > 0, summing to less than 1, got '\(split)'")
        }
    }
}

/// Forecasting a numeric series: windows of `window` rows, each forecasting
/// the `horizon` rows after it, through the last step and a dense head, on
/// the mean squared error of z-scored values.
struct SeriesJob: TrainingJob {
    let data: SeriesDataset
    let options: SeriesOptions
    let missing: MissingValuePolicy
    let source: String
    let train: SequenceBatch
    let validation: SequenceBatch
    /// The generated series this data came from, if any: kept in the model file.
    var generated: GeneratedSeriesSpec?
    /// p of the model's ``LinearSkip`` (`--skip`), or nil for none.
    var skipSteps: Int?
    /// S of a per-step head (`--head per-step`: the horizon), else 1.
    var headSteps = 1
    /// The input column each output is scaled back with under `--revin`, or nil without it.
    var instanceNormalizationChannels: [Int]?
    /// Whether RevIN learns the level it adds back (`--revin-level`, or chosen by ``levelChoice``).
    var instanceNormalizationLevelPath = false
    /// The ridge regressions that chose ``instanceNormalizationLevelPath``, or nil when an option forced it.
    var levelChoice: RevINLevelChoice?
    /// Why the level path was not chosen by ``levelChoice``: the option that forced it, or the reason.
    var levelNote: String?
    /// The one-hot columns after the features (`--series-embedding onehot`), which RevIN and the skip leave alone.
    var identityColumns = 0
    /// Whether the skip starts at the ridge regression (`--skip-start ridge`).
    var skipRidgeStart = false
    /// The `--time` column's name, or nil: the forecast plot's time axis.
    let timeColumn: String?
    /// The probabilistic output (`--quantiles`, `--likelihood`), or nil for a point forecast.
    var distribution: ForecastDistribution?
    /// Whether the levels' spread is fitted on the validation part after training (`--calibrate`).
    var calibrate = false
    /// How the run trains, kept in the model file so that `backtest --refit` trains the same way.
    var training = SeriesTrainingOptions()
    /// Whether the horizon is decoded by a decoder layer (`--head encoder-decoder`).
    var encoderDecoder = false
    /// Every series of a global model (`--id-column`, `--series-columns`), or nil for
    /// one series; ``data`` is then the first series'.
    var many: ManySeriesDataset?
    /// What the model file records of the series, beside ``many``.
    var manyRecord: ManySeriesRecord?

    /// The known-future columns' positions among the features, for h steps;
    /// nil without them (unless an encoder–decoder needs the steps alone).
    var futureCovariates: FutureCovariates? {
        let indices = options.knownFutureColumns.map { options.features.firstIndex(of: $0)! }
        guard !indices.isEmpty || encoderDecoder else { return nil }
        return try? FutureCovariates(steps: options.horizon, featureIndices: indices)
    }

    /// Series data from a CSV file's columns or a generated series.
    init(
        series: NumericColumns, source: String, window: Int, options series_: SeriesDataOptions,
        calendar: [CalendarFeature] = []
    ) throws {
        let options = Self.seriesOptions(window: window, options: series_, calendar: calendar)
        let rows = series.rowCount
        let trainRows = Int((options.split.train * Double(rows)).rounded())
        guard window + options.horizon <= trainRows else {
            throw RecurrentError.invalidArgument(
                name: "--window", value: "\(window)",
                reason: "with --horizon \(options.horizon) a window spans \(window + options.horizon) rows, but "
                    + "\(source) has \(rows) rows, \(trainRows) of them for training (--split \(series_.split))")
        }
        let testRows = rows - Int(((options.split.train + options.split.validation) * Double(rows)).rounded())
        guard options.horizon <= min(testRows, rows - trainRows - testRows) else {
            throw RecurrentError.invalidArgument(
                name: "--horizon", value: "\(options.horizon)",
                reason:
                    "\(source) has \(rows) rows, too few to hold \(options.horizon) rows in each of validation and test"
            )
        }
        try MemoryCheck.seriesWindows(
            rows: rows, window: window, horizon: options.horizon, stride: options.stride,
            features: options.features.count, targets: options.targets.count
        ).check()
        let data = try SeriesDataset(series, options: options)
        let (train, validation) = (data.train.batch, data.validation.batch)
        guard train.count > 0, validation.count > 0 else {
            throw RecurrentError.invalidArgument(
                name: "--window", value: "\(window)", reason: "leaves no training or validation window")
        }
        self.data = data
        self.options = options
        self.missing = series_.missing
        self.source = source
        self.timeColumn = series_.time
        self.train = train
        self.validation = validation
    }

    /// The windows' options from the command line's.
    static func seriesOptions(window: Int, options series_: SeriesDataOptions, calendar: [CalendarFeature]) -> SeriesOptions {
        var features = series_.featureList
        for name in series_.futureFeatureList + calendar.flatMap(\.columnNames) where !features.contains(name) {
            features.append(name)
        }
        var options = SeriesOptions(
            features: features, targets: series_.targetList, window: window, horizon: series_.horizon,
            stride: series_.stride, split: series_.splitFractions, normalization: series_.scaling)
        options.calendar = calendar
        options.futureFeatures = series_.futureFeatureList
        return options
    }

    var description: String {
        let data =
            many.map(manyDescription)
            ?? "\(source): \(data.train.count) training, \(data.validation.count) validation and \(data.test.count) test "
            + "windows of \(options.window) steps, forecasting \(options.targets.joined(separator: ", ")) "
            + "\(options.horizon) step(s) ahead"
        return normalizationLine.map { data + "\n" + $0 } ?? data
    }

    /// Which normalisation RevIN runs with and why, in one line; nil without RevIN.
    var normalizationLine: String? {
        guard instanceNormalizationChannels != nil else { return nil }
        let kind = instanceNormalizationLevelPath ? "RevIN with a learned level" : "RevIN"
        guard let choice = levelChoice else { return "normalisation: \(kind) (\(levelNote ?? "given"))" }
        let (chosen, other) = choice.levelPath ? (choice.levelError, choice.revinError) : (choice.revinError, choice.levelError)
        return "normalisation: \(kind), chosen by ridge regressions on the windows: validation MSE "
            + String(format: "%.4g against %.4g ", chosen, other) + "\(choice.levelPath ? "without" : "with") the learned level"
    }
    var input: SequenceInput { .features(many?.inputSize ?? options.features.count) }
    var outputSize: Int { options.horizon * options.targets.count * (distribution?.parametersPerOutput ?? 1) }
    var pooling: SequencePooling { .last }
    var loss: Loss { distribution?.loss ?? .meanSquaredError }
    var lossMeaning: LossMeaning {
        guard distribution != nil else { return .meanSquaredError(of: options.targets, scaling: options.normalization) }
        return LossMeaning(
            description: "\(loss) of the scaled \(options.targets.joined(separator: ", "))", axis: PlotAxis("loss", unit: "\(loss)"))
    }

    /// With a distribution and `--calibrate`: the spread k whose levels have the least pinball loss
    /// on the validation windows (in the scaled units the model was trained in).
    func finished(_ model: TrainedModel) throws -> TrainedModel {
        guard calibrate, let network = model.sequenceModel, let distribution = network.distribution else { return model }
        let parameters = try network(validation.input, lengths: validation.lengths)
        let k = distribution.calibratedSpread(parameters: parameters, truth: validation.targets)
        return .recurrent(try network.withSpread(k))
    }

    func summary(of model: TrainedModel) throws -> JobSummary {
        try summary(of: model, part: .validation)
    }

    func testSummary(of model: TrainedModel) throws -> JobSummary? {
        (many?.test.count ?? data.test.count) == 0 ? nil : try summary(of: model, part: .test)
    }

    /// RMSE and MAE on one part's windows, in the series' units, beside persistence.
    private func summary(of model: TrainedModel, part: SeriesPart) throws -> JobSummary {
        if let many { return try manySummary(of: model, part: part, many) }
        let windows = data[part]
        let prediction = try data.targetsInOriginalUnits(try model(windows.modelInput))
        let truth = windows.targetsInOriginalUnits
        let errors = try ForecastErrors(prediction: prediction, truth: truth)
        let naive = try ForecastErrors(prediction: data.persistenceForecast(for: part), truth: truth)
        let name = part.rawValue
        let quantiles = try QuantileReport(network: model, data: data, part: part)
        return JobSummary(
            lines: [
                "\(name) RMSE \(format(Float(errors.rmse))) (persistence \(format(Float(naive.rmse)))), "
                    + "MAE \(format(Float(errors.mae))) (persistence \(format(Float(naive.mae)))), "
                    + "\(windows.count) windows"
            ] + (quantiles?.lines(part: name) ?? []),
            metrics: [
                "\(name)_rmse": errors.rmse, "\(name)_mae": errors.mae,
                "persistence_\(name)_rmse": naive.rmse, "persistence_\(name)_mae": naive.mae,
            ].merging(quantiles?.figures(part: name) ?? [:]) { a, _ in a })
    }

    /// The target column over every row, beside the model's one-step-ahead
    /// forecasts of the validation and test windows, with the parts' boundaries.
    func plots(of model: TrainedModel) throws -> [(String, any SVGPlot)] {
        if let many { return try manyPlots(of: model, many) }
        let target = options.targets[0]
        guard let truth = data.series.values(of: target) else { return [] }
        var lines = [LineSeries(name: "\(target) (truth)", x: (0..<truth.count).map(Double.init), y: truth)]
        let k = options.targets.count
        var bands: [LineBand] = []
        for part in [data.validation, data.test] where part.count > 0 {
            let prediction = try data.targetsInOriginalUnits(try model(part.modelInput))
            let x = part.endRows.map { Double($0 + 1) }
            if let report = try QuantileReport(network: model, data: data, part: part.part),
                let band = report.firstStepBand(targets: k, horizon: options.horizon),
                let interval = report.errors.intervals.first
            {
                bands.append(
                    LineBand(
                        name: "\(part.part.rawValue) \(Int((100 * interval.nominal).rounded()))% interval",
                        x: x, lower: band.lower, upper: band.upper, seriesIndex: lines.count))
            }
            lines.append(
                LineSeries(
                    name: "\(part.part.rawValue) forecast", x: x,
                    y: (0..<part.count).map { Double(prediction.scalars[$0 * options.horizon * k]) }, dashed: true))
        }
        var plot = LinePlot(
            title:
                "\(target): truth and the model's forecasts (\(options.horizon == 1 ? "one step" : "first of \(options.horizon) steps") ahead)",
            xAxis: PlotAxis("row"), yAxis: PlotAxis(target), series: lines, bands: bands,
            markers: [
                VerticalMarker(x: 0, label: "training"),
                VerticalMarker(x: Double(data.validation.rows.lowerBound), label: "validation"),
                VerticalMarker(x: Double(data.test.rows.lowerBound), label: "test"),
            ])
        if let name = timeColumn, let cells = data.series.times {
            // The file's own time stamps at round boundaries (midnights, Mondays, months), as many as fit.
            let times = cells.map { $0.trimmingCharacters(in: .whitespaces) }
            let rows = TimeStamp.tickRows(ofTimes: times, count: plot.horizontalTickCapacity(labels: times))
            plot.xAxis = PlotAxis(name, ticks: rows.map { AxisTick(value: Double($0), label: times[$0]) })
        }
        return [("forecast.svg", plot)]
    }

    /// `--revin`'s channel per output: output (j·K + k)·m + i (step j, target k,
    /// m outputs per target and step) is scaled back with target k's column among the features.
    func revinChannels() throws -> [Int] {
        let columns = try options.targets.map { target in
            guard let column = options.features.firstIndex(of: target) else {
                throw RecurrentError.invalidArgument(
                    name: "--revin", value: "on",
                    reason: "scales each forecast back with its target's window statistics: add \(target) to --features")
            }
            return column
        }
        let perTarget = outputSize / (options.horizon * columns.count)
        return (0..<outputSize).map { columns[($0 / perTarget) % columns.count] }
    }

    func write(_ model: TrainedModel, metadata: [String: String], to url: URL) throws {
        var keys = metadata
        if let generated {
            keys["generated_series"] = try metadataJSON(generated)
        } else {  // the file `backtest` reads by default
            keys["training_csv"] = URL(fileURLWithPath: source).standardizedFileURL.path
        }
        if let timeColumn { keys["time_column"] = timeColumn }
        if let levelChoice { keys["revin_level_choice"] = try metadataJSON(levelChoice) }
        var file = ForecastModelFile(
            network: model, options: options, normalization: data.normalization, missing: missing, training: training,
            metadata: keys)
        file.task.manySeries = manyRecord
        try file.write(to: url)
    }
}

/// `--head`: how a recurrent forecaster reads its horizon off the recurrent outputs.
enum ForecastHeadKind: String, ExpressibleByArgument, CaseIterable {
    /// The last state through one dense layer to h·K outputs.
    case direct
    /// The last h outputs, each through one shared dense layer to K (``SequenceHead/steps``).
    case perStep = "per-step"
    /// A decoder layer over the h future steps from the encoder's final state (``SequenceModel/decoder``).
    case encoderDecoder = "encoder-decoder"
}
