import Foundation
import Recurrent
import Testing

/// A global model's forecast plot (small multiples), a one-hot identity
/// beside RevIN and the skip, and a time column of YYYYMMDD integers.
@Suite struct ManySeriesExtrasTests {
    /// `train --plots` of 8 series draws the first 6, one panel each with
    /// the truth and the forecast: 6 nested documents, 12 series paths, the
    /// ids as the panels' titles.
    @Test func forecastPlotOfAGlobalModelDrawsOnePanelPerSeries() throws {
        let folder = try ManySeriesCommandTests.folder()
        let trained = try ManySeriesCommandTests.run(
            ManySeriesCommandTests.train.replacingOccurrences(of: "--epochs 12", with: "--epochs 1")
                + " -o {dir}/m.safetensors --plots {dir}/plots", folder)
        #expect(trained.status == 0, "stderr: \(trained.stderr)")
        #expect(trained.stdout.contains("plots/forecast.svg"), "\(trained.stdout)")
        let elements = try PlotContentTests.elements(atPath: folder.path("plots/forecast.svg"))
        #expect(elements.filter { $0.name == "svg" }.count == 1 + 6)
        #expect(elements.filter { $0.name == "path" && $0.classes.contains("series") }.count == 2 * 6)
        let titles = elements.filter { $0.classes.contains("title") }.map(\.text)
        #expect(titles.dropFirst().elementsEqual((0..<6).map { "s\($0)" }), "\(titles)")
        let ids = elements.compactMap { $0.name == "clipPath" ? $0.attributes["id"] : nil }
        #expect(ids.count == 6 && Set(ids).count == 6, "\(ids)")
    }

    /// With `--series-embedding onehot` RevIN and the skip stay on and read the data's column only.
    @Test func oneHotKeepsRevINAndTheSkipOnTheDataColumns() throws {
        let folder = try ManySeriesCommandTests.folder()
        let trained = try ManySeriesCommandTests.run(
            ManySeriesCommandTests.train.replacingOccurrences(of: "--epochs 12", with: "--epochs 2")
                + " --series-embedding onehot -o {dir}/m.safetensors", folder)
        #expect(trained.status == 0, "stderr: \(trained.stderr)")
        let file = try ForecastModelFile(contentsOf: URL(fileURLWithPath: folder.path("m.safetensors")))
        guard case .recurrent(let network) = file.network else {
            Issue.record("not a recurrent network")
            return
        }
        #expect(network.recurrent.inputSize == 1 + 8)
        #expect(network.instanceNormalization?.features == 1 && network.skip?.features == 1)
        #expect(network.parameters["skip.weight"]?.shape == [12, 48])
        let evaluate = try ManySeriesCommandTests.run("evaluate --model {dir}/m.safetensors --csv {dir}/long.csv", folder)
        #expect(evaluate.status == 0 && evaluate.stdout.contains("\npooled "), "stderr: \(evaluate.stderr)")
    }

    /// Daily series dated 20240101… as integers train (no skipped steps at
    /// month ends or on 29 February) and forecast the dates after them in the same form.
    @Test func integerDatesTrainAndContinue() throws {
        let folder = try TemporaryFolder()
        var csv = "store,day,sales\n"
        let start = TimeStamp(iso8601: "2024-01-01")!.secondsSinceEpoch
        for s in 0..<2 {
            for t in 0..<120 {
                let f = TimeStamp(secondsSinceEpoch: start + Int64(t) * 86400).local
                let day = String(format: "%04d%02d%02d", f.year, f.month, f.day)
                csv += "s\(s),\(day),\(Double(10 + s) + sin(Double(t) / 3))\n"
            }
        }
        try csv.write(toFile: folder.path("days.csv"), atomically: true, encoding: .utf8)
        let trained = try runRecurrent([
            "train", "--csv", folder.path("days.csv"), "--id-column", "store", "--target", "sales", "--time", "day",
            "--window", "14", "--horizon", "3", "--hidden", "4", "--epochs", "1", "-o", folder.path("m.safetensors"),
        ])
        #expect(trained.status == 0, "stderr: \(trained.stderr)")
        let forecast = try runRecurrent([
            "forecast", "--model", folder.path("m.safetensors"), "--csv", folder.path("days.csv"), "--series", "s1", "-o", "-",
        ])
        #expect(forecast.status == 0, "stderr: \(forecast.stderr)")
        // 120 days from 2024-01-01 end on 2024-04-29 (a leap year): the next are 30 April, 1 and 2 May.
        let days = forecast.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",")[2] }
        #expect(days == ["20240430", "20240501", "20240502"], "\(forecast.stdout)")
    }
}
