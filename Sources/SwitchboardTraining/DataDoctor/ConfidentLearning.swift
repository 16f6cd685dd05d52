/// Suspected label errors by confident learning (Northcutt, Jiang & Chuang 2021): a per-label
/// threshold t_j, the mean out-of-fold probability of label j over the rows labeled j; a row
/// labeled y belongs to the confident joint at j = argmax { p_j(x) : p_j(x) ≥ t_j }; rows with
/// j ≠ y are the off-diagonal ones, the suspects. They are ranked by the normalized margin
/// p_j(x) − p_y(x), the ranking the paper found best ("prune by noise rate" order).
enum ConfidentLearning {
    /// A suspect: the row, the label the model prefers, and the margin.
    struct Suspect: Equatable {
        var row: Int
        var suggested: Int
        var margin: Float
    }

    /// t_j per label (nil for a label none of whose rows was scored).
    static func thresholds(_ s: OutOfFoldScores) -> [Float?] {
        var sum = [Double](repeating: 0, count: s.labels.count), count = [Int](repeating: 0, count: s.labels.count)
        for (i, p) in s.givenProbability.enumerated() {
            guard let p else { continue }
            sum[s.given[i]] += Double(p); count[s.given[i]] += 1
        }
        return zip(sum, count).map { $1 == 0 ? nil : Float($0 / Double($1)) }
    }

    /// The off-diagonal rows of the confident joint, largest margin first (ties: lower row).
    /// Rows whose label is in `skip` (labels too small to have been trained on in every fold)
    /// are never suspects.
    static func suspects(_ s: OutOfFoldScores, skip: Set<Int> = []) -> [Suspect] {
        let t = thresholds(s)
        var found: [Suspect] = []
        for i in s.given.indices {
            guard let py = s.givenProbability[i], !skip.contains(s.given[i]) else { continue }
            let y = s.given[i]
            var best: (label: Int, p: Float)? = (t[y].map { py >= $0 } ?? false) ? (y, py) : nil
            for k in 0 ..< OutOfFoldScores.kept {
                let (label, p) = s.top[i * OutOfFoldScores.kept + k]
                guard label >= 0, Int(label) != y, let tj = t[Int(label)], p >= tj else { continue }
                if best == nil || p > best!.p { best = (Int(label), p) }
            }
            if let best, best.label != y { found.append(Suspect(row: i, suggested: best.label, margin: best.p - py)) }
        }
        return found.sorted { $0.margin != $1.margin ? $0.margin > $1.margin : $0.row < $1.row }
    }
}
