/// The readable n-grams of one query, by hash bucket.
///
/// The model stores no strings, so an explanation recomputes every word and character n-gram of
/// the query exactly as `FeatureExtractor` hashes them (same tokenizer, same key bytes, same
/// bucket function) and keeps the text beside each bucket. Allocates; for explanations only.
struct NGramCatalog {
    private var byBucket: [UInt32: [NGram]] = [:]

    init(_ c: FeatureConfiguration, text: String) {
        var scalars = ScratchBuffer<UInt32>(capacity: 64)
        var ends = ScratchBuffer<Int32>(capacity: 16)
        defer { scalars.free(); ends.free() }
        TextNormalizer.tokenize(text, fold: c.foldDiacritics, scalars: &scalars, tokenEnds: &ends)
        var words: [[UInt32]] = []
        var begin = 0
        for t in 0..<ends.count {
            let end = Int(ends[t])
            words.append((begin..<end).map { scalars[$0] })
            begin = end
        }
        let mask = UInt32(c.bucketCount - 1)
        if c.wordNGramMax > 0 { addWordNGrams(words, min: c.wordNGramMin, max: c.wordNGramMax, mask: mask) }
        if c.charNGramMax > 0 { addCharNGrams(words, min: c.charNGramMin, max: c.charNGramMax, mask: mask) }
    }

    /// The query's n-grams hashed into `bucket`, in order of first occurrence.
    func ngrams(in bucket: UInt32) -> [NGram] { byBucket[bucket] ?? [] }

    private mutating func addWordNGrams(_ words: [[UInt32]], min lo: Int, max hi: Int, mask: UInt32) {
        let space: UInt32 = 0x20
        for first in words.indices {
            var key: [UInt32] = []
            for n in 1...hi {
                let t = first + n - 1
                if t >= words.count { break }
                if n > 1 { key.append(space) }
                key += words[t]
                if n >= lo { add(.word, key, prefix: FeatureWorkspace.wordPrefix, mask: mask) }
            }
        }
    }

    private mutating func addCharNGrams(_ words: [[UInt32]], min lo: Int, max hi: Int, mask: UInt32) {
        for word in words {
            let padded: [UInt32] = [0x3C] + word + [0x3E]
            for start in padded.indices {
                var end = start
                while end - start < hi && end < padded.count {
                    end += 1
                    if end - start >= lo { add(.char, Array(padded[start..<end]), prefix: FeatureWorkspace.charPrefix, mask: mask) }
                }
            }
        }
    }

    private mutating func add(_ kind: FeatureKind, _ key: [UInt32], prefix: UInt8, mask: UInt32) {
        var h = FNV1a.step(FNV1a.offsetBasis, prefix)
        for v in key { h = FNV1a.step(h, scalar: v) }
        let bucket = FNV1a.bucket(h, mask: mask)
        var text = String.UnicodeScalarView()
        for v in key { if let s = Unicode.Scalar(v) { text.append(s) } }
        let readable = String(text)
        var list = byBucket[bucket] ?? []
        if let i = list.firstIndex(where: { $0.kind == kind && $0.text == readable }) {
            list[i].count += 1
        } else {
            list.append(NGram(kind: kind, text: readable, count: 1))
        }
        byBucket[bucket] = list
    }
}
