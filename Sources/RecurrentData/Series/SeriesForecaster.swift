import RecurrentCore

// Letters as in SeriesDataset.swift: N windows, L input steps, F features,
// h horizon, K targets.

/// Anything that forecasts h steps of a series from the window before them:
/// what ``Backtest`` measures. ``ForecastModelFile`` is one; a model of your
/// own becomes one with three members.
///
/// A forecaster works in the file's units: it reads windows of the feature
/// columns as they are in the CSV file and gives the targets in the same
/// units, so it does its own scaling.
///
/// ```swift
/// struct LastValue: SeriesForecaster {     // persistence, as a forecaster
///     let seriesOptions = SeriesOptions(features: ["load"], targets: ["load"], window: 1, horizon: 3)
///     func forecast(_ windows: Tensor) throws -> Tensor {
///         let n = windows.shape[0]
///         return Tensor(shape: [n, 3], scalars: (0..<n).flatMap { i in Array(repeating: windows[i, 0, 0], count: 3) })
///     }
/// }
/// let backtest = try Backtest(forecaster: LastValue(), series: series)
/// ```
public protocol SeriesForecaster: Sendable {
    /// The columns read and forecast, L and h, and the train/validation/test
    /// split whose test part a backtest rolls over.
    var seriesOptions: SeriesOptions { get }

    /// The forecasts of h steps after each window.
    ///
    /// - Parameter windows: [N, L, F], the feature columns of
    ///   ``seriesOptions`` in order, in the file's units.
    /// - Returns: [N, h·K], step j's K targets at `j·K ..< (j + 1)·K`, in the file's units.
    func forecast(_ windows: Tensor) throws -> Tensor

    /// A forecaster of the same kind trained afresh on `history`, the rows
    /// known at a backtest's origin (its last row is the origin).
    ///
    /// The default throws: a forecaster that cannot be retrained is
    /// backtested without refitting.
    ///
    /// - Parameter history: the series' first rows, with every column
    ///   ``seriesOptions`` names.
    /// - Throws: whatever training throws.
    func refitted(on history: NumericColumns) throws -> Self
}

extension SeriesForecaster {
    /// Throws `RecurrentError/invalidArgument(name:value:reason:)`: this
    /// forecaster cannot be retrained.
    public func refitted(on history: NumericColumns) throws -> Self {
        throw RecurrentError.invalidArgument(
            name: "refitEvery", value: "\(Self.self)", reason: "this forecaster cannot be retrained")
    }
}
