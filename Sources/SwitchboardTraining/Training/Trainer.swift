import SwitchboardSupport
import CBLAS
import Foundation
import Switchboard

/// Featurized examples: weighted sparse rows and label indices (-1 = a label the model lacks).
struct TrainingData {
    var rows: SparseMatrix
    var labels: [Int32]
}

/// One epoch's figures, for progress display.
public struct EpochReport: Sendable {
    public var epoch: Int
    public var loss: Double
    public var validationAccuracy: Double?
    /// Mean cross-entropy of the validation rows whose label the model has.
    public var validationLoss: Double? = nil
    public var seconds: Double
}

/// What training did.
public struct TrainingReport: Sendable {
    public var examples: Int
    public var labels: Int
    public var nonZeros: Int
    public var epochs: Int
    public var bestEpoch: Int
    public var validationExamples: Int
    /// Validation accuracy of the model returned: the best epoch's, or after the refinement
    /// when it ran (the refinement starts from the best epoch and does not look at validation).
    public var validationAccuracy: Double?
    public var history: [EpochReport]
    /// Training rows per label, in the model's label order.
    public var labelExamples: [Int] = []
    /// The full-batch refinement after SGD, when it ran.
    public var refinement: RefinementReport?
}

/// Why training could not start.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    case invalidParameters(String)
    case noExamples
    case singleLabel(String)
    case mismatchedCounts(texts: Int, labels: Int)
    /// The weight matrix (`buckets` × row stride float32 values for `labels` labels) would take
    /// `bytes`, over `limit` (`Trainer.maximumWeightBytes`); `fittingBucketBits` is the largest
    /// bucket bits that fit, or nil when even the fewest buckets do not.
    case modelTooLarge(labels: Int, buckets: Int, bytes: Int, limit: Int, fittingBucketBits: Int?)
    /// The held-out validation fraction left `trainingRows` rows that lack the labels `missing`
    /// (of `labelCount`): those labels could never be predicted.
    case validationFractionDropsLabels(fraction: Double, trainingRows: Int, labelCount: Int, missing: [String])

    public var description: String {
        switch self {
        case .invalidParameters(let p): "invalid training parameters: \(p)"
        case .noExamples: "no training examples"
        case .singleLabel(let l): "only one label (\"\(l)\") in the training data: nothing to learn"
        case .mismatchedCounts(let t, let l): "\(t) texts but \(l) labels"
        case .modelTooLarge(let labels, let buckets, let bytes, let limit, let bits):
            "\(labels) labels × \(buckets) buckets need \(Self.gigabytes(bytes)) of weights to train, over the "
                + "\(Self.gigabytes(limit)) limit; "
                + (bits.map { "use --bucket-bits \($0) or less, or fewer labels" }
                    ?? "even \(1 << FeatureConfiguration.bucketBitsRange.lowerBound) buckets are too many: use fewer labels")
        case .validationFractionDropsLabels(let fraction, let rows, let labelCount, let missing):
            "validation fraction \(fraction) leaves \(rows) training row\(rows == 1 ? "" : "s") for \(labelCount) labels: "
                + "\(missing.count) label\(missing.count == 1 ? " has" : "s have") no training row left ("
                + missing.prefix(5).map { "\"\($0)\"" }.joined(separator: ", ") + (missing.count > 5 ? ", ..." : "")
                + ") and could never be predicted; use a smaller --validation-fraction, or give --validation FILE"
        }
    }

    /// Bytes as decimal gigabytes with the exact count, e.g. "13.1 GB (13107200000 bytes)".
    static func gigabytes(_ bytes: Int) -> String {
        let value = (Double(bytes) / 1e8).rounded() / 10
        return "\(value) GB (\(bytes) bytes)"
    }
}

/// Fits a multinomial logistic-regression router from labeled texts.
public enum Trainer {
    /// The largest weight matrix training allocates: 4 GiB of float32 (2^30 values). Training
    /// holds up to three copies of it (the solver's weights, the best epoch's snapshot when
    /// validating, the trained model) plus the encoded file, so this keeps a run within about
    /// 16 GB; it also keeps every count BLAS sees (a 32-bit int) in range. At the default 2^15
    /// buckets up to 32,768 labels fit; 100,000 labels need 2^13 buckets or fewer (3.3 GB).
    public static let maximumWeightBytes = 1 << 32

    /// `.modelTooLarge` when the weights of a model with `labels` labels and `features` would
    /// exceed `maximumWeightBytes`, else nil. Checked before any data is featurized.
    public static func sizeProblem(labels: Int, features: FeatureConfiguration) -> TrainingError? {
        func bytes(_ bits: Int) -> Int? {
            let (values, overflow1) = (1 << bits).multipliedReportingOverflow(by: ModelContents.rowStride(forLabels: labels))
            let (total, overflow2) = values.multipliedReportingOverflow(by: MemoryLayout<Float>.size)
            return overflow1 || overflow2 ? nil : total
        }
        let needed = bytes(features.bucketBits) ?? .max
        guard needed > maximumWeightBytes else { return nil }
        let fitting = FeatureConfiguration.largestBucketBits(atMost: features.bucketBits - 1) {
            (bytes($0) ?? .max) <= maximumWeightBytes
        }
        return .modelTooLarge(labels: labels, buckets: features.bucketCount, bytes: needed, limit: maximumWeightBytes,
                              fittingBucketBits: fitting)
    }

    /// Trains a model. With `validation` (or `parameters.validationFraction` > 0) the epoch with
    /// the best validation accuracy is kept, ties going to the lower validation loss, and
    /// training stops after `patience` epochs without improvement. `progress` is called after
    /// each epoch.
    public static func train(texts: [String], labels: [String],
                             validation: (texts: [String], labels: [String])? = nil,
                             parameters: TrainingParameters,
                             progress: ((EpochReport) -> Void)? = nil) throws -> (ModelContents, TrainingReport) {
        if let p = parameters.problem { throw TrainingError.invalidParameters(p) }
        guard texts.count == labels.count else { throw TrainingError.mismatchedCounts(texts: texts.count, labels: labels.count) }
        guard !texts.isEmpty else { throw TrainingError.noExamples }
        var (trainTexts, trainLabels, validTexts, validLabels) = split(texts, labels, validation, parameters)
        if validation == nil && !validLabels.isEmpty {
            let all = Set(labels), kept = Set(trainLabels)
            if kept.count < all.count {
                throw TrainingError.validationFractionDropsLabels(
                    fraction: parameters.validationFraction, trainingRows: trainTexts.count, labelCount: all.count,
                    missing: all.subtracting(kept).sorted())
            }
        }
        let labelNames = Array(Set(trainLabels)).sorted()
        guard labelNames.count > 1 else { throw TrainingError.singleLabel(labelNames[0]) }
        if let tooLarge = sizeProblem(labels: labelNames.count, features: parameters.features) { throw tooLarge }
        let index = Dictionary(uniqueKeysWithValues: labelNames.enumerated().map { ($1, Int32($0)) })

        let extractor = FeatureExtractor(parameters.features)
        var rows = SparseMatrix.counts(of: trainTexts, extractor: extractor, threads: parameters.threads)
        let idf = parameters.features.useIDF ? inverseDocumentFrequency(rows, buckets: parameters.features.bucketCount, threads: parameters.threads) : nil
        weigh(&rows, features: parameters.features, idf: idf, threads: parameters.threads)
        let train = TrainingData(rows: rows, labels: trainLabels.map { index[$0]! })
        trainTexts = []; trainLabels = []
        var valid: TrainingData?
        if !validTexts.isEmpty {
            var v = SparseMatrix.counts(of: validTexts, extractor: extractor, threads: parameters.threads)
            weigh(&v, features: parameters.features, idf: idf, threads: parameters.threads)
            valid = TrainingData(rows: v, labels: validLabels.map { index[$0] ?? -1 })
            validTexts = []; validLabels = []
        }

        let solver = SGDSolver(labelCount: labelNames.count, bucketCount: parameters.features.bucketCount)
        var report = fit(solver, train: train, valid: valid, labels: labelNames.count, parameters: parameters, progress: progress)
        refine(solver, into: &report, train: train, valid: valid, parameters: parameters)
        let contents = ModelContents(
            labels: labelNames, features: parameters.features, idf: idf, rowStride: solver.stride,
            weights: Array(UnsafeBufferPointer(start: solver.weights, count: solver.parameterCount)),
            bias: Array(UnsafeBufferPointer(start: solver.bias, count: labelNames.count)),
            metadata: metadata(parameters, report))
        return (contents, report)
    }

    /// Runs epochs with early stopping; leaves the best parameters in `solver`.
    static func fit(_ solver: SGDSolver, train: TrainingData, valid: TrainingData?,
                    labels: Int, parameters: TrainingParameters, progress: ((EpochReport) -> Void)?) -> TrainingReport {
        let n = train.rows.rows
        var rng = SplitMix64(seed: parameters.seed)
        var order = Array(0..<n)
        let weights = classWeights(train.labels, labels: labels, mode: parameters.classWeighting)
        var history: [EpochReport] = []
        var best: (epoch: Int, score: ValidationScore)? = nil
        var snapshot: [Float] = []
        var step = 0
        let totalSteps = n * parameters.epochs
        let workspaces = parameters.sharding.shards == 1 ? [] : solver.workspaces(parameters.sharding)
        for epoch in 1...parameters.epochs {
            let start = DispatchTime.now().uptimeNanoseconds
            rng.shuffle(&order)
            let loss = parameters.sharding.shards == 1
                ? solver.epoch(train, order: order, rate: parameters.learningRate, l2: parameters.l2,
                               step: &step, totalSteps: totalSteps, classWeights: weights)
                : solver.shardedEpoch(train, order: order, rate: parameters.learningRate, l2: parameters.l2, step: &step,
                                      totalSteps: totalSteps, classWeights: weights, workspaces: workspaces,
                                      plan: parameters.sharding, threads: parameters.threads)
            solver.materializeScale()
            let score = valid.map { solver.validationScore($0, threads: parameters.threads) }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let r = EpochReport(epoch: epoch, loss: loss, validationAccuracy: score?.accuracy,
                                validationLoss: score?.loss, seconds: seconds)
            history.append(r)
            progress?(r)
            guard let score else { continue }
            if best == nil || score.beats(best!.score) {
                best = (epoch, score)
                if epoch < parameters.epochs { snapshot = save(solver, into: snapshot) }
            } else if epoch - best!.epoch >= parameters.patience {
                break
            }
        }
        if let best, best.epoch != history.count { restore(solver, from: snapshot) }
        return TrainingReport(examples: n, labels: labels, nonZeros: train.rows.nonZeros, epochs: history.count,
                              bestEpoch: best?.epoch ?? history.count, validationExamples: valid?.rows.rows ?? 0,
                              validationAccuracy: best?.score.accuracy, history: history,
                              labelExamples: labelCounts(train.labels, labels: labels))
    }
}
