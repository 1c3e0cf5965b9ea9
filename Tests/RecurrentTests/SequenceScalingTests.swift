import Foundation
import Recurrent
import Testing

// The same labelled sequences read from a long-form CSV file and from a
// safetensors file are scaled the same way, by the training part's
// statistics over real steps (numpy's figures in ucr_expected.json, written by
// scripts/make_ucr_like_sequences.py); the split's shares may leave no test
// part; the fingerprint tells one file from another.

@Suite struct SequenceScalingTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/sequences")
    static let longForm = LabelledSequenceLayout.longForm(
        idColumn: "id", stepColumn: "t", featureColumns: ["x", "y"], labelColumn: "label")

    static func csv(_ name: String) throws -> LabelledSequences {
        try LabelledSequences(contentsOf: fixtures.appendingPathComponent(name), layout: longForm)
    }

    static func tensors() throws -> LabelledSequences {
        try LabelledSequences(
            contentsOf: fixtures.appendingPathComponent("ucr_train.safetensors"), layout: .safetensors)
    }

    struct Expected: Decodable {
        var trainMean: [Double]
        var trainStd: [Double]
        var trainSequences: Int
        var testSequences: Int
    }

    static func expected() throws -> Expected {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(
            Expected.self, from: Data(contentsOf: fixtures.appendingPathComponent("ucr_expected.json")))
    }

    @Test func longFormAndSafetensorsGiveTheSameScaledTensors() throws {
        let (csv, tensors, expected) = (try Self.csv("ucr_train.csv"), try Self.tensors(), try Self.expected())
        #expect(csv.count == expected.trainSequences && tensors.count == expected.trainSequences)
        guard case .features(_, let a) = csv.steps, case .features(_, let b) = tensors.steps else {
            Issue.record("expected numeric steps")
            return
        }
        #expect(a == b, "the two files hold different steps")
        #expect(csv.labels == tensors.labels)
        let all = Array(0..<csv.count)
        for method in [Normalization.Method.zScore, .minMax] {
            guard case .features(2, let fromCSV?) = try csv.fittedEncoding(on: all, scaling: method),
                case .features(2, let fromTensors?) = try tensors.fittedEncoding(on: all, scaling: method)
            else {
                Issue.record("\(method): expected two scaled features from both files")
                continue
            }
            #expect(fromCSV.method == method && fromTensors.method == method)
            #expect(fromCSV.offsets == fromTensors.offsets && fromCSV.scales == fromTensors.scales, "\(method)")
            #expect(fromTensors.columns == ["input[0]", "input[1]"])
            let x = try csv.batch(all, encoding: .features(count: 2, normalization: fromCSV), classes: ["0", "1"])
            let y = try tensors.batch(
                all, encoding: .features(count: 2, normalization: fromTensors), classes: ["0", "1"])
            #expect(x.input == y.input && x.lengths == y.lengths && x.targets == y.targets, "\(method)")
        }
        // The default is the z-score, with numpy's mean and population standard deviation over real steps.
        guard case .features(2, let z?) = try tensors.fittedEncoding(on: all) else {
            Issue.record("expected a default normalisation")
            return
        }
        #expect(z.method == .zScore)
        for j in 0..<2 {
            let offset = abs(z.offsets[j] - expected.trainMean[j]) / abs(expected.trainMean[j])
            let scale = abs(z.scales[j] - expected.trainStd[j]) / expected.trainStd[j]
            let detail =
                "feature \(j): mean \(z.offsets[j]) vs numpy \(expected.trainMean[j]) (relative error \(offset)), "
                + "std \(z.scales[j]) vs \(expected.trainStd[j]) (\(scale))"
            #expect(offset < 1e-12 && scale < 1e-12, "\(detail)")
        }
        #expect(try tensors.fittedEncoding(on: all, scaling: .none) == .features(count: 2, normalization: nil))
    }

    @Test func fingerprintFollowsTheContents() throws {
        let train = try Self.csv("ucr_train.csv")
        #expect(train.fingerprint == (try Self.csv("ucr_train.csv")).fingerprint)
        #expect(train.fingerprint.count == 16)
        // The same labels and steps, in the same order, from the other layout.
        #expect(train.fingerprint == (try Self.tensors()).fingerprint)
        #expect(train.fingerprint != (try Self.csv("ucr_test.csv")).fingerprint)
        // One value changed in the last digit.
        let text = try String(contentsOf: Self.fixtures.appendingPathComponent("ucr_train.csv"), encoding: .utf8)
        var lines = text.split(separator: "\n").map(String.init)
        var cells = lines[5].split(separator: ",").map(String.init)
        cells[2] = String(Float(cells[2])!.nextUp)
        lines[5] = cells.joined(separator: ",")
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("changed-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: url) }
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        #expect(try LabelledSequences(contentsOf: url, layout: Self.longForm).fingerprint != train.fingerprint)
    }

    @Test func sharesSummingToOneLeaveNoTestPart() throws {
        let noTest = SequenceSplit(seed: 4, train: 0.85, validation: 0.15)
        #expect(!noTest.hasTestPart && SequenceSplit(seed: 4).hasTestPart)
        let parts = try noTest.parts(count: 24)
        // round(0.85 · 24) = 20 training, the other 4 validation.
        #expect(parts.train.count == 20 && parts.validation.count == 4 && parts.test.isEmpty)
        #expect(Set(parts.train + parts.validation) == Set(0..<24))
        let all = try SequenceSplit(seed: 4, train: 1, validation: 0).parts(count: 24)
        #expect(all.train == Array(0..<24) && all.validation.isEmpty && all.test.isEmpty)
        #expect(throws: RecurrentError.self) {
            try SequenceSplit(seed: 1, train: 0.95, validation: 0.05).parts(count: 5)
        }

        let recorded = SequenceSplit(seed: 9, train: 0.85, validation: 0.15, sequences: 24, fingerprint: "00ff")
        let json = try JSONEncoder().encode(recorded)
        #expect(try JSONDecoder().decode(SequenceSplit.self, from: json) == recorded)
        // A split written before fingerprints decodes without one.
        let old = try JSONDecoder().decode(
            SequenceSplit.self, from: Data(#"{"seed":"42","train":0.7,"validation":0.15,"sequences":1500}"#.utf8))
        #expect(old == SequenceSplit(seed: 42, sequences: 1500) && old.fingerprint == nil)
        for bad in [
            #"{"seed":"1","train":0.9,"validation":0.2}"#, #"{"seed":"1","train":0,"validation":0.2}"#,
            #"{"seed":"1","train":0.5,"validation":-0.1}"#,
        ] {
            #expect(throws: DecodingError.self, "\(bad)") {
                try JSONDecoder().decode(SequenceSplit.self, from: Data(bad.utf8))
            }
        }
    }

    @Test func classifierFileKeepsAScaledSafetensorsInput() throws {
        var generator = RandomGenerator(seed: 5)
        let model = try SequenceModel(
            input: .features(2), cell: .gru, hiddenSize: 3, outputSize: 2, pooling: .last, generator: &generator)
        let scaled = try Normalization(
            method: .zScore, columns: ["input[0]", "input[1]"], offsets: [1, 2], scales: [3, 4])
        let split = SequenceSplit(seed: 1, train: 1, validation: 0, sequences: 24, fingerprint: "abc")
        let file = SequenceClassifierFile(
            model: model, layout: .safetensors, encoding: .features(count: 2, normalization: scaled),
            classes: ["0", "1"], split: split)
        let read = try SequenceClassifierFile(ModelFile(data: file.modelFile().serialized(), name: "m"), name: "m")
        #expect(read.encoding == file.encoding && read.split == split)

        let wrong = try Normalization(method: .zScore, columns: ["x", "y"], offsets: [1, 2], scales: [3, 4])
        var bad = file
        bad.encoding = .features(count: 2, normalization: wrong)
        #expect(throws: SafetensorsError.self) {
            try SequenceClassifierFile(ModelFile(data: bad.modelFile().serialized(), name: "m"), name: "m")
        }
    }
}
