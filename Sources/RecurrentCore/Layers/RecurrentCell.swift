import CRecurrentKernels

/// The Elman network's nonlinearity φ.
public enum Nonlinearity: String, Sendable, Hashable, Codable, CaseIterable {
    case tanh, relu, sigmoid

    var code: Int32 {
        switch self {
        case .tanh: Int32(RC_ACTIVATION_TANH.rawValue)
        case .relu: Int32(RC_ACTIVATION_RELU.rawValue)
        case .sigmoid: Int32(RC_ACTIVATION_SIGMOID.rawValue)
        }
    }
}

/// The recurrence a ``RecurrentLayer`` runs at every time step, with
/// PyTorch's equations, gate order and weight layout.
///
/// Row vectors, batch-first; σ is the logistic sigmoid, ⊙ the element-wise
/// product, and every `W·` is a block of the layer's fused `weightIH`
/// ([G·H, D]) or `weightHH` ([G·H, H]).
///
/// - ``elman(_:)``, G = 1, the seed's `H_t = φ(X_t W_xh + H_{t−1} W_hh + b_h)`:
///   `h = φ(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh)`.
/// - ``lstm``, G = 4, gates `i, f, g, o`:
///   `i = σ(x·W_iiᵀ + b_ii + h·W_hiᵀ + b_hi)`, `f = σ(…f…)`, `g = tanh(…g…)`,
///   `o = σ(…o…)`, `c' = f ⊙ c + i ⊙ g`, `h' = o ⊙ tanh(c')`.
/// - ``gru``, G = 3, gates `r, z, n`:
///   `r = σ(x·W_irᵀ + b_ir + h·W_hrᵀ + b_hr)`, `z = σ(…z…)`,
///   `n = tanh(x·W_inᵀ + b_in + r ⊙ (h·W_hnᵀ + b_hn))`, `h' = (1 − z) ⊙ n + z ⊙ h`.
///   `b_hn` stays inside the product with `r`.
public enum Cell: Sendable, Hashable {
    case elman(Nonlinearity)
    case lstm
    case gru

    /// G: how many gate blocks the fused weights stack.
    public var gateCount: Int {
        switch self {
        case .elman: 1
        case .lstm: 4
        case .gru: 3
        }
    }

    /// Whether the cell carries a second state, `c`.
    public var hasCellState: Bool { self == .lstm }

    /// `rnn`, `lstm` or `gru`: PyTorch's module name in lower case.
    public var name: String {
        switch self {
        case .elman: "rnn"
        case .lstm: "lstm"
        case .gru: "gru"
        }
    }

    /// The forward pass of one time step (see `rc_cell_forward`).
    func forwardStep(_ step: inout rc_cell_forward, isa: ISA) {
        switch self {
        case .elman(let phi): rc_rnn_forward_step(isa.rawValue, phi.code, &step)
        case .lstm: rc_lstm_forward_step(isa.rawValue, &step)
        case .gru: rc_gru_forward_step(isa.rawValue, &step)
        }
    }

    /// The backward pass of one time step (see `rc_cell_backward`).
    func backwardStep(_ step: inout rc_cell_backward, isa: ISA) {
        switch self {
        case .elman(let phi): rc_rnn_backward_step(isa.rawValue, phi.code, &step)
        case .lstm: rc_lstm_backward_step(isa.rawValue, &step)
        case .gru: rc_gru_backward_step(isa.rawValue, &step)
        }
    }
}

extension Cell: Codable {
    private enum CodingKeys: String, CodingKey { case type, nonlinearity }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let type = try container.decode(String.self, forKey: .type)
        switch type {
        case "rnn":
            self = .elman(try container.decodeIfPresent(Nonlinearity.self, forKey: .nonlinearity) ?? .tanh)
        case "lstm": self = .lstm
        case "gru": self = .gru
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: container, debugDescription: "unknown cell type '\(type)' (expected rnn, lstm or gru)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .type)
        if case .elman(let phi) = self { try container.encode(phi, forKey: .nonlinearity) }
    }
}
