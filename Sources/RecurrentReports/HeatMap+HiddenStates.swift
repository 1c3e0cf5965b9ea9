import RecurrentCore

extension HeatMap {
    /// The hidden states of a model's recurrent layers over one sequence: one
    /// row per hidden unit (both directions, last layer), one column per real
    /// step, coloured by h_t.
    ///
    /// ```swift
    /// let map = try HeatMap.hiddenStates(of: model, sequence: batch.gathering([0]), title: "Hidden states")
    /// try map.write(to: URL(fileURLWithPath: "hidden.svg"))
    /// ```
    ///
    /// - Parameters:
    ///   - model: the model whose recurrent layers to run (inference, no dropout).
    ///   - sequence: a batch whose first sequence is shown; its length, if
    ///     given, bounds the columns.
    ///   - title: the plot's title.
    /// - Throws: what the model throws for input that does not fit it.
    public static func hiddenStates(of model: SequenceModel, sequence: SequenceBatch, title: String) throws -> HeatMap {
        let first = sequence.gathering([0])
        let steps = first.lengths?[0] ?? first.steps
        var x = first.input
        if let embedding = model.embedding { x = try embedding(x, lengths: first.lengths) }
        let h = try model.recurrent(x, lengths: first.lengths).output  // [1, T, F]
        let f = h.shape[2]
        let values = Tensor(shape: [f, steps], scalars: (0..<f).flatMap { unit in (0..<steps).map { h[0, $0, unit] } })
        return HeatMap(
            title: title, values: values, xAxis: PlotAxis("time step"), yAxis: PlotAxis("hidden unit"),
            colorLabel: "h")
    }
}
