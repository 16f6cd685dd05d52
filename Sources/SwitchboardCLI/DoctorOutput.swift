import Foundation
import SwitchboardTraining

/// Text and JSON output of `switchboard doctor`.
enum DoctorOutput {
    /// Rows shown under one finding in the text output.
    static let rowsShown = 5

    /// Section titles, by kind.
    static func title(_ kind: DoctorFindingKind) -> String {
        switch kind {
        case .conflict: "conflicts (same text, different labels)"
        case .leak: "test rows leaked from training"
        case .suspectedLabelError: "suspected label errors"
        case .nearDuplicate: "near-duplicates across labels"
        case .emptyText: "texts with no words"
        case .smallLabel: "small labels"
        case .imbalance: "imbalance"
        case .idLikeTexts: "id-like texts"
        case .shortText: "one-word texts"
        case .duplicate: "same-label duplicates"
        }
    }

    static func text(_ r: DoctorReport, training: String, test: String?, show: Int, seconds: Double) -> String {
        var lines = ["\(training): \(r.trainingRowCount) rows, \(r.labelCount) labels"
                     + (test.map { "; \($0): \(r.testRowCount) rows" } ?? "")]
        if let acc = r.outOfFoldAccuracy {
            lines.append("out-of-fold accuracy \(Output.fixed(acc)) (\(r.folds) folds)")
        }
        for kind in DoctorFindingKind.allCases where kind != .duplicate {
            let found = r.findings.filter { $0.kind == kind }
            guard !found.isEmpty else { continue }
            lines.append("")
            let counted = [.emptyText, .imbalance, .idLikeTexts, .shortText].contains(kind) ? "" : ": \(found.count)"
            lines.append(title(kind) + counted + (found.count > show ? " (the first \(show); all with --json)" : ""))
            for f in found.prefix(show) { lines += finding(f) }
        }
        if r.duplicateRowCount > 0 {
            lines.append("\n\(title(.duplicate)): \(r.duplicateRowCount) rows repeat an earlier row's text under the same label")
        }
        if r.findings.isEmpty && r.duplicateRowCount == 0 { lines.append("\nno findings") }
        lines.append("\n" + Output.table([["seconds", Output.fixed(seconds, 2)]]))
        return lines.joined(separator: "\n")
    }

    /// One finding: its message, then its rows as "FILE:LINE [label] text".
    static func finding(_ f: DoctorFinding) -> [String] {
        var lines = ["  " + f.message + (f.kind == .suspectedLabelError ? " (margin \(Output.fixed(f.score ?? 0, 2)))" : "")]
        for row in f.rows.prefix(rowsShown) {
            lines.append("    \(row.location)  [\(row.label)]  \(quoted(row.text))")
        }
        if f.rows.count > rowsShown { lines.append("    ... \(f.rows.count - rowsShown) more rows") }
        return lines
    }

    /// The text on one line, control characters escaped, long texts cut.
    static func quoted(_ text: String) -> String {
        var out = ""
        for s in text.unicodeScalars.prefix(120) {
            out += s.properties.generalCategory == .control ? s.escaped(asASCII: true) : String(s)
        }
        return "\"" + out + (text.unicodeScalars.count > 120 ? "…" : "") + "\""
    }

    static func json(_ r: DoctorReport, training: String, test: String?, seconds: Double) -> [String: JSON] {
        var counts: [String: JSON] = [:]
        for kind in DoctorFindingKind.allCases where kind != .duplicate { counts[kind.rawValue] = .number(r.count(kind)) }
        var object: [String: JSON] = [
            "training_file": .string(training), "example_count": .number(r.trainingRowCount),
            "label_count": .number(r.labelCount), "duplicate_row_count": .number(r.duplicateRowCount),
            "fold_count": .number(r.folds), "finding_counts": .object(counts), "elapsed_seconds": .number(seconds),
            "findings": .array(r.findings.map(json)), "blocking": .bool(r.hasBlockingFindings),
        ]
        if let test { object["test_file"] = .string(test); object["test_example_count"] = .number(r.testRowCount) }
        if let acc = r.outOfFoldAccuracy { object["out_of_fold_accuracy"] = .number(acc) }
        return object
    }

    static func json(_ f: DoctorFinding) -> JSON {
        var object: [String: JSON] = [
            "kind": .string(f.kind.rawValue), "message": .string(f.message),
            "rows": .array(f.rows.map { .object(["file": .string($0.file), "line": .number($0.line),
                                                 "text": .string($0.text), "label": .string($0.label)]) }),
        ]
        if let s = f.suggestedLabel { object["suggested_label"] = .string(s) }
        if let s = f.score { object["score"] = .number(s) }
        return .object(object)
    }
}
