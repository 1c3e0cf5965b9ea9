import Foundation
import Testing

// `recurrent compare` on a series: the baselines `evaluate` measures
// (persistence, seasonal naive, drift, the ridge regression) as rows of its
// table and figures of its JSON, and the line when the best model loses.

@Suite struct CompareBaselinesTests {
    static let small = ["--hidden", "8", "--batch-size", "16", "--seed", "3", "--epochs", "1"]

    /// 40 daily rows of whole numbers with a weekly pattern and a trend,
    /// `y_i = 10 + (3i mod 7) + ⌊i/5⌋`.
    static let values: [Double] = (0..<40).map { (i: Int) -> Double in
        let phase: Int = (3 * i) % 7
        return Double(10 + phase + i / 5)
    }

    /// `values` as `date,y` with one day a row from 2024-01-01.
    static func dailyCSV(in folder: TemporaryFolder) throws -> String {
        var text = "date,y\n"
        for (i, y) in values.enumerated() {
            let (month, day) = i < 31 ? (1, i + 1) : (2, i - 30)
            text += String(format: "2024-%02d-%02d,%d\n", month, day, Int(y))
        }
        let path = folder.path("daily.csv")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The RMSE over rows `rows` of forecasting row r by row `r − lag`, by hand.
    static func laggedRMSE(_ rows: Range<Int>, lag: Int) -> Double {
        let squares = rows.map { r in (values[r] - values[r - lag]) * (values[r] - values[r - lag]) }
        return (squares.reduce(0, +) / Double(rows.count)).squareRoot()
    }

    static func object(_ result: (status: Int32, stdout: String, stderr: String)) throws -> [String: Any] {
        try #require(result.status == 0, "stderr: \(result.stderr)")
        let last = try #require(result.stdout.split(separator: "\n").last)
        return try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
    }

    static func close(_ a: Double?, _ b: Double) -> Bool { a.map { abs($0 - b) <= 1e-6 * max(1, abs(b)) } == true }

    /// 40 rows split 0.6, 0.2: training rows 0…23, validation 24…31, test
    /// 32…39; with a window of 3 and horizon 1 the test windows forecast rows
    /// 32…39 and the validation windows 24…31. Persistence forecasts row r by
    /// r − 1, the daily dates' weekly season by r − 7 (or r − 4 with --season 4).
    @Test func theBaselineRowsAreEvaluatesAndTheHandComputedOnes() throws {
        let folder = try TemporaryFolder()
        let csv = try Self.dailyCSV(in: folder)
        let data = ["--csv", csv, "--target", "y", "--time", "date", "--window", "3", "--split", "0.6,0.2"]
        let compare = try Self.object(try runRecurrent(["compare", "--models", "mlp", "--json"] + data + Self.small))
        let baselines = try #require(compare["baselines"] as? [String: Double])
        #expect(compare["season"] as? Int == 7)
        let (validation, test) = (24..<32, 32..<40)
        #expect(Self.close(baselines["persistence_test_rmse"], Self.laggedRMSE(test, lag: 1)), "\(baselines)")
        #expect(Self.close(baselines["persistence_validation_rmse"], Self.laggedRMSE(validation, lag: 1)))
        #expect(Self.close(baselines["seasonal_naive_test_rmse"], Self.laggedRMSE(test, lag: 7)), "\(baselines)")
        #expect(Self.close(baselines["seasonal_naive_validation_rmse"], Self.laggedRMSE(validation, lag: 7)))
        #expect(Self.laggedRMSE(test, lag: 7) != Self.laggedRMSE(test, lag: 1))
        for name in ["drift", "linear_ar"] {
            #expect(baselines["\(name)_test_rmse"] != nil && baselines["\(name)_validation_mase"] != nil)
        }

        // evaluate, on a model trained on the same data and split, prints the same test figures.
        let model = folder.path("m.safetensors")
        let train = try runRecurrent(["train", "--model", "mlp", "--quiet", "-o", model] + data + Self.small)
        try #require(train.status == 0, "stderr: \(train.stderr)")
        let evaluate = try Self.object(
            try runRecurrent(["evaluate", "-m", model, "--csv", csv, "--time", "date", "--json"]))
        let keys = baselines.keys.filter { $0.contains("_test_") }
        #expect(keys.count == 4 * 5, "\(keys.sorted())")
        for key in keys { #expect(evaluate[key] as? Double == baselines[key], "\(key)") }

        // --season 4 replaces the detected season; the table shows it as a row.
        let given = try Self.object(
            try runRecurrent(["compare", "--models", "mlp", "--json", "--season", "4"] + data + Self.small))
        let seasonal = (given["baselines"] as? [String: Double])?["seasonal_naive_test_rmse"]
        #expect(given["season"] as? Int == 4 && Self.close(seasonal, Self.laggedRMSE(test, lag: 4)))
        let text = try runRecurrent(["compare", "--models", "mlp", "--season", "4"] + data + Self.small)
        let lines = text.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        let names = lines.compactMap(\.first)
        let header = try #require(names.firstIndex(of: "model"))
        #expect(Array(names[(header + 1)...].prefix(5)) == ["MLP", "persistence", "seasonal(4)", "drift", "linear-ar"])
        let row = try #require(lines.first { $0.first == "seasonal(4)" })
        #expect(row.last == String(format: "%.4g", Self.laggedRMSE(test, lag: 4)), "\(row)")
    }

    /// A sum of two sines obeys a linear recurrence of order 4, so the
    /// ridge regression on an 8-step window forecasts it almost exactly and
    /// every model trained for one epoch loses.
    @Test func theLosingLineAppearsWhenTheRidgeRegressionWins() throws {
        let folder = try TemporaryFolder()
        let csv = folder.path("sines.csv")
        let rows = (0..<300).map { i in "\(sin(0.3 * Double(i)) + 0.5 * sin(0.71 * Double(i) + 1))" }
        try (["v"] + rows).joined(separator: "\n").appending("\n").write(toFile: csv, atomically: true, encoding: .utf8)
        let data = ["--csv", csv, "--target", "v", "--window", "8"]
        let json = try Self.object(try runRecurrent(["compare", "--models", "mlp,rnn", "--json"] + data + Self.small))
        let ridge = try #require((json["baselines"] as? [String: Double])?["linear_ar_test_rmse"])
        #expect(ridge < 1e-3 && json["best_baseline"] as? String == "linear-ar" && json["models_lose"] as? Bool == true)
        let models = try #require(json["models"] as? [[String: Any]])
        let best = try #require(models.compactMap { $0["test_rmse"] as? Double }.min())
        #expect(best > 100 * ridge && models.allSatisfy { $0["test_mase"] is Double })

        let text = try runRecurrent(["compare", "--models", "mlp,rnn"] + data + Self.small)
        let line = text.stdout.split(separator: "\n").filter { $0.contains("loses") }
        #expect(
            line.count == 1 && line[0].hasPrefix("every model loses to the linear-ar baseline (test RMSE "),
            "\(text.stdout)")
        let one = try runRecurrent(["compare", "--models", "rnn"] + data + Self.small)
        #expect(one.stdout.contains("\nthe model, RNN, loses to the linear-ar baseline: test RMSE "), "\(one.stdout)")
    }

    /// The logistic map x' = 4x(1 − x) has no linear autocorrelation, so
    /// every baseline, the ridge regression included, misses it; an MLP
    /// reading the last two values learns the parabola in a few epochs.
    @Test func noLosingLineWhenAModelWins() throws {
        let folder = try TemporaryFolder()
        let csv = folder.path("logistic.csv")
        var x = 0.3
        var text = "v\n"
        for _ in 0..<400 {
            text += "\(x)\n"
            x = 4 * x * (1 - x)
        }
        try text.write(toFile: csv, atomically: true, encoding: .utf8)
        let arguments = [
            "compare", "--csv", csv, "--target", "v", "--window", "2", "--models", "mlp", "--epochs", "5",
            "--hidden", "16", "--seed", "3",
        ]
        let json = try Self.object(try runRecurrent(arguments + ["--json"]))
        let model = try #require((json["models"] as? [[String: Any]])?.first?["test_rmse"] as? Double)
        let baselines = try #require(json["baselines"] as? [String: Double])
        let best = try #require(baselines.filter { $0.key.hasSuffix("_test_rmse") }.values.min())
        #expect(model < best && json["models_lose"] as? Bool == false, "\(model) against \(best)")
        let printed = try runRecurrent(arguments)
        #expect(printed.status == 0 && printed.stdout.contains("\nlinear-ar ") && !printed.stdout.contains("loses"))
    }

    @Test func aBadSeasonIsRefused() throws {
        let folder = try TemporaryFolder()
        _ = try Self.dailyCSV(in: folder)
        let series = "compare --csv {dir}/daily.csv --target y --window 3 --models mlp --epochs 1 --plots {dir}/plots"
        for (arguments, expected) in [
            ("\(series) --season 0", "--season must be at least 1, got 0"),
            ("\(series) --season -3", "--season must be at least 1, got -3"),
            ("\(series) --season week", "'week' is invalid for '--season"),
            // 40 rows, 70% of them for training.
            ("\(series) --season 28", "--season 28: the training part holds only 28 rows"),
            (
                "compare --task copy --samples 20 --models rnn --epochs 1 --season 4 --plots {dir}/plots",
                "--season applies to a series"
            ),
        ] {
            try expectUsageFailure(arguments, in: folder.url, naming: expected, output: "plots")
        }
    }
}
