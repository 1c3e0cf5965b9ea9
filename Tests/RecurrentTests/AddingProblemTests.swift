import Foundation
import Recurrent
import Testing

/// The adding problem (Hochreiter and Schmidhuber, 1997): the generator's
/// contract, and an LSTM that learns it at T = 50 — the first assertion that
/// backpropagation through time carries a signal across dozens of steps.
@Suite struct AddingProblemTests {
    @Test func sequencesHaveTwoMarkersOneInEachHalfAndTheirSum() throws {
        var generator = RandomGenerator(seed: 1)
        let task = try AddingProblem(length: 11)
        let batch = task.batch(count: 200, generator: &generator)
        #expect(batch.input.shape == [200, 11, 2] && batch.targets.shape == [200, 1] && batch.lengths == nil)
        for b in 0..<200 {
            let markers = (0..<11).filter { batch.input[b, $0, 1] != 0 }
            #expect(markers.count == 2 && markers.allSatisfy { batch.input[b, $0, 1] == 1 }, "sequence \(b): \(markers)")
            #expect(markers[0] < 5 && markers[1] >= 5, "sequence \(b): markers at \(markers), halves 0..<5 and 5..<11")
            #expect(batch.targets[b, 0] == batch.input[b, markers[0], 0] + batch.input[b, markers[1], 0])
            #expect((0..<11).allSatisfy { batch.input[b, $0, 0] >= 0 && batch.input[b, $0, 0] < 1 })
        }
        var again = RandomGenerator(seed: 1)
        #expect(task.batch(count: 200, generator: &again) == batch)
        #expect(throws: RecurrentError.invalidArgument(name: "length", value: "1", reason: "must be ≥ 2 (a marker in each half)")) {
            _ = try AddingProblem(length: 1)
        }
    }

    /// Always answering 1 scores Var(u₁ + u₂) = 1/6. Over 4000 sequences the
    /// MSE's standard error is √((1/15 − 1/36) / 4000) ≈ 0.003, so 0.01 is
    /// over three of them; every marker position must be reached, too.
    @Test func answeringOneScoresAboutOneSixth() throws {
        var generator = RandomGenerator(seed: 2)
        let batch = try AddingProblem(length: 50).batch(count: 4000, generator: &generator)
        let mse = Loss.meanSquaredError(Tensor.ones([4000, 1]), target: batch.targets).value
        #expect(abs(mse - AddingProblem.constantPredictorMSE) < 0.01, "MSE of answering 1: \(mse)")
        var seen = Set<Int>()
        for b in 0..<4000 { for t in 0..<50 where batch.input[b, t, 1] == 1 { seen.insert(t) } }
        #expect(seen == Set(0..<50))
    }

    /// An LSTM (H = 32, Adam at 1e-2, gradients clipped to norm 1, batches of
    /// 32 fresh sequences) at T = 50 trains until the MSE on 256 validation
    /// sequences falls below 0.005, then must score below 0.01 on 1000 unseen
    /// test sequences — where answering 1 scores 0.167 and an LSTM that has
    /// not found the markers sits near 0.16.
    ///
    /// In release builds, seeds 0–19 of this setup reach the validation
    /// threshold after 450–1250 steps (median 700) with test MSEs of
    /// 0.0033–0.0055; seed 1 here stops after 600. A debug build (C kernels
    /// at -O0) takes about 5 ms a step on the 2-core development machine:
    /// about 3 s in all.
    @Test func anLSTMLearnsTheAddingProblemAtFiftySteps() throws {
        var generator = RandomGenerator(seed: 1)
        let task = try AddingProblem(length: 50)
        var data = RandomGenerator(seed: 1001)
        let validation = task.batch(count: 256, generator: &data)
        let model = try SequenceModel(
            input: .features(2), cell: .lstm, hiddenSize: 32, outputSize: 1, pooling: .last, generator: &generator)
        var trainer = try SequenceTrainer(
            model: model, optimizer: try Adam(learningRate: 1e-2), loss: .meanSquaredError, maxGradientNorm: 1)
        let budget = 2000
        var validationMSE = Double.infinity
        while trainer.step < budget && validationMSE >= 0.005 {
            _ = try trainer.trainStep(task.batch(count: 32, generator: &data))
            if trainer.step % 25 == 0 { validationMSE = try trainer.evaluate(validation) }
        }
        var unseen = RandomGenerator(seed: 77)
        let testMSE = try trainer.evaluate(task.batch(count: 1000, generator: &unseen))
        print("adding problem T=50, LSTM: \(trainer.step) steps, validation MSE \(validationMSE), test MSE \(testMSE)")
        #expect(validationMSE < 0.005, "validation MSE \(validationMSE) after \(trainer.step) steps")
        #expect(testMSE < 0.01, "test MSE \(testMSE) after \(trainer.step) steps (answering 1 gives 0.167)")
    }

    /// Not a CI test: the comparison the issue asks to report. Run with
    /// `RECURRENT_LONG_TESTS=1 swift test -c release --filter AddingProblemTests`
    /// (`RECURRENT_ADDING_LENGTH` and `RECURRENT_ADDING_STEPS` change T = 100
    /// and the 4000 steps). Each cell (H = 32, batches of 32, clipping at 1)
    /// trains for a fixed number of steps; the LSTM and the GRU must reach a
    /// test MSE below 0.01 and the Elman RNN, whose gradient vanishes over the
    /// ~75 steps between the first marker and the end, stays near 0.167.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["RECURRENT_LONG_TESTS"] != nil))
    func atLongLengthsGatedCellsLearnAndElmanDoesNot() throws {
        let environment = ProcessInfo.processInfo.environment
        let length = environment["RECURRENT_ADDING_LENGTH"].flatMap { Int($0) } ?? 100
        let steps = environment["RECURRENT_ADDING_STEPS"].flatMap { Int($0) } ?? 4000
        let task = try AddingProblem(length: length)
        for (cell, rate) in [(Cell.lstm, Float(1e-2)), (.gru, 1e-2), (.elman(.tanh), 1e-2), (.elman(.tanh), 1e-3)] {
            var generator = RandomGenerator(seed: 1)
            var data = RandomGenerator(seed: 1001)
            let validation = task.batch(count: 256, generator: &data)
            let model = try SequenceModel(
                input: .features(2), cell: cell, hiddenSize: 32, outputSize: 1, pooling: .last, generator: &generator)
            var trainer = try SequenceTrainer(
                model: model, optimizer: try Adam(learningRate: rate), loss: .meanSquaredError, maxGradientNorm: 1)
            let start = Date()
            var firstBelow: Int?
            while trainer.step < steps {
                _ = try trainer.trainStep(task.batch(count: 32, generator: &data))
                if trainer.step % 100 == 0, firstBelow == nil, try trainer.evaluate(validation) < 0.01 {
                    firstBelow = trainer.step
                }
            }
            let seconds = Date().timeIntervalSince(start)
            var unseen = RandomGenerator(seed: 77)
            let testMSE = try trainer.evaluate(task.batch(count: 1000, generator: &unseen))
            print("adding problem T=\(length) \(cell.name) lr \(rate): \(steps) steps in \(String(format: "%.1f", seconds)) s, validation MSE < 0.01 first at step \(firstBelow.map(String.init) ?? "never"), final test MSE \(testMSE)")
            if cell == .elman(.tanh) {
                #expect(testMSE > 0.1, "\(cell.name) lr \(rate): test MSE \(testMSE)")
            } else {
                #expect(testMSE < 0.01, "\(cell.name): test MSE \(testMSE)")
            }
        }
    }
}
