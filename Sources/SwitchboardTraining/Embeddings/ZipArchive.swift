import Foundation

/// Reads members of a zip archive (such as a Python wheel) held in memory.
///
/// Supports the stored (0) and deflate (8) methods, which is what wheels use; ZIP64, encryption
/// and multi-disk archives are refused. Every offset is checked against the archive's size, and
/// each extracted member is checked against its CRC-32.
struct ZipArchive {
    /// One central-directory entry.
    struct Entry {
        let name: String
        let method: Int
        let crc32: UInt32
        let compressedSize: Int
        let size: Int
        let localHeaderOffset: Int
    }

    let bytes: [UInt8]
    let source: String
    /// The central directory, in archive order.
    let entries: [Entry]

    init(bytes: [UInt8], source: String) throws(EmbeddingError) {
        self.bytes = bytes
        self.source = source
        entries = try Self.centralDirectory(bytes, source: source)
    }

    /// The uncompressed bytes of the member named `name`.
    func extract(_ name: String) throws(EmbeddingError) -> [UInt8] {
        guard let entry = entries.first(where: { $0.name == name }) else {
            throw .missingMember(source: source, name: name)
        }
        let data = try withTypedBytes(bytes) { (all) throws(EmbeddingError) -> [UInt8] in
            let header = entry.localHeaderOffset
            guard header <= all.count - 30, Self.u32(all, header) == 0x0403_4B50 else {
                throw .corruptArchive(member: name, reason: "bad local header")
            }
            let start = header + 30 + Int(Self.u16(all, header + 26)) + Int(Self.u16(all, header + 28))
            guard start <= all.count, entry.compressedSize <= all.count - start else {
                throw .corruptArchive(member: name, reason: "data runs past the end of the archive")
            }
            let compressed = UnsafeRawBufferPointer(rebasing: all[start ..< start + entry.compressedSize])
            switch entry.method {
            case 0:
                guard entry.compressedSize == entry.size else {
                    throw .corruptArchive(member: name, reason: "stored member with two sizes")
                }
                return Array(compressed)
            case 8:
                return try Inflate.decompress(compressed, expectedSize: entry.size, member: name)
            default:
                throw .corruptArchive(member: name, reason: "compression method \(entry.method) is not supported")
            }
        }
        guard CRC32.checksum(data) == entry.crc32 else { throw .corruptArchive(member: name, reason: "CRC-32 mismatch") }
        return data
    }

    static func u16(_ b: UnsafeRawBufferPointer, _ at: Int) -> UInt16 {
        UInt16(b[at]) | UInt16(b[at + 1]) << 8
    }

    static func u32(_ b: UnsafeRawBufferPointer, _ at: Int) -> UInt32 {
        UInt32(u16(b, at)) | UInt32(u16(b, at + 2)) << 16
    }

    /// Finds the end-of-central-directory record and parses every entry it points to.
    static func centralDirectory(_ bytes: [UInt8], source: String) throws(EmbeddingError) -> [Entry] {
        try withTypedBytes(bytes) { (b) throws(EmbeddingError) -> [Entry] in
            let bad = { (reason: String) in EmbeddingError.corruptArchive(member: source, reason: reason) }
            guard b.count >= 22 else { throw bad("too short to be a zip archive") }
            let lowest = max(0, b.count - 22 - 65535)
            guard let end = stride(from: b.count - 22, through: lowest, by: -1).first(where: { u32(b, $0) == 0x0605_4B50 })
            else { throw bad("no end-of-central-directory record") }
            let count = Int(u16(b, end + 10))
            let size = Int(u32(b, end + 12)), offset = Int(u32(b, end + 16))
            guard offset <= end, size <= end - offset else { throw bad("central directory outside the archive") }
            var entries: [Entry] = []
            var p = offset
            for _ in 0 ..< count {
                guard p <= end - 46, u32(b, p) == 0x0201_4B50 else { throw bad("bad central directory entry") }
                let nameLength = Int(u16(b, p + 28))
                let skip = nameLength + Int(u16(b, p + 30)) + Int(u16(b, p + 32))
                guard p + 46 + skip <= end else { throw bad("central directory entry runs past its end") }
                let compressed = u32(b, p + 20), plain = u32(b, p + 24), local = u32(b, p + 42)
                guard compressed != .max, plain != .max, local != .max else { throw bad("ZIP64 is not supported") }
                guard u16(b, p + 8) & 1 == 0 else { throw bad("encrypted members are not supported") }
                let name = String(decoding: UnsafeRawBufferPointer(rebasing: b[p + 46 ..< p + 46 + nameLength]), as: UTF8.self)
                entries.append(Entry(name: name, method: Int(u16(b, p + 10)), crc32: u32(b, p + 16),
                                     compressedSize: Int(compressed), size: Int(plain), localHeaderOffset: Int(local)))
                p += 46 + skip
            }
            return entries
        }
    }
}

/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as zip uses.
enum CRC32 {
    static let table: [UInt32] = (0 ..< 256).map { n in
        var c = UInt32(n)
        for _ in 0 ..< 8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        table.withUnsafeBufferPointer { t in
            var c: UInt32 = 0xFFFF_FFFF
            for byte in bytes { c = t[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8) }
            return c ^ 0xFFFF_FFFF
        }
    }
}
