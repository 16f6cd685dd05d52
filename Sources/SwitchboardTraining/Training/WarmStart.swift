import Foundation
import Switchboard

/// An existing model to continue training from (`train --init`).
///
/// The continued model keeps the parent's feature configuration, IDF and semantic block
/// (tokenizer, token table and its per-token IDF scales); only the weights and biases move.
/// The IDF is kept, not recounted: the parent's weights were learned on features scaled by it,
/// so recounting would silently rescale every learned weight, and the new rows are usually a
/// skewed sample (the new routes plus a few old rows) whose document frequencies would
/// misweigh the old routes' words.
public struct WarmStart: Sendable {
    /// The model to continue.
    public var parent: ModelContents
    /// The parent file's stored XXH64 checksum, recorded as the lineage.
    public var parentChecksum: UInt64

    public init(parent: ModelContents, parentChecksum: UInt64) {
        self.parent = parent
        self.parentChecksum = parentChecksum
    }

    /// The parent's weights as floats (int8 weights are scaled back: within half a
    /// quantization step of the float model they came from).
    var floatWeights: [Float] {
        guard let q = parent.quantized else { return parent.weights }
        let stride = parent.rowStride
        var out = [Float](repeating: 0, count: q.values.count)
        for b in 0 ..< q.scales.count where q.scales[b] != 0 {
            for c in 0 ..< stride { out[b * stride + c] = q.scales[b] * Float(q.values[b * stride + c]) }
        }
        return out
    }

    /// The continued model's labels: the parent's and the new rows', sorted as fresh training
    /// sorts them; and, per parent label, its index among them.
    func labels(adding new: [String]) -> (names: [String], parentIndex: [Int]) {
        let names = Set(parent.labels).union(new).sorted()
        let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        return (names, parent.labels.map { index[$0]! })
    }

    /// `values` (`rows` rows of `from` floats, one column per parent label) with each column
    /// moved to its new index in rows of `to` floats; new labels' columns are zero.
    static func remap(_ values: [Float], rows: Int, from: Int, to: Int, columns: [Int]) -> [Float] {
        var out = [Float](repeating: 0, count: rows * to)
        values.withUnsafeBufferPointer { v in
            out.withUnsafeMutableBufferPointer { o in
                for r in 0 ..< rows {
                    for (c, target) in columns.enumerated() { o[r * to + target] = v[r * from + c] }
                }
            }
        }
        return out
    }

    /// Training rows per parent label: the parent's recorded `label_examples`, or (for a model
    /// trained before they were recorded) its examples spread evenly over its labels.
    var parentLabelExamples: [Double] {
        let object = try? JSONSerialization.jsonObject(with: Data(parent.metadata.utf8)) as? [String: Any]
        if let counts = object?["label_examples"] as? [NSNumber], counts.count == parent.labels.count {
            return counts.map(\.doubleValue)
        }
        let each = (metadataNumber("examples") ?? 0) / Double(max(parent.labels.count, 1))
        return [Double](repeating: each, count: parent.labels.count)
    }

    /// A number from the parent's training metadata, or nil.
    func metadataNumber(_ key: String) -> Double? {
        let object = try? JSONSerialization.jsonObject(with: Data(parent.metadata.utf8)) as? [String: Any]
        return (object?[key] as? NSNumber)?.doubleValue
    }

    /// `base` (this run's training metadata) with the parent's semantic-block keys, its
    /// calibration marked stale, and the lineage: the parent's checksum, the rows and labels
    /// added, and the chain of ancestors' checksums (oldest first).
    func metadata(_ base: String, rowsAdded: Int, labelsAdded: [String], labelExamples: [Int]) -> String {
        var m = (try? JSONSerialization.jsonObject(with: Data(base.utf8))) as? [String: Any] ?? [:]
        m["label_examples"] = labelExamples
        let p = (try? JSONSerialization.jsonObject(with: Data(parent.metadata.utf8))) as? [String: Any] ?? [:]
        for (key, value) in p where key.hasPrefix("embedding_") || key == "features" { m[key] = value }
        let checksum = String(parentChecksum, radix: 16)
        m["warm_start"] = [
            "parent_checksum": checksum, "parent_label_count": parent.labels.count,
            "parent_examples": (p["examples"] as? NSNumber)?.intValue ?? 0,
            "rows_added": rowsAdded, "labels_added": labelsAdded, "idf": parent.idf == nil ? "none" : "kept from parent",
            "parent_weight_encoding": parent.weightEncoding.rawValue,
        ] as [String: Any]
        m["lineage"] = ((p["lineage"] as? [Any]) ?? []) + [checksum]
        let data = (try? JSONSerialization.data(withJSONObject: m, options: [.sortedKeys])) ?? Data(base.utf8)
        let text = String(decoding: data, as: UTF8.self)
        guard Calibration.isPresent(in: parent.metadata) else { return text }
        var calibration = Calibration.from(metadata: parent.metadata)
        calibration.stale = true
        return calibration.merged(into: text)
    }
}
