import Foundation

/// Why a report could not be made or written.
public enum ReportError: Error, Equatable, CustomStringConvertible {
    /// The bench file is unreadable or not a JSON object.
    case badBenchFile(path: String, reason: String)
    /// The report could not be written; nothing was replaced.
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .badBenchFile(let path, let reason): "\(path): \(reason)"
        case .writeFailed(let path, let reason): "cannot write report '\(path)': \(reason)"
        }
    }
}

/// Figures of `switchboard bench --json`, flattened for display.
public enum BenchFigures {
    /// The object's members in key order; nested objects become "outer.inner". Throws
    /// `ReportError.badBenchFile` when the file cannot be read or is not a JSON object.
    public static func load(path: String) throws(ReportError) -> [(String, String)] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .badBenchFile(path: path, reason: "cannot read the file")
        }
        let parsed: Any
        do { parsed = try JSONSerialization.jsonObject(with: data) } catch {
            throw .badBenchFile(path: path, reason: "not valid JSON")
        }
        guard let object = parsed as? [String: Any] else {
            throw .badBenchFile(path: path, reason: "not a JSON object (expected the output of `switchboard bench --json`)")
        }
        return flatten(object, prefix: "")
    }

    static func flatten(_ object: [String: Any], prefix: String) -> [(String, String)] {
        object.keys.sorted().flatMap { key -> [(String, String)] in
            if let inner = object[key] as? [String: Any] { return flatten(inner, prefix: prefix + key + ".") }
            return [(prefix + key, describe(object[key]!))]
        }
    }

    /// A JSON value as short text.
    static func describe(_ value: Any) -> String {
        switch value {
        case is NSNull: return "null"
        case let n as NSNumber:
            let d = n.doubleValue
            return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(format: "%.4g", d)
        case let s as String: return s
        default:
            let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])
            return data.map { String(decoding: $0, as: UTF8.self) } ?? "\(value)"
        }
    }
}
