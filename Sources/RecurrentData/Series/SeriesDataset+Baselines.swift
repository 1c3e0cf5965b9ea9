import RecurrentCore

// Letters as in SeriesDataset.swift: N windows, h horizon, K targets, e a
// window's last input row, y_r a target's value at row r, s the season.

/// A forecast a model must beat, computed from the data alone.
public enum ForecastBaseline: String, Sendable, Codable, CaseIterable {
    /// The last observed value repeated: `ŷ_{e+j} = y_e`.
    case persistence
    /// The latest value of the same season phase: `ŷ_{e+j} = y_{e+j−s·⌈j/s⌉}`.
    case seasonalNaive = "seasonal-naive"
    /// The line through the first and the last observed value, extended:
    /// `ŷ_{e+j} = y_e + j·(y_e − y_0)/e`.
    case drift
    /// A ``RidgeAutoregression`` on the same window, fitted on the training part.
    case linearAutoregression = "linear-ar"
}

/// The baselines of a forecasting data set and the scales of MASE.
extension SeriesDataset {
    /// The drift forecast of each window of `part`: the line through the
    /// target's values at row 0 and at the window's last row e, extended h
    /// steps, `ŷ_{e+j} = y_e + j·(y_e − y_0)/e` (persistence when e = 0).
    ///
    /// - Returns: [N, h·K] in original units, laid out as the targets.
    public func driftForecast(for part: SeriesPart) -> Tensor {
        baseline(for: part) { y, e, j in
            y[e] + Double(j) * (e == 0 ? 0 : (y[e] - y[0]) / Double(e))
        }
    }

    /// Each target's MASE scale: the mean absolute error of the one-step
    /// seasonal-naive forecast inside the training part,
    /// `s_k = Σ_{r=s}^{R−1} |y_r − y_{r−s}| / (R − s)` over its R rows.
    ///
    /// - Parameter season: s ≥ 1 (1 for the plain naive forecast).
    /// - Returns: K scales, or nil when a target repeats its value every
    ///   season over the whole training part (a zero scale), so MASE is undefined.
    /// - Throws: `RecurrentError/invalidArgument(name:value:reason:)` when
    ///   s < 1 or the training part has no more than s rows.
    public func naiveScales(season: Int) throws -> [Double]? {
        try Check.positive(season, "season")
        let rows = train.rows
        guard rows.count > season else {
            throw RecurrentError.invalidArgument(
                name: "season", value: "\(season)", reason: "the training part holds only \(rows.count) rows")
        }
        let scales = targetColumns.map { c in
            let y = series.values[c]
            var total = 0.0
            for r in (rows.lowerBound + season)..<rows.upperBound { total += abs(y[r] - y[r - season]) }
            return total / Double(rows.count - season)
        }
        return scales.allSatisfy({ $0 > 0 }) ? scales : nil
    }

    /// The ridge autoregression on the window, fitted on the training
    /// windows (normalised), with λ given or chosen on the validation part.
    ///
    /// - Parameter lambda: λ > 0; nil picks the λ of {10⁻², 10⁻¹, …, 10³}
    ///   with the least validation mean squared error (λ = 1 when the
    ///   validation part holds no window).
    /// - Returns: The fitted regression; its output is normalised, so pass it
    ///   through ``targetsInOriginalUnits(_:)``.
    /// - Throws: What ``RidgeAutoregression/init(inputs:targets:lambda:)`` throws.
    public func linearAutoregression(lambda: Double? = nil) throws -> RidgeAutoregression {
        if let lambda { return try RidgeAutoregression(fitting: train, lambda: lambda) }
        guard validation.count > 0 else { return try RidgeAutoregression(fitting: train, lambda: 1) }
        var best: (model: RidgeAutoregression, error: Double)?
        for exponent in -2...3 {
            let model = try RidgeAutoregression(fitting: train, lambda: Double.pow10(exponent))
            let prediction = try model(validation.input)
            var squared = 0.0
            for (p, y) in zip(prediction.scalars, validation.targets.scalars) {
                squared += (Double(p) - Double(y)) * (Double(p) - Double(y))
            }
            if best == nil || squared < best!.error { best = (model, squared) }
        }
        return best!.model
    }

    /// One baseline's forecast of every window of `part`.
    ///
    /// - Parameters:
    ///   - baseline: Which forecast.
    ///   - part: Which windows.
    ///   - season: s for ``ForecastBaseline/seasonalNaive``; ignored by the others.
    ///   - ridge: A fitted regression for ``ForecastBaseline/linearAutoregression``;
    ///     nil fits one with ``linearAutoregression(lambda:)``.
    /// - Returns: [N, h·K] in original units.
    /// - Throws: What ``seasonalNaiveForecast(for:season:)`` and
    ///   ``linearAutoregression(lambda:)`` throw.
    public func forecast(
        _ baseline: ForecastBaseline, for part: SeriesPart, season: Int = 1, ridge: RidgeAutoregression? = nil
    ) throws -> Tensor {
        switch baseline {
        case .persistence: return persistenceForecast(for: part)
        case .seasonalNaive: return try seasonalNaiveForecast(for: part, season: season)
        case .drift: return driftForecast(for: part)
        case .linearAutoregression:
            let model = try ridge ?? linearAutoregression()
            return try targetsInOriginalUnits(model(self[part].input))
        }
    }
}

extension Double {
    /// 10^e for a small whole e, exactly as a literal would be.
    fileprivate static func pow10(_ e: Int) -> Double {
        e >= 0 ? (0..<e).reduce(1) { r, _ in r * 10 } : 1 / (0..<(-e)).reduce(1) { r, _ in r * 10 }
    }
}
