/// Maps precomposed letters to their base letter (é → e, Ώ → ω). Covers Latin-1 Supplement,
/// Latin Extended-A/B and Greek, where nearly all diacritic variation in practice lives; other
/// scripts pass through unchanged (their combining marks are dropped separately).
@usableFromInline
enum DiacriticFolding {
    /// First and last scalar covered by the table: U+00C0 (À) to U+03FF (end of Greek).
    static let first: UInt32 = 0xC0
    static let last: UInt32 = 0x3FF

    /// Built once, thread-safely (Swift static initialization), from Unicode's canonical
    /// decomposition: the first scalar of the decomposition is the base letter.
    static let table: [UInt32] = (first...last).map { v in
        guard let s = Unicode.Scalar(v) else { return v }
        let decomposed = String(Character(s)).decomposedStringWithCanonicalMapping.unicodeScalars
        guard let base = decomposed.first, decomposed.count > 1 else { return v }
        return base.value
    }

    /// The base letter of `v`, or `v` itself.
    @usableFromInline
    static func base(of v: UInt32) -> UInt32 {
        guard v >= first && v <= last else { return v }
        return table[Int(v - first)]
    }
}
