import Foundation
import Recurrent
import Testing

/// Checks made before a run starts: memory it cannot have, and data cells
/// too far from the rest to be anything but mistakes. Each is one `Error:`
/// line, exit 64, and no model file, within a second or two.
@Suite struct ResourceChecksTests {
    /// The issue's two runs that cannot fit (a 24 TB window set; 64 layers
    /// of 16,384 LSTM units, about 550 GB of weights before the optimiser's).
    @Test(arguments: [
        "train --task sine --length 10000000 --window 1000000 --epochs 1 --output {dir}/m.safetensors",
        "train --task sine --length 300 --hidden 16384 --layers 64 --epochs 1 --output {dir}/m.safetensors",
    ])
    func aRunThatCannotFitSaysHowMuchItNeeds(arguments: String) throws {
        let folder = try TemporaryFolder()
        let start = Date()
        try expectUsageFailure(arguments, in: folder.url, naming: "of memory", output: "m.safetensors")
        #expect(Date().timeIntervalSince(start) < 20, "the check came after the allocation")
        let result = try runRecurrent(
            arguments.replacingOccurrences(of: "{dir}", with: folder.url.path).split(separator: " ").map(String.init))
        #expect(
            result.stderr.range(of: #"^Error: needs about [0-9]+ GiB of memory \(.*\); this machine has [0-9.]+ GiB\n"#,
                options: .regularExpression) != nil, "\(result.stderr)")
    }

    /// The estimate of the LSTM case by hand: per layer l, 4H(D_l + H) + 8H
    /// weights with D_0 = 1 and D_l = H after, so about 64 · 4 · 16384 ·
    /// 32768 = 1.374e11 floats, × 4 bytes × 6 copies (weights, gradients,
    /// Adam's two moments, the best epoch's, the packed weights) ≈ 3,072 GiB.
    @Test func theWeightsEstimateIsTheHandComputedOne() throws {
        let folder = try TemporaryFolder()
        let result = try runRecurrent(
            "train --task sine --length 300 --hidden 16384 --layers 64 --epochs 1 --output \(folder.path("m.safetensors"))"
                .split(separator: " ").map(String.init))
        let h = 16384.0
        let floats = 4 * h * (1 + h) + 8 * h + 63 * (4 * h * (2 * h) + 8 * h) + h + 1
        let gib = Int((floats * 4 * 6 / Double(1 << 30)).rounded())
        #expect(result.stderr.contains("weights, gradients and optimiser state \(gib) GiB"), "\(result.stderr), expected \(gib) GiB")
    }

    @Test func generateRefusesMoreThanItsLimit() throws {
        let folder = try TemporaryFolder()
        try Data("the cat sat on the mat. ".utf8).write(to: URL(fileURLWithPath: folder.path("t.txt")))
        try expectUsageFailure(
            "generate --model {dir}/none.safetensors --length 1000000000", in: folder.url, naming: "--length",
            output: "none")
    }

    /// A sentinel of 1e38 in the training part and -9999 among values of
    /// ±1 in the validation part: named by file, line and column.
    @Test(arguments: [(17, "1e38"), (250, "-9999e9")])
    func anExtremeCellIsNamedBeforeTraining(row: Int, cell: String) throws {
        let folder = try TemporaryFolder()
        var csv = "time,load\n"
        for r in 0..<300 { csv += "\(r),\(r == row ? cell : String(sin(Double(r) / 5)))\n" }
        try Data(csv.utf8).write(to: URL(fileURLWithPath: folder.path("load.csv")))
        try expectUsageFailure(
            "train --csv {dir}/load.csv --target load --time time --window 8 --epochs 1 --output {dir}/m.safetensors",
            in: folder.url, naming: "load.csv:\(row + 2): column \"load\": value", output: "m.safetensors")
    }

    @Test func anExtremeCellOfLongFormSequencesIsNamed() throws {
        let folder = try TemporaryFolder()
        var csv = "id,step,x,label\n"
        for s in 0..<20 {
            for t in 0..<5 { csv += "s\(s),\(t),\(s == 7 && t == 3 ? "3e30" : String(Double(s * t % 7) / 3)),\(s % 2)\n" }
        }
        try Data(csv.utf8).write(to: URL(fileURLWithPath: folder.path("seq.csv")))
        try expectUsageFailure(
            "train --sequences {dir}/seq.csv --id-column id --step-column step --epochs 1 --output {dir}/m.safetensors",
            in: folder.url, naming: "seq.csv:\(2 + 7 * 5 + 3): column \"x\": value 3e+30", output: "m.safetensors")
    }

    /// A run that diverges (plain SGD at a learning rate of 10^30, no
    /// clipping to speak of) stops at the step whose loss or gradient is not finite, by name.
    @Test func aDivergingRunNamesTheStepAndTheTensor() throws {
        let folder = try TemporaryFolder()
        let result = try runRecurrent(
            ("train --task sine --length 300 --window 8 --hidden 4 --epochs 3 --optimizer sgd --learning-rate 1e30 "
                + "--clip 1e30 --quiet --output \(folder.path("m.safetensors"))").split(separator: " ").map(String.init))
        #expect(result.status == 64, "\(result)")
        #expect(
            result.stderr.range(
                of: #"^Error: non-finite value in (the loss|the gradient of [a-z_.0-9]+) at step [0-9]+; the update was not applied\n$"#,
                options: .regularExpression) != nil, "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.path("m.safetensors")))
    }
}
