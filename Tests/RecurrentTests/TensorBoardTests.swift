import Foundation
import Testing

@testable import RecurrentCore
@testable import RecurrentReports

/// The TensorBoard event files of `TensorBoardWriter` and `TensorBoardLog`,
/// byte for byte against `Fixtures/tensorboard/NAME.tfevents`: files that
/// `scripts/check_tensorboard.py --write` made with TensorBoard's own protobuf
/// messages and `RecordWriter` from the calls listed in `manifest.json`, and
/// then read back through TensorBoard's data provider.
@Suite struct TensorBoardTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tensorboard")

    /// A clock that reads `start + increment * n` at its n-th reading, from 0.
    final class Clock {
        let start: Double, increment: Double
        var readings = 0
        init(start: Double, increment: Double) {
            self.start = start
            self.increment = increment
        }
        func read() -> Double {
            defer { readings += 1 }
            return start + increment * Double(readings)
        }
    }

    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tensorboard-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func crc32cMatchesTheKnownCheckValues() {
        // RFC 3720 (iSCSI) B.4 and the CRC catalogue's check value of "123456789".
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).reversed().map { UInt8($0) }) == 0x113F_DB5C)
    }

    @Test func maskedCRCRotatesAndOffsets() {
        // 0xE3069283 rotated right by 15 is 0x2507C60D; plus 0xA282EAD8 is 0xC78AB0E5
        // (tensorboard's masked_crc32c gives the same).
        #expect(CRC32C.masked(Array("123456789".utf8)) == 0xC78A_B0E5)
        #expect(CRC32C.masked([UInt8]()) == 0xA282_EAD8)
    }

    @Test func aRecordIsLengthCRCDataCRC() {
        let data = Array("123456789".utf8)
        let record = TensorBoardEvent.record(data)
        let length: [UInt8] = [9, 0, 0, 0, 0, 0, 0, 0]
        let lengthCRC = CRC32C.masked(length)
        #expect(Array(record[0..<8]) == length)
        #expect(Array(record[8..<12]) == (0..<4).map { UInt8(truncatingIfNeeded: lengthCRC >> (8 * $0)) })
        #expect(Array(record[12..<21]) == data)
        #expect(Array(record[21...]) == [0xE5, 0xB0, 0x8A, 0xC7])
    }

    /// One run of `manifest.json`: the calls that `fit` makes to a callback.
    struct Run: Decodable {
        struct Plan: Decodable { var epochs, stepsPerEpoch, totalSteps, examples, resumedEpochs, resumedSteps: Int }
        struct Call: Decodable {
            var call: String
            var epoch: Int
            var batch: Int?, updates: Int?
            var loss: Float?, gradientNorm: Float?
            var learningRate: Float
            var trainLoss: Double?, validationLoss: Double?
        }
        var name: String
        var plan: Plan
        var text: [String: String]
        var calls: [Call]
    }

    struct Manifest: Decodable {
        struct ClockSpec: Decodable { var start, increment: Double }
        var clock: ClockSpec
        var runs: [Run]
    }

    /// The records in an event file, by their lengths.
    static func recordCount(_ bytes: [UInt8]) -> Int {
        var offset = 0
        var count = 0
        while offset + 8 <= bytes.count {
            let length = (0..<8).reduce(0) { $0 | Int(bytes[offset + $1]) << (8 * $1) }
            offset += 16 + length
            count += 1
        }
        return offset == bytes.count ? count : -1
    }

    /// The event file that `TensorBoardLog` writes for `run`'s calls, and
    /// the records the file held after each epoch.
    static func logged(_ run: Run, clock: Manifest.ClockSpec, in folder: URL) throws -> ([UInt8], [Int]) {
        let time = Clock(start: clock.start, increment: clock.increment)
        let writer = try TensorBoardWriter(directory: folder, clock: time.read)
        let log = TensorBoardLog(writer: writer, text: run.text)
        let p = run.plan
        log.fitWillStart(
            FitPlan(
                epochs: p.epochs, stepsPerEpoch: p.stepsPerEpoch, totalSteps: p.totalSteps, examples: p.examples,
                resumedEpochs: p.resumedEpochs, resumedSteps: p.resumedSteps))
        var history = History()
        var recordsAtEpochEnds: [Int] = []
        for call in run.calls {
            if call.call == "step" {
                let step = StepSummary(
                    epoch: call.epoch, batch: call.batch!, batches: p.stepsPerEpoch, batchesRun: call.batch!,
                    updates: call.updates!, loss: Double(call.loss!), epochLoss: 0, gradientNorm: call.gradientNorm!,
                    learningRate: call.learningRate, seconds: 0)
                #expect(log.stepDidEnd(step) == .proceed)
            } else {
                let epoch = EpochSummary(
                    epoch: call.epoch, steps: p.stepsPerEpoch, updates: p.stepsPerEpoch, trainLoss: call.trainLoss!,
                    validationLoss: call.validationLoss, learningRate: call.learningRate, seconds: 1)
                #expect(log.epochDidEnd(epoch) == .proceed)
                history.epochs.append(epoch)
                recordsAtEpochEnds.append(recordCount(Array(try Data(contentsOf: writer.url))))
            }
        }
        log.fitDidEnd(history)
        #expect(log.failure == nil)
        let written = try Data(contentsOf: writer.url)
        try writer.close()
        return (Array(written), recordsAtEpochEnds)
    }

    /// The events logged up to each epoch's end: the file version, the texts,
    /// one session start, three per step, two or three per epoch.
    static func eventsAtEpochEnds(_ run: Run) -> [Int] {
        var count = 1 + run.text.count
        var steps = 0
        var result: [Int] = []
        for call in run.calls {
            if call.call == "step" {
                count += (steps == 0 ? 1 : 0) + 3
                steps += 1
            } else {
                count += call.validationLoss == nil ? 2 : 3
                result.append(count)
            }
        }
        return result
    }

    @Test func theLogWritesTensorBoardsBytesForEveryFixtureRun() throws {
        let manifest = try JSONDecoder().decode(
            Manifest.self, from: Data(contentsOf: Self.folder.appendingPathComponent("manifest.json")))
        #expect(manifest.runs.map(\.name) == ["interrupted", "resumed", "no_validation"])
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for run in manifest.runs {
            let expected = Array(try Data(contentsOf: Self.folder.appendingPathComponent(run.name + ".tfevents")))
            let (observed, recordsAtEpochEnds) = try Self.logged(
                run, clock: manifest.clock, in: folder.appendingPathComponent(run.name))
            let common = min(observed.count, expected.count)
            let first = (0..<common).first { observed[$0] != expected[$0] } ?? common
            let same = observed == expected  // a Bool, so that a failure prints the message, not every byte
            #expect(
                same,
                "\(run.name): \(observed.count) bytes, expected \(expected.count); first difference at byte \(first)")
            // Everything logged so far is in the file at each epoch's end, for a live TensorBoard.
            #expect(recordsAtEpochEnds == Self.eventsAtEpochEnds(run), "\(run.name)")
        }
    }

    @Test func theFileIsNamedAsTensorBoardNamesItAndNeverShared() throws {
        let folder = try Self.temporaryFolder().appendingPathComponent("new/run")
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        let first = try TensorBoardWriter(directory: folder, clock: { 1_700_000_000.75 })
        let second = try TensorBoardWriter(directory: folder, clock: { 1_700_000_000.75 })
        let names = [first.url, second.url].map(\.lastPathComponent)
        let parts = names[0].split(separator: ".")
        #expect(names[0].hasPrefix("events.out.tfevents.1700000000.") && names[0].hasSuffix(".\(getpid()).0"))
        #expect(parts.count >= 6 && parts[parts.count - 2] == "\(getpid())", "\(names)")
        #expect(names[1] == names[0].dropLast() + "1")
        #expect(first.url.deletingLastPathComponent().path == folder.path)
        // The file-version record alone, written at once.
        let expected = TensorBoardEvent.record(TensorBoardEvent.fileVersion(wallTime: 1_700_000_000.75))
        #expect(Array(try Data(contentsOf: first.url)) == expected)
    }

    @Test func eventsWaitInMemoryUntilTheIntervalOrAFlush() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let clock = Clock(start: 100, increment: 4)
        let writer = try TensorBoardWriter(directory: folder, flushInterval: 10, clock: clock.read)
        func size() throws -> Int { try Data(contentsOf: writer.url).count }
        let header = try size()
        try writer.addScalar("a", 1, step: 1)  // t = 104
        try writer.addScalar("a", 2, step: 2)  // t = 108
        #expect(try size() == header)
        try writer.addScalar("a", 3, step: 3)  // t = 112: 12 s after the file was made
        let three = try size()
        #expect(three > header)
        try writer.addText("note", "*x*", step: 3)  // t = 116
        #expect(try size() == three)
        try writer.flush()
        #expect(try size() > three)
        try writer.close()
        try writer.close()
        #expect(throws: EventFileError.self) { try writer.addScalar("a", 4, step: 4) }
    }

    @Test func aFolderThatIsAFileIsAnError() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("file")
        try Data("x".utf8).write(to: file)
        #expect {
            _ = try TensorBoardWriter(directory: file.appendingPathComponent("run"))
        } throws: { error in
            (error as? EventFileError).map { $0.file == file.appendingPathComponent("run").path } ?? false
        }
    }

    @Test func aFailedWriteKeepsTheErrorAndNeverStopsTheRun() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let writer = try TensorBoardWriter(directory: folder)
        let log = TensorBoardLog(writer: writer)
        try writer.close()
        let epoch = EpochSummary(
            epoch: 1, steps: 1, updates: 1, trainLoss: 1, validationLoss: nil, learningRate: 0.1, seconds: 1)
        #expect(log.epochDidEnd(epoch) == .proceed)
        #expect(log.failure?.problem == "is closed")
    }
}
