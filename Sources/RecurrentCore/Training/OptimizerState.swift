/// The exported form of an optimiser's state, shared by every rule's
/// ``Optimizer/exportState()`` and ``Optimizer/importState(tensors:values:)``.
///
/// Each tensor and value is named `PARAMETER.KEY`, split at the last dot
/// (`head.weight.exp_avg` is `exp_avg` of `head.weight`); the one name
/// without a dot, `type`, holds the rule's name.
enum OptimizerState {
    /// The key of the rule's name among the values.
    static let typeKey = "type"

    /// What one parameter's state holds, by key.
    struct Entry {
        let parameter: String
        let tensors: [String: Tensor]
        let values: [String: String]

        /// The tensor under `key`, which must be present and, if given, of `shape`.
        func tensor(_ key: String, shape: [Int]? = nil, reason: String) throws -> Tensor {
            guard let tensor = tensors[key] else { throw OptimizerState.invalid(parameter + "." + key, reason) }
            if let shape, tensor.shape != shape {
                throw OptimizerState.invalid(
                    parameter + "." + key, "has shape \(tensor.shape), but the parameter's other state has \(shape)")
            }
            return tensor
        }

        /// The count under `key`: a decimal integer ≥ 1.
        func count(_ key: String, reason: String) throws -> Int {
            guard let text = values[key] else { throw OptimizerState.invalid(parameter + "." + key, reason) }
            guard let count = Int(text), count >= 1 else {
                throw OptimizerState.invalid(
                    parameter + "." + key, "is \(String(reflecting: text)), not a whole number ≥ 1")
            }
            return count
        }

        /// Throws if the state holds `key`, which this rule's variant does not keep.
        func refuse(_ key: String, because reason: String) throws {
            if tensors[key] != nil || values[key] != nil {
                throw OptimizerState.invalid(parameter + "." + key, reason)
            }
        }
    }

    /// `name` split at its last dot, or nil when it has none or either side is empty.
    static func split(_ name: String) -> (parameter: String, key: String)? {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex, name.index(after: dot) != name.endIndex
        else { return nil }
        return (String(name[..<dot]), String(name[name.index(after: dot)...]))
    }

    /// The state grouped by parameter, sorted by parameter name, after checking
    /// the rule's name and that every key is one of the rule's.
    static func entries(
        tensors: NamedTensors, values: [String: String], type: String, tensorKeys: Set<String>,
        valueKeys: Set<String>
    ) throws -> [Entry] {
        guard let recorded = values[typeKey] else {
            throw invalid(typeKey, "missing; the state does not say which optimiser wrote it (this one is \(type))")
        }
        guard recorded == type else {
            throw invalid(typeKey, "is \(String(reflecting: recorded)), but this optimiser is \(type)")
        }
        var groups: [String: (tensors: [String: Tensor], values: [String: String])] = [:]
        for (name, tensor) in tensors {
            guard let (parameter, key) = split(name), tensorKeys.contains(key) else {
                throw invalid(name, unknownReason(type, tensorKeys, "tensors"))
            }
            groups[parameter, default: ([:], [:])].tensors[key] = tensor
        }
        for name in values.keys.sorted(by: byUTF8) where name != typeKey {
            guard let (parameter, key) = split(name), valueKeys.contains(key) else {
                throw invalid(name, unknownReason(type, valueKeys, "values"))
            }
            groups[parameter, default: ([:], [:])].values[key] = values[name]!
        }
        return groups.keys.sorted(by: byUTF8).map {
            Entry(parameter: $0, tensors: groups[$0]!.tensors, values: groups[$0]!.values)
        }
    }

    /// Adds one parameter's state to an export.
    static func append(
        _ parameter: String, tensors new: [(String, Tensor?)], values newValues: [(String, String)] = [],
        to tensors: inout NamedTensors, _ values: inout [String: String]
    ) {
        for case (let key, let tensor?) in new { tensors[parameter + "." + key] = tensor }
        for (key, value) in newValues { values[parameter + "." + key] = value }
    }

    static func invalid(_ key: String, _ reason: String) -> RecurrentError {
        .invalidArgument(name: "optimizer state", value: key, reason: reason)
    }

    static func byUTF8(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }

    private static func unknownReason(_ type: String, _ keys: Set<String>, _ what: String) -> String {
        let known = keys.sorted(by: byUTF8).joined(separator: ", ")
        return
            "is not PARAMETER.KEY with a key that \(type) keeps among its \(what) (\(known.isEmpty ? "none" : known))"
    }
}

extension Optimizer {
    /// Replaces the rule's state, as ``importState(tensors:values:)``, after
    /// checking that every entry belongs to one of `parameters` and has its
    /// shape.
    ///
    /// - Parameters:
    ///   - tensors: the state tensors, as ``exportState()`` names them.
    ///   - values: the state scalars, as ``exportState()`` names them.
    ///   - parameters: the model's parameters (``Module/parameters``).
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` naming
    ///   the key at fault; the state is then unchanged.
    public mutating func importState(tensors: NamedTensors, values: [String: String], parameters: NamedTensors)
        throws
    {
        for (name, tensor) in tensors {
            guard let (parameter, _) = OptimizerState.split(name), let expected = parameters[parameter] else {
                throw OptimizerState.invalid(name, "belongs to no parameter of the model")
            }
            guard tensor.shape == expected.shape else {
                throw OptimizerState.invalid(
                    name, "has shape \(tensor.shape), but the parameter \(parameter) has shape \(expected.shape)")
            }
        }
        for name in values.keys.sorted(by: OptimizerState.byUTF8) where name != OptimizerState.typeKey {
            guard let (parameter, _) = OptimizerState.split(name), parameters[parameter] != nil else {
                throw OptimizerState.invalid(name, "belongs to no parameter of the model")
            }
        }
        try importState(tensors: tensors, values: values)
    }
}
