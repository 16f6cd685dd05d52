/// FNV-1a, 64-bit: the stable, platform-independent hash behind every feature bucket.
///
/// Never Swift's `Hasher`, whose seed changes per process. Constants are the published FNV
/// parameters (http://www.isthe.com/chongo/tech/comp/fnv/): offset basis 14695981039346656037,
/// prime 1099511628211. Golden values are pinned in the tests.
public enum FNV1a {
    /// The FNV-64 offset basis (hash of the empty input).
    public static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    /// The FNV-64 prime.
    public static let prime: UInt64 = 0x0000_0100_0000_01b3

    /// Folds one byte into the running hash.
    @inlinable @inline(__always)
    public static func step(_ hash: UInt64, _ byte: UInt8) -> UInt64 {
        (hash ^ UInt64(byte)) &* prime
    }

    /// Folds the UTF-8 encoding of one scalar into the running hash, without allocating.
    @inlinable @inline(__always)
    public static func step(_ hash: UInt64, scalar v: UInt32) -> UInt64 {
        if v < 0x80 { return step(hash, UInt8(v)) }
        if v < 0x800 {
            return step(step(hash, UInt8(0xC0 | (v >> 6))), UInt8(0x80 | (v & 0x3F)))
        }
        if v < 0x10000 {
            var h = step(hash, UInt8(0xE0 | (v >> 12)))
            h = step(h, UInt8(0x80 | ((v >> 6) & 0x3F)))
            return step(h, UInt8(0x80 | (v & 0x3F)))
        }
        var h = step(hash, UInt8(0xF0 | (v >> 18)))
        h = step(h, UInt8(0x80 | ((v >> 12) & 0x3F)))
        h = step(h, UInt8(0x80 | ((v >> 6) & 0x3F)))
        return step(h, UInt8(0x80 | (v & 0x3F)))
    }

    /// Hash of a byte sequence.
    @inlinable
    public static func hash<S: Sequence>(_ bytes: S) -> UInt64 where S.Element == UInt8 {
        var h = offsetBasis
        for b in bytes { h = step(h, b) }
        return h
    }

    /// Hash of a string's UTF-8 bytes.
    @inlinable
    public static func hash(_ string: String) -> UInt64 { hash(string.utf8) }

    /// Maps a 64-bit hash to one of `mask + 1` buckets: xor-fold the high half into the low half
    /// (FNV's low bits alone mix less well), then mask.
    @inlinable @inline(__always)
    public static func bucket(_ hash: UInt64, mask: UInt32) -> UInt32 {
        UInt32(truncatingIfNeeded: hash ^ (hash >> 32)) & mask
    }
}
