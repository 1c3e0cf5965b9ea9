import Foundation
import Recurrent

/// `compare.svg`: each model's error on the validation (and test) part as
/// bars, on a log axis when the errors span more than a factor of 30, with
/// the baselines the models must beat: for a series, a bar group per
/// baseline after the models' (persistence, seasonal naive, drift, the
/// ridge regression) and a dashed line at the best baseline of each part;
/// for other data, the job's baselines as labelled dashed lines.
///
/// - Parameters:
///   - models: the models' names, one per bar group.
///   - validation: each model's validation figure.
///   - test: each model's test figure, or nil when the job keeps no test part.
///   - measure: the figure's metric name (`rmse`, `accuracy`, …), for the axis.
///   - baselines: the job's baseline figures by name (`persistence_validation_rmse`, …),
///     drawn as lines when `baselineBars` is empty.
///   - baselineBars: a series' baselines, each named as the tables name it
///     (`seasonal(24)`) with its figure on each part (nil where it has none).
func comparisonChart(
    models: [String], validation: [Double], test: [Double]?, measure: String, baselines: [String: Double],
    baselineBars: [(name: String, validation: Double?, test: Double?)] = []
) -> BarChart {
    var series = [BarSeries(name: "validation", values: validation + baselineBars.map { $0.validation ?? .nan })]
    if let test { series.append(BarSeries(name: "test", values: test + baselineBars.map { $0.test ?? .nan })) }
    let references =
        baselineBars.isEmpty
        ? baselineReferences(baselines, measure: measure, test: test != nil)
        : bestBaselineReferences(baselineBars, test: test != nil)
    let values = (series.flatMap(\.values) + references.map(\.value)).filter { $0.isFinite }
    let spread = (values.max() ?? 1) / (values.min() ?? 1)
    let decades = values.allSatisfy { $0 > 0 } && spread > 30
    return BarChart(
        title: "Models compared on the same data: \(measureName(measure))",
        categories: models.map { $0.uppercased() } + baselineBars.map(\.name), series: series,
        categoryAxis: PlotAxis(baselineBars.isEmpty ? "model" : "model or baseline"),
        valueAxis: PlotAxis(measureName(measure), scale: decades ? .logarithmic : .linear), references: references)
}

/// A dashed line at the least figure among `bars` on each part, in that
/// part's colour: the baseline the models must beat there.
func bestBaselineReferences(
    _ bars: [(name: String, validation: Double?, test: Double?)], test: Bool
) -> [ReferenceLine] {
    var lines: [ReferenceLine] = []
    for (index, part) in ["validation", "test"].enumerated() where index == 0 || test {
        let figures = bars.compactMap { bar in (index == 0 ? bar.validation : bar.test).map { (bar.name, $0) } }
        guard let (name, value) = figures.filter({ $0.1.isFinite }).min(by: { $0.1 < $1.1 }) else { continue }
        let label = "best baseline, \(name) (\(part)): \(significant(value))"
        lines.append(ReferenceLine(value: value, label: label, series: index))
    }
    return lines
}

/// The baselines of `measure` as reference lines: one per part where the
/// job measures the baseline per part (persistence, majority class), in
/// that part's colour; one grey line where it has one figure (the unigram
/// entropy, the adding problem's constant answer).
func baselineReferences(_ baselines: [String: Double], measure: String, test: Bool) -> [ReferenceLine] {
    var lines: [ReferenceLine] = []
    for key in baselines.keys.sorted() {
        guard let value = baselines[key], value.isFinite else { continue }
        let matches = key.hasSuffix("_" + measure) || measure == "bits_per_character" && key == "unigram_entropy_bits"
        guard matches else { continue }
        var name = key.hasSuffix("_" + measure) ? String(key.dropLast(measure.count + 1)) : key
        var part: Int?
        for (index, word) in ["validation", "test"].enumerated() where name.hasSuffix("_" + word) {
            name = String(name.dropLast(word.count + 1))
            part = index
        }
        if part == 1 && !test { continue }
        let label =
            name.replacingOccurrences(of: "_", with: " ") + (part.map { [" (validation)", " (test)"][$0] } ?? "")
        lines.append(ReferenceLine(value: value, label: "\(label): \(significant(value))", series: part))
    }
    return lines.sorted { ($0.series ?? 2) < ($1.series ?? 2) }
}

/// `rmse` → `RMSE`, `bits_per_character` → `bits per character`.
private func measureName(_ measure: String) -> String {
    ["rmse", "mse", "mae"].contains(measure) ? measure.uppercased() : measure.replacingOccurrences(of: "_", with: " ")
}
