import SwitchboardData
import Switchboard

/// Exact and near duplicates: conflicts, near-duplicates across labels, and test rows leaked
/// from the training rows.
///
/// "Exact" is after the model's own normalization (`FeatureExtractor.normalizedWords`): texts
/// that differ only in case, punctuation or spacing give the model the same features. "Near" is
/// the same multiset of words in another order, or a Jaccard similarity of the hashed word and
/// character n-gram sets of at least `nearDuplicateJaccard`, found through `MinHashIndex`.
struct DuplicateScan {
    static let nearDuplicateJaccard = DataDoctor.nearDuplicateJaccard

    let train: LabeledDataset
    let test: LabeledDataset?
    let extractor: FeatureExtractor
    let threads: Int

    /// Groups of training rows with the same normalized text, in first-row order.
    func exactGroups() -> [[Int]] {
        groups(of: train.texts.indices) { extractor.normalizedWords(of: train.texts[$0]).joined(separator: " ") }
    }

    /// Row indices grouped by `key` (rows with an empty key left out), groups in first-row order.
    func groups(of rows: Range<Int>, key: (Int) -> String) -> [[Int]] {
        var index: [String: Int] = [:]
        var result: [[Int]] = []
        for i in rows {
            let k = key(i)
            if k.isEmpty { continue }
            if let g = index[k] { result[g].append(i) } else { index[k] = result.count; result.append([i]) }
        }
        return result
    }

    /// Conflicts (one finding per group with several labels) and the count of rows that repeat
    /// an earlier row's text under the same label.
    func conflicts(_ groups: [[Int]]) -> (findings: [DoctorFinding], repeats: Int) {
        var findings: [DoctorFinding] = [], repeats = 0
        for g in groups where g.count > 1 {
            let labels = Set(g.map { train.labels[$0] })
            repeats += g.count - labels.count
            guard labels.count > 1 else { continue }
            findings.append(DoctorFinding(
                kind: .conflict,
                message: "the same text under \(labels.count) labels (\(labels.sorted().joined(separator: ", ")))",
                rows: g.map(row)))
        }
        return (findings, repeats)
    }

    /// The group of each row in `groups` (-1 for a row in none).
    static func membership(_ groups: [[Int]], count: Int) -> [Int] {
        var id = [Int](repeating: -1, count: count)
        for (g, rows) in groups.enumerated() { for i in rows { id[i] = g } }
        return id
    }

    /// Near-duplicates under different labels that are not the same normalized text: groups
    /// with the same words in another order, then pairs with n-gram Jaccard ≥ the threshold.
    /// `index` holds the training rows first (test rows after them are ignored).
    func nearDuplicates(index: MinHashIndex, exact: [Int]) -> [DoctorFinding] {
        let multisets = groups(of: train.texts.indices) { wordMultiset(train.texts[$0]).joined(separator: " ") }
        let multiset = Self.membership(multisets, count: train.count)
        var findings: [DoctorFinding] = []
        for g in multisets where g.count > 1 && Set(g.map { exact[$0] }).count > 1 {
            let labels = Set(g.map { train.labels[$0] })
            guard labels.count > 1 else { continue }
            findings.append(DoctorFinding(
                kind: .nearDuplicate,
                message: "the same words in another order under \(labels.count) labels (\(labels.sorted().joined(separator: ", ")))",
                rows: g.map(row), score: 1))
        }
        let scratch = FeatureScratch()
        let n = train.count  // the index may hold test rows after the training rows
        let pairs = index.candidates { i, j in
            j < n && train.labels[i] != train.labels[j] && (multiset[i] < 0 || multiset[i] != multiset[j])
        }
        for (i, j) in pairs {
            let s = index.jaccard(train.texts[i], train.texts[j], scratch: scratch)
            guard s >= Self.nearDuplicateJaccard else { continue }
            findings.append(DoctorFinding(
                kind: .nearDuplicate,
                message: "near-duplicate texts under \"\(train.labels[i])\" and \"\(train.labels[j])\" (n-gram Jaccard \(rounded(s)))",
                rows: [row(i), row(j)], score: s))
        }
        return findings.enumerated().sorted { a, b in
            (a.element.score ?? 0) != (b.element.score ?? 0) ? (a.element.score ?? 0) > (b.element.score ?? 0) : a.offset < b.offset
        }.map(\.element)
    }

    /// One finding per test row equal (after normalization) or near-equal to a training row,
    /// naming the closest training row. `combined` indexes the training rows then the test rows.
    func leaks(combined: MinHashIndex, exactKeys: [String: Int]) -> [DoctorFinding] {
        guard let test else { return [] }
        let n = train.count
        var best: [Int: (train: Int, score: Double)] = [:]
        for t in 0 ..< test.count {
            let key = extractor.normalizedWords(of: test.texts[t]).joined(separator: " ")
            if !key.isEmpty, let i = exactKeys[key] { best[t] = (i, 1) }
        }
        let scratch = FeatureScratch()
        for (i, j) in combined.candidates({ i, j in i < n && j >= n && best[j - n] == nil }) {
            let s = combined.jaccard(train.texts[i], test.texts[j - n], scratch: scratch)
            if s >= Self.nearDuplicateJaccard, s > best[j - n]?.score ?? 0 { best[j - n] = (i, s) }
        }
        return best.keys.sorted().map { t in
            let (i, s) = best[t]!
            let testRow = DoctorRow(file: test.source, line: test.lines.isEmpty ? 0 : test.lines[t],
                                    text: test.texts[t], label: test.labels[t])
            return DoctorFinding(kind: .leak,
                                 message: s == 1 ? "a test row is also a training row"
                                     : "a test row nearly repeats a training row (n-gram Jaccard \(rounded(s)))",
                                 rows: [testRow, row(i)], score: s)
        }
    }

    func wordMultiset(_ text: String) -> [String] { extractor.normalizedWords(of: text).sorted() }

    /// The training row `i` as a finding row.
    func row(_ i: Int) -> DoctorRow {
        DoctorRow(file: train.source, line: train.lines.isEmpty ? 0 : train.lines[i], text: train.texts[i], label: train.labels[i])
    }

    func rounded(_ x: Double) -> String { String(Double((x * 100).rounded()) / 100) }
}
