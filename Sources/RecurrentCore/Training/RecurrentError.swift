/// An error that Recurrent throws for input it cannot use: an out-of-range
/// hyperparameter, a parameter set that does not fit a model, a training step
/// that produced a non-finite number.
///
/// Each case's ``description`` is one line naming the value or tensor at fault,
/// suitable for printing to a user as is.
///
/// ```swift
/// do {
///     _ = try SGD(learningRate: -0.1)
/// } catch {
///     print(error)   // invalid learningRate -0.1: must be finite and ≥ 0
/// }
/// ```
public enum RecurrentError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A hyperparameter or argument outside its allowed range.
    case invalidArgument(name: String, value: String, reason: String)
    /// A parameter the model has but the given set lacks.
    case missingParameter(name: String)
    /// A tensor in the given set that the model has no parameter for.
    case unexpectedParameter(name: String)
    /// A tensor whose shape is not the shape of the model's parameter.
    case parameterShapeMismatch(name: String, expected: [Int], actual: [Int])
    /// A NaN or infinity in the loss or a gradient, noticed before the update.
    case nonFinite(step: Int, what: String)

    /// One line naming the value or tensor at fault.
    public var description: String {
        switch self {
        case .invalidArgument(let name, let value, let reason):
            "invalid \(name) \(value): \(reason)"
        case .missingParameter(let name):
            "missing parameter \(name)"
        case .unexpectedParameter(let name):
            "unexpected parameter \(name): the model has no parameter of that name"
        case .parameterShapeMismatch(let name, let expected, let actual):
            "parameter \(name) has shape \(actual), expected \(expected)"
        case .nonFinite(let step, let what):
            "non-finite value in \(what) at step \(step); the update was not applied"
        }
    }
}

/// Checks of hyperparameters that throw ``RecurrentError/invalidArgument(name:value:reason:)``.
package enum Check {
    package static func finite(_ value: Float, _ name: String) throws {
        guard value.isFinite else { throw invalid(name, value, "must be finite") }
    }

    package static func nonNegative(_ value: Float, _ name: String) throws {
        guard value.isFinite, value >= 0 else { throw invalid(name, value, "must be finite and ≥ 0") }
    }

    package static func positive(_ value: Float, _ name: String) throws {
        guard value.isFinite, value > 0 else { throw invalid(name, value, "must be finite and > 0") }
    }

    /// `0 ≤ value < 1`.
    package static func fraction(_ value: Float, _ name: String) throws {
        guard value >= 0, value < 1 else { throw invalid(name, value, "must lie in [0, 1)") }
    }

    /// `0 ≤ value ≤ 1`.
    package static func closedFraction(_ value: Float, _ name: String) throws {
        guard value >= 0, value <= 1 else { throw invalid(name, value, "must lie in [0, 1]") }
    }

    package static func positive(_ value: Int, _ name: String) throws {
        guard value > 0 else {
            throw RecurrentError.invalidArgument(name: name, value: "\(value)", reason: "must be ≥ 1")
        }
    }

    package static func invalid(_ name: String, _ value: Float, _ reason: String) -> RecurrentError {
        .invalidArgument(name: name, value: "\(value)", reason: reason)
    }
}
