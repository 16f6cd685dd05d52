import Foundation
import Switchboard

extension Trainer {
    /// Continues training `warm.parent` on new rows (`train --init`): the same softmax, started
    /// from the parent's weights instead of zeros. Labels the parent lacks get new columns of
    /// zero weights and zero bias (the mean bias: the softmax gradient keeps the biases summing
    /// to what they started at). `parameters.features` is replaced by the parent's; every other
    /// setting (epochs, rate, shards, seed) applies to this run. The IDF and the semantic block's
    /// table are the parent's, so no embedding pack is needed.
    ///
    /// - Complexity: as `train`, on the new rows only; memory grows with the new rows'
    ///   non-zeros plus the parameters, as for fresh training.
    public static func train(texts: [String], labels: [String], validation: (texts: [String], labels: [String])? = nil,
                             parameters given: TrainingParameters, continuing warm: WarmStart,
                             progress: ((EpochReport) -> Void)? = nil) throws -> (ModelContents, TrainingReport) {
        var parameters = given
        parameters.features = warm.parent.features
        if let p = parameters.problem { throw TrainingError.invalidParameters(p) }
        guard texts.count == labels.count else { throw TrainingError.mismatchedCounts(texts: texts.count, labels: labels.count) }
        guard !texts.isEmpty else { throw TrainingError.noExamples }
        let (trainTexts, trainLabels, validTexts, validLabels) = split(texts, labels, validation, parameters)
        let (names, parentIndex) = warm.labels(adding: trainLabels)
        if let tooLarge = sizeProblem(labels: names.count, features: parameters.features) { throw tooLarge }
        let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, Int32($0)) })
        let parent = warm.parent, stride = ModelContents.rowStride(forLabels: names.count)
        let extractor = FeatureExtractor(parameters.features)
        func featurized(_ texts: [String], _ labels: [String]) -> TrainingData {
            var rows = SparseMatrix.counts(of: texts, extractor: extractor, threads: parameters.threads)
            weigh(&rows, features: parameters.features, idf: parent.idf, threads: parameters.threads)
            return TrainingData(rows: rows, labels: labels.map { index[$0] ?? -1 })
        }
        let train = featurized(trainTexts, trainLabels)
        let counts = labelCounts(train.labels, labels: names.count)
        var total = counts.map(Double.init)
        for (c, n) in zip(parentIndex, warm.parentLabelExamples) { total[c] += n }
        // With --class-weighting balanced the loss sees weighted frequencies: correct from those.
        let lossWeights = classWeights(train.labels, labels: names.count, mode: parameters.classWeighting)
        let valid = validTexts.isEmpty ? nil : featurized(validTexts, validLabels)
        let weights = WarmStart.remap(warm.floatWeights, rows: parameters.features.bucketCount, from: parent.rowStride,
                                      to: stride, columns: parentIndex)
        let bias = WarmStart.remap(parent.bias, rows: 1, from: parent.labels.count, to: names.count, columns: parentIndex)
        var contents = ModelContents(labels: names, features: parameters.features, idf: parent.idf, rowStride: stride,
                                     weights: weights, bias: bias)
        var report: TrainingReport
        if let block = parent.semantic {
            report = try continueSemantic(&contents, block: block, warm: warm, texts: (trainTexts, validTexts),
                                          data: (train, valid), parameters: parameters, parentIndex: parentIndex,
                                          progress: progress)
        } else {
            let solver = SGDSolver(labelCount: names.count, bucketCount: parameters.features.bucketCount)
            load(solver, weights: contents.weights, bias: contents.bias)
            report = fit(solver, train: train, valid: valid, labels: names.count, parameters: parameters, progress: progress)
            refine(solver, into: &report, train: train, valid: valid, parameters: parameters,
                   parent: (contents.weights, [], known(parentIndex, labels: names.count)))
            contents.weights = Array(UnsafeBufferPointer(start: solver.weights, count: solver.parameterCount))
            contents.bias = Array(UnsafeBufferPointer(start: solver.bias, count: names.count))
        }
        correctPrior(&contents.bias, trained: zip(counts, lossWeights).map { Double($0) * Double($1) }, target: total)
        let known = Set(parent.labels)
        let added = names.filter { !known.contains($0) }
        contents.metadata = warm.metadata(metadata(parameters, report), rowsAdded: trainTexts.count, labelsAdded: added,
                                          labelExamples: total.map { Int($0.rounded()) })
        return (contents, report)
    }

    /// The semantic half of a warm start: pools the texts with the parent's block, rewrites the
    /// parent's folded dense weights onto this run's standardized inputs (same scores), trains,
    /// and folds them back into `contents.semantic`.
    static func continueSemantic(_ contents: inout ModelContents, block parentBlock: SemanticContents, warm: WarmStart,
                                 texts: ([String], [String]), data: (TrainingData, TrainingData?),
                                 parameters: TrainingParameters, parentIndex: [Int],
                                 progress: ((EpochReport) -> Void)?) throws -> TrainingReport {
        let pooler: TokenPooler
        do { pooler = try TokenPooler(parentBlock) } catch {
            throw TrainingError.invalidParameters("the model's semantic block: \(error)")
        }
        let d = parentBlock.featureCount, labels = contents.labels.count, stride = contents.rowStride
        let alpha = Float(warm.metadataNumber("embedding_weight") ?? Double(SemanticSettings.defaultWeight))
        let batch = Int(warm.metadataNumber("embedding_batch") ?? Double(SemanticSettings.defaultBatchSize))
        var trainPooled = pooledRows(texts.0, pooler: pooler, threads: parameters.threads)
        let standard = Standardization(trainPooled, dimensions: d, weight: alpha)
        standard.apply(to: &trainPooled)
        let valid = data.1.map { v in
            var pooled = pooledRows(texts.1, pooler: pooler, threads: parameters.threads)
            standard.apply(to: &pooled)
            return (v, pooled)
        }
        var dense = WarmStart.remap(parentBlock.denseWeights, rows: d, from: warm.parent.rowStride, to: stride,
                                    columns: parentIndex)
        var bias = contents.bias
        standard.unfold(&dense, bias: &bias, rowStride: stride)
        let solver = SemanticSolver(labelCount: labels, bucketCount: contents.features.bucketCount, dimensions: d,
                                    batchSize: min(max(batch, 1), 4096))
        load(solver.sparse, weights: contents.weights, bias: bias)
        solver.dense.update(from: dense, count: solver.denseCount)
        var report = fit(solver, train: (data.0, trainPooled), valid: valid, parameters: parameters, progress: progress)
        refine(solver, into: &report, train: (data.0, trainPooled), valid: valid, parameters: parameters,
               parent: (contents.weights, dense, known(parentIndex, labels: labels)))
        var block = parentBlock
        bias = Array(UnsafeBufferPointer(start: solver.sparse.bias, count: labels))
        block.denseWeights = Array(UnsafeBufferPointer(start: solver.dense, count: solver.denseCount))
        standard.fold(into: &block.denseWeights, bias: &bias, rowStride: stride)
        contents.weights = Array(UnsafeBufferPointer(start: solver.sparse.weights, count: solver.sparse.parameterCount))
        contents.bias = bias
        contents.semantic = block
        return report
    }

    /// Label-shift correction (Saerens, Latinne & Decaestecker 2002): a softmax fitted to rows
    /// whose labels occur with frequencies `trained` learns those frequencies into its biases;
    /// adding `ln(target share / trained share)` per label makes it answer as if trained on the
    /// parent's rows and the new ones together. Without it a warm start on a few new routes
    /// plus a sample of old rows over-predicts the new routes (measured on CLINC150: 90.7% test
    /// accuracy without, 93.3% with; 93.6% training on everything). One added to each count
    /// keeps a label with no new rows finite.
    static func correctPrior(_ bias: inout [Float], trained: [Double], target: [Double]) {
        let trainedTotal = trained.reduce(0, +) + Double(trained.count)
        let targetTotal = target.reduce(0, +) + Double(target.count)
        for c in 0 ..< bias.count {
            bias[c] += Float(log((target[c] + 1) / targetTotal) - log((trained[c] + 1) / trainedTotal))
        }
    }

    /// True for the label columns the parent had.
    static func known(_ parentIndex: [Int], labels: Int) -> [Bool] {
        var old = [Bool](repeating: false, count: labels)
        for c in parentIndex { old[c] = true }
        return old
    }

    /// Copies starting parameters into a fresh solver.
    static func load(_ solver: SGDSolver, weights: [Float], bias: [Float]) {
        solver.weights.update(from: weights, count: solver.parameterCount)
        solver.bias.update(from: bias, count: bias.count)
    }
}
