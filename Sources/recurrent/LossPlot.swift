import Foundation
import Recurrent

/// What a job's training loss is, for the loss plot's title and y axis:
/// `MSE of the z-scored target load`, in `z-score units²`.
struct LossMeaning {
    /// The loss named with what it is computed on, for the title.
    var description: String
    /// The y axis: the loss's short name and its unit.
    var axis: PlotAxis

    /// The loss's own name, for a job that says nothing more.
    init(_ loss: Loss) {
        self.init(description: "\(loss)", axis: PlotAxis("loss", unit: "\(loss)"))
    }

    init(description: String, axis: PlotAxis) {
        self.description = description
        self.axis = axis
    }

    /// The mean squared error of a series' targets, scaled as the model saw them.
    static func meanSquaredError(of targets: [String], scaling: Normalization.Method) -> LossMeaning {
        let names = (targets.count == 1 ? "target " : "targets ") + targets.joined(separator: ", ")
        switch scaling {
        case .zScore:
            return LossMeaning(
                description: "MSE of the z-scored \(names)", axis: PlotAxis("MSE", unit: "z-score units²"))
        case .minMax:
            return LossMeaning(
                description: "MSE of the min-max-scaled \(names)", axis: PlotAxis("MSE", unit: "scaled units²"))
        case .none:
            return LossMeaning(description: "MSE of the \(names)", axis: PlotAxis("MSE", unit: "the data's units²"))
        }
    }

    /// Softmax cross-entropy, averaged over `per` (a sequence, a character, a step).
    static func crossEntropy(of what: String, per: String) -> LossMeaning {
        LossMeaning(description: "cross-entropy of \(what)", axis: PlotAxis("cross-entropy", unit: "nats per \(per)"))
    }
}

extension TrainingJob {
    var lossMeaning: LossMeaning { LossMeaning(loss) }
}

/// Training and validation loss per epoch, on a log scale when every value
/// is positive and they span a decade or more; titled with the model's name when there is one (`compare`).
func lossPlot(_ history: [EpochSummary], meaning: LossMeaning, model: String? = nil) -> LinePlot {
    let epochs = history.map { Double($0.epoch) }
    let values = history.flatMap { [$0.trainLoss] + ($0.validationLoss.map { [$0] } ?? []) }
    let positive = values.allSatisfy { $0 > 0 }
    var axis = meaning.axis
    // A log axis over less than a decade would show one or two ticks.
    axis.scale = positive && (values.max() ?? 1) >= 10 * (values.min() ?? 1) ? .logarithmic : .linear
    let what = "loss per epoch: \(meaning.description)"
    return LinePlot(
        title: model.map { "\($0.uppercased()), \(what)" } ?? "Training " + what,
        xAxis: PlotAxis("epoch", ticks: epochTicks(epochs)), yAxis: axis,
        series: [
            LineSeries(name: "training", x: epochs, y: history.map(\.trainLoss)),
            LineSeries(name: "validation", x: epochs, y: history.map { $0.validationLoss ?? .nan }, dashed: true),
        ])
}

/// Whole epochs only (the automatic ticks would put 1.5 between 1 and 2):
/// every k-th epoch, k in 1, 2, 5, 10, 20, 50, … with at most ten ticks.
func epochTicks(_ epochs: [Double]) -> [AxisTick]? {
    guard let first = epochs.first, let last = epochs.last, last > first else { return nil }
    let steps = (0...9).flatMap { k in [1.0, 2, 5].map { $0 * pow(10, Double(k)) } }
    let step = steps.first { (last - first) / $0 <= 10 } ?? steps[steps.count - 1]
    return stride(from: (first / step).rounded(.up) * step, through: last, by: step).map {
        AxisTick(value: $0, label: String(Int($0)))
    }
}
