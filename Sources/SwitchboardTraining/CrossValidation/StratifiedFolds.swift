import SwitchboardSupport
/// What cross-validation does with a label that has fewer rows than there are folds.
public enum SmallLabelPolicy: String, Sendable, CaseIterable {
    /// Refuse to run, naming the smallest labels.
    case fail
    /// Keep the rows (with their own labels) but deal them into folds as one pooled stratum: some
    /// folds then test a label their training part lacks, which counts as wrong.
    case merge
    /// Leave the rows of such labels out of the cross-validation entirely.
    case drop
}

/// Why cross-validation or the option search cannot run.
public enum CrossValidationError: Error, Equatable, CustomStringConvertible {
    /// Fewer than two folds, or more folds than rows.
    case invalidFoldCount(folds: Int, rows: Int)
    /// Labels with fewer rows than folds under `SmallLabelPolicy.fail`: (label, rows), smallest first.
    case labelsTooSmall(folds: Int, labels: [(String, Int)])
    /// After dropping small labels, fewer than two labels (or fewer rows than folds) remain.
    case nothingLeft(folds: Int, dropped: Int)
    /// A `--search` grid that cannot be parsed or has an invalid value.
    case invalidSearch(String)
    /// A search grid varies embedding-weight for a model with no semantic block.
    case embeddingWeightWithoutPack
    /// Writing the out-of-fold predictions failed.
    case writeFailed(path: String, reason: String)

    public static func == (a: Self, b: Self) -> Bool { a.description == b.description }

    public var description: String {
        switch self {
        case .invalidFoldCount(let k, let rows):
            k < 2 ? "--folds must be at least 2 (got \(k))" : "--folds \(k) is more than the \(rows) rows"
        case .labelsTooSmall(let k, let labels):
            "\(labels.count) label(s) have fewer rows than the \(k) folds: "
                + labels.prefix(5).map { "\"\($0.0)\" (\($0.1))" }.joined(separator: ", ")
                + (labels.count > 5 ? ", ..." : "")
                + "; use --folds \(max(2, labels.map(\.1).min() ?? 2)) or less, or --on-small-labels merge|drop"
        case .nothingLeft(let k, let dropped):
            "dropping the \(dropped) label(s) with fewer than \(k) rows leaves too little to cross-validate"
        case .invalidSearch(let message): "invalid --search: \(message)"
        case .embeddingWeightWithoutPack:
            "invalid --search: embedding-weight needs the semantic block, and there is no embedding pack (--embeddings)"
        case .writeFailed(let path, let reason): "cannot write '\(path)': \(reason)"
        }
    }
}

/// A stratified assignment of rows to folds, fixed by the seed.
public struct StratifiedFolds: Sendable, Equatable {
    /// Fold of each row of the data it was made for; -1 for a dropped row.
    public var fold: [Int]
    /// Number of folds.
    public var count: Int
    /// Labels with fewer rows than folds, sorted by byte order, and what was done with them.
    public var smallLabels: [String]
    public var policy: SmallLabelPolicy

    /// Deals the rows of each label (labels in byte order; each label's rows shuffled with
    /// SplitMix64 from `seed`) round-robin into `folds` folds, continuing the rotation from one
    /// label to the next so the folds differ in size by at most one row. Small labels are
    /// handled per `policy`.
    public init(labels: [String], folds: Int, seed: UInt64, policy: SmallLabelPolicy) throws(CrossValidationError) {
        guard folds >= 2, folds <= labels.count else { throw .invalidFoldCount(folds: folds, rows: labels.count) }
        var rowsOf: [String: [Int]] = [:]
        for (i, label) in labels.enumerated() { rowsOf[label, default: []].append(i) }
        let small = rowsOf.filter { $0.value.count < folds }.map { ($0.key, $0.value.count) }
            .sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
        if !small.isEmpty && policy == .fail { throw .labelsTooSmall(folds: folds, labels: small) }
        let smallSet = Set(small.map(\.0))
        var strata: [[Int]] = rowsOf.keys.filter { !smallSet.contains($0) }
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map { rowsOf[$0]! }
        if policy == .merge && !small.isEmpty {
            strata.append(small.map(\.0).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.flatMap { rowsOf[$0]! })
        }
        let kept = strata.reduce(0) { $0 + $1.count }
        if policy == .drop && (strata.count < 2 || kept < folds) { throw .nothingLeft(folds: folds, dropped: small.count) }
        var fold = [Int](repeating: -1, count: labels.count)
        var rng = SplitMix64(seed: seed ^ 0xF01D_5EED_C0FF_EE00) // not the trainer's shuffle stream
        var next = 0
        for var rows in strata {
            rng.shuffle(&rows)
            for row in rows {
                fold[row] = next
                next = (next + 1) % folds
            }
        }
        self.fold = fold
        self.count = folds
        self.smallLabels = small.map(\.0).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        self.policy = policy
    }

    /// Row indices of fold `k` (its test part), ascending.
    public func testRows(_ k: Int) -> [Int] { fold.indices.filter { fold[$0] == k } }

    /// Row indices of every other fold (its training part), ascending; dropped rows excluded.
    public func trainingRows(_ k: Int) -> [Int] { fold.indices.filter { fold[$0] >= 0 && fold[$0] != k } }
}
