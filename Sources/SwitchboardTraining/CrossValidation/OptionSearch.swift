import SwitchboardData
/// The options an option search varies; everything else comes from the base parameters.
public struct SearchCandidate: Sendable, Equatable, CustomStringConvertible {
    public var bucketBits: Int
    public var learningRate: Float
    public var epochs: Int
    public var l2: Float

    /// The candidate of `parameters` (its current values).
    public init(_ parameters: TrainingParameters) {
        bucketBits = parameters.features.bucketBits
        learningRate = parameters.learningRate
        epochs = parameters.epochs
        l2 = parameters.l2
    }

    /// `base` with this candidate's options.
    public func applied(to base: TrainingParameters) -> TrainingParameters {
        var p = base
        p.features.bucketBits = bucketBits
        p.learningRate = learningRate
        p.epochs = epochs
        p.l2 = l2
        return p
    }

    public var description: String {
        "bucket-bits \(bucketBits), learning-rate \(learningRate), epochs \(epochs), l2 \(l2)"
    }
}

/// A candidate's cross-validated figures over the folds it was evaluated on.
public struct SearchTrial: Sendable {
    public var candidate: SearchCandidate
    /// Folds it was evaluated on, in fold order.
    public var folds: [Int]
    public var accuracy: MeanAndDeviation
    public var macroF1: MeanAndDeviation
}

/// The outcome of an option search.
public struct SearchResult: Sendable {
    /// Every candidate, in the order tried.
    public var trials: [SearchTrial]
    /// Index into `trials` of the winner: the best mean accuracy over all folds (ties: the first).
    public var winner: Int
    /// The winner's full cross-validation.
    public var best: CrossValidationResult
    /// Trainings run (candidate × fold).
    public var fits: Int
    /// Candidates evaluated in each round (one round for a grid).
    public var rounds: [Int]
}

/// Searching training options on the folds: a grid tried exhaustively, or successive halving.
public enum OptionSearch {
    /// The built-in grid of `--search grid`: 2 × 3 × 2 = 12 candidates.
    public static let builtInGrid = "bucket-bits=15,17;learning-rate=2,4,8;epochs=10,20"
    /// The space of `--search auto`: 2 × 3 × 3 = 18 candidates, the defaults among them.
    public static let autoSpace = "bucket-bits=15,17;learning-rate=2,4,8;epochs=10,20,40"
    /// Each successive-halving round keeps the best third (rounded up).
    public static let halvingFactor = 3

    /// The candidates of a grid "key=v1,v2;key=v1,..." (keys: bucket-bits, learning-rate, epochs,
    /// l2; a key not given keeps `base`'s value), in order: the last key varies fastest.
    public static func candidates(_ grid: String, base: TrainingParameters) throws(CrossValidationError) -> [SearchCandidate] {
        var all = [SearchCandidate(base)]
        var seen = Set<String>()
        let parts = grid.split(separator: ";", omittingEmptySubsequences: true)
        if parts.isEmpty { throw .invalidSearch("empty grid; use grid, auto or key=v1,v2;key=...") }
        for part in parts {
            let pieces = part.split(separator: "=", maxSplits: 1).map { String($0).trimmingSpaces }
            guard pieces.count == 2, !pieces[1].isEmpty else { throw .invalidSearch("expected key=v1,v2,... in \"\(part)\"") }
            let key = pieces[0]
            guard seen.insert(key).inserted else { throw .invalidSearch("\(key) given twice") }
            let values = pieces[1].split(separator: ",").map { String($0).trimmingSpaces }
            var next: [SearchCandidate] = []
            for c in all {
                for v in values { next.append(try set(key, v, in: c)) }
            }
            all = next
        }
        for c in all {
            if let problem = c.applied(to: base).problem { throw .invalidSearch("\(c): \(problem)") }
        }
        return all
    }

    static func set(_ key: String, _ value: String, in c: SearchCandidate) throws(CrossValidationError) -> SearchCandidate {
        var c = c
        switch key {
        case "bucket-bits": guard let v = Int(value) else { throw .invalidSearch("bucket-bits \"\(value)\" is not an integer") }
            c.bucketBits = v
        case "learning-rate": guard let v = Float(value) else { throw .invalidSearch("learning-rate \"\(value)\" is not a number") }
            c.learningRate = v
        case "epochs": guard let v = Int(value) else { throw .invalidSearch("epochs \"\(value)\" is not an integer") }
            c.epochs = v
        case "l2": guard let v = Float(value) else { throw .invalidSearch("l2 \"\(value)\" is not a number") }
            c.l2 = v
        default: throw .invalidSearch("unknown key \"\(key)\" (known: bucket-bits, learning-rate, epochs, l2)")
        }
        return c
    }

    /// Tries every candidate on every fold; all (candidate, fold) trainings run concurrently.
    public static func grid(_ data: LabeledDataset, folds: StratifiedFolds, candidates: [SearchCandidate],
                            base: TrainingParameters, threads: Int) throws -> SearchResult {
        try halving(data, folds: folds, candidates: candidates, base: base, threads: threads, schedule: [folds.count])
    }

    /// Successive halving with folds as the budget: round 1 evaluates every candidate on fold 0,
    /// round 2 the best third on folds 0–2, the last round the best third of those on all folds
    /// (fewer rounds when there are fewer folds). Ranked by mean accuracy, ties by order tried.
    public static func auto(_ data: LabeledDataset, folds: StratifiedFolds, candidates: [SearchCandidate],
                            base: TrainingParameters, threads: Int) throws -> SearchResult {
        var schedule: [Int] = []
        for n in [1, 3, folds.count] where n <= folds.count && (schedule.last ?? 0) < n { schedule.append(n) }
        return try halving(data, folds: folds, candidates: candidates, base: base, threads: threads, schedule: schedule)
    }

    /// Evaluates the survivors on the first `schedule[r]` folds in round r, keeping the best third
    /// between rounds; the last round must cover all folds.
    static func halving(_ data: LabeledDataset, folds: StratifiedFolds, candidates: [SearchCandidate],
                        base: TrainingParameters, threads: Int, schedule: [Int]) throws -> SearchResult {
        guard !candidates.isEmpty else { throw CrossValidationError.invalidSearch("no candidates") }
        var outcomes = [[FoldOutcome]](repeating: [], count: candidates.count)
        var alive = Array(candidates.indices), rounds: [Int] = [], fits = 0
        for (r, depth) in schedule.enumerated() {
            if r > 0 { alive = Array(ranked(alive, outcomes).prefix((alive.count + halvingFactor - 1) / halvingFactor)) }
            rounds.append(alive.count)
            let jobs = alive.flatMap { c in (outcomes[c].count..<depth).map { (c, $0) } }
            let done = try CrossValidator.evaluate(data, folds: folds, jobs: jobs.map { (candidates[$0.0].applied(to: base), $0.1) },
                                                   threads: threads)
            for (job, outcome) in zip(jobs, done) { outcomes[job.0].append(outcome) }
            fits += jobs.count
        }
        let winner = ranked(alive, outcomes)[0]
        let trials = candidates.indices.map { c in
            SearchTrial(candidate: candidates[c], folds: outcomes[c].map(\.fold),
                        accuracy: MeanAndDeviation(outcomes[c].map(\.metrics.accuracy)),
                        macroF1: MeanAndDeviation(outcomes[c].map(\.macroF1)))
        }
        return SearchResult(trials: trials, winner: winner,
                            best: CrossValidationResult(data: data, folds: folds, outcomes: outcomes[winner]),
                            fits: fits, rounds: rounds)
    }

    /// `indices` by mean accuracy over their evaluated folds, best first; ties by index.
    static func ranked(_ indices: [Int], _ outcomes: [[FoldOutcome]]) -> [Int] {
        let score = Dictionary(uniqueKeysWithValues: indices.map { ($0, MeanAndDeviation(outcomes[$0].map(\.metrics.accuracy)).mean) })
        return indices.sorted { score[$0]! != score[$1]! ? score[$0]! > score[$1]! : $0 < $1 }
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
