import Foundation
import Switchboard
import SwitchboardTraining

/// Text and JSON output of `switchboard crossval`.
enum CrossValidationOutput {
    /// Labels listed in the text output's recall table (the worst ones).
    static let worstLabels = 10

    static func text(_ r: CrossValidationResult, search: SearchResult?, command: String?, seconds: Double) -> String {
        let rows = r.predictions.count
        var lines: [String] = []
        if let search {
            lines.append("search: \(search.trials.count) candidates, rounds of \(search.rounds.map(String.init).joined(separator: ", ")), "
                         + "\(search.fits) trainings")
            let order = search.trials.indices.sorted { a, b in
                let (x, y) = (search.trials[a], search.trials[b])
                return x.folds.count != y.folds.count ? x.folds.count > y.folds.count
                    : x.accuracy.mean != y.accuracy.mean ? x.accuracy.mean > y.accuracy.mean : a < b
            }
            var table = [["", "options", "folds", "accuracy", "macro-F1"]]
            for i in order.prefix(12) {
                let t = search.trials[i]
                table.append([i == search.winner ? "*" : "", t.candidate.description, "\(t.folds.count)",
                              meanStd(t.accuracy), meanStd(t.macroF1)])
            }
            lines.append(Output.table(table, rightAligned: [2]))
            if search.trials.count > 12 { lines.append("(\(search.trials.count - 12) more candidates)") }
            lines.append("winner: \(search.trials[search.winner].candidate)")
            if let command { lines.append("reproduce: \(command)") }
            lines.append("")
        }
        var summary = [["folds", "\(r.folds.count) (\(r.folds.map { String($0.rows.count) }.joined(separator: ", ")) rows)"],
                       ["rows", "\(rows)"],
                       ["accuracy", meanStd(r.accuracy) + " (pooled \(Output.fixed(r.pooledAccuracy)))"],
                       ["macro-F1", meanStd(r.macroF1)],
                       ["seconds", Output.fixed(seconds, 2)]]
        if !r.smallLabels.isEmpty {
            summary.append(["small labels", "\(r.smallLabels.count) with fewer rows than folds: \(r.policy.rawValue)"])
        }
        lines.append(Output.table(summary))
        let worst = r.perLabel.sorted { $0.recall != $1.recall ? $0.recall < $1.recall : $0.label.utf8.lexicographicallyPrecedes($1.label.utf8) }
        var table = [["label", "support", "recall", "per fold"]]
        for l in worst.prefix(worstLabels) {
            table.append([l.label, "\(l.support)", Output.fixed(l.recall), meanStd(l.perFold)])
        }
        lines.append("\nlowest recall (\(min(worstLabels, worst.count)) of \(worst.count) labels)")
        lines.append(Output.table(table, rightAligned: [1, 2]))
        return lines.joined(separator: "\n")
    }

    /// The members of `crossval --json` (the caller adds `features` and wraps them in the document).
    static func json(_ r: CrossValidationResult, search: SearchResult?, command: String?, seconds: Double) -> [String: JSON] {
        var object: [String: JSON] = [
            "fold_count": .number(r.folds.count), "example_count": .number(r.predictions.count),
            "elapsed_seconds": .number(seconds),
            "accuracy": stats(r.accuracy), "macro_f1": stats(r.macroF1), "pooled_accuracy": .number(r.pooledAccuracy),
            "fold_accuracies": .array(r.folds.map { .number($0.metrics.accuracy) }),
            "fold_macro_f1s": .array(r.folds.map { .number($0.macroF1) }),
            "fold_example_counts": .array(r.folds.map { .number($0.rows.count) }),
            "label_recalls": .array(r.perLabel.map { l in
                ["label": .string(l.label), "example_count": .number(l.support), "recall": .number(l.recall),
                 "fold_recall": stats(l.perFold)]
            }),
            "small_labels": .array(r.smallLabels.map { .string($0) }), "on_small_labels": .string(r.policy.rawValue),
        ]
        if let search {
            object["search"] = [
                "candidates": .array(search.trials.map { t in
                    ["options": options(t.candidate), "folds": .array(t.folds.map { .number($0) }),
                     "accuracy": stats(t.accuracy), "macro_f1": stats(t.macroF1)]
                }),
                "winner": options(search.trials[search.winner].candidate), "fit_count": .number(search.fits),
                "rounds": .array(search.rounds.map { .number($0) }), "train_command": .string(command ?? ""),
            ]
        }
        return object
    }

    static func options(_ c: SearchCandidate) -> JSON {
        var object: [String: JSON] = ["bucket_bits": .number(c.bucketBits), "learning_rate": .number(c.learningRate),
                                      "max_epochs": .number(c.epochs), "l2": .number(c.l2)]
        if let w = c.embeddingWeight { object["embedding_weight"] = .number(w) }
        return .object(object)
    }

    static func stats(_ s: MeanAndDeviation) -> JSON { ["mean": .number(s.mean), "std": .number(s.standardDeviation)] }

    static func meanStd(_ s: MeanAndDeviation) -> String { "\(Output.fixed(s.mean)) ± \(Output.fixed(s.standardDeviation))" }

    /// `train` options for every setting of `p` that differs from the defaults.
    static func trainArguments(_ p: TrainingParameters) -> [String] {
        let d = TrainingParameters(), f = p.features, df = d.features
        var words: [String] = []
        if p.epochs != d.epochs { words += ["--epochs", "\(p.epochs)"] }
        if p.learningRate != d.learningRate { words += ["--learning-rate", "\(p.learningRate)"] }
        if p.l2 != d.l2 { words += ["--l2", "\(p.l2)"] }
        if f.bucketBits != df.bucketBits { words += ["--bucket-bits", "\(f.bucketBits)"] }
        if (f.wordNGramMin, f.wordNGramMax) != (df.wordNGramMin, df.wordNGramMax) {
            words += ["--word-ngrams", NGramRange(min: f.wordNGramMin, max: f.wordNGramMax).description]
        }
        if (f.charNGramMin, f.charNGramMax) != (df.charNGramMin, df.charNGramMax) {
            words += ["--char-ngrams", NGramRange(min: f.charNGramMin, max: f.charNGramMax).description]
        }
        if f.foldDiacritics != df.foldDiacritics { words.append(f.foldDiacritics ? "--fold-diacritics" : "--no-fold-diacritics") }
        if f.sublinearTF != df.sublinearTF { words.append(f.sublinearTF ? "--sublinear-tf" : "--no-sublinear-tf") }
        if f.useIDF != df.useIDF { words.append(f.useIDF ? "--idf" : "--no-idf") }
        if f.normalization != df.normalization { words += ["--ngram-norm", f.normalization.name] }
        if p.classWeighting != d.classWeighting { words += ["--class-weighting", p.classWeighting.rawValue] }
        if p.validationFraction != d.validationFraction { words += ["--validation-fraction", "\(p.validationFraction)"] }
        if p.patience != d.patience { words += ["--patience", "\(p.patience)"] }
        if p.sharding.shards != d.sharding.shards { words += ["--shards", "\(p.sharding.shards)"] }
        if p.sharding.chunk != d.sharding.chunk { words += ["--shard-chunk", "\(p.sharding.chunk)"] }
        return words
    }

    /// `word` quoted for a POSIX shell when it holds anything but safe characters.
    static func shellQuoted(_ word: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+")
        if !word.isEmpty && word.allSatisfy({ safe.contains($0) }) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
