import Foundation
import Recurrent
import Testing

/// `recurrent train --log-dir`: the event file of every kind of training run,
/// read with a reader of the tests' own (bit-at-a-time CRC-32C, a protobuf
/// field walker), and its figures against `--json`'s.
@Suite struct TensorBoardLogTests {
    /// One decoded event: its step, its scalars and texts by tag, whether it
    /// names the file version or marks a session start.
    struct Event {
        var step = 0
        var fileVersion: String?
        var sessionStart = false
        var scalars: [String: Float] = [:]
        var texts: [String: String] = [:]
    }

    /// CRC-32C bit by bit (reflected polynomial 0x82F63B78), masked as TFRecord does.
    static func maskedCRC(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        crc ^= 0xFFFF_FFFF
        return ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }

    static func littleEndian(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// The fields of a protobuf message: number, and a varint, fixed-width
    /// value (as bits) or length-delimited bytes.
    static func fields(_ bytes: ArraySlice<UInt8>) throws -> [(Int, UInt64, ArraySlice<UInt8>)] {
        var result: [(Int, UInt64, ArraySlice<UInt8>)] = []
        var i = bytes.startIndex
        func varint() throws -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let byte = try #require(i < bytes.endIndex ? bytes[i] : nil)
                i += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return value }
                shift += 7
            }
        }
        while i < bytes.endIndex {
            let key = try varint()
            switch key & 7 {
            case 0: result.append((Int(key >> 3), try varint(), []))
            case 1:
                result.append((Int(key >> 3), littleEndian(bytes[i..<i + 8]), []))
                i += 8
            case 5:
                result.append((Int(key >> 3), littleEndian(bytes[i..<i + 4]), []))
                i += 4
            case 2:
                let length = Int(try varint())
                result.append((Int(key >> 3), 0, bytes[i..<i + length]))
                i += length
            default: throw CocoaError(.fileReadCorruptFile)
            }
        }
        return result
    }

    /// Every record of the file, its two CRCs checked, decoded.
    static func events(atPath path: String) throws -> [Event] {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        var events: [Event] = []
        var offset = 0
        while offset < bytes.count {
            let length = Int(littleEndian(bytes[offset..<offset + 8]))
            #expect(UInt32(littleEndian(bytes[offset + 8..<offset + 12])) == maskedCRC(bytes[offset..<offset + 8]))
            let data = bytes[offset + 12..<offset + 12 + length]
            #expect(UInt32(littleEndian(bytes[offset + 12 + length..<offset + 16 + length])) == maskedCRC(data))
            offset += 16 + length
            var event = Event()
            for (field, value, body) in try fields(data) {
                switch field {
                case 2: event.step = Int(value)
                case 3: event.fileVersion = String(decoding: body, as: UTF8.self)
                case 7: event.sessionStart = try fields(body).contains { $0.0 == 1 && $0.1 == 1 }
                case 5:
                    for (_, _, entry) in try fields(body) {
                        let parts = try fields(entry)
                        let tag = String(decoding: parts.first { $0.0 == 1 }?.2 ?? [], as: UTF8.self)
                        if let simple = parts.first(where: { $0.0 == 2 }) {
                            event.scalars[tag] = Float(bitPattern: UInt32(simple.1))
                        }
                        if let tensor = parts.first(where: { $0.0 == 8 }),
                            let text = try fields(tensor.2).first(where: { $0.0 == 8 })
                        {
                            event.texts[tag] = String(decoding: text.2, as: UTF8.self)
                        }
                    }
                default: break
                }
            }
            events.append(event)
        }
        #expect(offset == bytes.count, "\(path): a truncated record")
        return events
    }

    /// The one event file in `folder`.
    static func eventFile(in folder: String) throws -> String {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter {
            $0.hasPrefix("events.out.tfevents.")
        }
        try #require(names.count == 1, "\(folder): \(names)")
        return folder + "/" + names[0]
    }

    /// (step, value) of `tag` over `events`.
    static func series(_ tag: String, _ events: [Event]) -> [(Int, Float)] {
        events.compactMap { event in event.scalars[tag].map { (event.step, $0) } }
    }

    @Test func aSeriesRunLogsEveryStepAndEpochAsJSONGivesThem() throws {
        let folder = try TemporaryFolder()
        let logs = folder.path("logs/run 1")  // made, parents too; a space in the name
        let result = try runRecurrent(
            [
                "train", "--task", "sine", "--length", "300", "--epochs", "3", "--json", "--log-dir", logs, "-o",
                folder.path("m.safetensors"),
            ] + TrainingRunTests.small)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let figures = try TrainingRunTests.jsonObjects(result.stdout)
        let path = try Self.eventFile(in: logs)
        #expect(figures.last?["log_file"] as? String == path)
        let events = try Self.events(atPath: path)
        #expect(events.first?.fileVersion == "brain.Event:2")
        // 186 windows in batches of 16: 12 steps an epoch.
        let losses = Self.series("train/loss", events)
        #expect(losses.map(\.0) == Array(1...36))
        #expect(events.filter(\.sessionStart).map(\.step) == [1])
        for tag in ["train/learning_rate", "train/gradient_norm"] {
            #expect(Self.series(tag, events).map(\.0) == Array(1...36), "\(tag)")
        }
        #expect(Self.series("train/learning_rate", events).allSatisfy { $0.1 == 0.005 })
        for (tag, key) in [
            ("epoch/train_loss", "train_loss"), ("epoch/validation_loss", "validation_loss"),
            ("epoch/learning_rate", "learning_rate"),
        ] {
            let logged = Self.series(tag, events)
            #expect(logged.map(\.0) == [12, 24, 36], "\(tag)")
            #expect(logged.map(\.1) == figures.dropLast().map { Float($0[key] as! Double) }, "\(tag)")
        }
        let rmse = try #require(Self.series("final/validation_rmse", events).first)
        #expect(rmse.0 == 36 && rmse.1 == Float(figures.last?["validation_rmse"] as! Double))
        let options = try #require(events.compactMap { $0.texts["options"] }.first)
        #expect(options.hasPrefix("    recurrent train --task sine --length 300 --epochs 3 --json --log-dir '"))
        #expect(
            options.contains("/logs/run 1' -o ") && options.contains("model: lstm hidden 8 layers 1;"), "\(options)")
    }

    @Test(arguments: ["text", "sequences", "adding", "mlp"])
    func everyKindOfRunLogs(_ kind: String) throws {
        let folder = try TemporaryFolder()
        var data: [String]
        switch kind {
        case "text":
            try TextCommandTests.rhyme.write(toFile: folder.path("rhyme.txt"), atomically: true, encoding: .utf8)
            data = ["--text", folder.path("rhyme.txt"), "--window", "24"]
        case "sequences":
            try ClassifyCommandTests.tensorFile().write(to: URL(fileURLWithPath: folder.path("s.safetensors")))
            data = ["--sequences", folder.path("s.safetensors")]
        case "adding": data = ["--task", "adding", "--length", "12", "--samples", "64"]
        default: data = ["--task", "sine", "--length", "300", "--model", "mlp"]
        }
        let logs = folder.path("logs")
        let result = try runRecurrent(
            ["train"] + data + ["--epochs", "2", "--quiet", "--log-dir", logs, "-o", folder.path("m.safetensors")]
                + TrainingRunTests.small)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let events = try Self.events(atPath: try Self.eventFile(in: logs))
        let tags = Set(events.flatMap(\.scalars.keys))
        for tag in [
            "train/loss", "train/learning_rate", "train/gradient_norm", "epoch/train_loss", "epoch/validation_loss",
            "epoch/learning_rate",
        ] {
            #expect(tags.contains(tag), "\(kind): \(tags.sorted())")
        }
        #expect(Self.series("epoch/train_loss", events).count == 2, "\(kind)")
        #expect(tags.contains { $0.hasPrefix("final/validation_") }, "\(kind): \(tags.sorted())")
        #expect(events.contains { $0.texts["options"]?.contains("--log-dir") == true }, "\(kind)")
    }

    @Test func aResumedRunContinuesTheStepsInANewFileOfTheFolder() throws {
        let folder = try TemporaryFolder()
        let logs = folder.path("logs")
        let common =
            [
                "train", "--task", "sine", "--length", "300", "--epochs", "3", "--quiet", "--log-dir", logs,
                "--checkpoint", folder.path("c.ckpt"), "-o", folder.path("m.safetensors"),
            ] + TrainingRunTests.small
        let stopped = try runRecurrent(common + ["--interrupt-after-steps", "5"])
        #expect(stopped.status == 130, "stderr: \(stopped.stderr)")
        let first = try Self.eventFile(in: logs)
        let resumed = try runRecurrent(common + ["--resume"])
        #expect(resumed.status == 0, "stderr: \(resumed.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: logs).map { logs + "/" + $0 }
        let second = try #require(files.first { $0 != first }, "\(files)")
        let before = try Self.events(atPath: first)
        let after = try Self.events(atPath: second)
        #expect(Self.series("train/loss", before).map(\.0) == Array(1...5))
        // The stop wrote checkpoint 5: the resumed run starts its session at update 6.
        #expect(after.filter(\.sessionStart).map(\.step) == [6])
        #expect(Self.series("train/loss", after).map(\.0) == Array(6...36))
        #expect(Self.series("epoch/train_loss", after).map(\.0) == [12, 24, 36])
    }

    @Test func aLogFolderThatIsAFileOrCannotBeMadeIsRefusedBeforeTraining() throws {
        let folder = try TemporaryFolder()
        try Data("x".utf8).write(to: URL(fileURLWithPath: folder.path("file")))
        let run = "train --task sine --length 300 --epochs 1 -o {dir}/m.safetensors --log-dir {dir}/"
        try expectUsageFailure(
            run + "file", in: folder.url, naming: "--log-dir \(folder.path("file")): is a file, not a folder",
            output: "m.safetensors")
        try expectUsageFailure(
            run + "file/logs", in: folder.url,
            naming: "--log-dir \(folder.path("file/logs")): the folder cannot be created",
            output: "m.safetensors")
    }
}
