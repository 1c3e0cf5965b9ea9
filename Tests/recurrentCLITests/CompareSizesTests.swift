import Foundation
import Testing

/// `recurrent compare` matches the models' sizes to the LSTM's by their
/// parameters as `train` builds them — with the encoder–decoder's decoder,
/// the skip and a quantile head, which a formula of the layers alone missed
/// (it announced 460 parameters for an LSTM of 767) — and announces the
/// count that it then trains.
@Suite struct CompareSizesTests {
    @Test func announcedCountsAreTrainedAndNearTheLSTMs() throws {
        let folder = try TemporaryFolder()
        let csv = folder.path("waves.csv")
        let rows = (0..<300).map { i in "\(sin(0.3 * Double(i)) + 0.5 * sin(0.71 * Double(i) + 1))" }
        try (["v"] + rows).joined(separator: "\n").appending("\n").write(toFile: csv, atomically: true, encoding: .utf8)
        let run = try runRecurrent([
            "compare", "--csv", csv, "--target", "v", "--window", "8", "--horizon", "4", "--models", "lstm,gru,rnn",
            "--head", "encoder-decoder", "--skip", "--quantiles", "0.1,0.5,0.9", "--hidden", "8", "--batch-size", "16",
            "--seed", "3", "--epochs", "1",
        ])
        try #require(run.status == 0, "stderr: \(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        var announced: [String: Int] = [:]
        var trained: [String: Int] = [:]
        for line in lines {
            let words = line.split(separator: " ").map(String.init)
            if line.hasPrefix("training "), words.count > 4 {
                announced[words[1].trimmingCharacters(in: [","])] = Int(words[4])
            } else if let name = words.first, ["LSTM", "GRU", "RNN"].contains(name), words.count > 2 {
                trained[name.lowercased()] = Int(words[2])
            }
        }
        #expect(announced.count == 3 && announced == trained, "\(run.stdout)")
        // At least the encoder LSTM (D 1, H 8), the decoder LSTM (its constant input of 1) and the per-step head
        // (H → 3 levels), 4·8·(1 + 8 + 2) twice and 8·3 + 3; the skip adds the rest.
        let lstm = 4 * 8 * (1 + 8 + 2) + 4 * 8 * (1 + 8 + 2) + (3 * 8 + 3)
        #expect(try #require(trained["lstm"]) >= lstm, "\(trained)")
        for name in ["gru", "rnn"] {
            let count = try #require(trained[name])
            #expect(abs(count - trained["lstm"]!) <= trained["lstm"]! / 10, "\(name): \(count) against \(trained)")
        }
    }
}
