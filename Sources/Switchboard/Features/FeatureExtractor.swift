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
/// model has one; then the vector is scaled to unit L2 norm.
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

    /// Weighs one row of raw counts in place. The trainer calls this same function, so training
    /// and inference features are bit-identical.
    @inlinable
    public static func weigh(values: UnsafeMutablePointer<Float>, buckets: UnsafePointer<UInt32>, count n: Int,
                             sublinearTF: Bool, idf: UnsafeBufferPointer<Float>?) {
        var sumSquares: Float = 0
        for i in 0..<n {
            var v = values[i]
            if sublinearTF && v > 1 { v = 1 + logf(v) }
            if let idf { v *= idf[Int(buckets[i])] }
            values[i] = v
            sumSquares += v * v
        }
        guard sumSquares > 0 else { return }
        let scale = 1 / sumSquares.squareRoot()
        for i in 0..<n { values[i] *= scale }
    }
}

extension FeatureWorkspace {
    /// Tokenizes `text` and counts its word and character n-gram buckets.
    @inlinable
    mutating func count(_ text: String, configuration c: FeatureConfiguration, mask: UInt32) {
        reset()
        TextNormalizer.tokenize(text, fold: c.foldDiacritics, scalars: &scalars, tokenEnds: &tokenEnds)
        if c.wordNGramMax > 0 { addWordNGrams(min: c.wordNGramMin, max: c.wordNGramMax, mask: mask) }
        if c.charNGramMax > 0 { addCharNGrams(min: c.charNGramMin, max: c.charNGramMax, mask: mask) }
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
    mutating func addCharNGrams(min lo: Int, max hi: Int, mask: UInt32) {
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
                    if n >= lo { add(FNV1a.bucket(h, mask: mask)) }
                }
            }
            begin = end
        }
    }
}
