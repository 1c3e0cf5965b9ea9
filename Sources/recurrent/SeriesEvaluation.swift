import Recurrent

/// A ``ForecastComparison`` as `evaluate` and `backtest` print it: a table of
/// the model beside every baseline, the errors per horizon step, a line when
/// the model loses, and the same figures by name for `--json`.
struct SeriesEvaluation {
    let comparison: ForecastComparison
    var windows: Int { comparison.windows }

    /// With several targets, each one's errors in its own units (columns j·K + k of [N, h·K]).
    let perTarget: [(String, ForecastErrors)]
    /// A probabilistic model's pinball loss, CRPS estimate and intervals, or nil.
    var quantiles: QuantileErrors?
    /// Each baseline's errors at every horizon step (a backtest's), or none.
    var baselinesPerStep: [(baseline: ForecastBaseline, errors: [ForecastErrors])] = []

    init(data: SeriesDataset, part: SeriesPart, prediction: Tensor, season: Int?) throws {
        try self.init(
            comparison: ForecastComparison(data: data, part: part, prediction: prediction, season: season),
            prediction: prediction, truth: data[part].targetsInOriginalUnits, options: data.options)
    }

    /// Figures measured elsewhere (a backtest's), with `prediction` and
    /// `truth` [N, h·K] for the errors by target.
    init(comparison: ForecastComparison, prediction: Tensor, truth: Tensor, options: SeriesOptions) throws {
        self.comparison = comparison
        let k = options.targets.count
        perTarget =
            k == 1
            ? []
            : try options.targets.enumerated().map { index, name in
                let columns = (0..<options.horizon).map { $0 * k + index }
                func pick(_ t: Tensor) -> Tensor {
                    Tensor(
                        shape: [t.shape[0], columns.count],
                        scalars: (0..<t.shape[0]).flatMap { row in columns.map { t[row, $0] } })
                }
                return (name, try ForecastErrors(prediction: pick(prediction), truth: pick(truth)))
            }
    }

    /// The figures by name: `test_rmse`, `persistence_test_rmse`,
    /// `seasonal_naive_test_mase`, `test_rmse_h1`, ….
    var figures: [String: Double] {
        var figures: [String: Double] = ["test_windows": Double(windows)]
        if let season = comparison.season { figures["season"] = Double(season) }
        figures.merge(Self.figures(comparison.model, part: "test")) { a, _ in a }
        for (baseline, e) in comparison.baselines {
            figures.merge(Self.figures(e, of: baseline, part: "test")) { a, _ in a }
        }
        for (target, e) in perTarget {
            figures["test_rmse_\(target)"] = e.rmse
            figures["test_mae_\(target)"] = e.mae
        }
        if let quantiles { figures.merge(quantiles.figures(part: "test")) { a, _ in a } }
        for (j, e) in comparison.modelPerStep.enumerated() {
            figures["test_rmse_h\(j + 1)"] = e.rmse
            figures["test_mae_h\(j + 1)"] = e.mae
            if let mase = e.mase { figures["test_mase_h\(j + 1)"] = mase }
        }
        for (baseline, steps) in baselinesPerStep {
            let name = baseline.figureName
            for (j, e) in steps.enumerated() {
                figures["\(name)_test_rmse_h\(j + 1)"] = e.rmse
                figures["\(name)_test_mae_h\(j + 1)"] = e.mae
                if let mase = e.mase { figures["\(name)_test_mase_h\(j + 1)"] = mase }
            }
        }
        return figures
    }

    /// One forecaster's errors on `part` by name: `test_rmse`, `test_mae`,
    /// `test_mape`, `test_smape`, `test_mase` for the model, the same after
    /// the baseline's ``ForecastBaseline/figureName`` for a baseline
    /// (`seasonal_naive_test_rmse`); the undefined ones left out.
    static func figures(_ e: ForecastErrors, of baseline: ForecastBaseline? = nil, part: String) -> [String: Double] {
        let name = baseline.map { $0.figureName + "_" } ?? ""
        var figures = [name + part + "_rmse": e.rmse, name + part + "_mae": e.mae]
        if let mape = e.mape { figures[name + part + "_mape"] = mape }
        if let smape = e.smape { figures[name + part + "_smape"] = smape }
        if let mase = e.mase { figures[name + part + "_mase"] = mase }
        return figures
    }

    /// A baseline as the tables name it: `seasonal(24)` for the seasonal naive of season 24.
    static func name(_ baseline: ForecastBaseline, season: Int?) -> String {
        baseline == .seasonalNaive ? "seasonal(\(season ?? 1))" : baseline.rawValue
    }

    private func name(_ baseline: ForecastBaseline) -> String { Self.name(baseline, season: comparison.season) }

    /// The printed table.
    var lines: [String] {
        func cell(_ value: Double?) -> String { value.map { format(Float($0), 10) } ?? "         —" }
        func row(_ name: String, _ e: ForecastErrors) -> String {
            name.padding(toLength: 14, withPad: " ", startingAt: 0)
                + [e.rmse, e.mae, e.mape, e.smape, e.mase].map(cell).joined(separator: "   ")
        }
        var lines = ["forecast            RMSE          MAE       MAPE %      sMAPE %         MASE"]
        lines.append(row("model", comparison.model))
        for (baseline, errors) in comparison.baselines { lines.append(row(name(baseline), errors)) }
        let season = comparison.season.map { "seasonal-naive error, season \($0)" } ?? "naive error"
        lines.append("MASE is scaled by the training part's in-sample \(season)")
        if !perTarget.isEmpty {
            lines.append("model, by target (in each column's units; the rows above pool them)")
            for (target, e) in perTarget { lines.append(row("  " + target, e)) }
        }
        if comparison.modelPerStep.count > 1 {
            lines.append("model, by horizon step")
            for (j, e) in comparison.modelPerStep.enumerated() { lines.append(row("  h=\(j + 1)", e)) }
        }
        if !baselinesPerStep.isEmpty {
            let names = ["model"] + baselinesPerStep.map { name($0.baseline) }
            lines.append(
                "RMSE by horizon step".padding(toLength: 20, withPad: " ", startingAt: 0)
                    + names.map { String(repeating: " ", count: max(0, 13 - $0.count)) + $0 }.joined())
            for (j, e) in comparison.modelPerStep.enumerated() {
                let cells = [e.rmse] + baselinesPerStep.map { $0.errors[j].rmse }
                lines.append(
                    "  h=\(j + 1)".padding(toLength: 20, withPad: " ", startingAt: 0)
                        + cells.map { format(Float($0), 13) }.joined())
            }
        }
        if let quantiles {
            lines.append("model, probabilistic (in the series' units)")
            lines += quantiles.lines(prefix: "  ", values: "test values")
        }
        if comparison.modelLoses, let best = comparison.bestBaseline {
            lines.append(
                "the model loses to the \(best.baseline.rawValue) baseline: RMSE \(format(Float(comparison.model.rmse))) "
                    + "against \(format(Float(best.errors.rmse)))")
        }
        return lines
    }
}

extension ForecastBaseline {
    /// The baseline in figure names: `seasonal_naive`, `linear_ar`.
    var figureName: String { rawValue.replacingOccurrences(of: "-", with: "_") }
}
