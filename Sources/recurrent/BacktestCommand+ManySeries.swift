import ArgumentParser
import Foundation
import Recurrent

/// `backtest` of a global model: the rolling origins of each series' test part, per series and pooled.
extension BacktestCommand {
    func backtestManySeries(csvPath: String?, timeColumn: String?) throws {
        guard let csvPath else { throw usageFailure("\(model) is a global model of many series; give them with --csv FILE") }
        if refit {
            throw usageFailure(
                "--refit: \(model) is a global model of many series, trained on all of them; backtest it without refitting "
                    + "(or train it again on the rows before the origin)")
        }
        let file = try reportingDataErrors { try ForecastModelFile(contentsOf: URL(fileURLWithPath: model)) }
        let record = file.manySeries!
        let (report, table, origins) = try reportingDataErrors {
            let all = try loadManySeries(of: file, csvPath: csvPath, missing: missing, time: timeColumn)
            var comparisons: [ForecastComparison] = []
            var table = "", origins = 0
            for (index, s) in all {
                try checkSeriesFits(file, s, source: csvPath)
                let options = BacktestOptions(
                    stride: stride, season: season ?? s.columns.times.flatMap { TimeStamp.season(ofTimes: $0) })
                let backtest = try Backtest(forecaster: file.forecaster(ofSeries: index), series: s.columns, options: options)
                comparisons.append(backtest.errors.comparison)
                origins += backtest.origins.count
                if output != nil {
                    table += forecastTable(
                        backtest, file.options, times: s.columns.times, series: (record.idColumn ?? "series", s.id),
                        header: table.isEmpty)
                }
            }
            let comparison = try ManySeriesComparison(ids: all.map(\.series.id), perSeries: comparisons)
            return (ManySeriesReport(comparison: comparison, counted: "origins"), table, origins)
        }
        if let output {
            do {
                try AtomicFile.write(Data(table.utf8), to: URL(fileURLWithPath: output))
            } catch {
                printError("\(error)")
                throw ExitCode.validationFailure
            }
        }
        if json {
            var figures = report.figures
            figures["origins"] = origins
            figures["stride"] = stride
            figures["refits"] = 0
            print(jsonLine(figures))
            return
        }
        print(
            "\(origins) origins over the test parts of \(report.comparison.ids.count) series of \(csvPath) (the model's split), "
                + "every \(stride) row\(stride == 1 ? "" : "s"), forecasting \(file.options.targets.joined(separator: ", ")) "
                + "\(file.options.horizon) step(s) ahead; no refit")
        for line in report.lines { print(line) }
        if let output { print("forecasts of every origin written to \(output)") }
    }
}
