import SwitchboardData
import Switchboard

/// Texts that give the model little or nothing: empty after normalization, one word, or
/// identifiers instead of language.
struct TextChecks {
    let data: LabeledDataset
    let extractor: FeatureExtractor
    let row: (Int) -> DoctorRow

    func findings() -> [DoctorFinding] {
        var empty: [Int] = [], short: [Int] = [], ids: [Int] = []
        for (i, text) in data.texts.enumerated() {
            let words = extractor.normalizedWords(of: text)
            if words.isEmpty { empty.append(i) } else if words.count == 1 { short.append(i) }
            if Self.looksLikeID(text) { ids.append(i) }
        }
        var result: [DoctorFinding] = []
        if !empty.isEmpty {
            result.append(DoctorFinding(kind: .emptyText, message: "\(empty.count) row(s) have no word left after normalization "
                                            + "(only punctuation, symbols or emoji): they teach the model nothing",
                                        rows: empty.map(row)))
        }
        if !data.texts.isEmpty, Double(ids.count) >= DataDoctor.idLikeShare * Double(data.texts.count) {
            result.append(DoctorFinding(kind: .idLikeTexts, message: "\(ids.count) of \(data.texts.count) texts look like identifiers "
                                            + "(digits, hex, UUIDs): is the text column the right one (--text-column)?",
                                        rows: ids.prefix(5).map(row)))
        }
        if !short.isEmpty {
            result.append(DoctorFinding(kind: .shortText, message: "\(short.count) row(s) are a single word", rows: short.map(row)))
        }
        return result
    }

    /// No whitespace, at least 6 characters, and either digits for at least half of them or
    /// only hex digits and dashes with at least one digit (a UUID, a hash, an order number).
    static func looksLikeID(_ text: String) -> Bool {
        let s = Array(text.unicodeScalars)
        guard s.count >= 6, !s.contains(where: { $0.properties.isWhitespace }) else { return false }
        let digits = s.filter { ("0"..."9").contains($0) }.count
        if 2 * digits >= s.count { return true }
        let hex = s.allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) || ("A"..."F").contains($0) || $0 == "-" }
        return hex && digits > 0
    }
}
