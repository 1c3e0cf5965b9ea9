// Letters: B batch, T time, F features per step (directions·H for a
// recurrent layer's output), H features per direction, L = lengths[b].
//
// Forward and backward of each pooling, side by side:
//   last:  y[b, :H] = x[b, L−1, :H], y[b, H:] = x[b, 0, H:]   dx[b, t*, f] += dy[b, f]
//   mean:  y[b, f]  = Σ_{t<L} x[b, t, f] / L                   dx[b, t, f] = dy[b, f] / L for t < L
//   max:   y[b, f]  = x[b, t*, f], t* = argmax_{t<L} x[b, t, f]   dx[b, t*, f] += dy[b, f]
// Steps t ≥ L are never read, so padding may hold anything.

/// How a ``SequenceHead`` summarises a sequence of features before its
/// ``Dense`` layer: at every step (many-to-many) or once per sequence
/// (many-to-one), using only each sequence's real steps.
public enum SequencePooling: String, Sendable, Codable, CaseIterable {
    /// Many-to-many: every step's features, [B, T, F] → [B, T, F]. The head
    /// then labels or forecasts each step.
    case everyStep
    /// The final state of each direction, [B, T, F] → [B, F]: for a
    /// unidirectional layer the features at each sequence's last real step
    /// t = lengths[b] − 1. For a bidirectional one (F = 2H) this is PyTorch's
    /// practice of concatenating the two directions' final states
    /// (`h_n[-2]` and `h_n[-1]`): the forward half `[:H]` at t = lengths[b] − 1
    /// and the backward half `[H:]` at t = 0, where the reverse direction ends.
    case last
    /// The mean over each sequence's real steps, [B, T, F] → [B, F].
    case mean
    /// The largest value over each sequence's real steps, per feature,
    /// [B, T, F] → [B, F]. The gradient goes to the first step holding the
    /// maximum, as with `torch.max(x, dim=1)`.
    case max

    /// Whether the pooling gives one vector per sequence rather than one per step.
    public var isManyToOne: Bool { self != .everyStep }

    /// What backward needs: the input's shape and, per pooling, where each
    /// output element came from.
    public struct Cache: Sendable {
        /// [B, T, F] of the pooled features.
        let inputShape: [Int]
        let source: Source

        enum Source: Sendable {
            /// `everyStep`: y = x.
            case identity
            /// `last` and `max`: the flat index into x of each of y's B·F elements.
            case gathered([Int])
            /// `mean`: each sequence's length.
            case averaged(lengths: [Int])
        }
    }

    /// Pools `features` over each sequence's real steps.
    ///
    /// - Parameters:
    ///   - features: [B, T, F].
    ///   - lengths: each sequence's length in 1…T; nil means all are T.
    ///   - directions: 1, or 2 when the features are a bidirectional layer's
    ///     (forward half first); only ``last`` looks at it.
    /// - Returns: [B, T, F] for ``everyStep``, else [B, F].
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` when
    ///   the shape, lengths or directions do not fit.
    public func forward(
        _ features: Tensor, lengths: [Int]? = nil, directions: Int = 1
    ) throws -> (output: Tensor, cache: Cache) {
        guard features.rank == 3, features.shape.allSatisfy({ $0 > 0 }) else {
            throw RecurrentError.invalidArgument(
                name: "features", value: "of shape \(features.shape)", reason: "expected [B, T, F] with B, T, F ≥ 1")
        }
        let (b, t, f) = (features.shape[0], features.shape[1], features.shape[2])
        try checkLengths(lengths, batch: b, steps: t)
        guard directions == 1 || (directions == 2 && f % 2 == 0) else {
            throw RecurrentError.invalidArgument(
                name: "directions", value: "\(directions)", reason: "must be 1, or 2 with an even feature count (F = \(f))")
        }
        let lengths = lengths ?? Array(repeating: t, count: b)
        let x = features.scalars
        switch self {
        case .everyStep:
            return (features, Cache(inputShape: features.shape, source: .identity))
        case .last:
            let half = f / directions
            var source = [Int](repeating: 0, count: b * f)
            for row in 0..<b {
                for j in 0..<f {
                    let step = j < half ? lengths[row] - 1 : 0  // forward half ends at L−1, backward half at 0
                    source[row * f + j] = (row * t + step) * f + j
                }
            }
            return (gather(x, source, [b, f]), Cache(inputShape: features.shape, source: .gathered(source)))
        case .max:
            var source = [Int](repeating: 0, count: b * f)
            for row in 0..<b {
                for j in 0..<f {
                    var best = row * t * f + j  // t = 0
                    for step in 1..<lengths[row] {
                        let index = (row * t + step) * f + j
                        if x[index] > x[best] { best = index }
                    }
                    source[row * f + j] = best
                }
            }
            return (gather(x, source, [b, f]), Cache(inputShape: features.shape, source: .gathered(source)))
        case .mean:
            var y = [Float](repeating: 0, count: b * f)
            for row in 0..<b {
                var sum = [Double](repeating: 0, count: f)
                for step in 0..<lengths[row] {
                    let start = (row * t + step) * f
                    for j in 0..<f { sum[j] += Double(x[start + j]) }  // Σ_{t<L} x[b, t, f]
                }
                for j in 0..<f { y[row * f + j] = Float(sum[j] / Double(lengths[row])) }  // / L
            }
            return (Tensor(shape: [b, f], scalars: y), Cache(inputShape: features.shape, source: .averaged(lengths: lengths)))
        }
    }

    /// ∂loss/∂features from dy = ∂loss/∂(pooled output), running each
    /// forward rule backwards (see the table at the top of this file).
    ///
    /// - Parameters:
    ///   - dOutput: the output's shape, [B, T, F] or [B, F].
    ///   - cache: from the ``forward(_:lengths:directions:)`` that made the output.
    /// - Returns: [B, T, F]; zero at steps the forward pass did not read.
    public func backward(_ dOutput: Tensor, cache: Cache) -> Tensor {
        let shape = cache.inputShape
        let (b, t, f) = (shape[0], shape[1], shape[2])
        switch cache.source {
        case .identity:
            dOutput.expectShape(shape, "SequencePooling.backward dOutput")
            return dOutput
        case .gathered(let source):
            // forward was y[i] = x[source[i]], so dx[source[i]] += dy[i]
            dOutput.expectShape([b, f], "SequencePooling.backward dOutput")
            var dx = [Float](repeating: 0, count: b * t * f)
            for (i, index) in source.enumerated() { dx[index] += dOutput.scalars[i] }
            return Tensor(shape: shape, scalars: dx)
        case .averaged(let lengths):
            // forward was y = Σ_{t<L} x_t / L, so dx_t = dy / L for t < L
            dOutput.expectShape([b, f], "SequencePooling.backward dOutput")
            var dx = [Float](repeating: 0, count: b * t * f)
            for row in 0..<b {
                let scale = 1 / Float(lengths[row])
                for step in 0..<lengths[row] {
                    let start = (row * t + step) * f
                    for j in 0..<f { dx[start + j] = dOutput.scalars[row * f + j] * scale }
                }
            }
            return Tensor(shape: shape, scalars: dx)
        }
    }

    /// y[i] = x[source[i]], as a tensor of `shape`.
    private func gather(_ x: [Float], _ source: [Int], _ shape: [Int]) -> Tensor {
        Tensor(shape: shape, scalars: source.map { x[$0] })
    }
}

/// Checks per-sequence lengths against a batch of B sequences of T steps.
///
/// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` naming
///   `lengths` or the first bad `lengths[b]`.
func checkLengths(_ lengths: [Int]?, batch: Int, steps: Int) throws {
    guard let lengths else { return }
    guard lengths.count == batch else {
        throw RecurrentError.invalidArgument(
            name: "lengths", value: "of count \(lengths.count)", reason: "expected one per sequence (\(batch))")
    }
    if let (index, bad) = lengths.enumerated().first(where: { $0.element < 1 || $0.element > steps }) {
        throw RecurrentError.invalidArgument(
            name: "lengths[\(index)]", value: "\(bad)", reason: "must lie in 1…\(steps) (the input's T)")
    }
}
