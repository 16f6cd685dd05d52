import SwitchboardData
import Foundation
import Switchboard
import Synchronization

/// What one fold of one set of options produced: the predictions for its test rows.
public struct FoldOutcome: Sendable {
    /// The fold's index.
    public var fold: Int
    /// Its test rows (indices into the data), ascending.
    public var rows: [Int]
    /// Predicted label of each test row (`Confusion.noPrediction` when the text had no features).
    public var predicted: [String]
    /// Top probability of each test row.
    public var confidence: [Float]
    /// Accuracy, macro-F1 and per-label figures on the fold's test rows.
    public var metrics: ClassifierMetrics
    /// Epochs training ran.
    public var epochs: Int

    /// Macro-F1 of the fold (summed in label order: the same bits in every process).
    public var macroF1: Double { metrics.macroF1 }
}

/// One training of a cross-validation: these options, trained on every fold but `fold`.
public struct FoldJob: Sendable {
    public var parameters: TrainingParameters
    /// The semantic block to train beside the n-grams, as `train` does; nil for n-grams only.
    public var semantic: SemanticSettings?
    public var fold: Int

    public init(parameters: TrainingParameters, semantic: SemanticSettings?, fold: Int) {
        self.parameters = parameters
        self.semantic = semantic
        self.fold = fold
    }
}

/// K-fold cross-validation of the trainer.
public enum CrossValidator {
    /// Called after each training with (trainings done, trainings in all), from a worker thread.
    public typealias Progress = @Sendable (Int, Int) -> Void

    /// Trains on every fold's training part and predicts its test part, with the same model
    /// `train` makes from `parameters` and `semantic`. Folds run concurrently on `threads`
    /// threads, each training single-threaded except those of a last, partial round, which share
    /// the threads (`parameters.threads` is ignored; see `ConcurrentJobs.threads`); the results
    /// are combined in fold order, so they are the same whatever `threads` is.
    public static func run(_ data: LabeledDataset, folds: StratifiedFolds, parameters: TrainingParameters,
                           semantic: SemanticSettings? = nil, threads: Int,
                           progress: Progress? = nil) throws -> CrossValidationResult {
        let jobs = (0..<folds.count).map { FoldJob(parameters: parameters, semantic: semantic, fold: $0) }
        let outcomes = try evaluate(data, folds: folds, jobs: jobs, threads: threads, progress: progress)
        return CrossValidationResult(data: data, folds: folds, outcomes: outcomes)
    }

    /// Runs the jobs concurrently on `threads` threads; results in job order.
    /// The first error (in job order) is rethrown.
    public static func evaluate(_ data: LabeledDataset, folds: StratifiedFolds, jobs: [FoldJob], threads: Int,
                                progress: Progress? = nil) throws -> [FoldOutcome] {
        let done = Atomic<Int>(0)
        return try ConcurrentJobs.map(count: jobs.count, threads: threads) { j, jobThreads in
            defer { progress?(done.add(1, ordering: .relaxed).newValue, jobs.count) }
            return try fit(data, folds: folds, job: jobs[j], threads: jobThreads)
        }
    }

    /// Trains on all folds but `job.fold` on `threads` threads (the same model on any number)
    /// and predicts `job.fold`.
    static func fit(_ data: LabeledDataset, folds: StratifiedFolds, job: FoldJob, threads: Int) throws -> FoldOutcome {
        var p = job.parameters
        p.threads = threads
        let train = folds.trainingRows(job.fold), test = folds.testRows(job.fold)
        let (contents, report) = try Trainer.train(texts: train.map { data.texts[$0] }, labels: train.map { data.labels[$0] },
                                                   parameters: p, semantic: job.semantic)
        let classifier = try Classifier(contents: contents)
        let predictions = classifier.predictions(for: test.map { data.texts[$0] }, threads: 1)
        let predicted = predictions.map { $0.label(in: classifier.labels) ?? Confusion.noPrediction }
        let metrics = ClassifierMetrics(trueLabels: test.map { data.labels[$0] }, predictedLabels: predicted)
        return FoldOutcome(fold: job.fold, rows: test, predicted: predicted, confidence: predictions.map(\.probability),
                           metrics: metrics, epochs: report.epochs)
    }
}

/// A fixed number of jobs on a pool of threads, each taking the next job index; results by index.
enum ConcurrentJobs {
    /// Runs `body(j, threads for j)` for every job; see `threads(forJob:count:threads:)`.
    static func map<T: Sendable>(count: Int, threads: Int, _ body: @Sendable (Int, Int) throws -> T) throws -> [T] {
        guard count > 0 else { return [] }
        let next = Atomic<Int>(0)
        let results = Mutex<[Result<T, any Error>?]>(Array(repeating: nil, count: count))
        let workers = max(1, min(threads, count))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let j = next.add(1, ordering: .relaxed).oldValue
                guard j < count else { return }
                let result = Result { try body(j, Self.threads(forJob: j, count: count, threads: threads)) }
                results.withLock { $0[j] = result }
            }
        }
        return try results.withLock { all in try all.map { try $0!.get() } }
    }
}

extension ConcurrentJobs {
    /// Threads for job `j` of `count` equal jobs on a pool of `threads`: one in every round where
    /// each worker has a job of its own; the jobs of the last round share the pool, so that no
    /// core idles while they run (5 folds on 2 threads: 4 single-threaded, the fifth on both; 3
    /// folds on 8 threads: 2 each). For work whose result does not depend on its thread count,
    /// such as training, this changes only the time.
    static func threads(forJob j: Int, count: Int, threads: Int) -> Int {
        let pool = max(1, threads)
        let rounds = (count + pool - 1) / pool
        let last = count - (rounds - 1) * pool
        return j >= count - last ? max(1, pool / last) : 1
    }
}
