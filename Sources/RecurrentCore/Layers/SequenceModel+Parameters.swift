// The model's parameters, by name, in one order: the embedding's, the
// recurrent layers', the decoder's, the head's, the skip's, RevIN's level.
// (updateParameters stays beside the stored properties it sets.)

extension SequenceModel {
    /// `embedding.weight`, the recurrent layers' weights, the decoder's
    /// (`decoder.weight_ih_l0`, …), `head.weight`, `head.bias`, `skip.weight`, `skip.bias`,
    /// `revin.level.weight`, `revin.level.bias`.
    public func visitParameters(_ body: (String, Tensor) throws -> Void) rethrows {
        try embedding?.visitParameters { try body("embedding." + $0, $1) }
        try recurrent.visitParameters(body)
        try decoder?.visitParameters { try body("decoder." + $0, $1) }
        try head.visitParameters { try body("head." + $0, $1) }
        try skip?.visitParameters { try body("skip." + $0, $1) }
        try instanceNormalization?.visitParameters { try body("revin." + $0, $1) }
    }
}
