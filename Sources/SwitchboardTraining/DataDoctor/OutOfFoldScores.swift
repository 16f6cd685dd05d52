import SwitchboardData
import Switchboard
import Foundation
import Synchronization

/// Out-of-fold probabilities, kept compactly: each row's probability of its given label and its
/// `kept` most probable labels. Confident learning needs p(j | x) only where it can reach the
/// per-class threshold, and no more than 1/t labels can reach a threshold t, so the top labels
/// hold every candidate whenever the thresholds are at least 1/`kept` (CLINC150's lowest is far
/// above 0.2). Memory: 4 + 8 · `kept` bytes per row, never rows × labels.
struct OutOfFoldScores: Sendable {
    /// Top labels kept per row.
    static let kept = 5

    /// Every label of the data, in byte order; indices below refer to it.
    let labels: [String]
    /// Each row's label index in `labels`.
    let given: [Int]
    /// p(given label | x) per row; nil for a row no fold predicted (dropped, or no features).
    var givenProbability: [Float?]
    /// `kept` (label index, probability) per row, most probable first; -1 pads.
    var top: [(label: Int32, probability: Float)]

    /// Trains one model per fold (the model `train` makes from `parameters` and `semantic`) on
    /// `threads` threads, shared as `CrossValidator.run` shares them, and scores the fold's
    /// held-out rows. The result does not depend on `threads`.
    static func compute(_ data: LabeledDataset, folds: StratifiedFolds, parameters: TrainingParameters,
                        semantic: SemanticSettings?, threads: Int,
                        progress: CrossValidator.Progress? = nil) throws -> OutOfFoldScores {
        let labels = Array(Set(data.labels)).sorted()
        let index = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, $0) })
        var scores = OutOfFoldScores(
            labels: labels, given: data.labels.map { index[$0]! },
            givenProbability: Array(repeating: nil, count: data.count),
            top: Array(repeating: (-1, 0), count: data.count * kept))
        let jobs = (0..<folds.count).map { FoldJob(parameters: parameters, semantic: semantic, fold: $0) }
        let given = scores.given
        let done = Atomic<Int>(0)
        let parts = try ConcurrentJobs.map(count: jobs.count, threads: threads) { j, jobThreads in
            defer { progress?(done.add(1, ordering: .relaxed).newValue, jobs.count) }
            return try score(data, folds: folds, job: jobs[j], index: index, given: given, threads: jobThreads)
        }
        for part in parts {
            for (r, row) in part.rows.enumerated() {
                scores.givenProbability[row] = part.given[r]
                for t in 0 ..< kept { scores.top[row * kept + t] = part.top[r * kept + t] }
            }
        }
        return scores
    }

    /// One fold's held-out rows and their scores.
    struct Part: Sendable {
        var rows: [Int]
        var given: [Float?]
        var top: [(label: Int32, probability: Float)]
    }

    static func score(_ data: LabeledDataset, folds: StratifiedFolds, job: FoldJob, index: [String: Int],
                      given: [Int], threads: Int) throws -> Part {
        var p = job.parameters
        p.threads = threads
        let train = folds.trainingRows(job.fold), test = folds.testRows(job.fold)
        let (contents, _) = try Trainer.train(texts: train.map { data.texts[$0] }, labels: train.map { data.labels[$0] },
                                              parameters: p, semantic: job.semantic)
        let classifier = try Classifier(contents: contents)
        let global = classifier.labels.map { index[$0]! }
        let local = Dictionary(uniqueKeysWithValues: global.enumerated().map { ($1, $0) })
        var part = Part(rows: test, given: [], top: [])
        let scratch = FeatureScratch()
        var probabilities = [Float](repeating: 0, count: global.count)
        for row in test {
            guard let logits = classifier.logits(for: data.texts[row], scratch: scratch) else {
                part.given.append(nil); part.top += Array(repeating: (-1, 0), count: kept); continue
            }
            softmax(logits, into: &probabilities, temperature: classifier.calibration.temperature)
            part.given.append(local[given[row]].map { probabilities[$0] } ?? 0)
            part.top += topLabels(probabilities).map { $0 < 0 ? (-1, 0) : (Int32(global[$0]), probabilities[$0]) }
        }
        return part
    }

    /// The indices of the `kept` largest values, largest first (ties to the lower index); -1 pads.
    /// - Complexity: O(labels · kept), no sort of all labels.
    static func topLabels(_ p: [Float]) -> [Int] {
        var best = [Int](repeating: -1, count: kept)
        for i in p.indices {
            var slot = kept
            while slot > 0 && (best[slot - 1] < 0 || p[i] > p[best[slot - 1]]) { slot -= 1 }
            guard slot < kept else { continue }
            best.insert(i, at: slot)
            best.removeLast()
        }
        return best
    }

    /// Numerically stable softmax of `logits / temperature`.
    static func softmax(_ logits: UnsafeBufferPointer<Float>, into p: inout [Float], temperature: Float) {
        let t = temperature > 0 ? temperature : 1
        let m = logits.max() ?? 0
        var sum: Float = 0
        for i in logits.indices { p[i] = expf((logits[i] - m) / t); sum += p[i] }
        for i in p.indices { p[i] /= sum }
    }

    /// The top-1 label of row `i`, or nil when it was not scored.
    func predicted(_ i: Int) -> Int? {
        givenProbability[i] == nil ? nil : Int(top[i * Self.kept].label)
    }
}
