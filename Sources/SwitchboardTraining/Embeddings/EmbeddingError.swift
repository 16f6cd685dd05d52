import Foundation

/// Why an embedding pack could not be imported, read or used.
public enum EmbeddingError: Error, Equatable, CustomStringConvertible {
    /// The file could not be read at all.
    case unreadable(path: String, reason: String)
    /// A zip archive (a wheel) is damaged: bad structure, bad compressed data or a CRC mismatch.
    case corruptArchive(member: String, reason: String)
    /// A file the import needs is not in the archive or directory.
    case missingMember(source: String, name: String)
    /// The safetensors file is malformed or holds something other than one F16/F32 matrix.
    case badSafetensors(reason: String)
    /// The tokenizer JSON is malformed or describes a tokenizer this build does not implement.
    case badTokenizer(reason: String)
    /// The file is not an embedding pack, or is truncated, damaged or inconsistent.
    case badPack(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): "cannot read '\(path)': \(reason)"
        case let .corruptArchive(member, reason): "damaged archive member '\(member)': \(reason)"
        case let .missingMember(source, name): "'\(source)' has no '\(name)'"
        case let .badSafetensors(reason): "bad safetensors file: \(reason)"
        case let .badTokenizer(reason): "unsupported or bad tokenizer JSON: \(reason)"
        case let .badPack(path, reason): "'\(path)' is not a valid embedding pack: \(reason)"
        }
    }
}

/// Runs `body` on the bytes of `bytes`, keeping the typed error (`withUnsafeBytes` only rethrows untyped).
func withTypedBytes<C: ContiguousBytes, R>(_ bytes: C, _ body: (UnsafeRawBufferPointer) throws(EmbeddingError) -> R)
    throws(EmbeddingError) -> R {
    let result: Result<R, EmbeddingError> = bytes.withUnsafeBytes { raw in
        Result { () throws(EmbeddingError) -> R in try body(raw) }
    }
    return try result.get()
}
