import Foundation
import Recurrent

// `recurrent info` for what is not a model: training checkpoints, safetensors
// data files, .npy arrays and CSV tables.

extension Info {
    /// The checkpoint's model, where its run stands, its optimiser state and fingerprint.
    func describeCheckpoint(_ checkpoint: TrainingCheckpoint) {
        let progress = FitProgress(checkpoint)
        print(
            "training checkpoint (format version \(TrainingCheckpoint.formatVersion))"
                + (progress == nil ? ", not written by fit: no run record" : ", written by fit"))
        let fingerprint = progress?.fingerprint ?? [:]
        let weights = SafetensorsFile(
            tensors: Dictionary(uniqueKeysWithValues: checkpoint.parameters.map { ($0.name, $0.tensor) }))
        if let model = try? ModelFile(checking: weights, name: file, nonlinearity: nil) {
            let head = model.tensors.map { "\($0.name) \($0.tensor.shape)" }.joined(separator: ", ")
            print("model:        \(model.layer.architecture)" + (head.isEmpty ? "" : " with \(head)"))
        } else if let name = fingerprint["--model"] {
            print("model:        \(name == "mlp" ? "MLP" : name) (from the options fingerprint)")
        }
        let count = checkpoint.parameters.map(\.tensor.count).reduce(0, +)
        print("parameters:   \(count) in \(checkpoint.parameters.count) tensors")
        if let progress {
            let planned =
                fingerprint["epochs"].map { " of \($0)" } ?? fingerprint["steps"].map { " (\($0) steps planned)" } ?? ""
            let position =
                progress.batchesDone > 0
                ? "epoch \(progress.epochsDone + 1)\(planned) in progress, \(progress.batchesDone) batches done"
                : "end of epoch \(progress.epochsDone)\(planned)"
            print("at:           \(position), update \(checkpoint.step)")
            if let last = progress.history.epochs.last {
                print(
                    "last epoch:   train loss \(significant(last.trainLoss))"
                        + (last.validationLoss.map { ", validation loss \(significant($0))" } ?? ""))
            }
            if let best = progress.history.bestEpoch, let loss = progress.history.bestValidationLoss {
                print(
                    "best epoch:   \(best), validation loss \(significant(loss))"
                        + (progress.keepsBestWeights ? "; its weights are kept beside the current ones" : ""))
            }
            let finished = fingerprint["epochs"].flatMap(Int.init).map { progress.epochsDone >= $0 } ?? false
            let stop: String =
                switch progress.history.stop {
                case .completed: finished ? "no: every epoch ran" : "no: the same command with --resume continues it"
                case .earlyStopping: "early stopping (--patience); the run is over"
                case .callback: "interrupted (Ctrl-C or a callback); the same command with --resume continues it"
                }
            print("stopped:      \(stop)")
        }
        let type = checkpoint.optimizerValues["type"] ?? "unknown"
        let state =
            checkpoint.optimizerTensors.isEmpty
            ? "no state tensors"
            : "state present: \(checkpoint.optimizerTensors.count) tensors (\(Set(checkpoint.optimizerTensors.map { $0.name.split(separator: ".").last.map(String.init) ?? $0.name }).sorted().joined(separator: ", ")))"
        print("optimiser:    \(type), \(state)")
        if fingerprint.isEmpty {
            print("options fingerprint: none")
        } else {
            print("options fingerprint (a resuming run must match):")
            for key in fingerprint.keys.sorted() { print("  \(key): \(fingerprint[key]!)") }
        }
        print("tensors:")
        for (name, tensor) in checkpoint.parameters { print("  model.\(name)  \(tensor.shape)") }
        for (name, tensor) in checkpoint.optimizerTensors { print("  optimizer.\(name)  \(tensor.shape)") }
        for (name, tensor) in checkpoint.userTensors { print("  user.\(name)  \(tensor.shape)") }
    }

    /// Each tensor's name, stored dtype and shape, what the file reads as, and its metadata.
    func describeData(_ raw: SafetensorsFile, types: [String: String]) throws {
        let names = (Array(raw.tensors.keys) + Array(raw.integerTensors.keys)).sorted()
        print("data file:    safetensors, \(names.count) tensor(s), no model weights")
        if let task = raw.metadata["task"] { print("made by:      task \(task) (metadata \"task\")") }
        print("tensors:")
        let width = names.map(\.count).max() ?? 0
        for name in names {
            let shape = raw.tensors[name]?.shape ?? raw.integerTensors[name]!.shape
            print("  \(name.padding(toLength: width, withPad: " ", startingAt: 0))  \(types[name] ?? "?")  \(shape)")
        }
        if let input = raw.tensors["input"], input.rank == 3 {
            let (n, t, d) = (input.shape[0], input.shape[1], input.shape[2])
            if raw.integerTensors["labels"] != nil,
                let data = try? LabelledSequences(contentsOf: URL(fileURLWithPath: file), layout: .safetensors)
            {
                let lengths = (0..<data.count).map(data.length(of:))
                let counts = Dictionary(grouping: data.labels, by: { $0 }).mapValues(\.count)
                let classes = LabelledSequences.classNames(data.labels).map { "\($0): \(counts[$0]!)" }
                print(
                    "reads as:     labelled sequences (--sequences): \(n) of \(lengths.min()!)–\(lengths.max()!) steps, "
                        + "\(d) feature(s), classes \(classes.joined(separator: ", "))")
            } else {
                print("reads as:     an input for predict: \(n) sequence(s) of \(t) steps, \(d) feature(s)")
            }
        } else if raw.tensors["output"] != nil, raw.tensors["h_n"] != nil {
            print("reads as:     predict's output (output, h_n\(raw.tensors["c_n"] == nil ? "" : ", c_n"))")
        }
        printMetadata(raw.metadata)
    }

    /// The array's dtype, shape and range.
    func describeNumpy(_ url: URL) throws {
        let (header, tensor) = try reportingFileErrors { () throws -> (NumpyFile.Header, Tensor) in
            let data: Data
            do { data = try Data(contentsOf: url) } catch {
                throw SafetensorsError(file: file, problem: "cannot be read: \(error.localizedDescription)")
            }
            return (try NumpyFile.header(data: data, name: file), try NumpyFile.tensor(data: data, name: file))
        }
        let kinds = ["f2": "float16", "f4": "float32", "f8": "float64"]
        let endian = header.dtype.first == ">" ? ", big-endian" : ""
        print(
            "NumPy array:  \(header.dtype) (\(kinds[String(header.dtype.dropFirst())] ?? "?")\(endian)), shape \(header.shape), C order"
        )
        let values = tensor.scalars
        let finite = values.filter(\.isFinite)
        print(
            "values:       \(values.count)"
                + (values.count == finite.count ? "" : ", \(values.count - finite.count) not finite"))
        if let low = finite.min(), let high = finite.max() {
            let mean = finite.reduce(0.0) { $0 + Double($1) } / Double(finite.count)
            print("range:        \(significant(Double(low))) … \(significant(Double(high))), mean \(significant(mean))")
        }
        if header.shape.count == 3 {
            print(
                "reads as:     an input for predict: \(header.shape[0]) sequence(s) of \(header.shape[1]) steps, \(header.shape[2]) feature(s)"
            )
        }
    }

    /// Rows, columns, and which columns are numeric.
    func describeTable(_ url: URL) throws {
        let delimiter: Unicode.Scalar = url.pathExtension.lowercased() == "tsv" ? "\t" : ","
        let table = try reportingDataErrors { try CSVTable(contentsOf: url, delimiter: delimiter) }
        let columns = table.columnSummaries
        let numeric = columns.filter(\.isNumeric)
        print(
            "table:        \(delimiter == "\t" ? "TSV" : "CSV"), \(table.rowCount) rows (header on line \(table.headerLine)), \(columns.count) columns"
        )
        print(
            "numeric:      \(numeric.count) of \(columns.count) columns"
                + (numeric.isEmpty ? "" : ": " + numeric.map(\.name).joined(separator: ", ")))
        print("columns:")
        let width = columns.map(\.name.count).max() ?? 0
        for column in columns {
            var kind: String
            if column.isNumeric, let range = column.range {
                kind = "numeric, \(significant(range.lowerBound)) … \(significant(range.upperBound))"
            } else if column.numbers > 0 {
                kind = "text (\(column.numbers) numbers, \(column.text) other cells)"
            } else {
                kind = "text"
            }
            if column.missing > 0 { kind += ", \(column.missing) missing" }
            print("  \(column.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(kind)")
        }
    }
}
