import Foundation
import Recurrent
import Testing

/// `train --calendar`, `--future-features` and `--head encoder-decoder`,
/// read back by `evaluate`, `backtest` and `forecast --future`, and the
/// inputs they refuse.
@Suite struct TrainCovariatesTests {
    /// 480 hourly rows from 2024-02-27 (across the leap day): y = 5 on
    /// "holidays" (blocks of 4 hours drawn with probability 0.25), 0
    /// otherwise, plus a small daily cycle and noise.
    static func holidayCSV() -> String {
        var generator = RandomGenerator(seed: 8)
        var text = "time,y,holiday\n"
        let start = TimeStamp(iso8601: "2024-02-27T00:00:00")!.secondsSinceEpoch
        var holiday = 0
        for t in 0..<480 {
            if t % 4 == 0 { holiday = generator.next(below: 4) == 0 ? 1 : 0 }
            let f = TimeStamp(secondsSinceEpoch: start + Int64(t) * 3600).local
            let time = String(format: "%04d-%02d-%02dT%02d:00:00", f.year, f.month, f.day, f.hour)
            let y = 5 * Double(holiday) + 0.3 * sin(2 * Double.pi * Double(t) / 24) + 0.05 * Double(generator.nextFloat() - 0.5)
            text += "\(time),\(y),\(holiday)\n"
        }
        return text
    }

    static let train =
        "train --csv {dir}/h.csv --time time --target y --window 8 --horizon 4 --hidden 8 --epochs 12 --seed 1"

    static func folder() throws -> TemporaryFolder {
        let folder = try TemporaryFolder()
        try holidayCSV().write(toFile: folder.path("h.csv"), atomically: true, encoding: .utf8)
        return folder
    }

    static func run(_ command: String, _ folder: TemporaryFolder) throws -> (status: Int32, stdout: String, stderr: String) {
        try runRecurrent(command.replacingOccurrences(of: "{dir}", with: folder.url.path).split(separator: " ").map(String.init))
    }

    /// --calendar auto on hourly data takes hour and weekday; with
    /// --future-features holiday the model reads the holiday flag and the
    /// four calendar columns for the 4 forecast steps, the file records
    /// them, evaluate and backtest run, and forecast follows the --future
    /// file: all-holiday steps come out about 5 above no-holiday ones.
    @Test(arguments: ["direct", "encoder-decoder"])
    func covariatesTrainAndForecastFromAFutureFile(head: String) throws {
        let folder = try Self.folder()
        let trained = try Self.run(
            Self.train + " --future-features holiday --calendar auto --head \(head) -o {dir}/m.safetensors --plots {dir}/p",
            folder)
        #expect(trained.status == 0, "stderr: \(trained.stderr)")
        // The hidden states' heat map covers the window's 8 steps (the model's input also holds the 4 future steps).
        let hidden = try String(contentsOfFile: folder.path("p/hidden.svg"), encoding: .utf8)
        #expect(hidden.hasPrefix("<svg") || hidden.hasPrefix("<?xml"))
        let file = try ForecastModelFile(contentsOf: URL(fileURLWithPath: folder.path("m.safetensors")))
        #expect(file.options.calendar == [.hour, .weekday] && file.options.futureFeatures == ["holiday"])
        #expect(file.options.features == ["y", "holiday", "hour_sin", "hour_cos", "weekday_sin", "weekday_cos"])
        guard case .recurrent(let model) = file.network else { Issue.record("not recurrent"); return }
        #expect(model.future?.featureIndices == [1, 2, 3, 4, 5] && model.future?.steps == 4)
        #expect((model.decoder != nil) == (head == "encoder-decoder"))

        let evaluate = try Self.run("evaluate --model {dir}/m.safetensors --csv {dir}/h.csv --json", folder)
        #expect(evaluate.status == 0, "stderr: \(evaluate.stderr)")
        let backtest = try Self.run("backtest --model {dir}/m.safetensors --csv {dir}/h.csv --stride 8", folder)
        #expect(backtest.status == 0, "stderr: \(backtest.stderr)")

        var forecasts: [[Double]] = []
        for flag in [0, 1] {
            try ("holiday\n" + String(repeating: "\(flag)\n", count: 4)).write(
                toFile: folder.path("f\(flag).csv"), atomically: true, encoding: .utf8)
            let forecast = try Self.run(
                "forecast --model {dir}/m.safetensors --csv {dir}/h.csv --future {dir}/f\(flag).csv -o {dir}/out\(flag).csv",
                folder)
            #expect(forecast.status == 0, "stderr: \(forecast.stderr)")
            let lines = try String(contentsOfFile: folder.path("out\(flag).csv"), encoding: .utf8).split(separator: "\n")
            #expect(lines.count == 5 && lines.first == "step,y")
            forecasts.append(lines.dropFirst().compactMap { $0.split(separator: ",").last.flatMap { Double($0) } })
        }
        for j in 0..<4 { #expect(forecasts[1][j] - forecasts[0][j] > 2.5, "\(head) step \(j + 1): \(forecasts)") }
    }

    /// Each refused with one line naming the problem, exit 64, nothing written.
    @Test func badCovariateInputIsAUsageError() throws {
        let folder = try Self.folder()
        let model = folder.path("m.safetensors")
        let trained = try Self.run(Self.train + " --epochs 1 --future-features holiday -o \(model)", folder)
        #expect(trained.status == 0, "stderr: \(trained.stderr)")
        let forecast = "forecast --model {dir}/m.safetensors --csv {dir}/h.csv -o {dir}/out.csv"
        try expectUsageFailure(forecast, in: folder.url, naming: "known-future values of holiday", output: "out.csv")
        try "other\n1\n1\n1\n1\n".write(toFile: folder.path("other.csv"), atomically: true, encoding: .utf8)
        try expectUsageFailure(
            forecast + " --future {dir}/other.csv", in: folder.url, naming: "has no column holiday", output: "out.csv")
        try "holiday\n1\n0\n".write(toFile: folder.path("short.csv"), atomically: true, encoding: .utf8)
        try expectUsageFailure(
            forecast + " --future {dir}/short.csv", in: folder.url, naming: "has 2 row(s)", output: "out.csv")
        try expectUsageFailure(
            forecast + " --method recursive --future {dir}/short.csv", in: folder.url, naming: "--method", output: "out.csv")
        try expectUsageFailure(
            "export {dir}/m.safetensors --format onnx -o {dir}/m.onnx", in: folder.url, naming: "covariates",
            output: "m.onnx")

        let plain = Self.train.replacingOccurrences(of: " --time time", with: "") + " --epochs 1 -o {dir}/x.safetensors"
        try expectUsageFailure(plain + " --calendar auto", in: folder.url, naming: "--time", output: "x.safetensors")
        try expectUsageFailure(
            Self.train + " --calendar hours -o {dir}/x.safetensors", in: folder.url, naming: "--calendar",
            output: "x.safetensors")
        try expectUsageFailure(
            Self.train + " --model mlp --future-features holiday -o {dir}/x.safetensors", in: folder.url,
            naming: "--future-features", output: "x.safetensors")
        try expectUsageFailure(
            Self.train + " --future-features holiday --tbptt 4 -o {dir}/x.safetensors", in: folder.url, naming: "--tbptt",
            output: "x.safetensors")
        try expectUsageFailure(
            Self.train + " --future-features time -o {dir}/x.safetensors", in: folder.url, naming: "--time",
            output: "x.safetensors")

        var lines = Self.holidayCSV().split(separator: "\n").map(String.init)
        lines[9] = "2024-02-30T08:00:00" + lines[9].drop { $0 != "," }
        try (lines.joined(separator: "\n") + "\n").write(toFile: folder.path("bad.csv"), atomically: true, encoding: .utf8)
        try expectUsageFailure(
            Self.train.replacingOccurrences(of: "h.csv", with: "bad.csv") + " --calendar hour -o {dir}/x.safetensors",
            in: folder.url, naming: "bad.csv:10: column \"time\": cell \"2024-02-30T08:00:00\" is not an ISO 8601",
            output: "x.safetensors")
    }
}
