#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns text into hashed, weighted, L2-normalized sparse features. The same code serves the
/// trainer and the runtime, so the two cannot drift.
///
/// Feature keys (hashed with `FNV1a` over their UTF-8 bytes, then `FNV1a.bucket`):
/// - word n-gram: byte 0x01, then the n normalized words joined by single spaces
///   (`"\u{1}reset password"`);
/// - character n-gram: byte 0x02, then n scalars of the word padded as `<word>` (`"\u{2}<pa"`).
/// The prefix bytes keep the two kinds apart (the word "ab" and the 4-gram "<ab>" never share a key).
///
/// Weights: raw count, or `1 + ln(count)` with `sublinearTF`; times the bucket's IDF when the
/// model has one; then the vector is scaled to unit L2 norm, as one vector or per n-gram family
/// (`NGramNormalization`). Per family, a word n-gram and a character n-gram that share a bucket
/// stay two entries, one per family, so each family's length is its own.
public struct FeatureExtractor: Sendable {
    public let configuration: FeatureConfiguration
    @usableFromInline let mask: UInt32

    public init(_ configuration: FeatureConfiguration) {
        self.configuration = configuration
        mask = UInt32(configuration.bucketCount - 1)
    }

    /// Extracts weighted, normalized features of `text` into `scratch`.
    @inlinable
    public func extract(_ text: String, idf: UnsafeBufferPointer<Float>?, into scratch: FeatureScratch) {
        countFeatures(of: text, into: scratch)
        weigh(scratch, idf: idf)
    }

    /// Convenience: the features of `text` as (bucket, value) pairs. Allocates; for tests and tools.
    public func features(of text: String, idf: [Float]? = nil) -> [(bucket: UInt32, value: Float)] {
        let scratch = FeatureScratch()
        if let idf {
            idf.withUnsafeBufferPointer { extract(text, idf: $0, into: scratch) }
        } else {
            extract(text, idf: nil, into: scratch)
        }
        return zip(scratch.buckets, scratch.values).map { ($0, $1) }
    }

    /// Counts the hashed features of `text` (raw counts, no weighting) into `scratch`.
    @inlinable
    public func countFeatures(of text: String, into scratch: FeatureScratch) {
        let c = configuration
        let mask = self.mask
        var workspace = scratch.workspace
        workspace.count(text, configuration: c, mask: mask)
        scratch.workspace = workspace
    }

    /// Applies TF weighting, IDF and L2 normalization to the counts in `scratch`.
    @inlinable
    public func weigh(_ scratch: FeatureScratch, idf: UnsafeBufferPointer<Float>?) {
        Self.weigh(values: scratch.workspace.values.base, buckets: scratch.workspace.buckets.base,
                   count: scratch.workspace.values.count, sublinearTF: configuration.sublinearTF, idf: idf)
    }

    /// Marks a character n-gram's bucket between counting and weighing under
    /// `NGramNormalization.perFamily`: it keeps the two families apart in the counting table and
    /// tells `weigh` which length an entry belongs to. Buckets stay below 2^24, so the bit is free.
    public static let charFamilyTag: UInt32 = 0x8000_0000

    /// The bucket of a counted entry, without the family tag.
    @inlinable @inline(__always)
    public static func bucket(ofCounted key: UInt32) -> UInt32 { key & ~charFamilyTag }

    /// Weighs one row of raw counts in place and clears the family tags. The trainer calls this
    /// same function, so training and inference features are bit-identical. Untagged rows (all
    /// rows under `NGramNormalization.joint`) get one norm, exactly as before tags existed.
    @inlinable
    public static func weigh(values: UnsafeMutablePointer<Float>, buckets: UnsafeMutablePointer<UInt32>, count n: Int,
                             sublinearTF: Bool, idf: UnsafeBufferPointer<Float>?) {
        var words: Float = 0, chars: Float = 0
        for i in 0..<n {
            var v = values[i]
            if sublinearTF && v > 1 { v = 1 + logf(v) }
            let key = buckets[i]
            if let idf { v *= idf[Int(bucket(ofCounted: key))] }
            values[i] = v
            if key & charFamilyTag == 0 { words += v * v } else { chars += v * v }
        }
        guard chars > 0 else {
            // No character weight: none were counted, or (in a corrupt model) their IDF is 0,
            // NaN or so small that the squares vanish. The tags are cleared all the same: a
            // tagged key is not a bucket, and a kernel would read far outside the weights.
            let scale: Float = words > 0 ? 1 / words.squareRoot() : 1
            for i in 0..<n {
                values[i] *= scale
                buckets[i] &= ~charFamilyTag
            }
            return
        }
        // Both families present: each gets length 1/√2, so the row has length 1.
        let share: Float = words > 0 ? 0.70710677 : 1
        let wordScale = words > 0 ? share / words.squareRoot() : 0, charScale = share / chars.squareRoot()
        for i in 0..<n {
            let key = buckets[i]
            if key & charFamilyTag == 0 {
                values[i] *= wordScale
            } else {
                values[i] *= charScale
                buckets[i] = key & ~charFamilyTag
            }
        }
    }
}

extension FeatureWorkspace {
    /// Tokenizes `text` and counts its word and character n-gram buckets.
    @inlinable
    mutating func count(_ text: String, configuration c: FeatureConfiguration, mask: UInt32) {
        reset()
        TextNormalizer.tokenize(text, fold: c.foldDiacritics, scalars: &scalars, tokenEnds: &tokenEnds)
        if c.wordNGramMax > 0 { addWordNGrams(min: c.wordNGramMin, max: c.wordNGramMax, mask: mask) }
        wordEntries = buckets.count
        let tag = c.normalization == .perFamily ? FeatureExtractor.charFamilyTag : 0
        if c.charNGramMax > 0 { addCharNGrams(min: c.charNGramMin, max: c.charNGramMax, mask: mask, tag: tag) }
    }

    /// Word n-gram prefix byte (see `FeatureExtractor`).
    @usableFromInline static let wordPrefix: UInt8 = 0x01
    /// Character n-gram prefix byte.
    @usableFromInline static let charPrefix: UInt8 = 0x02

    @inlinable
    mutating func addWordNGrams(min lo: Int, max hi: Int, mask: UInt32) {
        let tokens = tokenEnds.count
        let start = FNV1a.step(FNV1a.offsetBasis, Self.wordPrefix)
        for first in 0..<tokens {
            var h = start
            var begin = first == 0 ? 0 : Int(tokenEnds[first - 1])
            for n in 1...hi {
                let t = first + n - 1
                if t >= tokens { break }
                if n > 1 { h = FNV1a.step(h, 0x20) }
                let end = Int(tokenEnds[t])
                for i in begin..<end { h = FNV1a.step(h, scalar: scalars[i]) }
                begin = end
                if n >= lo { add(FNV1a.bucket(h, mask: mask)) }
            }
        }
    }

    @inlinable
    mutating func addCharNGrams(min lo: Int, max hi: Int, mask: UInt32, tag: UInt32) {
        let start = FNV1a.step(FNV1a.offsetBasis, Self.charPrefix)
        var begin = 0
        for t in 0..<tokenEnds.count {
            let end = Int(tokenEnds[t])
            // Padded word: position -1 is "<", position `length` is ">".
            let length = end - begin
            for s in -1..<(length + 1) {
                var h = start
                var n = 0
                var p = s
                while n < hi && p <= length {
                    let v: UInt32 = p < 0 ? 0x3C : (p == length ? 0x3E : scalars[begin + p])
                    h = FNV1a.step(h, scalar: v)
                    n += 1
                    p += 1
                    if n >= lo { add(FNV1a.bucket(h, mask: mask) | tag) }
                }
            }
            begin = end
        }
    }
}
