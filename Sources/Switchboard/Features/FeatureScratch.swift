/// Reusable per-thread working memory for feature extraction and prediction.
///
/// Create one per thread and pass it to every call: once its buffers have grown to the size
/// of the longest query seen, a query allocates nothing. Not thread-safe (not `Sendable`).
public final class FeatureScratch {
    @usableFromInline var workspace = FeatureWorkspace()
    /// Per-label scores, reused by `Classifier`.
    @usableFromInline var scores = ScratchBuffer<Float>(capacity: 256)
    /// Tokens and pooled vector for a model's semantic block; made on first use.
    @usableFromInline var semantic: SemanticScratch?

    public init() {}

    deinit {
        workspace.free()
        scores.free()
    }

    /// Number of distinct features of the last extracted text.
    public var featureCount: Int { workspace.buckets.count }
    /// Buckets of the last extracted text, in order of first occurrence. Valid until the next call.
    public var buckets: UnsafeBufferPointer<UInt32> { workspace.buckets.buffer }
    /// Number of leading entries that are word n-grams; the rest are character n-grams.
    public var wordFeatureCount: Int { workspace.wordEntries }
    /// Values matching `buckets` (raw counts after `countFeatures`, weights after `weigh`). Between
    /// the two, character n-gram buckets carry `FeatureExtractor.charFamilyTag` under
    /// `NGramNormalization.perFamily`.
    public var values: UnsafeBufferPointer<Float> { workspace.values.buffer }
}

/// The buffers behind `FeatureScratch`, as one value of plain pointer handles: a call copies it
/// into a local, runs the hot loops on that (no exclusivity check per element), and stores it
/// back, since buffers may have grown.
@usableFromInline
struct FeatureWorkspace {
    @usableFromInline var scalars = ScratchBuffer<UInt32>(capacity: 512)
    @usableFromInline var tokenEnds = ScratchBuffer<Int32>(capacity: 128)
    @usableFromInline var buckets = ScratchBuffer<UInt32>(capacity: 512)
    @usableFromInline var values = ScratchBuffer<Float>(capacity: 512)
    /// Open-addressing table from bucket to index in `buckets`, cleared in O(1) by bumping
    /// `stamp`: a slot is live only when its stamp equals the current one.
    @usableFromInline var slotKey: UnsafeMutablePointer<UInt32>
    @usableFromInline var slotIndex: UnsafeMutablePointer<Int32>
    @usableFromInline var slotStamp: UnsafeMutablePointer<UInt32>
    @usableFromInline var slotMask: Int
    @usableFromInline var stamp: UInt32 = 0
    /// Entries before this index are word n-grams, the rest character n-grams.
    @usableFromInline var wordEntries = 0

    /// 2048 slots hold the ~1000 distinct features of a long query at load factor 1/2.
    @usableFromInline static let initialSlots = 2048

    @usableFromInline init() {
        let n = Self.initialSlots
        slotKey = .allocate(capacity: n)
        slotIndex = .allocate(capacity: n)
        slotStamp = .allocate(capacity: n)
        slotStamp.initialize(repeating: 0, count: n)
        slotMask = n - 1
    }

    @usableFromInline func free() {
        slotKey.deallocate(); slotIndex.deallocate(); slotStamp.deallocate()
        scalars.free(); tokenEnds.free(); buckets.free(); values.free()
    }

    /// Starts a new text: forgets all features without touching the table.
    @inlinable mutating func reset() {
        scalars.removeAll(); tokenEnds.removeAll(); buckets.removeAll(); values.removeAll()
        stamp &+= 1
        if stamp == 0 { // wrapped after 2^32 texts: clear for real once
            slotStamp.update(repeating: 0, count: slotMask + 1)
            stamp = 1
        }
    }

    /// Counts one occurrence of `bucket`.
    @inlinable @inline(__always)
    mutating func add(_ bucket: UInt32) {
        var slot = Int(truncatingIfNeeded: (bucket &* 0x9E37_79B1) >> 7) & slotMask // Fibonacci hashing
        while slotStamp[slot] == stamp {
            if slotKey[slot] == bucket { values[Int(slotIndex[slot])] += 1; return }
            slot = (slot + 1) & slotMask
        }
        slotStamp[slot] = stamp
        slotKey[slot] = bucket
        slotIndex[slot] = Int32(buckets.count)
        buckets.append(bucket)
        values.append(1)
        if buckets.count * 2 > slotMask { growTable() }
    }

    /// Doubles the table and re-inserts the live features.
    @usableFromInline mutating func growTable() {
        let n = (slotMask + 1) * 2
        slotKey.deallocate(); slotIndex.deallocate(); slotStamp.deallocate()
        slotKey = .allocate(capacity: n)
        slotIndex = .allocate(capacity: n)
        slotStamp = .allocate(capacity: n)
        slotStamp.initialize(repeating: 0, count: n)
        slotMask = n - 1
        stamp = 1
        for i in 0..<buckets.count {
            let bucket = buckets[i]
            var slot = Int(truncatingIfNeeded: (bucket &* 0x9E37_79B1) >> 7) & slotMask
            while slotStamp[slot] == stamp { slot = (slot + 1) & slotMask }
            slotStamp[slot] = stamp; slotKey[slot] = bucket; slotIndex[slot] = Int32(i)
        }
    }
}
