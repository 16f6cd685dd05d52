/// Building HTML text: every piece of data goes through `escape`.
enum HTML {
    /// `text` safe inside an element or a quoted attribute: & < > " ' become entities.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A fraction as a percentage with `digits` decimals, e.g. "92.58%".
    static func percent(_ value: Double, _ digits: Int = 2) -> String {
        fixed(value * 100, digits) + "%"
    }

    /// `value` with `digits` decimals (no locale).
    static func fixed(_ value: Double, _ digits: Int = 4) -> String {
        guard value.isFinite else { return "n/a" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let rounded = (abs(value) * scale).rounded()
        let whole = Int64(rounded / scale)
        var text = (value < 0 && rounded > 0 ? "-" : "") + String(whole)
        guard digits > 0 else { return text }
        let fraction = Int64(rounded - Double(whole) * scale)
        let digitsText = String(fraction)
        text += "." + String(repeating: "0", count: digits - digitsText.count) + digitsText
        return text
    }

    /// A table row of already-escaped cells.
    static func row(_ cells: [String], header: Bool = false) -> String {
        let tag = header ? "th" : "td"
        return "<tr>" + cells.map { "<\(tag)>\($0)</\(tag)>" }.joined() + "</tr>"
    }

    /// A two-column table of name–value pairs (both escaped here).
    static func pairs(_ pairs: [(String, String)], id: String) -> String {
        "<table id=\"\(id)\" class=\"pairs\">" + pairs.map { row([escape($0.0), escape($0.1)]) }.joined() + "</table>"
    }
}
