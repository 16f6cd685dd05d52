import SwitchboardData
/// The options an option search varies; everything else comes from the base parameters.
public struct SearchCandidate: Sendable, Equatable, CustomStringConvertible {
    public var bucketBits: Int
    public var learningRate: Float
    public var epochs: Int
    public var l2: Float
    /// α of the semantic block; nil for an n-gram-only model.
    public var embeddingWeight: Float?

    /// The candidate of `parameters` and `semantic` (their current values).
    public init(_ parameters: TrainingParameters, semantic: SemanticSettings? = nil) {
        bucketBits = parameters.features.bucketBits
        learningRate = parameters.learningRate
        epochs = parameters.epochs
        l2 = parameters.l2
        embeddingWeight = semantic?.weight
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

    /// `base` with this candidate's embedding weight (nil stays nil).
    public func applied(to base: SemanticSettings?) -> SemanticSettings? {
        guard var s = base else { return nil }
        if let embeddingWeight { s.weight = embeddingWeight }
        return s
    }

    public var description: String {
        "bucket-bits \(bucketBits), learning-rate \(learningRate), epochs \(epochs), l2 \(l2)"
            + (embeddingWeight.map { ", embedding-weight \($0)" } ?? "")
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
    /// What `--search auto` adds for a model with a semantic block: 3 values of α around the
    /// default (54 candidates in all).
    public static let autoSemanticSpace = "embedding-weight=0.35,0.5,0.7"
    /// Each successive-halving round keeps the best third (rounded up).
    public static let halvingFactor = 3

    /// The candidates of a grid "key=v1,v2;key=v1,..." (keys: bucket-bits, learning-rate, epochs,
    /// l2, embedding-weight; a key not given keeps the base value), in order: the last key varies
    /// fastest. embedding-weight needs a semantic block.
    public static func candidates(_ grid: String, base: TrainingParameters,
                                  semantic: SemanticSettings? = nil) throws(CrossValidationError) -> [SearchCandidate] {
        var all = [SearchCandidate(base, semantic: semantic)]
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
        if seen.contains("embedding-weight") && semantic == nil {
            throw .embeddingWeightWithoutPack
        }
        for c in all {
            if let problem = c.applied(to: base).problem ?? c.applied(to: semantic)?.problem {
                throw .invalidSearch("\(c): \(problem)")
            }
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
        case "embedding-weight":
            guard let v = Float(value) else { throw .invalidSearch("embedding-weight \"\(value)\" is not a number") }
            c.embeddingWeight = v
        default: throw .invalidSearch("unknown key \"\(key)\" (known: bucket-bits, learning-rate, epochs, l2, embedding-weight)")
        }
        return c
    }

    /// Tries every candidate on every fold; all (candidate, fold) trainings run concurrently.
    public static func grid(_ data: LabeledDataset, folds: StratifiedFolds, candidates: [SearchCandidate],
                            base: TrainingParameters, semantic: SemanticSettings? = nil, threads: Int,
                            progress: CrossValidator.Progress? = nil) throws -> SearchResult {
        try halving(data, folds: folds, candidates: candidates, base: (base, semantic), threads: threads,
                    schedule: [folds.count], progress: progress)
    }

    /// Successive halving with folds as the budget: round 1 evaluates every candidate on fold 0,
    /// round 2 the best third on folds 0–2, the last round the best third of those on all folds
    /// (fewer rounds when there are fewer folds). Ranked by mean accuracy, ties by order tried.
    public static func auto(_ data: LabeledDataset, folds: StratifiedFolds, candidates: [SearchCandidate],
                            base: TrainingParameters, semantic: SemanticSettings? = nil, threads: Int,
                            progress: CrossValidator.Progress? = nil) throws -> SearchResult {
        try halving(data, folds: folds, candidates: candidates, base: (base, semantic), threads: threads,
                    schedule: autoSchedule(folds: folds.count), progress: progress)
    }

    /// Folds evaluated by the end of each successive-halving round.
    static func autoSchedule(folds: Int) -> [Int] {
        var schedule: [Int] = []
        for n in [1, 3, folds] where n <= folds && (schedule.last ?? 0) < n { schedule.append(n) }
        return schedule
    }

    /// Survivors of each round: all candidates, then the best third (rounded up) of the last.
    static func survivors(_ candidates: Int, rounds: Int) -> [Int] {
        var alive = [candidates]
        while alive.count < rounds { alive.append((alive.last! + halvingFactor - 1) / halvingFactor) }
        return alive
    }

    /// Trainings a search runs: each round's survivors on the folds they have not seen yet.
    /// - Complexity: O(rounds).
    public static func plannedFits(candidates: Int, schedule: [Int]) -> Int {
        zip(survivors(candidates, rounds: schedule.count), zip(schedule, [0] + schedule)).reduce(0) { $0 + $1.0 * ($1.1.0 - $1.1.1) }
    }

    /// Evaluates the survivors on the first `schedule[r]` folds in round r, keeping the best third
    /// between rounds; the last round must cover all folds.
    static func halving(_ data: LabeledDataset, folds: StratifiedFolds, candidates: [SearchCandidate],
                        base: (TrainingParameters, SemanticSettings?), threads: Int, schedule: [Int],
                        progress: CrossValidator.Progress?) throws -> SearchResult {
        guard !candidates.isEmpty else { throw CrossValidationError.invalidSearch("no candidates") }
        var outcomes = [[FoldOutcome]](repeating: [], count: candidates.count)
        var alive = Array(candidates.indices), rounds: [Int] = [], fits = 0
        let planned = plannedFits(candidates: candidates.count, schedule: schedule)
        for (r, depth) in schedule.enumerated() {
            if r > 0 { alive = Array(ranked(alive, outcomes).prefix((alive.count + halvingFactor - 1) / halvingFactor)) }
            rounds.append(alive.count)
            let jobs = alive.flatMap { c in (outcomes[c].count..<depth).map { (c, $0) } }
            let foldJobs = jobs.map { job -> FoldJob in
                let c = candidates[job.0]
                return FoldJob(parameters: c.applied(to: base.0), semantic: c.applied(to: base.1), fold: job.1)
            }
            let before = fits
            var roundProgress: CrossValidator.Progress?
            if let progress { roundProgress = { n, _ in progress(before + n, planned) } }
            let done = try CrossValidator.evaluate(data, folds: folds, jobs: foldJobs, threads: threads, progress: roundProgress)
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
