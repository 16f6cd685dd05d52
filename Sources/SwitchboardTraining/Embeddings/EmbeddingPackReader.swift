import Foundation
import Switchboard

extension EmbeddingPack {
    /// Reads and validates a pack file: magic, version, length, every count against the
    /// file size before allocating, the checksum, then the tokenizer itself.
    public static func load(path: String) throws(EmbeddingError) -> EmbeddingPack {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
        return try withTypedBytes(data) { (raw) throws(EmbeddingError) -> EmbeddingPack in try decode(raw, path: path) }
    }

    /// Decodes pack bytes (see the layout on `EmbeddingPack`).
    public static func decode(_ raw: UnsafeRawBufferPointer, path: String) throws(EmbeddingError) -> EmbeddingPack {
        let bad = { (reason: String) in EmbeddingError.badPack(path: path, reason: reason) }
        guard raw.count >= headerSize + 8, Array(raw[0 ..< 8]) == magic else { throw bad("no pack magic") }
        func u32(_ at: Int) -> Int { Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self))) }
        guard u32(8) == 1 else { throw bad("format version \(u32(8)); this build reads version 1") }
        guard u32(12) == 0 else { throw bad("unknown flags") }
        let length = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
        guard length == UInt64(raw.count) else { throw bad("truncated or extended: \(raw.count) bytes, header says \(length)") }
        let (tokenCount, mergeCount, specialCount, dims) = (u32(24), u32(28), u32(32), u32(36))
        let (metadataLength, tokensLength) = (u32(40), u32(44))
        // Every count is bounded by the bytes it needs, so nothing is allocated from a lie.
        let fixed = headerSize + metadataLength + tokensLength + 8 * mergeCount + 4 * specialCount
        guard tokenCount >= 1, dims >= 1, dims <= 1 << 16, tokensLength >= 5 * tokenCount, fixed <= raw.count else {
            throw bad("counts do not fit the file")
        }
        let vectorsStart = (fixed + 63) & ~63
        let (vectorBytes, overflow) = tokenCount.multipliedReportingOverflow(by: dims * 4)
        guard !overflow, vectorsStart + vectorBytes + 8 == raw.count else { throw bad("vector table does not match the counts") }
        let stored = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: raw.count - 8, as: UInt64.self))
        guard XXH64.hash(UnsafeRawBufferPointer(rebasing: raw[0 ..< raw.count - 8])) == stored else { throw bad("checksum mismatch") }
        let meta = (try? JSONSerialization.jsonObject(with: Data(raw[headerSize ..< headerSize + metadataLength]))) as? [String: String]
        guard let meta, let name = meta["name"] else { throw bad("metadata is not a JSON object with a name") }
        var tokens: [String] = []
        tokens.reserveCapacity(tokenCount)
        var p = headerSize + metadataLength
        let tokensEnd = p + tokensLength
        for _ in 0 ..< tokenCount {
            guard p + 4 <= tokensEnd else { throw bad("tokens section ends early") }
            let n = u32(p)
            guard n <= tokensEnd - p - 4 else { throw bad("token runs past its section") }
            tokens.append(String(decoding: UnsafeRawBufferPointer(rebasing: raw[p + 4 ..< p + 4 + n]), as: UTF8.self))
            p += 4 + n
        }
        guard p == tokensEnd else { throw bad("tokens section has trailing bytes") }
        let merges = (0 ..< mergeCount).map { (left: UInt32(u32(p + 8 * $0)), right: UInt32(u32(p + 8 * $0 + 4))) }
        p += 8 * mergeCount
        let specials = (0 ..< specialCount).map { UInt32(u32(p + 4 * $0)) }
        let tokenizer: BPETokenizer
        do { tokenizer = try BPETokenizer(tokens: tokens, merges: merges, specialIDs: specials) } catch {
            throw bad(error.description)
        }
        var vectors = [Float](repeating: 0, count: tokenCount * dims)
        vectors.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[vectorsStart ..< vectorsStart + vectorBytes])) }
        guard vectors.allSatisfy(\.isFinite) else { throw bad("a vector holds a non-finite value") }
        return EmbeddingPack(name: name, source: meta["source"] ?? "", license: meta["license"] ?? "",
                             tokenizer: tokenizer, dimensions: dims, vectors: vectors)
    }
}
