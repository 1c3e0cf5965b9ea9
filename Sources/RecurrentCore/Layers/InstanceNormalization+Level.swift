// Letters as in InstanceNormalization.swift: B batch, O outputs, c(o) the
// input channel output o is measured in, a and b the level path's [O].
//
//   forward:   y[b,o] = ŷ[b,o]·σ[b,c(o)] + (1 + a[o])·μ[b,c(o)] + b[o]   (shifted outputs)
//   backward:  da[o] = Σ_b dy[b,o]·μ[b,c(o)],  db[o] = Σ_b dy[b,o]   (zero for scale-only outputs)

/// The learned level path of an ``InstanceNormalization``: its parameters
/// and their gradients.
extension InstanceNormalization: Module {
    /// Whether the level added back is learned (``levelWeight``, ``levelBias``).
    public var hasLevelPath: Bool { levelWeight != nil }

    /// This normalisation with a level path of the given a and b (a loaded
    /// file's `revin.level.weight` and `revin.level.bias`).
    ///
    /// - Parameters:
    ///   - weight: a, [O].
    ///   - bias: b, [O].
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` when
    ///   either is not [O] or a scale-only output's entry is not zero.
    public func withLevelPath(weight: Tensor, bias: Tensor) throws -> InstanceNormalization {
        for (name, tensor) in [("level.weight", weight), ("level.bias", bias)] {
            guard tensor.shape == [outputSize] else {
                throw RecurrentError.invalidArgument(
                    name: name, value: "of shape \(tensor.shape)", reason: "must be [\(outputSize)], one per output")
            }
            guard scaleOnlyOutputs.allSatisfy({ tensor.scalars[$0] == 0 }) else {
                throw RecurrentError.invalidArgument(
                    name: name, value: "\(scaleOnlyOutputs.map { tensor.scalars[$0] })",
                    reason: "must be zero at the scale-only outputs \(scaleOnlyOutputs), which add no level")
            }
        }
        var norm = self
        norm.levelWeight = weight
        norm.levelBias = bias
        return norm
    }

    /// ∂loss/∂a and ∂loss/∂b, named `level.weight` and `level.bias` (none without a level path).
    ///
    /// - Parameters:
    ///   - dOutput: ∂loss/∂y, [B, O].
    ///   - statistics: from the forward pass.
    func levelGradients(_ dOutput: Tensor, statistics: Statistics) -> NamedTensors {
        guard hasLevelPath else { return NamedTensors() }
        let (b, o, d) = (dOutput.shape[0], outputSize, features)
        var da = [Double](repeating: 0, count: o), db = da
        let dy = dOutput.scalars
        for i in 0..<b {
            for j in 0..<o where shifted[j] {  // y = ŷσ + (1 + a)μ + b
                da[j] += Double(dy[i * o + j]) * Double(statistics.mean[i * d + outputChannels[j]])
                db[j] += Double(dy[i * o + j])
            }
        }
        var gradients = NamedTensors()
        gradients["level.weight"] = Tensor(shape: [o], scalars: da.map { Float($0) })
        gradients["level.bias"] = Tensor(shape: [o], scalars: db.map { Float($0) })
        return gradients
    }

    /// `level.weight`, `level.bias` with a level path; nothing otherwise.
    public func visitParameters(_ body: (String, Tensor) throws -> Void) rethrows {
        if let levelWeight, let levelBias {
            try body("level.weight", levelWeight)
            try body("level.bias", levelBias)
        }
    }

    /// Lets `body` change `level.weight` and `level.bias` in place (scale-only outputs stay at zero).
    public mutating func updateParameters(_ body: (String, inout Tensor) throws -> Void) rethrows {
        guard var weight = levelWeight, var bias = levelBias else { return }
        try body("level.weight", &weight)
        try body("level.bias", &bias)
        for o in scaleOnlyOutputs {
            weight.withUnsafeMutableBufferPointer { $0[o] = 0 }
            bias.withUnsafeMutableBufferPointer { $0[o] = 0 }
        }
        levelWeight = weight
        levelBias = bias
    }
}
