import SwitchboardData
import Switchboard
import SwitchboardSupport

/// Loads labeled CSV files for `train`, `evaluate`, `calibrate` and `report`: rows with empty
/// text are left out and listed (for `train`, also rows with no features after normalization:
/// nothing to learn from); other bad rows stop the run or, with `--on-error skip`, are left out
/// and listed too.
enum LabeledInput {
    /// Most FILE:LINE entries printed per kind of row left out; the count is always complete.
    static let listed = 20

    /// `paths` as one dataset, after reporting on stderr what was left out. With `features`,
    /// rows whose text has no features under them count as empty; that test featurizes every
    /// row, on `threads` threads.
    static func load(_ paths: [String], columns: ColumnOptions, skipBadRows: Bool = false,
                     features: FeatureConfiguration? = nil, threads: Int = 1) throws -> (dataset: LabeledDataset, skipped: Int) {
        let extractor = features.map(FeatureExtractor.init)
        let loaded = try LabeledDataset.load(paths: paths, textColumns: columns.texts, labelColumn: columns.label,
                                             skipBadRows: skipBadRows) { texts in
            guard let extractor else { return [Bool](repeating: true, count: texts.count) }
            return hasFeatures(texts, extractor: extractor, threads: threads)
        }
        report(loaded.emptyText, features == nil ? "with empty text" : "with empty text (no features after normalization)")
        report(loaded.badRows, "bad", details: true)
        return (loaded.dataset, loaded.emptyText.count + loaded.badRows.count)
    }

    /// Whether each text has at least one feature under `extractor`.
    static func hasFeatures(_ texts: [String], extractor: FeatureExtractor, threads: Int) -> [Bool] {
        var verdicts = [Bool](repeating: false, count: texts.count)
        verdicts.withUnsafeMutableBufferPointer { out in
            let shared = UncheckedSendable((texts, out))
            ParallelFor.run(count: texts.count, threads: threads) { range in
                let scratch = FeatureScratch()
                for i in range {
                    extractor.extract(shared.value.0[i], idf: nil, into: scratch)
                    shared.value.1[i] = scratch.featureCount > 0
                }
            }
        }
        return verdicts
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
