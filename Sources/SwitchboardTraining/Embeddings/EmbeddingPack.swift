import Foundation
import Switchboard

/// Pretrained token vectors with the tokenizer that produces their ids: what `switchboard
/// embeddings import` writes and what training reads.
///
/// ## File layout (version 1)
/// Little-endian. Header, 48 bytes: magic `"SWEMBED\0"`; version UInt32 = 1; flags UInt32 = 0;
/// file length UInt64 (checksum included); token count, merge count, special count and
/// dimensions, UInt32 each; metadata length and tokens section length, UInt32 each. Then the
/// metadata (UTF-8 JSON: `name`, `source`, `license`), the tokens (each a UInt32 byte count and
/// UTF-8), the merges (left id, right id: UInt32 each), the special ids (UInt32), zero padding to
/// a multiple of 64, the vectors (`tokenCount × dimensions` Float32, row = token id), and the
/// XXH64 (seed 0) of every byte before it.
public struct EmbeddingPack: Sendable {
    /// Short identifier, such as `wordllama-l2_supercat-256`.
    public var name: String
    /// Where the vectors came from (package, version, files).
    public var source: String
    /// The licence text of the vectors' source.
    public var license: String
    /// The tokenizer whose ids index `vectors`.
    public var tokenizer: BPETokenizer
    /// Vector length.
    public var dimensions: Int
    /// Row-major `tokenizer.tokenCount × dimensions` floats.
    public var vectors: [Float]

    /// Creates a pack; `vectors` must hold one row of `dimensions` floats per token.
    public init(name: String, source: String, license: String, tokenizer: BPETokenizer, dimensions: Int,
                vectors: [Float]) {
        self.name = name
        self.source = source
        self.license = license
        self.tokenizer = tokenizer
        self.dimensions = dimensions
        self.vectors = vectors
    }

    static let magic: [UInt8] = Array("SWEMBED\0".utf8)
    static let headerSize = 48

    /// The pack's bytes in the layout above.
    public func encoded() -> [UInt8] {
        let metadata = (try? JSONSerialization.data(withJSONObject: ["name": name, "source": source, "license": license],
                                                    options: [.sortedKeys])).map { [UInt8]($0) } ?? []
        let tokenBytes = tokenizer.tokens.map { Array($0.utf8) }
        let tokensLength = tokenBytes.reduce(0) { $0 + 4 + $1.count }
        var body: [UInt8] = []
        body.reserveCapacity(Self.headerSize + metadata.count + tokensLength + vectors.count * 4 + 1024)
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { body.append(contentsOf: $0) } }
        body.append(contentsOf: Self.magic)
        append(UInt32(1)); append(UInt32(0)); append(UInt64(0))
        for n in [tokenizer.tokenCount, tokenizer.merges.count, tokenizer.specialIDs.count, dimensions,
                  metadata.count, tokensLength] { append(UInt32(n)) }
        body.append(contentsOf: metadata)
        for token in tokenBytes { append(UInt32(token.count)); body.append(contentsOf: token) }
        for merge in tokenizer.merges { append(merge.left); append(merge.right) }
        for id in tokenizer.specialIDs { append(id) }
        while body.count % 64 != 0 { body.append(0) }
        for value in vectors { append(value.bitPattern) }
        let length = UInt64(body.count + 8)
        withUnsafeBytes(of: length.littleEndian) { for i in 0 ..< 8 { body[16 + i] = $0[i] } }
        append(body.withUnsafeBytes { XXH64.hash($0) })
        return body
    }

    /// XXH64 of the encoded pack: recorded in models trained with it.
    public var checksum: UInt64 {
        let bytes = encoded()
        return UInt64(littleEndian: bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: bytes.count - 8, as: UInt64.self) })
    }

    /// Writes the pack to `path` atomically (a temporary file renamed into place).
    public func write(to path: String) throws(EmbeddingError) {
        do {
            try Data(encoded()).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .unreadable(path: path, reason: "cannot write: \(error.localizedDescription)")
        }
    }
}
