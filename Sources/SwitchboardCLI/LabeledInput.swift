import SwitchboardData
import Switchboard

/// Loads labeled CSV files for `train`, `evaluate`, `calibrate` and `report`: rows with empty
/// text are left out and listed (for `train`, also rows with no features after normalization:
/// nothing to learn from); other bad rows stop the run or, with `--on-error skip`, are left out
/// and listed too.
enum LabeledInput {
    /// Most FILE:LINE entries printed per kind of row left out; the count is always complete.
    static let listed = 20

    /// `paths` as one dataset, after reporting on stderr what was left out. With `features`,
    /// rows whose text has no features under them count as empty.
    static func load(_ paths: [String], columns: ColumnOptions, skipBadRows: Bool = false,
                     features: FeatureConfiguration? = nil) throws -> (dataset: LabeledDataset, skipped: Int) {
        let extractor = features.map(FeatureExtractor.init)
        let scratch = FeatureScratch()
        let loaded = try LabeledDataset.load(paths: paths, textColumns: columns.texts, labelColumn: columns.label,
                                             skipBadRows: skipBadRows) { text in
            guard let extractor else { return true }
            extractor.extract(text, idf: nil, into: scratch)
            return scratch.featureCount > 0
        }
        report(loaded.emptyText, features == nil ? "with empty text" : "with empty text (no features after normalization)")
        report(loaded.badRows, "bad", details: true)
        return (loaded.dataset, loaded.emptyText.count + loaded.badRows.count)
    }

    /// "switchboard: skipped 3 rows with empty text: a.csv:4, a.csv:9, b.csv:2".
    static func report(_ rows: [CSVError], _ what: String, details: Bool = false) {
        guard !rows.isEmpty else { return }
        let shown = rows.prefix(listed).map { details ? $0.description : "\($0.file):\($0.line)" }
        let more = rows.count > listed ? ", and \(rows.count - listed) more" : ""
        let noun = rows.count == 1 ? "row" : "rows"
        let words = what == "bad" ? "\(rows.count) bad \(noun)" : "\(rows.count) \(noun) \(what)"
        Output.standardError("switchboard: skipped \(words): " + shown.joined(separator: details ? "; " : ", ") + more)
    }
}
