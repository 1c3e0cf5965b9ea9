import ArgumentParser
import Foundation
import Recurrent

/// `--likelihood`: how a probabilistic forecaster is trained.
enum ForecastLikelihood: String, ExpressibleByArgument, CaseIterable {
    /// Quantile regression at `--quantiles`, by the pinball loss.
    case pinball
    /// A normal mean and deviation per output, by the negative log-likelihood; reported at `--quantiles`.
    case gaussian
}

extension SeriesDataOptions {
    /// The levels of `--quantiles` when only `--likelihood` is given.
    static let defaultQuantiles: [Float] = [0.1, 0.5, 0.9]

    /// `--quantiles` as numbers (nil when not given), checked: each in (0, 1), strictly increasing.
    func quantileLevels() throws -> [Float]? {
        guard let quantiles else { return nil }
        let parts = quantiles.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        let levels = parts.map { Float($0) }
        guard levels.allSatisfy({ $0 != nil }) else {
            throw ValidationError("--quantiles must be numbers separated by commas, such as 0.1,0.5,0.9, got '\(quantiles)'")
        }
        let values = levels.map { $0! }
        if let bad = values.first(where: { !($0 > 0 && $0 < 1) }) {
            throw ValidationError("--quantiles: each level must lie inside (0, 1), got \(bad) in '\(quantiles)'")
        }
        for i in values.indices.dropFirst() where values[i] <= values[i - 1] {
            throw ValidationError(
                values[i] == values[i - 1]
                    ? "--quantiles names \(values[i]) twice in '\(quantiles)'"
                    : "--quantiles must be strictly increasing, got \(values[i - 1]) before \(values[i]) in '\(quantiles)'")
        }
        guard values.count <= ForecastDistribution.maximumQuantiles else {
            throw ValidationError("--quantiles: at most \(ForecastDistribution.maximumQuantiles) levels, got \(values.count)")
        }
        return values
    }

    /// What `--quantiles` and `--likelihood` ask for, or nil for a point forecast.
    func distribution() throws -> ForecastDistribution? {
        let levels = try quantileLevels()
        guard levels != nil || likelihood != nil else { return nil }
        return try ForecastDistribution(
            kind: likelihood == .gaussian ? .gaussian : .quantiles, quantiles: levels ?? Self.defaultQuantiles)
    }
}

extension QuantileErrors {
    /// One line per central interval (`PREFIX80% interval (q0.1–q0.9): covers 79.5% of N VALUES, mean
    /// width W`), then `PREFIXpinball loss P (mean over levels …), CRPS ≈ C`.
    func lines(prefix: String, values: String) -> [String] {
        var lines = intervals.map { interval in
            "\(prefix)\(Int((100 * interval.nominal).rounded()))% interval "
                + "(\(QuantileReport.name(interval.lower))–\(QuantileReport.name(interval.upper))): "
                + "covers \(String(format: "%.1f", 100 * interval.coverage))% of \(count) \(values), "
                + "mean width \(format(Float(interval.meanWidth)))"
        }
        lines.append(
            "\(prefix)pinball loss \(format(Float(pinball))) (mean over levels "
                + levels.map { "\($0)" }.joined(separator: ", ") + "), CRPS ≈ \(format(Float(crps)))")
        return lines
    }

    /// `PART_pinball`, `PART_crps`, `PART_pinball_q0.1`, `PART_coverage_80`, `PART_width_80`, ….
    func figures(part: String) -> [String: Double] {
        var figures = ["\(part)_pinball": pinball, "\(part)_crps": crps]
        for (level, loss) in zip(levels, pinballPerLevel) { figures["\(part)_pinball_\(QuantileReport.name(level))"] = loss }
        for interval in intervals {
            let percent = Int((100 * interval.nominal).rounded())
            figures["\(part)_coverage_\(percent)"] = interval.coverage
            figures["\(part)_width_\(percent)"] = interval.meanWidth
        }
        return figures
    }
}

/// How a probabilistic forecaster did on one part: its quantile forecasts in
/// the series' units and their scores beside the point errors.
struct QuantileReport {
    /// [N, h·K·Q] in original units.
    let quantiles: Tensor
    /// The scores against the part's truth.
    let errors: QuantileErrors
    /// The distribution's ``ForecastDistribution/spread``.
    let spread: Float

    /// The report of `network` on `part` of `data` (windows normalised as the
    /// data set's own), or nil for a network without a distribution.
    init?(network: SequenceNetwork, data: SeriesDataset, part: SeriesPart, input: Tensor? = nil) throws {
        guard let distribution = network.distribution,
            let scaled = try network.quantileForecast(input ?? data[part].modelInput)
        else { return nil }
        let levels = distribution.quantiles
        spread = distribution.spread
        quantiles = try data.quantilesInOriginalUnits(scaled, levels: levels.count)
        errors = try QuantileErrors(quantiles: quantiles, truth: data[part].targetsInOriginalUnits, levels: levels)
    }

    /// `q0.1` for level 0.1: the column suffix and the figures' infix.
    static func name(_ level: Float) -> String { "q\(level)" }

    /// One line per central interval, then the pinball loss and the CRPS estimate.
    func lines(part: String) -> [String] {
        let calibrated =
            spread == 1 ? [] : ["\(part) levels: \(format(spread))× the model's own spread (calibrated on the validation part)"]
        return errors.lines(prefix: "\(part) ", values: "values") + calibrated
    }

    /// `validation_pinball`, `validation_coverage_80`, …: see ``QuantileErrors/figures(part:)``.
    func figures(part: String) -> [String: Double] { errors.figures(part: part) }

    /// The widest central interval's bounds at each window's first step for
    /// target 0 (the forecast plot's band), as (lower, upper) per window.
    func firstStepBand(targets: Int, horizon: Int) -> (lower: [Double], upper: [Double])? {
        guard let interval = errors.intervals.first,
            let lo = errors.levels.firstIndex(of: interval.lower), let hi = errors.levels.firstIndex(of: interval.upper)
        else { return nil }
        let q = errors.levels.count, width = horizon * targets * q
        let rows = quantiles.count / width
        return (
            (0..<rows).map { Double(quantiles.scalars[$0 * width + lo]) },
            (0..<rows).map { Double(quantiles.scalars[$0 * width + hi]) }
        )
    }
}
