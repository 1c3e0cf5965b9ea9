import Foundation
import Recurrent
import Testing

/// Training checkpoints: a run stopped after k steps, saved, read back and
/// restored into a fresh trainer ends, after m more steps, at exactly the bits
/// of an uninterrupted k + m-step run (the reference); optimiser state round
/// trips; damaged or foreign files are refused by name.
@Suite struct CheckpointTests {
    /// A folder of its own per test, removed afterwards by the caller.
    private func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("CheckpointTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The bits of every scalar, by name: equality here is bit-for-bit.
    private func bits(_ tensors: NamedTensors) -> [String: [UInt32]] {
        Dictionary(uniqueKeysWithValues: tensors.map { ($0.name, $0.tensor.scalars.map(\.bitPattern)) })
    }

    private enum Architecture {
        /// One LSTM layer, many-to-one.
        case lstm
        /// Two GRU layers with dropout 0.2 between them: the dropout generator matters.
        case gruWithDropout
    }

    private func model(_ architecture: Architecture, seed: UInt64) throws -> SequenceModel {
        var generator = RandomGenerator(seed: seed)
        switch architecture {
        case .lstm:
            return try SequenceModel(
                input: .features(2), cell: .lstm, hiddenSize: 4, outputSize: 1, pooling: .last,
                generator: &generator)
        case .gruWithDropout:
            return try SequenceModel(
                input: .features(2), cell: .gru, hiddenSize: 5, layers: 2, dropout: 0.2, outputSize: 1,
                pooling: .last, generator: &generator)
        }
    }

    /// Fixed batches of 3 sequences of up to 4 steps, with ragged lengths.
    private func batches(_ count: Int) throws -> [SequenceBatch] {
        var generator = RandomGenerator(seed: 1234)
        return try (0..<count).map { _ in
            try SequenceBatch(
                input: Tensor.normal([3, 4, 2], using: &generator), lengths: [4, 2, 3],
                targets: Tensor.normal([3, 1], using: &generator))
        }
    }

    /// Trains k + m steps without stopping, and k steps, then checkpoints to a
    /// file, reads it back into a fresh trainer (other initial weights, other
    /// dropout seed) and trains m more; expects the same bits everywhere.
    private func expectResumeMatches<Rule: Optimizer>(
        _ optimizer: @autoclosure () throws -> Rule, _ architecture: Architecture,
        schedule: LearningRateSchedule = .constant, k: Int = 3, m: Int = 3, _ what: String
    ) throws {
        let data = try batches(k + m)
        func trainer(seed: UInt64) throws -> SequenceTrainer<Rule> {
            try SequenceTrainer(
                model: try model(architecture, seed: seed), optimizer: try optimizer(), loss: .meanSquaredError,
                schedule: schedule, maxGradientNorm: 1, seed: seed)
        }
        var reference = try trainer(seed: 1)
        for batch in data { _ = try reference.trainStep(batch) }

        var first = try trainer(seed: 1)
        for batch in data[..<k] { _ = try first.trainStep(batch) }
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("run.checkpoint.safetensors")
        try first.checkpoint(metadata: ["epoch": "1"]).write(to: url)

        let saved = try TrainingCheckpoint(contentsOf: url)
        #expect(saved == first.checkpoint(metadata: ["epoch": "1"]), "\(what): the file reads back as written")
        var resumed = try trainer(seed: 99)
        #expect(resumed.model.parameters != first.model.parameters)
        try resumed.restore(saved)
        #expect(resumed.step == k && saved.metadata == ["epoch": "1"])
        var rates: [Float] = []
        for batch in data[k...] { rates.append(try resumed.trainStep(batch).learningRate) }

        #expect(bits(resumed.model.parameters) == bits(reference.model.parameters), "\(what): parameters differ")
        #expect(resumed.model.parameters == reference.model.parameters)
        #expect(resumed.step == reference.step && resumed.generator == reference.generator, "\(what)")
        let (resumedTensors, resumedValues) = resumed.optimizer.exportState()
        let (referenceTensors, referenceValues) = reference.optimizer.exportState()
        #expect(bits(resumedTensors) == bits(referenceTensors) && resumedValues == referenceValues, "\(what)")
        let expectedRates = (k..<(k + m)).map { schedule.learningRate(base: reference.baseLearningRate, step: $0) }
        #expect(rates == expectedRates, "\(what): the schedule resumes at step \(k)")
    }

    @Test func resumingEqualsNeverStopping() throws {
        for architecture in [Architecture.lstm, .gruWithDropout] {
            let name = "\(architecture)"
            try expectResumeMatches(try Adam(learningRate: 0.01), architecture, "Adam, \(name)")
            try expectResumeMatches(try AdamW(learningRate: 0.01, weightDecay: 0.1), architecture, "AdamW, \(name)")
            try expectResumeMatches(
                try SGD(learningRate: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01), architecture,
                "SGD momentum, \(name)")
            try expectResumeMatches(
                try SGD(learningRate: 0.1, momentum: 0.9, nesterov: true), architecture, "SGD Nesterov, \(name)")
            try expectResumeMatches(
                try RMSprop(learningRate: 0.01, weightDecay: 0.01, momentum: 0.5, centered: true), architecture,
                "RMSprop centered, momentum, \(name)")
            try expectResumeMatches(
                try Adagrad(learningRate: 0.1, learningRateDecay: 0.05, initialAccumulatorValue: 0.1), architecture,
                "Adagrad, \(name)")
        }
        try expectResumeMatches(
            try AdamW(learningRate: 0.01, amsgrad: true), .gruWithDropout, "AdamW AMSGrad")
        try expectResumeMatches(try SGD(learningRate: 0.1), .lstm, "plain SGD (no state)")
    }

    @Test func resumingFollowsTheLearningRateSchedule() throws {
        let schedule = try LearningRateSchedule.cosine(steps: 8, minimum: 0.1).afterWarmup(steps: 2)
        try expectResumeMatches(
            try Adam(learningRate: 0.02), .gruWithDropout, schedule: schedule, "Adam, warmup + cosine")
        try expectResumeMatches(
            try SGD(learningRate: 0.1, momentum: 0.9), .lstm, schedule: try .stepDecay(every: 2, gamma: 0.5), k: 5,
            m: 2, "SGD, step decay")
    }

    /// The MLP trainer resumes the same way (it draws no random numbers).
    @Test func theMLPTrainerResumes() throws {
        func trainer(seed: UInt64) throws -> Trainer<Sequential, Adam> {
            var generator = RandomGenerator(seed: seed)
            let model = Sequential(
                try Dense(inputSize: 2, outputSize: 6, activation: .tanh, generator: &generator),
                try Dense(inputSize: 6, outputSize: 1, generator: &generator))
            return try Trainer(
                model: model, optimizer: try Adam(learningRate: 0.05, amsgrad: true), loss: .meanSquaredError,
                schedule: try .stepDecay(every: 2, gamma: 0.5))
        }
        var generator = RandomGenerator(seed: 7)
        let inputs = (0..<5).map { _ in Tensor.normal([4, 2], using: &generator) }
        let targets = (0..<5).map { _ in Tensor.normal([4, 1], using: &generator) }
        var reference = try trainer(seed: 1)
        var first = try trainer(seed: 1)
        var resumed = try trainer(seed: 2)
        for i in 0..<5 { _ = try reference.trainStep(input: inputs[i], target: targets[i]) }
        for i in 0..<2 { _ = try first.trainStep(input: inputs[i], target: targets[i]) }
        let data = try first.checkpoint().serialized()
        try resumed.restore(try TrainingCheckpoint(data: data, name: "mlp"))
        for i in 2..<5 { _ = try resumed.trainStep(input: inputs[i], target: targets[i]) }
        #expect(bits(resumed.model.parameters) == bits(reference.model.parameters))
        #expect(resumed.step == 5)
    }

    /// Each optimiser's state, exported after two updates and imported into a
    /// fresh optimiser of the same kind, gives the identical third update.
    @Test func optimizerStateRoundTrips() throws {
        func expectRoundTrip<Rule: Optimizer>(_ make: () throws -> Rule, _ what: String) throws {
            var generator = RandomGenerator(seed: 3)
            var original = try make()
            var theta = [
                "p": Tensor.normal([3], using: &generator), "head.weight": Tensor.normal([2, 2], using: &generator),
            ]
            for _ in 0..<2 {
                for name in theta.keys.sorted() {
                    original.update(
                        &theta[name]!, gradient: Tensor.normal(theta[name]!.shape, using: &generator), name: name)
                }
            }
            let (tensors, values) = original.exportState()
            var copy = try make()
            try copy.importState(tensors: tensors, values: values)
            let (copyTensors, copyValues) = copy.exportState()
            #expect(bits(copyTensors) == bits(tensors) && copyValues == values, "\(what): export after import")
            for name in theta.keys.sorted() {
                let gradient = Tensor.normal(theta[name]!.shape, using: &generator)
                var a = theta[name]!
                var b = theta[name]!
                original.update(&a, gradient: gradient, name: name)
                copy.update(&b, gradient: gradient, name: name)
                #expect(a.scalars.map(\.bitPattern) == b.scalars.map(\.bitPattern), "\(what): next update of \(name)")
                #expect(a != theta[name]!)
            }
        }
        try expectRoundTrip({ try SGD(learningRate: 0.1) }, "SGD")
        try expectRoundTrip({ try SGD(learningRate: 0.1, momentum: 0.9, dampening: 0.2) }, "SGD momentum")
        try expectRoundTrip({ try SGD(learningRate: 0.1, momentum: 0.9, nesterov: true) }, "SGD Nesterov")
        try expectRoundTrip({ try Adam(learningRate: 0.1, weightDecay: 0.1) }, "Adam")
        try expectRoundTrip({ try Adam(learningRate: 0.1, amsgrad: true) }, "Adam AMSGrad")
        try expectRoundTrip({ try AdamW(learningRate: 0.1, amsgrad: true) }, "AdamW AMSGrad")
        try expectRoundTrip({ try RMSprop(learningRate: 0.01) }, "RMSprop")
        try expectRoundTrip({ try RMSprop(learningRate: 0.01, momentum: 0.9, centered: true) }, "RMSprop centered")
        try expectRoundTrip({ try Adagrad(learningRate: 0.1, learningRateDecay: 0.1) }, "Adagrad")
    }

    /// The names PyTorch gives the state, and the checks of an import.
    @Test func optimizerStateIsNamedAndChecked() throws {
        var adam = try Adam(learningRate: 0.1, amsgrad: true)
        var theta = Tensor([1, 2])
        adam.update(&theta, gradient: Tensor([0.5, -0.5]), name: "head.weight")
        let (tensors, values) = adam.exportState()
        #expect(tensors.names == ["head.weight.exp_avg", "head.weight.exp_avg_sq", "head.weight.max_exp_avg_sq"])
        #expect(values == ["type": "Adam", "head.weight.step": "1"])

        func expectRefusal(
            _ tensors: NamedTensors, _ values: [String: String], into optimizer: some Optimizer, key: String,
            _ reason: String
        ) {
            var optimizer = optimizer
            let before = optimizer.exportState()
            #expect(throws: RecurrentError.invalidArgument(name: "optimizer state", value: key, reason: reason)) {
                try optimizer.importState(tensors: tensors, values: values)
            }
            #expect(
                optimizer.exportState().values == before.values && optimizer.exportState().tensors == before.tensors)
        }
        var missing = tensors
        missing["head.weight.exp_avg_sq"] = nil
        expectRefusal(
            missing, values, into: adam, key: "head.weight.exp_avg_sq",
            "missing; Adam keeps it for every parameter it has updated")
        expectRefusal(
            tensors, values, into: try Adam(), key: "head.weight.max_exp_avg_sq",
            "only AMSGrad keeps it, and this Adam does not use it")
        expectRefusal(
            tensors, values, into: try AdamW(amsgrad: true), key: "type", "is \"Adam\", but this optimiser is AdamW")
        var reshaped = tensors
        reshaped["head.weight.exp_avg_sq"] = Tensor.zeros([1, 2])
        expectRefusal(
            reshaped, values, into: adam, key: "head.weight.exp_avg_sq",
            "has shape [1, 2], but the parameter's other state has [2]")
        var badStep = values
        badStep["head.weight.step"] = "0"
        expectRefusal(tensors, badStep, into: adam, key: "head.weight.step", "is \"0\", not a whole number ≥ 1")
        var untyped = values
        untyped["type"] = nil
        expectRefusal(
            tensors, untyped, into: adam, key: "type",
            "missing; the state does not say which optimiser wrote it (this one is Adam)")
        expectRefusal(
            NamedTensors([("p.momentum_buffer", Tensor([1]))]), ["type": "SGD"], into: try SGD(learningRate: 0.1),
            key: "p.momentum_buffer", "SGD without momentum keeps no buffer")
        expectRefusal(
            NamedTensors([("exp_avg", Tensor([1]))]), ["type": "Adam"], into: adam, key: "exp_avg",
            "is not PARAMETER.KEY with a key that Adam keeps among its tensors (exp_avg, exp_avg_sq, max_exp_avg_sq)")

        var withModel = adam
        #expect(
            throws: RecurrentError.invalidArgument(
                name: "optimizer state", value: "head.weight.exp_avg",
                reason: "has shape [2], but the parameter head.weight has shape [3]")
        ) {
            try withModel.importState(
                tensors: tensors, values: values, parameters: NamedTensors([("head.weight", Tensor([1, 2, 3]))]))
        }
        #expect(
            throws: RecurrentError.invalidArgument(
                name: "optimizer state", value: "head.weight.exp_avg", reason: "belongs to no parameter of the model")
        ) {
            try withModel.importState(
                tensors: tensors, values: values, parameters: NamedTensors([("bias", Tensor([1, 2]))]))
        }
    }
}

/// The checkpoint file: layout, round trip, and refusal of damaged or foreign files.
@Suite struct CheckpointFileTests {
    private func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "CheckpointFileTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// An LSTM trainer after two Adam steps.
    private func trainedTrainer(hiddenSize: Int = 3, cell: Cell = .lstm) throws -> SequenceTrainer<Adam> {
        var generator = RandomGenerator(seed: 5)
        let model = try SequenceModel(
            input: .features(2), cell: cell, hiddenSize: hiddenSize, outputSize: 1, pooling: .last,
            generator: &generator)
        var trainer = try SequenceTrainer(
            model: model, optimizer: try Adam(learningRate: 0.01), loss: .meanSquaredError)
        for _ in 0..<2 {
            _ = try trainer.trainStep(
                try SequenceBatch(
                    input: Tensor.normal([2, 3, 2], using: &generator),
                    targets: Tensor.normal([2, 1], using: &generator)))
        }
        return trainer
    }

    /// The trainer's whole state, to check that a refused restore changed nothing.
    private func snapshot(_ trainer: SequenceTrainer<Adam>) -> TrainingCheckpoint { trainer.checkpoint() }

    @Test func theFileHoldsPrefixedTensorsAndNamespacedMetadata() throws {
        let trainer = try trainedTrainer()
        // The caller's keys may repeat the format's: they are stored under user.
        let checkpoint = trainer.checkpoint(metadata: ["format": "mine", "step": "x", "epoch": "2"])
        let file = try SafetensorsFile(data: try checkpoint.serialized(), name: "c")
        #expect(file.metadata["format"] == "recurrent-checkpoint" && file.metadata["format_version"] == "1")
        #expect(
            file.metadata["step"] == "2" && file.metadata["user.step"] == "x" && file.metadata["user.format"] == "mine")
        #expect(file.metadata["optimizer.type"] == "Adam" && file.metadata["optimizer.weight_ih_l0.step"] == "2")
        #expect(file.tensors["model.head.weight"] != nil && file.tensors["optimizer.head.weight.exp_avg"] != nil)
        #expect(file.tensors.count == 3 * trainer.model.parameters.count, "each parameter and its exp_avg, exp_avg_sq")
        let read = try TrainingCheckpoint(data: try checkpoint.serialized(), name: "c")
        #expect(read == checkpoint && read.parameters.names == trainer.model.parameters.names)
        #expect(try checkpoint.serialized() == (try read.serialized()), "the same checkpoint gives the same bytes")

        // The caller's tensors (best weights for early stopping) under user.NAME.
        var withBest = checkpoint
        withBest.userTensors = NamedTensors([("head.weight", Tensor([1, 2, 3]))])
        let stored = try SafetensorsFile(data: try withBest.serialized(), name: "c")
        #expect(stored.tensors["user.head.weight"]?.scalars == [1, 2, 3])
        #expect(try TrainingCheckpoint(data: try withBest.serialized(), name: "c") == withBest)
    }

    @Test func floatsAreStoredBitExactly() throws {
        let specials: [Float] = [
            -0.0, .leastNonzeroMagnitude, -.leastNormalMagnitude, .greatestFiniteMagnitude, 0x1.fffffep-3,
        ]
        let checkpoint = TrainingCheckpoint(
            parameters: NamedTensors([("w", Tensor(specials))]),
            optimizerTensors: NamedTensors([("w.momentum_buffer", Tensor([.infinity, -0.0, .nan]))]),
            optimizerValues: ["type": "SGD"], step: 0, generator: RandomGenerator(seed: .max))
        let read = try TrainingCheckpoint(data: try checkpoint.serialized(), name: "c")
        #expect(read.parameters["w"]!.scalars.map(\.bitPattern) == specials.map(\.bitPattern))
        #expect(
            read.optimizerTensors["w.momentum_buffer"]!.scalars.map(\.bitPattern)
                == [Float.infinity, -0.0, .nan].map(\.bitPattern))
        #expect(read.generator == RandomGenerator(seed: .max))
    }

    @Test func overwritingLeavesTheNewCheckpoint() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("last.safetensors")
        var trainer = try trainedTrainer()
        try trainer.checkpoint().write(to: url)
        _ = try trainer.trainStep(try SequenceBatch(input: Tensor.zeros([1, 2, 2]), targets: Tensor(rows: [[1]])))
        let newer = trainer.checkpoint(metadata: ["epoch": "3"])
        try newer.write(to: url)
        #expect(try TrainingCheckpoint(contentsOf: url) == newer)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["last.safetensors"],
            "no temporary file left")
        // A failed write (the folder is missing) leaves nothing behind and throws naming the file.
        let missing = folder.appendingPathComponent("gone/last.safetensors")
        #expect(throws: SafetensorsError.self) { try newer.write(to: missing) }
    }

    /// Writes `file` and expects reading it as a checkpoint to throw exactly `expected` (file name filled in).
    private func expectRefusal(
        _ file: SafetensorsFile, tensor: String? = nil, _ problem: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("c.safetensors")
        try file.write(to: url)
        #expect(
            throws: SafetensorsError(file: url.path, tensor: tensor, problem: problem), sourceLocation: sourceLocation
        ) { try TrainingCheckpoint(contentsOf: url) }
    }

    @Test func damagedFilesAreRefusedByName() throws {
        let good = try SafetensorsFile(data: try trainedTrainer().checkpoint().serialized(), name: "c")

        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("truncated.safetensors")
        let bytes = try good.serialized()
        try bytes.prefix(bytes.count - 10).write(to: url)
        let error = #expect(throws: SafetensorsError.self) { try TrainingCheckpoint(contentsOf: url) }
        #expect(
            error?.file == url.path && error?.description.contains("truncated") == true, "\(String(describing: error))")

        var missing = good
        missing.tensors["optimizer.weight_hh_l0.exp_avg"] = nil
        try expectRefusal(
            missing, tensor: "optimizer.weight_hh_l0.exp_avg", "missing; the metadata \"optimizer_tensors\" lists it")
        var extra = good
        extra.tensors["model.extra"] = Tensor([1])
        try expectRefusal(
            extra, tensor: "model.extra",
            "is listed in none of \"parameters\" (as model.NAME), \"optimizer_tensors\" (as optimizer.KEY) and "
                + "\"user_tensors\" (as user.NAME)")
        var poisoned = good
        poisoned.tensors["model.bias_hh_l0"]![0] = .nan
        try expectRefusal(poisoned, tensor: "model.bias_hh_l0", "holds NaN or infinity")
        var badStep = good
        badStep.metadata["step"] = "-1"
        try expectRefusal(badStep, "metadata \"step\": is \"-1\", not a whole number ≥ 0")
        var badGenerator = good
        badGenerator.metadata["generator"] = "{}"
        try expectRefusal(badGenerator, "metadata \"generator\": is \"{}\", not a random generator's state as JSON")
        var newer = good
        newer.metadata["format_version"] = "2"
        try expectRefusal(
            newer, "metadata \"format_version\": unsupported version \"2\"; this build of Recurrent reads version 1")
        var unknown = good
        unknown.metadata["epoch"] = "3"
        try expectRefusal(
            unknown, "metadata \"epoch\": not part of a version-1 checkpoint (the caller's keys begin with user.)")
    }

    @Test func otherSafetensorsFilesAreNotCheckpoints() throws {
        try expectRefusal(
            SafetensorsFile(tensors: ["weight": Tensor([1])]),
            "metadata \"format\": missing; not a Recurrent training checkpoint (format \"recurrent-checkpoint\")")
        let model = try trainedTrainer().model
        let modelFile = try SafetensorsFile(data: try ModelFile(layer: model.recurrent).serialized(), name: "m")
        try expectRefusal(
            modelFile,
            "metadata \"format\": is \"recurrent\", a Recurrent model file, not a training checkpoint (\"recurrent-checkpoint\")"
        )
    }

    @Test func aCheckpointThatDoesNotFitTheTrainerChangesNothing() throws {
        let checkpoint = try trainedTrainer().checkpoint()

        var other = try trainedTrainer(hiddenSize: 4)
        let before = snapshot(other)
        #expect(
            throws: RecurrentError.parameterShapeMismatch(name: "weight_ih_l0", expected: [16, 2], actual: [12, 2])
        ) { try other.restore(checkpoint) }
        #expect(snapshot(other) == before)

        var gru = try trainedTrainer(cell: .gru)
        let gruBefore = snapshot(gru)
        #expect(
            throws: RecurrentError.parameterShapeMismatch(name: "weight_ih_l0", expected: [9, 2], actual: [12, 2])
        ) {
            try gru.restore(checkpoint)
        }
        #expect(snapshot(gru) == gruBefore)

        var same = try trainedTrainer()
        _ = try same.trainStep(try SequenceBatch(input: Tensor.zeros([1, 2, 2]), targets: Tensor(rows: [[1]])))
        let sameBefore = snapshot(same)
        var reshaped = checkpoint
        reshaped.optimizerTensors["weight_hh_l0.exp_avg"] = Tensor.zeros([3, 12])
        #expect(
            throws: RecurrentError.invalidArgument(
                name: "optimizer state", value: "weight_hh_l0.exp_avg",
                reason: "has shape [3, 12], but the parameter weight_hh_l0 has shape [12, 3]")
        ) { try same.restore(reshaped) }
        var missing = checkpoint
        missing.optimizerTensors["head.bias.exp_avg_sq"] = nil
        #expect(
            throws: RecurrentError.invalidArgument(
                name: "optimizer state", value: "head.bias.exp_avg_sq",
                reason: "missing; Adam keeps it for every parameter it has updated")
        ) { try same.restore(missing) }
        var unknownParameter = checkpoint
        unknownParameter.parameters["head.scale"] = Tensor([1])
        #expect(throws: RecurrentError.unexpectedParameter(name: "head.scale")) { try same.restore(unknownParameter) }
        var sgd = try SequenceTrainer(
            model: same.model, optimizer: try SGD(learningRate: 0.1, momentum: 0.9), loss: .meanSquaredError)
        #expect(
            throws: RecurrentError.invalidArgument(
                name: "optimizer state", value: "type", reason: "is \"Adam\", but this optimiser is SGD")
        ) {
            try sgd.restore(checkpoint)
        }
        #expect(snapshot(same) == sameBefore)
        #expect(sgd.step == 0 && sgd.model.parameters == same.model.parameters)
    }
}
