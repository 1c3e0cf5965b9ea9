import Recurrent

/// `compare`'s baselines of a series: each model's forecasts of the
/// validation and test parts beside persistence, seasonal naive, drift and
/// the ridge regression on the window, measured as `evaluate` measures them
/// (a ``ForecastComparison`` per part, its baselines computed with the first
/// model and kept for the others); the table's rows, the `--json` figures,
/// and the line when the best model loses.
struct CompareBaselines {
    /// The seasonal-naive baseline's season and MASE's, or nil for none.
    let season: Int?
    /// The parts measured (those with windows), validation first, each with
    /// the comparison its baselines come from.
    private(set) var parts: [(part: SeriesPart, comparison: ForecastComparison)] = []

    init(season: Int?) { self.season = season }

    /// Measures `model`'s forecasts of every part with windows beside the
    /// baselines (computed on the first call).
    ///
    /// - Returns: The model's figures by name, as `evaluate` names them
    ///   (`validation_rmse`, `test_mase`, …).
    mutating func measure(_ model: TrainedModel, data: SeriesDataset) throws -> [String: Double] {
        var figures: [String: Double] = [:]
        for part in [SeriesPart.validation, .test] where data[part].count > 0 {
            let prediction = try data.targetsInOriginalUnits(try model(data[part].modelInput))
            let comparison: ForecastComparison
            if let measured = parts.first(where: { $0.part == part }) {
                comparison = try measured.comparison.replacingModel(with: prediction, data: data, part: part)
            } else {
                comparison = try ForecastComparison(data: data, part: part, prediction: prediction, season: season)
                parts.append((part, comparison))
            }
            figures.merge(SeriesEvaluation.figures(comparison.model, part: part.rawValue)) { a, _ in a }
        }
        return figures
    }

    /// The baselines' figures by name, as `evaluate` names them
    /// (`persistence_validation_rmse`, `seasonal_naive_test_mase`, …).
    var figures: [String: Double] {
        var figures: [String: Double] = [:]
        for (part, comparison) in parts {
            for (baseline, errors) in comparison.baselines {
                figures.merge(SeriesEvaluation.figures(errors, of: baseline, part: part.rawValue)) { a, _ in a }
            }
        }
        return figures
    }

    /// One row per baseline, in the order of `ForecastBaseline.allCases`:
    /// its name in the tables (`seasonal(24)`) and its RMSE on each part,
    /// nil where it has none (a seasonal naive without a season of history).
    var rows: [(name: String, validation: Double?, test: Double?)] {
        ForecastBaseline.allCases.compactMap { baseline in
            func rmse(_ part: SeriesPart) -> Double? {
                parts.first { $0.part == part }?.comparison.baselines.first { $0.baseline == baseline }?.errors.rmse
            }
            let (validation, test) = (rmse(.validation), rmse(.test))
            guard validation != nil || test != nil else { return nil }
            return (SeriesEvaluation.name(baseline, season: season), validation, test)
        }
    }

    /// The part the models are judged on, the test part where it has
    /// windows (`evaluate`'s), else validation; and its baseline of least RMSE.
    var best: (part: SeriesPart, baseline: ForecastBaseline, rmse: Double)? {
        guard let (part, comparison) = parts.last, let best = comparison.bestBaseline else { return nil }
        return (part, best.baseline, best.errors.rmse)
    }

    /// One line when the best of `models` (name and RMSE on ``best``'s part)
    /// loses to the best baseline, as `evaluate` judges: the baseline's RMSE
    /// below the model's (a model whose RMSE is not finite loses). Nil when
    /// the best model wins or ties.
    func losingLine(models: [(name: String, rmse: Double)]) -> String? {
        guard let best,
            let model = models.min(by: { ($0.rmse.isNaN ? .infinity : $0.rmse) < ($1.rmse.isNaN ? .infinity : $1.rmse) }
            ),
            !(model.rmse <= best.rmse)
        else { return nil }
        let baseline = "the \(best.baseline.rawValue) baseline"
        let name = model.name.uppercased()
        return models.count == 1
            ? "the model, \(name), loses to \(baseline): \(best.part.rawValue) RMSE \(significant(model.rmse)) "
                + "against \(significant(best.rmse))"
            : "every model loses to \(baseline) (\(best.part.rawValue) RMSE \(significant(best.rmse))): "
                + "the best, \(name), has \(significant(model.rmse))"
    }
}
