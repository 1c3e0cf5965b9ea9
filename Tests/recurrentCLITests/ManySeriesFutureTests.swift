import Foundation
import Testing

/// A global model over several series with a known-future covariate: trained
/// on long-form rows, forecast from a long-form `--future` file whose rows
/// each series reads as its own.
@Suite struct ManySeriesFutureTests {
    /// Three series at levels 10, 20, 30, a slow sine, and +3 on the steps of
    /// a promotion drawn independently at each step (probability 0.3, seeded).
    static func promotions(in folder: TemporaryFolder) throws -> String {
        var state: UInt64 = 7
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        var text = "id,t,y,promo\n"
        for (s, id) in ["a", "b", "c"].enumerated() {
            for t in 0..<300 {
                let promo = uniform() < 0.3 ? 1 : 0
                text += "\(id),\(t),\(10 * Double(s + 1) + sin(Double(t) / 4) + 3 * Double(promo)),\(promo)\n"
            }
        }
        let path = folder.path("promotions.csv")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func eachSeriesForecastFollowsItsOwnFutureRows() throws {
        let folder = try TemporaryFolder()
        let csv = try Self.promotions(in: folder)
        let model = folder.path("promotions.safetensors")
        let train = try runRecurrent([
            "train", "--csv", csv, "--id-column", "id", "--time", "t", "--target", "y", "--features", "y,promo",
            "--future-features", "promo", "--window", "12", "--horizon", "4", "--hidden", "32", "--epochs", "40",
            "--seed", "1", "--quiet", "-o", model,
        ])
        try #require(train.status == 0, "stderr: \(train.stderr)")
        // Each series' promotions on the 4 steps, in an order other than the training file's.
        let plan = ["c": [0, 1, 0, 1], "a": [0, 0, 1, 1], "b": [1, 1, 0, 0]]
        var future = "id,promo\n"
        for id in ["c", "a", "b"] { for p in plan[id]! { future += "\(id),\(p)\n" } }
        let futurePath = folder.path("next.csv")
        try future.write(toFile: futurePath, atomically: true, encoding: .utf8)
        let forecast = try runRecurrent(["forecast", "--model", model, "--csv", csv, "--future", futurePath, "-o", "-"])
        try #require(forecast.status == 0, "stderr: \(forecast.stderr)")
        var values: [String: [Double]] = [:]
        for line in forecast.stdout.split(separator: "\n").dropFirst() {
            let cells = line.split(separator: ",")
            if cells.count == 4, let y = Double(cells[3]) { values[String(cells[0]), default: []].append(y) }
        }
        #expect(values.keys.sorted() == ["a", "b", "c"] && values.values.allSatisfy { $0.count == 4 }, "\(forecast.stdout)")
        for (id, promos) in plan {
            let y = try #require(values[id])
            // The truth: level + sin(t/4) + 3·promo, t = 300 … 303.
            let level = ["a": 10.0, "b": 20.0, "c": 30.0][id]!
            for step in 0..<4 {
                let truth = level + sin(Double(300 + step) / 4) + 3 * Double(promos[step])
                #expect(abs(y[step] - truth) < 1, "series \(id) step \(step + 1): \(y[step]) against \(truth)")
            }
        }

        // A series with too few rows in --future is named, exit 64, nothing written.
        let short = folder.path("short.csv")
        try "id,promo\na,0\na,0\na,1\na,1\nb,1\nb,1\nb,0\nb,0\nc,0\n".write(toFile: short, atomically: true, encoding: .utf8)
        let out = folder.path("out.csv")
        let refused = try runRecurrent(["forecast", "--model", model, "--csv", csv, "--future", short, "-o", out])
        #expect(refused.status == 64 && refused.stderr.contains("series \"c\""), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))

        // So is a series the model does not know (a typo of an id).
        let stranger = folder.path("stranger.csv")
        try (future + "d,1\nd,1\nd,1\nd,1\n").write(toFile: stranger, atomically: true, encoding: .utf8)
        let unknown = try runRecurrent(["forecast", "--model", model, "--csv", csv, "--future", stranger, "-o", out])
        #expect(
            unknown.status == 64 && unknown.stderr.contains("series \"d\", which is not one the model was trained on"),
            "\(unknown.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
