import Foundation
import Recurrent
import Testing

/// One global model over many series (`--id-column`, `--series-columns`):
/// train → evaluate → backtest → forecast, the model file's record, and the
/// inputs refused.
@Suite struct ManySeriesCommandTests {
    static let length = 240

    /// y_s(t) = (10 + 5s) + (2 + s/2)·sin(2πt/24 + 0.7s) + noise(0.1): 8 related
    /// daily cycles of different levels, amplitudes and phases.
    static func values() -> [[Double]] {
        var generator = RandomGenerator(seed: 3)
        return (0..<8).map { s in
            (0..<length).map { t in
                let s = Double(s)
                return 10 + 5 * s + (2 + s / 2) * sin(2 * Double.pi * Double(t) / 24 + 0.7 * s)
                    + 0.2 * Double(generator.nextFloat() - 0.5)
            }
        }
    }

    /// Long form: `store,hour,sales`, each store's rows together; wide: `hour,s0,…,s7`.
    static func folder() throws -> TemporaryFolder {
        let folder = try TemporaryFolder()
        let y = values()
        var long = "store,hour,sales\n", wide = "hour," + (0..<8).map { "s\($0)" }.joined(separator: ",") + "\n"
        for s in 0..<8 {
            for t in 0..<length { long += "s\(s),\(t),\(y[s][t])\n" }
        }
        for t in 0..<length { wide += "\(t)," + (0..<8).map { "\(y[$0][t])" }.joined(separator: ",") + "\n" }
        try long.write(toFile: folder.path("long.csv"), atomically: true, encoding: .utf8)
        try wide.write(toFile: folder.path("wide.csv"), atomically: true, encoding: .utf8)
        return folder
    }

    static func run(_ command: String, _ folder: TemporaryFolder) throws -> (status: Int32, stdout: String, stderr: String) {
        try runRecurrent(command.replacingOccurrences(of: "{dir}", with: folder.url.path).split(separator: " ").map(String.init))
    }

    static let train =
        "train --csv {dir}/long.csv --id-column store --target sales --time hour --window 48 --horizon 12 --hidden 16 --epochs 12 --seed 2"

    /// Persistence's test RMSE over every series, computed here from the
    /// values: windows end at rows e = ⌊0.85·n⌉ − 1 … n − 13, forecasting
    /// rows e + 1 … e + 12 with y(e).
    static func persistenceRMSE() -> Double {
        let y = values()
        var total = 0.0, count = 0
        let first = Int((0.85 * Double(length)).rounded()) - 1
        for s in 0..<8 {
            for e in first...(length - 13) {
                for j in 1...12 {
                    total += (y[s][e + j] - y[s][e]) * (y[s][e + j] - y[s][e])
                    count += 1
                }
            }
        }
        return (total / Double(count)).squareRoot()
    }

    /// The global model learns the 8 cycles: its pooled test RMSE is well
    /// below persistence's (computed independently above); evaluate reports
    /// every series and the pooled figure; the file records the id column,
    /// the ids and each series' scaling; forecast writes 12 rows per series in
    /// long form, the time column continued; backtest -o adds the id column.
    @Test func longFormTrainEvaluateForecastBacktest() throws {
        let folder = try Self.folder()
        let trained = try Self.run(Self.train + " -o {dir}/m.safetensors", folder)
        #expect(trained.status == 0, "stderr: \(trained.stderr)")
        let file = try ForecastModelFile(contentsOf: URL(fileURLWithPath: folder.path("m.safetensors")))
        let record = try #require(file.manySeries)
        #expect(record.idColumn == "store" && record.seriesColumns == nil && record.embedding == .none)
        #expect(record.ids == (0..<8).map { "s\($0)" })
        // Each series' scaling is its own training part's mean: about its level 10 + 5s.
        for (s, normalization) in record.normalizations.enumerated() {
            #expect(abs(normalization.offsets[0] - (10 + 5 * Double(s))) < 0.5, "series \(s): \(normalization.offsets)")
        }

        let evaluate = try Self.run("evaluate -m {dir}/m.safetensors --csv {dir}/long.csv --json", folder)
        #expect(evaluate.status == 0, "stderr: \(evaluate.stderr)")
        let figures = try #require(
            try JSONSerialization.jsonObject(with: Data(evaluate.stdout.utf8)) as? [String: Any])
        let rmse = try #require(figures["test_rmse"] as? Double)
        let persistence = try #require(figures["persistence_test_rmse"] as? Double)
        #expect(abs(persistence - Self.persistenceRMSE()) < 1e-4 * persistence, "persistence \(persistence)")
        #expect(rmse < 0.1 * Self.persistenceRMSE(), "global model \(rmse), persistence \(Self.persistenceRMSE())")
        let perSeries = try #require(figures["per_series"] as? [String: [String: Double]])
        #expect(perSeries.count == 8 && figures["test_windows"] as? Int == 8 * 25)
        // The pooled RMSE is that of every value together: √(mean of the series' squared RMSEs), equal counts.
        let squares = perSeries.values.map { $0["test_rmse"]! * $0["test_rmse"]! }
        #expect(abs((squares.reduce(0, +) / 8).squareRoot() - rmse) < 1e-9 * rmse)

        let table = try Self.run("evaluate -m {dir}/m.safetensors --csv {dir}/long.csv", folder)
        #expect(table.stdout.contains("200 test windows of 8 series"), "\(table.stdout)")
        #expect(table.stdout.split(separator: "\n").contains { $0.hasPrefix("s7 ") && $0.contains("   25 ") })

        let forecast = try Self.run("forecast -m {dir}/m.safetensors --csv {dir}/long.csv -o {dir}/f.csv", folder)
        #expect(forecast.status == 0, "stderr: \(forecast.stderr)")
        let lines = try String(contentsOfFile: folder.path("f.csv"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1 + 8 * 12 && lines[0] == "store,step,hour,sales")
        #expect(lines[1].hasPrefix("s0,1,240,") && lines[96].hasPrefix("s7,12,251,"))
        // Against the noiseless cycle one step past the data, for every series.
        for s in 0..<8 {
            let cells = lines[1 + 12 * s].split(separator: ",")
            let value = try #require(Double(cells[3]))
            let truth = 10 + 5 * Double(s) + (2 + Double(s) / 2) * sin(2 * Double.pi * 240 / 24 + 0.7 * Double(s))
            #expect(abs(value - truth) < 1, "series s\(s): \(value) against \(truth)")
        }
        let one = try Self.run("forecast -m {dir}/m.safetensors --csv {dir}/long.csv --series s3 --steps 2 -o -", folder)
        #expect(one.status == 0 && one.stdout.split(separator: "\n").count == 3 && one.stdout.contains("\ns3,2,241,"))

        let backtest = try Self.run(
            "backtest -m {dir}/m.safetensors --csv {dir}/long.csv --season 24 --stride 6 -o {dir}/b.csv", folder)
        #expect(backtest.status == 0, "stderr: \(backtest.stderr)")
        #expect(backtest.stdout.contains("seasonal(24)") && backtest.stdout.contains("pooled"))
        let header = try String(contentsOfFile: folder.path("b.csv"), encoding: .utf8).split(separator: "\n").first
        #expect(header?.hasPrefix("store,origin,step,row,time,sales,sales_model") == true)
    }

    /// Wide form with the one-hot embedding: the network reads 1 + 8 columns (RevIN and the skip the first),
    /// the file records the series columns, and forecast names them.
    @Test func wideFormWithOneHotEmbedding() throws {
        let folder = try Self.folder()
        let columns = (0..<8).map { "s\($0)" }.joined(separator: ",")
        let trained = try Self.run(
            "train --csv {dir}/wide.csv --series-columns \(columns) --time hour --window 24 --horizon 6 --hidden 8 "
                + "--epochs 2 --series-embedding onehot -o {dir}/w.safetensors", folder)
        #expect(trained.status == 0, "stderr: \(trained.stderr)")
        let file = try ForecastModelFile(contentsOf: URL(fileURLWithPath: folder.path("w.safetensors")))
        #expect(file.manySeries?.seriesColumns == (0..<8).map { "s\($0)" } && file.manySeries?.embedding == .oneHot)
        #expect(file.task.inputWidth == 9 && file.options.features == ["value"])
        guard case .recurrent(let model) = file.network else { Issue.record("not recurrent"); return }
        // RevIN and the skip read the data's column, not the 8 one-hot columns after it.
        #expect(model.recurrent.inputSize == 9 && model.instanceNormalization?.features == 1 && model.skip?.features == 1)
        // forecast(_:series:) is the network on the series' own z-scores and its one-hot column.
        let y = Self.values()[5]
        let window = Tensor(shape: [1, 24, 1], scalars: y.suffix(24).map(Float.init))
        let scaling = file.manySeries!.normalizations[5]
        var input = [Float]()
        for v in y.suffix(24) { input += [Float((v - scaling.offsets[0]) / scaling.scales[0])] + (0..<8).map { $0 == 5 ? 1 : 0 } }
        let network = try file.network(Tensor(shape: [1, 24, 9], scalars: input))
        let expected = network.scalars.map { Double($0) * scaling.scales[0] + scaling.offsets[0] }
        let observed = try file.forecast(window, series: 5).scalars
        for (o, e) in zip(observed, expected) { #expect(abs(Double(o) - e) < 1e-4 * max(1, abs(e))) }
        // A file whose record does not hold together is refused, naming the key.
        var raw = try SafetensorsFile(contentsOf: URL(fileURLWithPath: folder.path("w.safetensors")))
        var record = file.manySeries!
        record.normalizations.removeLast()
        raw.metadata["many_series"] = String(decoding: try JSONEncoder().encode(record), as: UTF8.self)
        try raw.write(to: URL(fileURLWithPath: folder.path("bad.safetensors")))
        #expect {
            try ForecastModelFile(contentsOf: URL(fileURLWithPath: folder.path("bad.safetensors")))
        } throws: { error in
            "\(error)".contains("many_series") && "\(error)".contains("one normalisation each")
        }
        let forecast = try Self.run("forecast -m {dir}/w.safetensors --csv {dir}/wide.csv --series s5 -o -", folder)
        #expect(forecast.status == 0 && forecast.stdout.hasPrefix("series,step,hour,value\ns5,1,240,"), "\(forecast)")
        try expectUsageFailure(
            "forecast -m {dir}/w.safetensors --csv {dir}/wide.csv --series s9 -o {dir}/out.csv", in: folder.url,
            naming: "series \"s9\": is not one the model was trained on", output: "out.csv")
        try expectUsageFailure(
            "backtest -m {dir}/w.safetensors --csv {dir}/wide.csv --refit", in: folder.url, naming: "--refit",
            output: "none")
        try expectUsageFailure(
            "export {dir}/w.safetensors --format onnx -o {dir}/w.onnx", in: folder.url, naming: "a global model of 8 series",
            output: "w.onnx")
    }

    /// A quantile forecaster over many series: evaluate pools the 80% interval
    /// over every series' test values, and forecast writes each series'
    /// levels in order, never crossing.
    @Test func quantilesOverManySeries() throws {
        let folder = try Self.folder()
        let trained = try Self.run(Self.train + " --epochs 3 --quantiles 0.1,0.5,0.9 -o {dir}/q.safetensors", folder)
        #expect(trained.status == 0, "stderr: \(trained.stderr)")
        let evaluate = try Self.run("evaluate -m {dir}/q.safetensors --csv {dir}/long.csv --json", folder)
        let figures = try #require(try JSONSerialization.jsonObject(with: Data(evaluate.stdout.utf8)) as? [String: Any])
        let coverage = try #require(figures["test_coverage_80"] as? Double)
        #expect((0...1).contains(coverage) && figures["test_pinball"] is Double, "\(figures)")
        let forecast = try Self.run("forecast -m {dir}/q.safetensors --csv {dir}/long.csv -o -", folder)
        let lines = forecast.stdout.split(separator: "\n")
        #expect(lines.first == "store,step,hour,sales,sales_q0.1,sales_q0.5,sales_q0.9" && lines.count == 1 + 8 * 12)
        for line in lines.dropFirst() {
            let q = line.split(separator: ",").suffix(3).compactMap { Double($0) }
            #expect(q.count == 3 && q[0] <= q[1] && q[1] <= q[2], "\(line)")
        }
    }

    /// A long-form file edited by `edit` (its lines, header first) and the message training on it gives.
    @Test(arguments: [
        ("interleaved", "long.csv:242: column \"store\": series \"s0\" comes back after other series' rows"),
        ("repeated", "long.csv:12: column \"hour\": series \"s0\": time \"9\" repeats"),
        ("skipped", "long.csv:11: column \"hour\": series \"s0\": time \"10\" skips steps after \"8\""),
        ("short", "series \"s7\" of"),
        ("empty id", "long.csv:7: column \"store\": the series id is empty"),
        ("unknown id column", "column \"shop\": no such column"),
        ("both forms", "--id-column and --series-columns"),
        ("embedding alone", "--series-embedding applies to many series"),
        ("unknown id at evaluate", "series \"s9\": is not one the model was trained on"),
    ])
    func badInputIsOneLine(kind: String, expected: String) throws {
        let folder = try Self.folder()
        var lines = try String(contentsOfFile: folder.path("long.csv"), encoding: .utf8).split(separator: "\n").map(String.init)
        var command = Self.train + " --epochs 1 -o {dir}/out.safetensors"
        switch kind {
        case "interleaved": lines.insert(lines.remove(at: 240), at: 241)  // s0's last row (line 241) after s1's first
        case "repeated": lines.insert(lines[10], at: 11)
        case "skipped": lines.remove(at: 10)
        case "short": lines.removeLast(240 - 50)
        case "empty id": lines[6] = "," + lines[6].drop { $0 != "," }.dropFirst()
        case "unknown id column": command = command.replacingOccurrences(of: "--id-column store", with: "--id-column shop")
        case "both forms": command += " --series-columns s0,s1"
        case "embedding alone":
            command = command.replacingOccurrences(of: "--id-column store ", with: "") + " --series-embedding onehot"
        default:
            let model = try Self.run(Self.train + " --epochs 1 -o {dir}/m.safetensors", folder)
            #expect(model.status == 0, "stderr: \(model.stderr)")
            lines = lines.map { $0.hasPrefix("s7,") ? "s9" + $0.dropFirst(2) : $0 }
            command = "evaluate -m {dir}/m.safetensors --csv {dir}/long.csv"
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: folder.path("long.csv"), atomically: true, encoding: .utf8)
        try expectUsageFailure(command, in: folder.url, naming: expected, output: "out.safetensors")
    }
}
