import Foundation
import RecurrentCore

// Reading the three layouts of labelled sequences (see LabelledSequenceLayout):
// symbol strings, long-form numeric rows, and safetensors tensors. Every
// problem names the file and the line and column, or the tensor, at fault.

extension LabelledSequences {
    /// The most classes a safetensors `labels` tensor may imply (its largest value + 1).
    public static let maximumClasses = 1 << 16

    /// The class names, in class-id order: for a safetensors file `0`, `1`,
    /// … up to its largest label, so that class id and label agree; else
    /// ``classNames(_:)`` of the labels.
    public var classNames: [String] {
        guard case .safetensors = layout else { return Self.classNames(labels) }
        let largest = labels.compactMap { Int($0) }.max() ?? 0
        return (0...largest).map(String.init)
    }

    /// One sequence per row: `sequenceColumn`'s characters are the steps.
    init(symbols table: CSVTable, sequenceColumn: String, labelColumn: String) throws {
        let s = try table.index(ofColumn: sequenceColumn)
        let l = try table.index(ofColumn: labelColumn)
        var symbols: [[String]] = []
        var labels: [String] = []
        symbols.reserveCapacity(table.rowCount)
        for (r, row) in table.rows.enumerated() {
            let text = CSVTable.trimmed(row[s])
            let label = CSVTable.trimmed(row[l])
            guard !text.isEmpty else {
                throw CSVError(file: table.name, line: table.lines[r], column: sequenceColumn, problem: .emptySequence)
            }
            guard !label.isEmpty else {
                throw CSVError(file: table.name, line: table.lines[r], column: labelColumn, problem: .missingLabel)
            }
            symbols.append(text.map(String.init))
            labels.append(label)
        }
        self.init(
            source: table.name, layout: .symbols(sequenceColumn: sequenceColumn, labelColumn: labelColumn),
            steps: .symbols(symbols), labels: labels, lines: table.lines)
    }

    /// Rows grouped by id, in order of first appearance, each group sorted by
    /// its step if a step column is given.
    init(
        longForm table: CSVTable, idColumn: String, stepColumn: String?, featureColumns: [String]?, labelColumn: String
    ) throws {
        let keys = [idColumn, labelColumn] + (stepColumn.map { [$0] } ?? [])
        let idIndex = try table.index(ofColumn: idColumn)
        let labelIndex = try table.index(ofColumn: labelColumn)
        let stepIndex = try stepColumn.map { try table.index(ofColumn: $0) }
        let features = featureColumns ?? table.header.filter { !keys.contains($0) }
        guard !features.isEmpty else {
            throw RecurrentError.invalidArgument(
                name: "feature columns", value: "[]",
                reason: "\(table.name) has no column besides the id, step and label columns to read")
        }
        if let clash = features.first(where: keys.contains) {
            throw RecurrentError.invalidArgument(
                name: "feature column", value: "\"\(clash)\"", reason: "is also the id, step or label column")
        }
        let numbers: NumericColumns
        do {
            numbers = try table.numericColumns(features + (stepColumn.map { [$0] } ?? []), missing: .error)
        } catch var error as CSVError {
            if case .missingValue(let cell) = error.problem { error.problem = .notANumber(cell: cell) }
            throw error
        }
        // Against every row: the robust reference is not moved by the cell it finds.
        for (j, name) in features.enumerated() {
            let column = numbers.values[j]
            if let (r, deviations) = ExtremeValues.first(in: column, fittedOn: column.indices) {
                throw CSVError(
                    file: table.name, line: numbers.lines[r], column: name,
                    problem: .extremeValue(value: column[r], deviations: deviations))
            }
        }
        // Rows of each sequence, in order of first appearance.
        var groupOf: [String: Int] = [:]
        var groups: [[Int]] = []
        var ids: [String] = []
        var labels: [String] = []
        for (r, row) in table.rows.enumerated() {
            let id = row[idIndex]
            let label = CSVTable.trimmed(row[labelIndex])
            guard !label.isEmpty else {
                throw CSVError(file: table.name, line: table.lines[r], column: labelColumn, problem: .missingLabel)
            }
            if let g = groupOf[id] {
                guard labels[g] == label else {
                    throw CSVError(
                        file: table.name, line: table.lines[r], column: labelColumn,
                        problem: .labelChanges(
                            sequence: id, from: labels[g], firstLine: table.lines[groups[g][0]], to: label))
                }
                groups[g].append(r)
            } else {
                groupOf[id] = groups.count
                groups.append([r])
                ids.append(id)
                labels.append(label)
            }
        }
        let lines = groups.map { table.lines[$0[0]] }
        if let stepColumn, let stepIndex {
            let step = numbers.values[features.count]
            for g in groups.indices {
                groups[g].sort { step[$0] < step[$1] }  // stable: equal steps keep file order
                for (a, b) in zip(groups[g], groups[g].dropFirst()) where step[a] == step[b] {
                    throw CSVError(
                        file: table.name, line: table.lines[b], column: stepColumn,
                        problem: .repeatedStep(
                            sequence: ids[g], step: CSVTable.trimmed(table.rows[b][stepIndex]),
                            firstLine: table.lines[a]))
                }
            }
        }
        let values = groups.map { rows in rows.flatMap { r in features.indices.map { Float(numbers.values[$0][r]) } } }
        self.init(
            source: table.name,
            layout: .longForm(
                idColumn: idColumn, stepColumn: stepColumn, featureColumns: features, labelColumn: labelColumn),
            steps: .features(names: features, values: values), labels: labels, lines: lines)
    }

    /// The names of a safetensors input's D features: `input[0]`, `input[1]`, ….
    static func safetensorsFeatureNames(_ d: Int) -> [String] { (0..<d).map { "input[\($0)]" } }

    /// `input` [N, T, D] floats, `labels` [N] and optionally `lengths` [N] integers.
    init(safetensors file: SafetensorsFile, name: String) throws {
        func fail(_ tensor: String, _ problem: String) -> SafetensorsError {
            SafetensorsError(file: name, tensor: tensor, problem: problem)
        }
        let expected =
            "a file of labelled sequences holds input [N, T, D] (floats), labels [N] "
            + "and optionally lengths [N] (integers)"
        guard let input = file.tensors["input"] else {
            throw fail(
                "input", file.integerTensors["input"] != nil ? "holds integers; \(expected)" : "is missing; \(expected)"
            )
        }
        guard input.rank == 3, input.shape.allSatisfy({ $0 >= 1 }) else {
            throw fail("input", "has shape \(input.shape); \(expected), with N, T, D ≥ 1")
        }
        let (n, t, d) = (input.shape[0], input.shape[1], input.shape[2])
        func integers(_ tensor: String) throws -> [Int64]? {
            if file.tensors[tensor] != nil { throw fail(tensor, "holds floats; \(expected)") }
            guard let values = file.integerTensors[tensor] else { return nil }
            guard values.shape == [n] else {
                throw fail(tensor, "has shape \(values.shape); the input's N needs [\(n)]")
            }
            return values.values
        }
        guard let labels = try integers("labels") else { throw fail("labels", "is missing; \(expected)") }
        if let (i, k) = labels.enumerated().first(where: { $0.element < 0 || $0.element >= Self.maximumClasses }) {
            throw fail("labels", "labels[\(i)] = \(k) is out of range; class ids lie in 0…\(Self.maximumClasses - 1)")
        }
        let lengths = try integers("lengths")?.map(Int.init) ?? Array(repeating: t, count: n)
        if let (i, length) = lengths.enumerated().first(where: { $0.element < 1 || $0.element > t }) {
            throw fail("lengths", "lengths[\(i)] = \(length) must lie in 1…\(t) (the input's T)")
        }
        var values: [[Float]] = []
        values.reserveCapacity(n)
        for i in 0..<n {
            let start = i * t * d
            let row = Array(input.scalars[start..<(start + lengths[i] * d)])
            if let j = row.firstIndex(where: { !$0.isFinite }) {
                throw fail("input", "input[\(i), \(j / d), \(j % d)] = \(row[j]) is not finite")
            }
            values.append(row)
        }
        self.init(
            source: name, layout: .safetensors,
            steps: .features(names: Self.safetensorsFeatureNames(d), values: values),
            labels: labels.map { String($0) }, lines: nil)
    }
}
