import SwitchboardSupport
import Foundation
import Switchboard

/// How to build and train a model's semantic block from an embedding pack.
public struct SemanticSettings: Sendable {
    /// The pack: tokenizer and token vectors.
    public var pack: EmbeddingPack
    /// The pack file's XXH64, recorded in the model's metadata.
    public var packChecksum: UInt64
    /// Vector length kept in the model (≤ the pack's).
    public var dimensions: Int
    /// How the vectors are cut to `dimensions`.
    public var reduction: TableReduction
    /// α: the dense features are the pooled vector standardized per dimension (training-set
    /// mean and deviation) and scaled so that their expected squared norm is α², beside the
    /// unit-norm n-gram row. The model stores the block folded back onto the unit pooled vector.
    public var weight: Float
    /// Examples per dense mini-batch.
    public var batchSize: Int
    /// Weight each token's vector by its smoothed IDF over the training texts before pooling
    /// (folded into the stored table's per-token scales, so the runtime is unchanged).
    public var tokenIDF: Bool
    /// How token vectors are pooled: the weighted mean alone, or followed by the element-wise
    /// maximum of the unweighted vectors.
    public var pooling: SemanticContents.Pooling

    /// Defaults chosen on CLINC150 `val.csv` (README, "Semantic features").
    public static let defaultDimensions = 128
    public static let defaultReduction = TableReduction.pca
    public static let defaultWeight: Float = 0.5
    public static let defaultBatchSize = 32
    /// Off: with the full-batch refinement, plain mean pooling does as well on CLINC150
    /// `val.csv` (94.18 % both, mean of 4 seeds) and better over 5 folds of `train.csv`
    /// (96.30 % against 96.16 %). Under SGD alone token IDF had helped (93.63 against 93.50).
    public static let defaultTokenIDF = false
    /// What models trained before `embedding_token_idf` was recorded used.
    public static let legacyTokenIDF = true
    public static let defaultPooling = SemanticContents.Pooling.mean

    public init(pack: EmbeddingPack, packChecksum: UInt64, dimensions: Int? = nil,
                reduction: TableReduction = defaultReduction, weight: Float = defaultWeight,
                batchSize: Int = defaultBatchSize, tokenIDF: Bool = defaultTokenIDF, pooling: SemanticContents.Pooling = defaultPooling) {
        self.pack = pack
        self.packChecksum = packChecksum
        self.dimensions = dimensions ?? min(Self.defaultDimensions, pack.dimensions)
        self.reduction = reduction
        self.weight = weight
        self.batchSize = batchSize
        self.tokenIDF = tokenIDF
        self.pooling = pooling
    }

    /// The XXH64 a pack file stores in its last 8 bytes (its checksum over everything before,
    /// which `EmbeddingPack.load` verifies), or nil when the file cannot be read.
    public static func storedChecksum(ofPackAt path: String) -> UInt64? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let end = try? handle.seekToEnd(), end >= 8 else { return nil }
        try? handle.seek(toOffset: end - 8)
        guard let data = try? handle.readToEnd(), data.count == 8 else { return nil }
        return data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
    }

    /// A description of the first invalid setting, or nil.
    public var problem: String? {
        if !(1 ... pack.dimensions).contains(dimensions) { return "embedding dimensions must be in 1...\(pack.dimensions)" }
        if !(weight > 0 && weight.isFinite) { return "embedding weight must be positive" }
        if !(1 ... 4096).contains(batchSize) { return "batch size must be in 1...4096" }
        return nil
    }

    /// The model's semantic block with the reduced, int8 table and zero dense weights; with
    /// mean-and-max pooling the max scales start as the table's scales (token IDF, when used, is
    /// folded into `tableScales` only).
    func block(rowStride: Int) throws -> SemanticContents {
        let tokenizer = pack.tokenizer
        let rows = tokenizer.tokenCount
        let reduced = try reduction.reduce(pack.vectors, rows: rows, dimensions: pack.dimensions, keep: dimensions)
        let (scales, values) = SemanticContents.quantizeTable(reduced, dimensions: dimensions)
        return SemanticContents(tokens: tokenizer.tokens, mergePairs: tokenizer.merges.flatMap { [$0.left, $0.right] },
                                specialIDs: tokenizer.specialIDs, dimensions: dimensions, weight: 1,
                                tableScales: scales, tableValues: values, pooling: pooling,
                                maxScales: pooling == .meanMax ? scales : [],
                                denseWeights: [Float](repeating: 0, count: pooling.featureCount(dimensions: dimensions) * rowStride))
    }
}

extension Trainer {
    /// Trains a model; with `semantic`, one softmax over the hashed n-grams and the pooled token
    /// vectors (see `SemanticSolver`), else exactly `train(texts:labels:validation:parameters:progress:)`.
    public static func train(texts: [String], labels: [String], validation: (texts: [String], labels: [String])? = nil,
                             parameters: TrainingParameters, semantic: SemanticSettings?,
                             progress: ((EpochReport) -> Void)? = nil) throws -> (ModelContents, TrainingReport) {
        guard let semantic else {
            return try train(texts: texts, labels: labels, validation: validation, parameters: parameters, progress: progress)
        }
        if let p = parameters.problem ?? semantic.problem { throw TrainingError.invalidParameters(p) }
        guard texts.count == labels.count else { throw TrainingError.mismatchedCounts(texts: texts.count, labels: labels.count) }
        guard !texts.isEmpty else { throw TrainingError.noExamples }
        let (trainTexts, trainLabels, validTexts, validLabels) = split(texts, labels, validation, parameters)
        let labelNames = Array(Set(trainLabels)).sorted()
        guard labelNames.count > 1 else { throw TrainingError.singleLabel(labelNames[0]) }
        if let tooLarge = sizeProblem(labels: labelNames.count, features: parameters.features) { throw tooLarge }
        let index = Dictionary(uniqueKeysWithValues: labelNames.enumerated().map { ($1, Int32($0)) })
        let stride = ModelContents.rowStride(forLabels: labelNames.count)
        var block: SemanticContents
        let pooler: TokenPooler
        do {
            block = try semantic.block(rowStride: stride)
            if semantic.tokenIDF { weighTokens(&block, by: trainTexts, tokenizer: semantic.pack.tokenizer, threads: parameters.threads) }
            pooler = try TokenPooler(block)
        } catch {
            throw TrainingError.invalidParameters("semantic block: \(error)")
        }

        let extractor = FeatureExtractor(parameters.features)
        var rows = SparseMatrix.counts(of: trainTexts, extractor: extractor, threads: parameters.threads)
        let idf = parameters.features.useIDF ? inverseDocumentFrequency(rows, buckets: parameters.features.bucketCount, threads: parameters.threads) : nil
        weigh(&rows, features: parameters.features, idf: idf, threads: parameters.threads)
        let train = TrainingData(rows: rows, labels: trainLabels.map { index[$0]! })
        var trainPooled = pooledRows(trainTexts, pooler: pooler, threads: parameters.threads)
        let standard = Standardization(trainPooled, dimensions: pooler.featureCount, weight: semantic.weight)
        standard.apply(to: &trainPooled)
        var valid: (TrainingData, [Float])?
        if !validTexts.isEmpty {
            var v = SparseMatrix.counts(of: validTexts, extractor: extractor, threads: parameters.threads)
            weigh(&v, features: parameters.features, idf: idf, threads: parameters.threads)
            var pooled = pooledRows(validTexts, pooler: pooler, threads: parameters.threads)
            standard.apply(to: &pooled)
            valid = (TrainingData(rows: v, labels: validLabels.map { index[$0] ?? -1 }), pooled)
        }
        let solver = SemanticSolver(labelCount: labelNames.count, bucketCount: parameters.features.bucketCount,
                                    dimensions: pooler.featureCount, batchSize: semantic.batchSize)
        var report = fit(solver, train: (train, trainPooled), valid: valid, parameters: parameters, progress: progress)
        refine(solver, into: &report, train: (train, trainPooled), valid: valid, parameters: parameters)
        var bias = Array(UnsafeBufferPointer(start: solver.sparse.bias, count: labelNames.count))
        block.denseWeights = Array(UnsafeBufferPointer(start: solver.dense, count: solver.denseCount))
        standard.fold(into: &block.denseWeights, bias: &bias, rowStride: stride)
        let contents = ModelContents(
            labels: labelNames, features: parameters.features, idf: idf, rowStride: stride,
            weights: Array(UnsafeBufferPointer(start: solver.sparse.weights, count: solver.sparse.parameterCount)),
            bias: bias,
            metadata: semanticMetadata(metadata(parameters, report), semantic), semantic: block)
        return (contents, report)
    }

    /// Multiplies each token's table scale by its smoothed IDF over `texts`,
    /// `ln((1 + n) / (1 + df)) + 1` (scikit-learn's `smooth_idf`); texts are tokenized on
    /// `threads` threads.
    static func weighTokens(_ block: inout SemanticContents, by texts: [String], tokenizer: BPETokenizer, threads: Int = 1) {
        let tokens = block.tokens.count
        let df = ParallelCounts.sum(count: texts.count, bins: tokens, threads: threads) { range, counts in
            var seen = [Int](repeating: -1, count: tokens)
            let scratch = TokenizerScratch()
            for i in range {
                tokenizer.encode(texts[i], into: scratch)
                for id in scratch.tokenIDs where seen[Int(id)] != i {
                    seen[Int(id)] = i
                    counts[Int(id)] += 1
                }
            }
        }
        let n = Double(texts.count)
        for t in 0 ..< df.count { block.tableScales[t] *= Float(log((1 + n) / (1 + Double(df[t]))) + 1) }
    }

    /// The pooled features of every text (`featureCount` floats each; zeros for a text with no
    /// token), computed by the runtime's own `TokenPooler` on `threads` threads.
    static func pooledRows(_ texts: [String], pooler: TokenPooler, threads: Int) -> [Float] {
        let d = pooler.featureCount
        var out = [Float](repeating: 0, count: texts.count * d)
        out.withUnsafeMutableBufferPointer { buffer in
            let result = UncheckedSendable(buffer)
            ParallelFor.run(count: texts.count, threads: threads) { range in
                let scratch = SemanticScratch()
                for i in range {
                    pooler.pool(texts[i], into: scratch)
                    (result.value.baseAddress! + i * d).update(from: scratch.pooled, count: d)
                }
            }
        }
        return out
    }

    /// Epochs with early stopping, as `fit(_:train:valid:...)`, for the semantic solver.
    static func fit(_ solver: SemanticSolver, train: (TrainingData, [Float]), valid: (TrainingData, [Float])?,
                    parameters: TrainingParameters, progress: ((EpochReport) -> Void)?) -> TrainingReport {
        let n = train.0.rows.rows, labels = solver.sparse.labelCount
        var rng = SplitMix64(seed: parameters.seed)
        var order = Array(0..<n)
        let weights = classWeights(train.0.labels, labels: labels, mode: parameters.classWeighting)
        var history: [EpochReport] = []
        var best: (epoch: Int, accuracy: Double)? = nil
        var snapshot: [Float] = []
        var step = 0
        let shards = parameters.sharding.shards == 1 ? [] : solver.shards(parameters.sharding)
        for epoch in 1...parameters.epochs {
            let start = DispatchTime.now().uptimeNanoseconds
            rng.shuffle(&order)
            let loss = parameters.sharding.shards == 1
                ? solver.epoch(train.0, pooled: train.1, order: order, rate: parameters.learningRate, l2: parameters.l2,
                               step: &step, totalSteps: n * parameters.epochs, classWeights: weights)
                : solver.shardedEpoch(train.0, pooled: train.1, order: order, rate: parameters.learningRate,
                                      l2: parameters.l2, step: &step, totalSteps: n * parameters.epochs,
                                      classWeights: weights, shards: shards, plan: parameters.sharding,
                                      threads: parameters.threads)
            solver.sparse.materializeScale()
            let accuracy = valid.map { solver.accuracy($0.0, pooled: $0.1, threads: parameters.threads) }
            let r = EpochReport(epoch: epoch, loss: loss, validationAccuracy: accuracy,
                                seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            history.append(r)
            progress?(r)
            guard let accuracy else { continue }
            if best == nil || accuracy > best!.accuracy {
                best = (epoch, accuracy)
                if epoch < parameters.epochs { snapshot = solver.save(into: snapshot) }
            } else if epoch - best!.epoch >= parameters.patience {
                break
            }
        }
        if let best, best.epoch != history.count { solver.restore(from: snapshot) }
        return TrainingReport(examples: n, labels: labels, nonZeros: train.0.rows.nonZeros, epochs: history.count,
                              bestEpoch: best?.epoch ?? history.count, validationExamples: valid?.0.rows.rows ?? 0,
                              validationAccuracy: best?.accuracy, history: history,
                              labelExamples: labelCounts(train.0.labels, labels: labels))
    }

    /// `base` (the n-gram trainer's metadata JSON) with the semantic block's settings and the
    /// pack's name and checksum added.
    static func semanticMetadata(_ base: String, _ s: SemanticSettings) -> String {
        var m = (try? JSONSerialization.jsonObject(with: Data(base.utf8))) as? [String: Any] ?? [:]
        m["features"] = "ngrams+semantic"
        m["embedding_pack"] = s.pack.name
        m["embedding_pack_checksum"] = String(s.packChecksum, radix: 16)
        m["embedding_dims"] = s.dimensions
        m["embedding_pack_dims"] = s.pack.dimensions
        m["embedding_reduction"] = s.reduction.rawValue
        m["embedding_weight"] = Double(s.weight)
        m["embedding_batch"] = s.batchSize
        m["embedding_token_idf"] = s.tokenIDF
        m["embedding_pooling"] = s.pooling.name
        let data = (try? JSONSerialization.data(withJSONObject: m, options: [.sortedKeys])) ?? Data(base.utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

/// Per-dimension standardization of pooled vectors for training: `x = c · (u − μ)` with
/// `c = α / (σ √d)`. Training sees `x`; the model keeps the unit pooled vector `u` and gets the
/// same scores through `fold`: dense weights times `c`, and `Σ c μ D` taken off the bias.
struct Standardization {
    var mean: [Float]
    var factor: [Float]

    init(_ rows: [Float], dimensions d: Int, weight: Float) {
        let n = max(rows.count / d, 1)
        var mean = [Double](repeating: 0, count: d), square = [Double](repeating: 0, count: d)
        for r in 0 ..< rows.count / d {
            for c in 0 ..< d {
                let v = Double(rows[r * d + c])
                mean[c] += v
                square[c] += v * v
            }
        }
        self.mean = mean.map { Float($0 / Double(n)) }
        factor = (0 ..< d).map { c in
            let m = mean[c] / Double(n)
            let sigma = max(square[c] / Double(n) - m * m, 0).squareRoot()
            return sigma > 1e-6 ? Float(Double(weight) / (sigma * Double(d).squareRoot())) : 0
        }
    }

    func apply(to rows: inout [Float]) {
        let d = mean.count
        for r in 0 ..< rows.count / d {
            for c in 0 ..< d { rows[r * d + c] = factor[c] * (rows[r * d + c] - mean[c]) }
        }
    }

    /// Rewrites weights trained on `x` into weights on `u` with the same scores.
    func fold(into dense: inout [Float], bias: inout [Float], rowStride: Int) {
        for c in 0 ..< mean.count {
            for label in 0 ..< bias.count {
                let w = dense[c * rowStride + label] * factor[c]
                dense[c * rowStride + label] = w
                bias[label] -= w * mean[c]
            }
        }
    }

    /// The inverse of `fold`: weights on `u` rewritten as weights on `x` with the same scores.
    /// A dimension with no spread (factor 0) keeps its contribution at the mean, in the bias.
    func unfold(_ dense: inout [Float], bias: inout [Float], rowStride: Int) {
        for c in 0 ..< mean.count {
            for label in 0 ..< bias.count {
                let w = dense[c * rowStride + label]
                bias[label] += w * mean[c]
                dense[c * rowStride + label] = factor[c] > 0 ? w / factor[c] : 0
            }
        }
    }
}
