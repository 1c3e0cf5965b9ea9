extension NamedTensors {
    /// Scales every tensor by one factor so that their global L2 norm is at
    /// most `maxNorm`, as `torch.nn.utils.clip_grad_norm_` does, and returns
    /// the norm before clipping.
    ///
    /// The norm ‖g‖ = √(Σ g²) over all elements of all tensors is accumulated
    /// in `Double`. When `maxNorm / (‖g‖ + 10⁻⁶)` is below 1 every tensor is
    /// multiplied by it; otherwise nothing changes. A non-finite norm is
    /// returned and nothing is scaled: the caller decides (``Trainer`` stops).
    ///
    /// ```swift
    /// let norm = try gradients.clipGlobalNorm(maxNorm: 1)
    /// ```
    /// - Parameter maxNorm: the largest norm allowed, finite and > 0.
    /// - Returns: ‖g‖ before clipping.
    /// - Throws: ``RecurrentError/invalidArgument(name:value:reason:)`` for a bad `maxNorm`.
    @discardableResult
    public mutating func clipGlobalNorm(maxNorm: Float) throws -> Float {
        try Check.positive(maxNorm, "maxNorm")
        let norm = globalNorm()
        let coefficient = Double(maxNorm) / (norm + 1e-6)
        if norm.isFinite && coefficient < 1 {
            for name in names { self[name]! *= Float(coefficient) }
        }
        return Float(norm)
    }
}
