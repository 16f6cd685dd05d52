/// Turns a query into its pooled token vector: the one code path the trainer and the runtime
/// share for the semantic block.
///
/// `pool` tokenizes the raw text with the model's BPE tokenizer, sums the (int8, per-token
/// scaled) vectors of every non-special token, and scales the sum to L2 norm `weight`. The mean
/// of the vectors points the same way as their sum, so this is `weight ×` the L2-normalized
/// mean. With mean-and-max pooling the next `dimensions` features are the element-wise maximum
/// of the same tokens' vectors at their `maxScales` (the table's own scale, no pooling weight).
/// Allocates nothing once the `SemanticScratch` has grown to the longest query.
///
/// Immutable and safe to share across threads; the table memory is either owned (built from
/// `SemanticContents`) or points into a loaded model, which `owner` keeps alive.
public final class TokenPooler: @unchecked Sendable {
    /// The tokenizer whose ids index the table.
    public let tokenizer: BPETokenizer
    /// Vector length.
    public let dimensions: Int
    /// The L2 norm of a pooled vector (α).
    public let weight: Float
    /// Features per query: `dimensions`, or twice that with mean-and-max pooling.
    public let featureCount: Int
    @usableFromInline let scales: UnsafePointer<Float>
    @usableFromInline let maxScales: UnsafePointer<Float>?
    @usableFromInline let values: UnsafePointer<Int8>
    /// True at the id of each special token, which pooling skips.
    private let isSpecial: [Bool]
    private let owner: AnyObject?
    private let owned: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Int8>)?

    /// A pooler over a table that lives in `owner`'s memory (a loaded model); `maxScales` is
    /// given for mean-and-max pooling.
    init(tokenizer: BPETokenizer, dimensions: Int, weight: Float, scales: UnsafePointer<Float>,
         maxScales: UnsafePointer<Float>?, values: UnsafePointer<Int8>, owner: AnyObject?) {
        self.tokenizer = tokenizer
        self.dimensions = dimensions
        self.weight = weight
        featureCount = maxScales == nil ? dimensions : 2 * dimensions
        self.scales = scales
        self.maxScales = maxScales
        self.values = values
        var special = [Bool](repeating: false, count: tokenizer.tokenCount)
        for id in tokenizer.specialIDs { special[Int(id)] = true }
        isSpecial = special
        self.owner = owner
        owned = nil
    }

    /// A pooler that owns a copy of `contents`' table. Throws when the tokens or merges do not
    /// form a tokenizer or the table's counts do not match.
    public init(_ contents: SemanticContents) throws(BPETokenizer.BuildError) {
        let tokenizer = try contents.tokenizer()
        let n = contents.tokens.count, d = contents.dimensions
        let meanMax = contents.pooling == .meanMax
        guard d > 0, contents.tableScales.count == n, contents.tableValues.count == n * d,
              contents.maxScales.count == (meanMax ? n : 0) else {
            throw .badVocabulary("table of \(contents.tableValues.count) values for \(n) tokens × \(d) dimensions")
        }
        // One allocation holds the scales, then the max scales with mean-and-max pooling.
        let s = UnsafeMutablePointer<Float>.allocate(capacity: contents.pooling.scaleBlockCount * n)
        s.initialize(from: contents.tableScales, count: n)
        if meanMax { (s + n).initialize(from: contents.maxScales, count: n) }
        let v = UnsafeMutablePointer<Int8>.allocate(capacity: n * d)
        v.initialize(from: contents.tableValues, count: n * d)
        self.tokenizer = tokenizer
        dimensions = d
        weight = contents.weight
        featureCount = contents.featureCount
        scales = UnsafePointer(s)
        maxScales = meanMax ? UnsafePointer(s + n) : nil
        values = UnsafePointer(v)
        var special = [Bool](repeating: false, count: n)
        for id in tokenizer.specialIDs { special[Int(id)] = true }
        isSpecial = special
        owner = nil
        owned = (s, v)
    }

    deinit {
        if let (s, v) = owned { s.deallocate(); v.deallocate() }
    }

    /// Pools `text` into `scratch.pooled` (`featureCount` floats). Returns false, leaving zeros,
    /// when the text has no non-special token, its vectors sum to zero, or a sum or maximum is
    /// not finite (possible only with huge table scales).
    @discardableResult
    public func pool(_ text: String, into scratch: SemanticScratch) -> Bool {
        scratch.reserve(featureCount)
        let n = tokenizer.encode(text, into: scratch.tokens)
        let out = scratch.pooled
        let d = dimensions
        out.update(repeating: 0, count: featureCount)
        if maxScales != nil { (out + d).update(repeating: -.infinity, count: d) }
        let ids = scratch.tokens.ids
        var used = 0
        isSpecial.withUnsafeBufferPointer { special in
            for i in 0 ..< n {
                let id = Int(ids[i])
                if special[id] { continue }
                RowKernels.addScaledInt8Row(values + id &* d, scale: scales[id], into: out, count: d)
                if let maxScales { RowKernels.maxScaledInt8Row(values + id &* d, scale: maxScales[id], into: out + d, count: d) }
                used += 1
            }
        }
        var sum: Float = 0, maxima: Float = 0
        for i in 0 ..< d { sum += out[i] * out[i] }
        // 0 × a maximum is 0 when it is finite, NaN when a huge scale overflowed it.
        for i in d ..< featureCount { maxima += 0 * out[i] }
        guard used > 0, sum > 0, sum.isFinite, maxima == 0 else {
            out.update(repeating: 0, count: featureCount)
            return false
        }
        let factor = weight / sum.squareRoot()
        for i in 0 ..< d { out[i] *= factor }
        return true
    }
}

/// Reusable per-thread memory for `TokenPooler.pool`: the tokenizer's scratch and the pooled
/// vector. Not thread-safe.
public final class SemanticScratch {
    /// The token ids of the last pooled text.
    public let tokens = TokenizerScratch()
    /// The pooled vector of the last text (first `dimensions` floats); valid until the next call.
    public private(set) var pooled: UnsafeMutablePointer<Float>
    private var capacity: Int

    public init() {
        capacity = 256
        pooled = .allocate(capacity: capacity)
        pooled.initialize(repeating: 0, count: capacity)
    }

    deinit { pooled.deallocate() }

    /// Makes room for `dimensions` floats.
    func reserve(_ dimensions: Int) {
        guard dimensions > capacity else { return }
        pooled.deallocate()
        capacity = dimensions
        pooled = .allocate(capacity: capacity)
        pooled.initialize(repeating: 0, count: capacity)
    }
}
