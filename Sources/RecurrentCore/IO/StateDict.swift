// A PyTorch state_dict read as a RecurrentLayer: the architecture inferred
// from names and shapes, every tensor checked before anything is built.
// Letters: D input features, H hidden, G gates (1 RNN, 4 LSTM, 3 GRU),
// k layer index; per layer and direction (`_reverse` for the backward one):
//   weight_ih_l{k}  [G·H, D] for k = 0, else [G·H, directions·H]
//   weight_hh_l{k}  [G·H, H]
//   bias_ih_l{k}, bias_hh_l{k}  [G·H]

/// The shape of a ``RecurrentLayer`` without its weights: the cell, the sizes,
/// the layer count, the directions, biases and dropout.
///
/// It is what a model file's metadata records (see ``ModelFile``), and what a
/// PyTorch `state_dict` implies (see ``RecurrentLayer/init(stateDict:nonlinearity:dropout:)-(NamedTensors,_,_)``).
/// As JSON it uses the names of PyTorch's constructor arguments: without
/// `cell`, the keys are the arguments of `nn.RNN`, `nn.LSTM` or `nn.GRU`.
///
/// ```json
/// {"bias":true,"bidirectional":true,"cell":"lstm","dropout":0,"hidden_size":7,"input_size":5,"num_layers":2}
/// ```
///
/// `cell` is `rnn`, `lstm` or `gru`; an `rnn` also has `nonlinearity`
/// (`tanh`, `relu` or `sigmoid`). Decoding requires every key, sizes in
/// 1 … 2³¹ − 1 and a dropout in [0, 1); it ignores keys it does not know.
public struct RecurrentArchitecture: Sendable, Hashable {
    /// The recurrence at every step, with the Elman network's nonlinearity.
    public var cell: Cell
    /// D: features per time step of the input.
    public var inputSize: Int
    /// H: features of the state.
    public var hiddenSize: Int
    /// How many layers are stacked.
    public var layers: Int
    /// Whether each layer also runs the sequence backwards.
    public var bidirectional: Bool
    /// Whether the layers have `bias_ih` and `bias_hh`.
    public var bias: Bool
    /// The probability of zeroing an element of every layer's output but the
    /// last, in training only.
    public var dropout: Float

    /// An architecture with the given properties; a ``RecurrentLayer`` built
    /// from it checks them.
    public init(
        cell: Cell, inputSize: Int, hiddenSize: Int, layers: Int = 1, bidirectional: Bool = false,
        bias: Bool = true, dropout: Float = 0
    ) {
        self.cell = cell
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.layers = layers
        self.bidirectional = bidirectional
        self.bias = bias
        self.dropout = dropout
    }

    /// 2 when bidirectional, else 1.
    public var directions: Int { bidirectional ? 2 : 1 }
}

extension RecurrentArchitecture: CustomStringConvertible {
    /// A short summary, such as `LSTM(input 5, hidden 7, 2 layers, bidirectional)`
    /// or `RNN relu(input 4, hidden 6, 1 layer, no bias)`.
    public var description: String {
        let kind: String =
            switch cell {
            case .elman(let phi): "RNN \(phi.rawValue)"
            case .lstm: "LSTM"
            case .gru: "GRU"
            }
        var parts = ["input \(inputSize)", "hidden \(hiddenSize)", layers == 1 ? "1 layer" : "\(layers) layers"]
        if bidirectional { parts.append("bidirectional") }
        if !bias { parts.append("no bias") }
        if dropout != 0 { parts.append("dropout \(dropout)") }
        return "\(kind)(\(parts.joined(separator: ", ")))"
    }
}

extension RecurrentLayer {
    /// The layer's cell, sizes, layer count, directions, biases and dropout.
    public var architecture: RecurrentArchitecture {
        RecurrentArchitecture(
            cell: cell, inputSize: inputSize, hiddenSize: hiddenSize, layers: layers,
            bidirectional: bidirectional, bias: hasBias, dropout: dropout)
    }

    /// A layer holding the weights of a PyTorch `nn.RNN`, `nn.LSTM` or
    /// `nn.GRU` `state_dict`, its architecture inferred from the tensors'
    /// names and shapes.
    ///
    /// The inference reads only names and shapes:
    /// - G = rows / columns of `weight_hh_l0` gives the cell: 1 an Elman RNN,
    ///   4 an LSTM, 3 a GRU; H is its column count.
    /// - D is the column count of `weight_ih_l0`.
    /// - The layer count is the number of `weight_ih_l{k}` (forward direction).
    /// - Any `…_reverse` name makes the layer bidirectional; any `bias_…` name
    ///   gives it biases.
    ///
    /// Then every tensor the architecture needs must be present with its
    /// shape (see the table in ``RecurrentLayer``) and hold only finite
    /// values, and no other recurrent name may be present.
    ///
    /// **Names with a dot are ignored**: they belong to other modules of a
    /// whole model (`head.weight`, `embedding.weight`, `test.input`), so the
    /// `state_dict` of a model whose recurrent weights are unprefixed loads
    /// as it is. Prefixed recurrent weights (`rnn.weight_ih_l0`, from a
    /// PyTorch module holding `self.rnn`) are not found: strip the prefix.
    ///
    /// A `state_dict` does not record an Elman network's nonlinearity or the
    /// dropout; they come from the arguments.
    ///
    /// ```swift
    /// let file = try SafetensorsFile(contentsOf: URL(fileURLWithPath: "lstm.safetensors"))
    /// let lstm = try RecurrentLayer(stateDict: file.tensors)
    /// print(lstm.architecture)   // LSTM(input 5, hidden 7, 2 layers, bidirectional)
    /// ```
    ///
    /// - Parameters:
    ///   - stateDict: tensors by PyTorch's `state_dict` names, such as
    ///     ``SafetensorsFile/tensors`` of a file written by
    ///     `safetensors.torch.save_file(module.state_dict(), path)`.
    ///   - nonlinearity: φ of an Elman RNN (PyTorch's `nonlinearity`,
    ///     `tanh` by default as in PyTorch); ignored for an LSTM or GRU.
    ///   - dropout: dropout between layers in training, in [0, 1).
    /// - Throws: ``RecurrentError``, naming the tensor at fault, and nothing
    ///   is built:
    ///   ``RecurrentError/missingParameter(name:)`` for a tensor the inferred
    ///   architecture needs, ``RecurrentError/parameterShapeMismatch(name:expected:actual:)``
    ///   for a wrong shape, ``RecurrentError/unexpectedParameter(name:)`` for
    ///   a recurrent-looking name the architecture has no use for (`weight_xx_l7`,
    ///   `bias_ih_l2` in a two-layer LSTM), and
    ///   ``RecurrentError/invalidArgument(name:value:reason:)`` when
    ///   `weight_hh_l0` gives no cell (G not 1, 3 or 4), for LSTM projections
    ///   (`weight_hr_l{k}`, PyTorch's `proj_size`, not supported), a
    ///   non-finite weight, a dropout outside [0, 1), or a `stateDict` with no
    ///   recurrent weights at all.
    public init(stateDict: NamedTensors, nonlinearity: Nonlinearity = .tanh, dropout: Float = 0) throws {
        let architecture = try RecurrentArchitecture(
            inferringFrom: stateDict, nonlinearity: nonlinearity, dropout: dropout)
        try self.init(architecture: architecture, stateDict: stateDict)
    }

    /// ``init(stateDict:nonlinearity:dropout:)`` for tensors in a dictionary,
    /// such as ``SafetensorsFile/tensors``.
    public init(stateDict: [String: Tensor], nonlinearity: Nonlinearity = .tanh, dropout: Float = 0) throws {
        let pairs = stateDict.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        try self.init(
            stateDict: NamedTensors(pairs.map { ($0.key, $0.value) }), nonlinearity: nonlinearity, dropout: dropout)
    }

    /// A layer of the given architecture holding the recurrent tensors of
    /// `stateDict`, checked by ``RecurrentArchitecture/parameters(in:)``.
    init(architecture: RecurrentArchitecture, stateDict: NamedTensors) throws {
        let parameters = try architecture.parameters(in: stateDict)
        var generator = RandomGenerator(seed: 0)
        var layer = try RecurrentLayer(
            cell: architecture.cell, inputSize: architecture.inputSize, hiddenSize: architecture.hiddenSize,
            layers: architecture.layers, bidirectional: architecture.bidirectional, bias: architecture.bias,
            dropout: architecture.dropout, generator: &generator)
        try layer.loadParameters(parameters)
        self = layer
    }
}

extension RecurrentArchitecture {
    /// The architecture that the recurrent names and shapes of `stateDict`
    /// imply (see ``RecurrentLayer/init(stateDict:nonlinearity:dropout:)``),
    /// before the other tensors are checked against it.
    init(inferringFrom stateDict: NamedTensors, nonlinearity: Nonlinearity, dropout: Float) throws {
        let names = stateDict.names.filter { !$0.contains(".") }
        guard !names.isEmpty else {
            let prefixed = stateDict.names.first { $0.hasSuffix(".weight_hh_l0") }
            let hint =
                prefixed.map { "; found \($0): strip the prefix \"\($0.dropLast("weight_hh_l0".count))\"" }
                ?? "; expected PyTorch's names weight_ih_l0, weight_hh_l0, …"
            throw RecurrentError.invalidArgument(
                name: "stateDict", value: "of \(stateDict.count) tensors",
                reason: "holds no recurrent weights (names without a dot)" + hint)
        }
        try RecurrentParameterName.rejectProjections(in: stateDict)
        let parsed = names.compactMap(RecurrentParameterName.init)
        guard let weightHH = stateDict["weight_hh_l0"] else {
            throw RecurrentError.missingParameter(name: "weight_hh_l0")
        }
        guard weightHH.rank == 2, weightHH.shape[1] >= 1 else {
            throw RecurrentError.invalidArgument(
                name: "weight_hh_l0", value: "of shape \(weightHH.shape)",
                reason: "expected a matrix [G·H, H] with H ≥ 1")
        }
        let (rows, columns) = (weightHH.shape[0], weightHH.shape[1])
        let gates = rows % columns == 0 ? rows / columns : 0
        let cell: Cell
        switch gates {
        case 1: cell = .elman(nonlinearity)
        case 4: cell = .lstm
        case 3: cell = .gru
        default:
            let ratio = rows % columns == 0 ? "\(gates)" : "not a whole number"
            throw RecurrentError.invalidArgument(
                name: "weight_hh_l0", value: "of shape \(weightHH.shape)",
                reason: "rows / columns (the gate count G) is \(ratio); expected 1 (RNN), 4 (LSTM) or 3 (GRU)")
        }
        guard let weightIH = stateDict["weight_ih_l0"] else {
            throw RecurrentError.missingParameter(name: "weight_ih_l0")
        }
        guard weightIH.rank == 2, weightIH.shape[1] >= 1 else {
            throw RecurrentError.invalidArgument(
                name: "weight_ih_l0", value: "of shape \(weightIH.shape)",
                reason: "expected a matrix [G·H, D] with D ≥ 1")
        }
        self.init(
            cell: cell, inputSize: weightIH.shape[1], hiddenSize: columns,
            layers: parsed.filter { $0.kind == .weightIH && !$0.reverse }.count,
            bidirectional: parsed.contains { $0.reverse },
            bias: parsed.contains { $0.kind == .biasIH || $0.kind == .biasHH },
            dropout: dropout)
    }

    /// The recurrent tensors of `stateDict` (names without a dot) that a
    /// layer of this architecture needs, in the order of
    /// ``RecurrentLayer/parameters``, after checking that each is present,
    /// has its shape and is finite, and that no other recurrent name is
    /// present.
    ///
    /// Nothing is allocated for a tensor before it is found: a header that
    /// claims a thousand layers fails at the first missing tensor.
    ///
    /// - Throws: ``RecurrentError`` naming the first tensor at fault.
    func parameters(in stateDict: NamedTensors) throws -> NamedTensors {
        try RecurrentParameterName.rejectProjections(in: stateDict)
        var parameters = NamedTensors()
        try forEachParameter { name, shape in
            guard let tensor = stateDict[name] else { throw RecurrentError.missingParameter(name: name) }
            guard tensor.shape == shape else {
                throw RecurrentError.parameterShapeMismatch(name: name, expected: shape, actual: tensor.shape)
            }
            if let index = tensor.scalars.firstIndex(where: { !$0.isFinite }) {
                throw RecurrentError.invalidArgument(
                    name: name, value: "of shape \(shape)",
                    reason: "element \(index) is \(tensor.scalars[index]); weights must be finite")
            }
            parameters[name] = tensor
        }
        if let extra = stateDict.names.first(where: { !$0.contains(".") && parameters[$0] == nil }) {
            throw RecurrentError.unexpectedParameter(name: extra)
        }
        return parameters
    }

    /// Calls `body` with the name and shape of every parameter, in the order
    /// of ``RecurrentLayer/parameters``, stopping at the first error.
    func forEachParameter(_ body: (String, [Int]) throws -> Void) rethrows {
        let rows = cell.gateCount * hiddenSize
        for layer in 0..<layers {
            let columns = layer == 0 ? inputSize : directions * hiddenSize
            for direction in 0..<directions {
                let suffix = "_l\(layer)" + (direction == 1 ? "_reverse" : "")
                try body("weight_ih" + suffix, [rows, columns])
                try body("weight_hh" + suffix, [rows, hiddenSize])
                if bias {
                    try body("bias_ih" + suffix, [rows])
                    try body("bias_hh" + suffix, [rows])
                }
            }
        }
    }
}

/// A name of PyTorch's recurrent modules, `{kind}_l{k}` with `_reverse` for
/// the backward direction; nil for any other name.
struct RecurrentParameterName {
    enum Kind: String, CaseIterable {
        case weightIH = "weight_ih"
        case weightHH = "weight_hh"
        case biasIH = "bias_ih"
        case biasHH = "bias_hh"
        /// An LSTM's projection, present when PyTorch's `proj_size` > 0.
        case weightHR = "weight_hr"
    }

    let kind: Kind
    let reverse: Bool

    init?(_ text: String) {
        guard let kind = Kind.allCases.first(where: { text.hasPrefix($0.rawValue + "_l") }) else { return nil }
        var rest = text.dropFirst(kind.rawValue.count + 2)
        let reverse = rest.hasSuffix("_reverse")
        if reverse { rest = rest.dropLast("_reverse".count) }
        guard !rest.isEmpty, rest.count <= 9, rest.allSatisfy({ $0.isASCII && $0.isNumber }),
            let layer = Int(rest), String(layer) == rest
        else { return nil }
        self.kind = kind
        self.reverse = reverse
    }

    /// Throws for the first `weight_hr_l{k}` of `stateDict`: PyTorch's LSTM
    /// with `proj_size` > 0, whose `weight_hh` is [4·H, P], not [4·H, H].
    static func rejectProjections(in stateDict: NamedTensors) throws {
        for (name, tensor) in stateDict where Self(name)?.kind == .weightHR {
            throw RecurrentError.invalidArgument(
                name: name, value: "of shape \(tensor.shape)",
                reason: "LSTM projections (PyTorch's proj_size) are not supported")
        }
    }
}
