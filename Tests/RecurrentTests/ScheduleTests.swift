import Foundation
import Recurrent
import RecurrentTestSupport
import Testing

/// Learning-rate schedules at chosen steps, against their closed forms.
@Suite struct ScheduleTests {
    private func expectRate(_ schedule: LearningRateSchedule, _ step: Int, _ expected: Double, base: Float = 1) {
        let observed = schedule.learningRate(base: base, step: step)
        // The rate is computed in Double and rounded once to Float: 1e-7 · max(|expected|, 1e-3).
        #expect(mismatch(observed, expected, absolute: 1e-10, relative: 1e-7) == nil, "step \(step)")
    }

    @Test func constant() {
        expectRate(.constant, 0, 0.01, base: 0.01)
        expectRate(.constant, 10_000, 0.01, base: 0.01)
    }

    @Test func stepDecay() throws {
        let schedule = try LearningRateSchedule.stepDecay(every: 10, gamma: 0.5)
        expectRate(schedule, 0, 1)
        expectRate(schedule, 9, 1)
        expectRate(schedule, 10, 0.5)
        expectRate(schedule, 25, 0.25)
        expectRate(schedule, 30, 0.125)
    }

    @Test func cosineAnnealing() throws {
        let schedule = try LearningRateSchedule.cosine(steps: 100, minimum: 0.1)
        expectRate(schedule, 0, 1)
        expectRate(schedule, 25, 0.1 + 0.9 * (1 + cos(Double.pi / 4)) / 2)
        expectRate(schedule, 50, 0.55)
        expectRate(schedule, 100, 0.1)
        expectRate(schedule, 250, 0.1)
    }

    @Test func warmupThenCosine() throws {
        let schedule = try LearningRateSchedule.cosine(steps: 100).afterWarmup(steps: 10, startFactor: 0.1)
        expectRate(schedule, 0, 0.1)
        expectRate(schedule, 5, 0.55)
        expectRate(schedule, 9, 0.91)
        expectRate(schedule, 10, 1)
        expectRate(schedule, 60, 0.5)
        expectRate(schedule, 110, 0)
        let pytorchDefault = try LearningRateSchedule.constant.afterWarmup(steps: 4)
        expectRate(pytorchDefault, 0, 1.0 / 3)
        expectRate(pytorchDefault, 2, 2.0 / 3)
        expectRate(pytorchDefault, 4, 1)
    }

    @Test func badArgumentsThrow() {
        #expect(throws: RecurrentError.invalidArgument(name: "every", value: "0", reason: "must be ≥ 1")) {
            _ = try LearningRateSchedule.stepDecay(every: 0, gamma: 0.5)
        }
        #expect(throws: RecurrentError.self) { _ = try LearningRateSchedule.stepDecay(every: 5, gamma: .nan) }
        #expect(throws: RecurrentError.self) { _ = try LearningRateSchedule.cosine(steps: 0) }
        #expect(throws: RecurrentError.self) { _ = try LearningRateSchedule.cosine(steps: 10, minimum: -1) }
        #expect(throws: RecurrentError.self) { _ = try LearningRateSchedule.constant.afterWarmup(steps: 10, startFactor: 0) }
    }

    @Test func trainerFollowsTheSchedule() throws {
        var generator = RandomGenerator(seed: 1)
        let model = try Dense(inputSize: 1, outputSize: 1, generator: &generator)
        var trainer = try Trainer(
            model: model, optimizer: try SGD(learningRate: 0.2), loss: .meanSquaredError,
            schedule: try .stepDecay(every: 2, gamma: 0.5))
        let rates = try (0..<5).map { _ in
            try trainer.trainStep(input: Tensor(rows: [[1]]), target: Tensor(rows: [[0]])).learningRate
        }
        #expect(rates == [0.2, 0.2, 0.1, 0.1, 0.05])
        #expect(trainer.step == 5)
    }
}
