// The known-future covariates' plumbing of SequenceModel: splitting a packed
// input into the window and its covariates, the decoder's input, and the
// encoder's last-layer state and its gradient for an encoder–decoder.

extension SequenceModel {
    /// The window [B, L, D], the covariates [B, h, Fk] and the window's
    /// lengths of a packed input; the input itself without ``future``.
    func splitFuture(_ input: Tensor, lengths: [Int]?) throws -> (Tensor, Tensor?, [Int]?) {
        guard let future else { return (input, nil, lengths) }
        try future.checkFullLengths(lengths, steps: input.rank == 3 ? input.shape[1] : 0)
        let (window, covariates) = try future.splitting(input)
        return (window, covariates, nil)
    }

    /// u [B, h, max(Fk, 1)]: the covariates [B, h, Fk], or the constant 1 when Fk = 0.
    func decoderInput(_ covariates: Tensor?, future: FutureCovariates) -> Tensor {
        let c = covariates!  // splitFuture gives them whenever there is a future
        return future.count > 0 ? c : Tensor.ones([c.shape[0], future.steps, 1])
    }

    /// The last recurrent layer's part of a state, [1, B, H] (and c).
    func lastLayer(_ state: RecurrentState) -> RecurrentState {
        let index = [recurrent.layers - 1]
        return RecurrentState(h: state.h.gatheringRows(index), c: state.c?.gatheringRows(index))
    }

    /// ∂/∂(the encoder's final state): `given` (zero when nil) plus `dStart` [1, B, H] at the last layer.
    func addingToLastLayer(_ dStart: RecurrentState, _ given: RecurrentState?, batch: Int) -> RecurrentState {
        let layers = recurrent.layers, hidden = recurrent.hiddenSize
        func add(_ start: Tensor, _ base: Tensor?) -> Tensor {
            var result = base ?? Tensor.zeros([layers, batch, hidden])
            let offset = (layers - 1) * batch * hidden
            result.withUnsafeMutableBufferPointer { r in
                start.withUnsafeBufferPointer { d in for i in 0..<d.count { r[offset + i] += d[i] } }
            }
            return result
        }
        return RecurrentState(
            h: add(dStart.h, given?.h), c: dStart.c.map { add($0, given?.c) } ?? given?.c)
    }
}
