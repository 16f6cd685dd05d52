/// XXH64, the 64-bit xxHash, implemented from the xxHash specification
/// (https://github.com/Cyan4973/xxHash/blob/dev/doc/xxhash_spec.md).
///
/// Model files end with the XXH64 (seed 0) of every byte before it. XXH64 is not
/// cryptographic: it detects accidental corruption (bad disk, truncated copy, bit rot),
/// not tampering. It was chosen because it runs at memory speed, so validating a large
/// model at load costs little next to touching its pages anyway.
///
/// The input is processed as 32-byte stripes spread over four independent 64-bit lanes,
/// then the remaining 0–31 bytes in 8-, 4- and 1-byte steps, then an avalanche mix.
public enum XXH64 {
    // The five 64-bit primes of the spec (PRIME64_1 ... PRIME64_5). They are fixed by the
    // algorithm; any other value computes a different hash. Computed properties so they are
    // always compile-time constants in the hot loop.
    @inlinable static var prime1: UInt64 { 0x9E37_79B1_85EB_CA87 }
    @inlinable static var prime2: UInt64 { 0xC2B2_AE3D_27D4_EB4F }
    @inlinable static var prime3: UInt64 { 0x1656_67B1_9E37_79F9 }
    @inlinable static var prime4: UInt64 { 0x85EB_CA77_C2B2_AE63 }
    @inlinable static var prime5: UInt64 { 0x27D4_EB2F_1656_67C5 }

    /// Hashes `bytes` with `seed`.
    @inlinable
    public static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return avalanche(seed &+ prime5) }
        let length = bytes.count
        var p = base
        let end = base + length
        var h: UInt64
        // 32 bytes = one stripe: four lanes of 8 bytes each.
        if length >= 32 {
            var v1 = seed &+ prime1 &+ prime2
            var v2 = seed &+ prime2
            var v3 = seed
            var v4 = seed &- prime1
            let lastStripe = end - 32
            repeat {
                v1 = round(v1, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 0, as: UInt64.self)))
                v2 = round(v2, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
                v3 = round(v3, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 16, as: UInt64.self)))
                v4 = round(v4, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
                p += 32
            } while p <= lastStripe
            // Rotation amounts 1, 7, 12, 18 are the spec's lane-convergence constants.
            h = rotl(v1, 1) &+ rotl(v2, 7) &+ rotl(v3, 12) &+ rotl(v4, 18)
            h = mergeRound(h, v1)
            h = mergeRound(h, v2)
            h = mergeRound(h, v3)
            h = mergeRound(h, v4)
        } else {
            h = seed &+ prime5
        }
        h &+= UInt64(truncatingIfNeeded: length)
        // Tail: rotation amounts 27, 23, 11 are fixed by the spec for the 8-, 4- and 1-byte steps.
        while end - p >= 8 {
            h ^= round(0, UInt64(littleEndian: p.loadUnaligned(as: UInt64.self)))
            h = rotl(h, 27) &* prime1 &+ prime4
            p += 8
        }
        if end - p >= 4 {
            h ^= UInt64(UInt32(littleEndian: p.loadUnaligned(as: UInt32.self))) &* prime1
            h = rotl(h, 23) &* prime2 &+ prime3
            p += 4
        }
        while p < end {
            h ^= UInt64(p.load(as: UInt8.self)) &* prime5
            h = rotl(h, 11) &* prime1
            p += 1
        }
        return avalanche(h)
    }

    /// Hashes a byte array with `seed`.
    @inlinable
    public static func hash(_ bytes: [UInt8], seed: UInt64 = 0) -> UInt64 {
        bytes.withUnsafeBytes { hash($0, seed: seed) }
    }

    /// Hashes the UTF-8 bytes of `string` with `seed`.
    @inlinable
    public static func hash(_ string: String, seed: UInt64 = 0) -> UInt64 {
        hash(Array(string.utf8), seed: seed)
    }

    /// One lane step: accumulate, rotate by 31 (spec constant), multiply.
    @inlinable @inline(__always)
    static func round(_ acc: UInt64, _ lane: UInt64) -> UInt64 {
        rotl(acc &+ lane &* prime2, 31) &* prime1
    }

    /// Folds one lane accumulator into the hash after the stripe loop.
    @inlinable @inline(__always)
    static func mergeRound(_ acc: UInt64, _ value: UInt64) -> UInt64 {
        (acc ^ round(0, value)) &* prime1 &+ prime4
    }

    /// Rotates left by `count` bits (0 < count < 64). Named privately rather than as a
    /// `UInt64` extension so it cannot collide with helpers elsewhere in the module.
    @inlinable @inline(__always)
    static func rotl(_ value: UInt64, _ count: UInt64) -> UInt64 {
        (value << count) | (value >> (64 &- count))
    }

    /// Final mix so every input bit affects every output bit; shifts 33, 29, 32 are the spec's.
    @inlinable @inline(__always)
    static func avalanche(_ value: UInt64) -> UInt64 {
        var h = value
        h ^= h >> 33
        h &*= prime2
        h ^= h >> 29
        h &*= prime3
        h ^= h >> 32
        return h
    }
}
