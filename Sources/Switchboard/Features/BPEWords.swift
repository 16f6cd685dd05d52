/// Word-at-a-time BPE, with a per-scratch cache of the words seen.
///
/// After normalization a segment is a string of scalars in which "▁" stands for each space. A
/// *word* is a maximal run of "▁" followed by the non-"▁" scalars up to the next "▁". When no
/// merge joins a left symbol that does not end in "▁" with a right symbol that starts with
/// "▁" (`BPETokenizer.splitsAtWords`, true for the Llama-2 vocabulary), no symbol can ever
/// span the boundary before a word: the first merge across it would be such a merge. Pairs of
/// different words then never interact, and the lowest-rank-first, leftmost-first merge order
/// restricted to one word is the order merging that word alone gives. So encoding the segment
/// word by word, each word on its own, yields exactly the ids of merging the whole segment,
/// and a word's ids can be cached (Hugging Face `tokenizers` caches per word the same way).
extension BPETokenizer {
    /// Encodes one segment word by word (requires `splitsAtWords`), through `scratch`'s word
    /// cache once it has one.
    func encodeWords(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ scratch: TokenizerScratch) {
        let end = range.upperBound
        let cache = scratch.wordCache(for: identity)
        var p = range.lowerBound
        var leading = 1  // the "▁" prepended to the segment
        while true {
            while p < end {
                let width = Self.spaceWidth(bytes, p, end)
                if width == 0 { break }
                leading += 1
                p += width
            }
            let restStart = p
            while p < end && Self.spaceWidth(bytes, p, end) == 0 { p += Self.scalarLength(bytes[p]) }
            encodeWord(leading: leading, rest: UnsafeRawBufferPointer(rebasing: bytes[restStart ..< p]), cache, scratch)
            if p >= end { return }
            leading = 0
        }
    }

    /// Byte length of the "▁" scalar at `p` (a space, 1, or a literal U+2581, 3), else 0.
    @inline(__always)
    static func spaceWidth(_ bytes: UnsafeRawBufferPointer, _ p: Int, _ end: Int) -> Int {
        let lead = bytes[p]
        if lead == 0x20 { return 1 }
        return lead == 0xE2 && p + 2 < end && bytes[p + 1] == 0x96 && bytes[p + 2] == 0x81 ? 3 : 0
    }

    /// Byte length of the UTF-8 scalar whose lead byte is `lead` (the input is valid UTF-8).
    @inline(__always)
    static func scalarLength(_ lead: UInt8) -> Int { lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4 }

    /// Appends the ids of the word `leading` × "▁" + `rest` to `scratch`: from the cache, or
    /// merged on its own (and then cached).
    private func encodeWord(leading: Int, rest: UnsafeRawBufferPointer, _ cache: WordCache?, _ scratch: TokenizerScratch) {
        let hash = WordCache.hash(leading: leading, rest: rest)
        if let cache, let found = cache.lookup(hash: hash, leading: leading, rest: rest, into: scratch.ids + scratch.count) {
            scratch.count += found
            return
        }
        let symbols = scratch.symbols
        var count = 0
        for _ in 0 ..< leading { appendScalar(0x2581, bytes: nil, symbols, &count) }
        var p = 0
        while p < rest.count {
            let lead = rest[p]
            let length = Self.scalarLength(lead)
            var scalar = UInt32(lead) & (length == 1 ? 0x7F : length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
            for i in 1 ..< max(length, 1) { scalar = scalar << 6 | (UInt32(rest[p + i]) & 0x3F) }
            appendScalar(scalar, bytes: UnsafeRawBufferPointer(rebasing: rest[p ..< p + length]), symbols, &count)
            p += length
        }
        mergeAll(count, scratch)
        let first = scratch.count
        var index: Int32 = 0
        while index >= 0 {
            scratch.ids[scratch.count] = symbols[Int(index)]
            scratch.count += 1
            index = scratch.next[Int(index)]
        }
        cache?.insert(hash: hash, leading: leading, rest: rest, ids: scratch.ids + first, count: scratch.count - first)
    }

    /// Whether no merge joins a left token not ending in "▁" to a right token starting with
    /// "▁", and "▁" has its own token: then a segment can be merged word by word.
    static func mergesStayInWords(_ vocabulary: TokenIndex, merges: [(left: UInt32, right: UInt32)], hasSpaceToken: Bool) -> Bool {
        guard hasSpaceToken else { return false }
        // Per token, bit 0: starts with "▁" (E2 96 81), bit 1: ends with it. Flags per token, not
        // string tests per merge, keep this to a fraction of a millisecond at model load.
        var edges = [UInt8](repeating: 0, count: vocabulary.count)
        vocabulary.forEachToken { id, u in
            let n = u.count
            guard n >= 3 else { return }
            let starts = u[0] == 0xE2 && u[1] == 0x96 && u[2] == 0x81
            let ends = u[n - 3] == 0xE2 && u[n - 2] == 0x96 && u[n - 1] == 0x81
            edges[id] = (starts ? 1 : 0) | (ends ? 2 : 0)
        }
        for merge in merges where edges[Int(merge.right)] & 1 != 0 && edges[Int(merge.left)] & 2 == 0 { return false }
        return true
    }
}

/// A fixed-size cache from words to their token ids, owned by one `TokenizerScratch`: 8192
/// slots of 64 bytes (one cache line each), two-way set associative, never resized, so a
/// lookup or an insert never allocates. A word too long for a slot is simply not cached.
final class WordCache {
    /// 4096 sets of 2 slots hold the ~3000 distinct words of CLINC150's test set with few
    /// evictions in 512 KB (Hugging Face caches up to 10,000 words).
    static let setCount = 4096
    /// Slot layout: tag (UInt64, 0 = empty), leading "▁" count, rest length, id count (UInt8
    /// each), then the rest's bytes and, from `idsOffset`, the ids.
    static let slotBytes = 64
    static let restOffset = 11, maxRestBytes = 21
    static let idsOffset = 32, maxIDs = 8
    private let slots: UnsafeMutableRawPointer
    /// The identity of the tokenizer whose ids the slots hold.
    private(set) var owner: UInt64

    init(owner: UInt64) {
        self.owner = owner
        slots = UnsafeMutableRawPointer.allocate(byteCount: Self.byteCount, alignment: Self.slotBytes)
        slots.initializeMemory(as: UInt8.self, repeating: 0, count: Self.byteCount)
    }

    static var byteCount: Int { setCount * 2 * slotBytes }

    /// Empties every slot and hands the cache to tokenizer `owner`.
    func clear(owner: UInt64) {
        self.owner = owner
        slots.initializeMemory(as: UInt8.self, repeating: 0, count: Self.byteCount)
    }

    deinit { slots.deallocate() }

    /// FNV-1a over the leading count and the rest's bytes; never 0 (0 marks an empty slot).
    @inline(__always)
    static func hash(leading: Int, rest: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325 ^ UInt64(truncatingIfNeeded: leading)
        h = h &* 0x0000_0100_0000_01B3
        for byte in rest { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return (h ^ (h >> 31)) | 1
    }

    @inline(__always)
    private func set(_ hash: UInt64) -> UnsafeMutableRawPointer {
        slots + (Int(truncatingIfNeeded: hash >> 40) & (Self.setCount - 1)) &* (2 * Self.slotBytes)
    }

    @inline(__always)
    private func matches(_ slot: UnsafeMutableRawPointer, _ hash: UInt64, _ leading: Int, _ rest: UnsafeRawBufferPointer) -> Bool {
        guard slot.load(as: UInt64.self) == hash, Int(slot.load(fromByteOffset: 8, as: UInt8.self)) == leading,
              Int(slot.load(fromByteOffset: 9, as: UInt8.self)) == rest.count else { return false }
        let stored = slot + Self.restOffset
        for i in 0 ..< rest.count where stored.load(fromByteOffset: i, as: UInt8.self) != rest[i] { return false }
        return true
    }

    /// Copies the cached ids of the word to `ids` and returns their count, or nil.
    @inline(__always)
    func lookup(hash: UInt64, leading: Int, rest: UnsafeRawBufferPointer, into ids: UnsafeMutablePointer<UInt32>) -> Int? {
        guard leading <= 255, rest.count <= Self.maxRestBytes else { return nil }
        let set = set(hash)
        for way in 0 ..< 2 {
            let slot = set + way &* Self.slotBytes
            guard matches(slot, hash, leading, rest) else { continue }
            let count = Int(slot.load(fromByteOffset: 10, as: UInt8.self))
            ids.update(from: (slot + Self.idsOffset).assumingMemoryBound(to: UInt32.self), count: count)
            return count
        }
        return nil
    }

    /// Caches the word's ids when they fit, in an empty slot of its set or else in place of
    /// one chosen by the hash.
    func insert(hash: UInt64, leading: Int, rest: UnsafeRawBufferPointer, ids: UnsafePointer<UInt32>, count: Int) {
        guard leading <= 255, rest.count <= Self.maxRestBytes, count <= Self.maxIDs else { return }
        let set = set(hash)
        var slot = set
        if slot.load(as: UInt64.self) != 0 {
            let other = set + Self.slotBytes
            slot = other.load(as: UInt64.self) == 0 || hash & 2 != 0 ? other : set
        }
        slot.storeBytes(of: hash, as: UInt64.self)
        slot.storeBytes(of: UInt8(leading), toByteOffset: 8, as: UInt8.self)
        slot.storeBytes(of: UInt8(rest.count), toByteOffset: 9, as: UInt8.self)
        slot.storeBytes(of: UInt8(count), toByteOffset: 10, as: UInt8.self)
        if let base = rest.baseAddress { (slot + Self.restOffset).copyMemory(from: base, byteCount: rest.count) }
        (slot + Self.idsOffset).assumingMemoryBound(to: UInt32.self).update(from: ids, count: count)
    }
}
