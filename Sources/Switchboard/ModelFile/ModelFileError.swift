/// Why a model file could not be read, validated or written.
///
/// Every case carries the path involved (`"<memory>"` for bytes decoded in memory), and
/// `description` is a one-line message suitable for a command-line tool.
public enum ModelFileError: Error, Equatable, CustomStringConvertible {
    /// The file could not be opened or mapped: missing, a directory, no permission, ...
    case unreadable(path: String, reason: String)
    /// The file does not start with `ModelFile.magic` (or is too short to hold it).
    case notAModelFile(path: String)
    /// A model file of a format version this build does not read.
    case unsupportedVersion(path: String, version: UInt32)
    /// The file is shorter than its header says (or than any model can be), or longer.
    case truncated(path: String, expected: Int, actual: Int)
    /// The trailing XXH64 checksum does not match the contents: the file is corrupt.
    case checksumMismatch(path: String)
    /// A count, offset or value that does not fit (or, when encoding, contents that are invalid).
    case inconsistent(path: String, reason: String)
    /// The model could not be written; the destination was left untouched.
    case writeFailed(path: String, reason: String)

    /// The path (or `"<memory>"`) the error is about.
    public var path: String {
        switch self {
        case .unreadable(let path, _), .notAModelFile(let path), .unsupportedVersion(let path, _),
             .truncated(let path, _, _), .checksumMismatch(let path), .inconsistent(let path, _),
             .writeFailed(let path, _):
            return path
        }
    }

    /// A one-line human-readable message naming the path.
    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "cannot read model file '\(path)': \(reason)"
        case .notAModelFile(let path):
            return "'\(path)' is not a Switchboard model file (wrong magic bytes)"
        case .unsupportedVersion(let path, let version):
            return "model file '\(path)' has format version \(version); this build reads versions \(ModelFile.supportedVersions.map(String.init).joined(separator: ", "))"
        case .truncated(let path, let expected, let actual):
            if actual < expected {
                return "model file '\(path)' is truncated: \(actual) bytes, expected \(expected)"
            }
            // Reporting subtraction: the error is public, so the values may be anything.
            let extra = actual.subtractingReportingOverflow(expected).partialValue
            return "model file '\(path)' has \(extra) unexpected trailing bytes (\(actual) bytes, expected \(expected))"
        case .checksumMismatch(let path):
            return "model file '\(path)' is corrupt: checksum mismatch"
        case .inconsistent(let path, let reason):
            return "model file '\(path)' is inconsistent: \(reason)"
        case .writeFailed(let path, let reason):
            return "cannot write model file '\(path)': \(reason)"
        }
    }
}
