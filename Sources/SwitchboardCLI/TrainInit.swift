import ArgumentParser
import Foundation
import Switchboard
import SwitchboardTraining

/// `train --init MODEL`: the model to continue, checked against the command line.
extension SwitchboardCommand.Train {
    /// The parent named by `--init`, loaded (a typed error for a missing, foreign, truncated,
    /// corrupt or unsupported file) and checked: a feature or semantic-block option that
    /// contradicts it is a usage error naming both values. Nil without `--init`.
    func warmStart() throws -> WarmStart? {
        guard let initial else { return nil }
        let parent = try ModelFile.load(path: initial).contents()
        guard let checksum = SemanticSettings.storedChecksum(ofPackAt: initial) else {
            throw CLIError("cannot read the checksum of '\(initial)'")
        }
        let conflicts = Self.conflicts(hyperparameters, semantic, parent: parent)
        if !conflicts.isEmpty {
            throw ValidationError("--init \(initial): " + conflicts.joined(separator: "; ")
                + " (a continued model keeps its parent's features: leave the option out)")
        }
        return WarmStart(parent: parent, parentChecksum: checksum)
    }

    /// One message per given option whose value differs from the parent's.
    static func conflicts(_ h: HyperparameterOptions, _ e: EmbeddingOptions, parent: ModelContents) -> [String] {
        let f = parent.features
        var out: [String] = []
        func check(_ option: String, _ given: String?, _ model: String) {
            if let given, given != model { out.append("\(option) \(given) contradicts the model's \(model)") }
        }
        func onOff(_ b: Bool?) -> String? { b.map { $0 ? "on" : "off" } }
        check("--bucket-bits", h.bucketBits.map(String.init), "\(f.bucketBits)")
        check("--word-ngrams", h.wordNGrams?.description, NGramRange(min: f.wordNGramMin, max: f.wordNGramMax).description)
        check("--char-ngrams", h.charNGrams?.description, NGramRange(min: f.charNGramMin, max: f.charNGramMax).description)
        check("--fold-diacritics", onOff(h.foldDiacritics), onOff(f.foldDiacritics)!)
        check("--sublinear-tf", onOff(h.sublinearTF), onOff(f.sublinearTF)!)
        check("--idf", onOff(h.idf), onOff(f.useIDF)!)
        check("--ngram-norm", h.ngramNorm?.name, f.normalization.name)
        return out + blockConflicts(e, parent: parent)
    }

    /// The semantic-block options that contradict the parent: a pack other than the one its
    /// block came from (by checksum), `none` for a model with a block, a pack or block option
    /// for a model without one, or other dimensions, reduction, α or token IDF.
    static func blockConflicts(_ e: EmbeddingOptions, parent: ModelContents) -> [String] {
        let m = (try? JSONSerialization.jsonObject(with: Data(parent.metadata.utf8))) as? [String: Any] ?? [:]
        guard let block = parent.semantic else {
            let given = (e.embeddings.map { $0 == "none" ? [] : ["--embeddings \($0)"] } ?? [])
                + e.givenBlockOptions.map { "\($0.0)" }
            return given.map { "\($0) contradicts the model, which has no semantic block" }
        }
        let packName = m["embedding_pack"] as? String ?? "its pack"
        let packChecksum = m["embedding_pack_checksum"] as? String ?? "unknown"
        var out: [String] = []
        if let path = e.embeddings {
            if path == "none" {
                out.append("--embeddings none contradicts the model's semantic block (\(packName))")
            } else if let sum = SemanticSettings.storedChecksum(ofPackAt: path), String(sum, radix: 16) != packChecksum {
                out.append("--embeddings \(path) (pack checksum \(String(sum, radix: 16))) contradicts the model's pack "
                    + "\(packName) (checksum \(packChecksum))")
            }
        }
        let model: [String: String] = [
            "--embedding-dims": "\(block.dimensions)",
            "--embedding-reduction": m["embedding_reduction"] as? String ?? SemanticSettings.defaultReduction.rawValue,
            "--embedding-weight": "\(Float((m["embedding_weight"] as? NSNumber)?.doubleValue ?? Double(SemanticSettings.defaultWeight)))",
            "--embedding-idf": "\((m["embedding_token_idf"] as? Bool) ?? SemanticSettings.legacyTokenIDF)",
            "--embedding-pooling": block.pooling.name,
        ]
        for (option, value) in e.givenBlockOptions {
            let key = option == "--no-embedding-idf" ? "--embedding-idf" : option
            if let expected = model[key], expected != value { out.append("\(option) \(value) contradicts the model's \(expected)") }
        }
        return out
    }

    /// The summary's features line and JSON for a continued model.
    static func inheritedFeatures(_ warm: WarmStart, path: String) -> (note: String, json: JSON) {
        let m = (try? JSONSerialization.jsonObject(with: Data(warm.parent.metadata.utf8))) as? [String: Any] ?? [:]
        var object: [String: JSON] = ["ngrams": .bool(true), "semantic": .bool(warm.parent.semantic != nil)]
        var note = "continued from \(path): its n-gram features"
        if let block = warm.parent.semantic {
            let pack = m["embedding_pack"] as? String ?? "unknown pack"
            note += " and semantic block (\(pack), \(block.dimensions) dims, \(block.pooling.name) pooling)"
            object["embedding_pack"] = .string(pack)
            object["embedding_dimension_count"] = .number(block.dimensions)
            object["embedding_pooling"] = .string(block.pooling.name)
            if let c = m["embedding_pack_checksum"] as? String { object["embedding_pack_checksum"] = .string(c) }
        }
        note += (warm.parent.idf == nil ? "" : " and IDF") + " kept"
        object["note"] = .string(note)
        return (note, .object(object))
    }
}

extension SwitchboardCommand.Train {
    /// The `init` object of `train --json`: the parent and what was added to it.
    static func lineageJSON(_ contents: ModelContents, parent path: String) -> JSON {
        let m = (try? JSONSerialization.jsonObject(with: Data(contents.metadata.utf8))) as? [String: Any] ?? [:]
        let w = m["warm_start"] as? [String: Any] ?? [:]
        return .object([
            "model": .string(path), "parent_checksum": .string(w["parent_checksum"] as? String ?? ""),
            "parent_label_count": .number((w["parent_label_count"] as? NSNumber)?.intValue ?? 0),
            "added_row_count": .number((w["rows_added"] as? NSNumber)?.intValue ?? 0),
            "added_labels": .array(((w["labels_added"] as? [String]) ?? []).map(JSON.string)),
            "calibration_stale": .bool(Calibration.from(metadata: contents.metadata).stale),
        ])
    }
}
