import RecurrentCore

extension HeatMap {
    /// The hidden states of a model's recurrent layers over one sequence: one
    /// row per hidden unit (both directions, last layer), one column per real
    /// step, coloured by h_t.
    ///
    /// Given `symbols` (a character model's input characters), the time axis
    /// is labelled with them, one per step, made visible by
    /// ``visibleSymbol(_:)`` (a space shows as `␣`, a line feed as `⏎`);
    /// labels that would overlap are thinned (see ``PlotAxis/ticks``).
    ///
    /// ```swift
    /// let map = try HeatMap.hiddenStates(
    ///     of: model, sequence: batch.gathering([0]), title: "Hidden states", symbols: ["h", "i", "\n"])
    /// try map.write(to: URL(fileURLWithPath: "hidden.svg"))
    /// ```
    ///
    /// - Parameters:
    ///   - model: the model whose recurrent layers to run (inference, no dropout).
    ///   - sequence: a batch whose first sequence is shown; its length, if
    ///     given, bounds the columns.
    ///   - title: the plot's title.
    ///   - symbols: what the sequence reads at each step, as text, to label
    ///     the time axis with; nil (the default) for step numbers.
    /// - Throws: what the model throws for input that does not fit it.
    public static func hiddenStates(
        of model: SequenceModel, sequence: SequenceBatch, title: String, symbols: [String]? = nil
    ) throws -> HeatMap {
        let first = sequence.gathering([0])
        // [1, T, F]; T is the window's steps for a model reading known-future covariates after it.
        let h = try model.hiddenStates(first.input, lengths: first.lengths)
        let steps = min(first.lengths?[0] ?? h.shape[1], h.shape[1])
        let f = h.shape[2]
        let values = Tensor(shape: [f, steps], scalars: (0..<f).flatMap { unit in (0..<steps).map { h[0, $0, unit] } })
        var time = PlotAxis("time step")
        if let symbols {
            time = PlotAxis(
                "time step, labelled with its input",
                ticks: symbols.prefix(steps).enumerated().map { AxisTick(value: Double($0), label: visibleSymbol($1)) })
        }
        return HeatMap(title: title, values: values, xAxis: time, yAxis: PlotAxis("hidden unit"), colorLabel: "h")
    }

    /// `symbol` as a tick label that can be seen: a space as `␣`, a line
    /// feed as `⏎`, a tab as `⇥`, a carriage return as `␍`, another control
    /// character as its Control Pictures sign (U+2400 + code, `␡` for
    /// delete, U+FFFD for the C1 controls), other white space as `␣`, and
    /// the empty string as `∅`;
    /// anything else unchanged (the SVG writer escapes `<`, `&` and quotes).
    ///
    /// - Parameter symbol: one character, or a short token such as `\xE2` for a byte.
    /// - Returns: the label.
    public static func visibleSymbol(_ symbol: String) -> String {
        guard !symbol.isEmpty else { return "∅" }
        var result = String.UnicodeScalarView()
        for scalar in symbol.unicodeScalars {
            switch scalar {
            case " ": result.append("␣")
            case "\n": result.append("⏎")
            case "\t": result.append("⇥")
            case "\r": result.append("␍")
            case "\u{7F}": result.append("␡")
            default:
                if scalar.value < 0x20 {
                    result.append(Unicode.Scalar(0x2400 + scalar.value)!)
                } else if (0x80..<0xA0).contains(scalar.value) {
                    result.append("\u{FFFD}")
                } else if scalar.properties.isWhitespace {
                    result.append("␣")
                } else {
                    result.append(scalar)
                }
            }
        }
        return String(result)
    }
}
