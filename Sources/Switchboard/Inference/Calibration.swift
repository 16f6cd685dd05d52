import Foundation

/// Probability calibration and abstention settings carried in a model's metadata (key
/// `"calibration"`), so a calibrated model answers the same way wherever it is loaded.
public struct Calibration: Sendable, Equatable {
    /// Scores are divided by this before the softmax (temperature scaling, Guo et al. 2017).
    /// 1 leaves the trained probabilities unchanged. Does not change the ranking.
    public var temperature: Float
    /// A query whose top probability is below this gets `unknownLabel`; nil = always answer.
    public var threshold: Float?
    /// The label given to abstentions (e.g. CLINC150's `oos`).
    public var unknownLabel: String
    /// The weights changed after this calibration was fitted (a warm-started model keeps its
    /// parent's): the temperature and threshold still apply but no longer match the model's
    /// scores, so tools warn until `calibrate` fits them again.
    public var stale: Bool

    public init(temperature: Float = 1, threshold: Float? = nil, unknownLabel: String = "unknown", stale: Bool = false) {
        self.temperature = temperature
        self.threshold = threshold
        self.unknownLabel = unknownLabel
        self.stale = stale
    }

    /// Whether `metadata` holds a calibration at all (a model never calibrated has none).
    public static func isPresent(in metadata: String) -> Bool {
        let object = try? JSONSerialization.jsonObject(with: Data(metadata.utf8)) as? [String: Any]
        return object?["calibration"] is [String: Any]
    }

    /// Reads the calibration from a metadata JSON text; defaults when absent or unusable
    /// (a non-positive or non-finite temperature, a threshold outside [0, 1]).
    public static func from(metadata: String) -> Calibration {
        guard let object = try? JSONSerialization.jsonObject(with: Data(metadata.utf8)) as? [String: Any],
              let c = object["calibration"] as? [String: Any] else { return Calibration() }
        var result = Calibration()
        if let t = (c["temperature"] as? NSNumber)?.floatValue, t.isFinite, t > 0 { result.temperature = t }
        if let t = (c["threshold"] as? NSNumber)?.floatValue, t >= 0, t <= 1 { result.threshold = t }
        if let u = c["unknown_label"] as? String, !u.isEmpty { result.unknownLabel = u }
        result.stale = (c["stale"] as? Bool) ?? false
        return result
    }

    /// `metadata` with this calibration stored under `"calibration"` (other keys kept, keys sorted
    /// so the file stays byte-reproducible).
    public func merged(into metadata: String) -> String {
        var object = (try? JSONSerialization.jsonObject(with: Data(metadata.utf8)) as? [String: Any]) ?? [:]
        var c: [String: Any] = ["temperature": Double(temperature), "unknown_label": unknownLabel]
        if let threshold { c["threshold"] = Double(threshold) }
        if stale { c["stale"] = true }
        object["calibration"] = c
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// Whether a prediction should be answered (true) or abstained on, under `threshold`
    /// (the model's own when nil is passed).
    @inlinable
    public func answers(_ p: Prediction, threshold override: Float? = nil) -> Bool {
        guard p.labelIndex >= 0 else { return false }
        guard let t = override ?? threshold else { return true }
        return p.probability >= t
    }
}
