/// Token text → id over one contiguous copy of every token's UTF-8 bytes, with an
/// open-addressing table of ids keyed by the FNV-1a hash of those bytes and confirmed byte for
/// byte. Bytes, not `String` equality: tokens that differ only in Unicode normalization are
/// distinct.
///
/// It exists to build a `BPETokenizer` quickly: a model load checks every merge's
/// concatenation against the vocabulary (61,249 merges for Llama-2). Flat arrays instead of a
/// `Dictionary` and a `Set` took that check from most of a 50 ms load to a few milliseconds.
struct TokenIndex {
    /// Every token's bytes, concatenated in id order.
    private let bytes: [UInt8]
    /// Token `id`'s bytes are `bytes[starts[id] ..< starts[id + 1]]`.
    private let starts: [Int]
    /// `id + 1` per slot; 0 marks an empty slot.
    private let slots: [UInt32]
    private let mask: Int

    /// Indexes `tokens` (index = id). Throws on an empty or a duplicate token.
    /// - Complexity: O(total bytes) expected.
    init(_ tokens: [String]) throws(BPETokenizer.BuildError) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(tokens.count * 8)
        var starts = [0]
        starts.reserveCapacity(tokens.count + 1)
        for (index, token) in tokens.enumerated() {
            if token.isEmpty { throw .badVocabulary("token \(index) is empty") }
            bytes.append(contentsOf: token.utf8)
            starts.append(bytes.count)
        }
        var capacity = 16
        while capacity < 2 * tokens.count { capacity *= 2 }
        var slots = [UInt32](repeating: 0, count: capacity)
        let mask = capacity - 1
        try bytes.withUnsafeBufferPointer { (all) throws(BPETokenizer.BuildError) in
            for id in 0 ..< tokens.count {
                let token = UnsafeBufferPointer(rebasing: all[starts[id] ..< starts[id + 1]])
                var slot = Self.slot(Self.hash(token, UnsafeBufferPointer(start: nil, count: 0)), mask)
                while slots[slot] != 0 {
                    let other = Int(slots[slot] - 1)
                    if Self.equal(UnsafeBufferPointer(rebasing: all[starts[other] ..< starts[other + 1]]), token, .init(start: nil, count: 0)) {
                        throw .badVocabulary("duplicate token \"\(tokens[id])\"")
                    }
                    slot = (slot + 1) & mask
                }
                slots[slot] = UInt32(id + 1)
            }
        }
        self.bytes = bytes
        self.starts = starts
        self.slots = slots
        self.mask = mask
    }

    /// XXH64 of every token's bytes and where each starts: equal for equal vocabularies.
    var fingerprint: UInt64 {
        let seed = starts.withUnsafeBytes { XXH64.hash($0) }
        return bytes.withUnsafeBytes { XXH64.hash($0, seed: seed) }
    }

    /// The id of the token whose bytes are token `left`'s then token `right`'s, or nil.
    /// Both ids must be in range.
    func id(joining left: Int, _ right: Int) -> UInt32? {
        bytes.withUnsafeBufferPointer { all in
            find(UnsafeBufferPointer(rebasing: all[starts[left] ..< starts[left + 1]]),
                 UnsafeBufferPointer(rebasing: all[starts[right] ..< starts[right + 1]]), in: all)
        }
    }

    /// The id of the token spelled `text`, or nil.
    func id(of text: String) -> UInt32? {
        let query = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { all in
            query.withUnsafeBufferPointer { find($0, UnsafeBufferPointer(start: nil, count: 0), in: all) }
        }
    }

    private func find(_ head: UnsafeBufferPointer<UInt8>, _ tail: UnsafeBufferPointer<UInt8>,
                      in all: UnsafeBufferPointer<UInt8>) -> UInt32? {
        var slot = Self.slot(Self.hash(head, tail), mask)
        while slots[slot] != 0 {
            let id = Int(slots[slot] - 1)
            if Self.equal(UnsafeBufferPointer(rebasing: all[starts[id] ..< starts[id + 1]]), head, tail) { return UInt32(id) }
            slot = (slot + 1) & mask
        }
        return nil
    }

    @inline(__always)
    private static func hash(_ head: UnsafeBufferPointer<UInt8>, _ tail: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h = FNV1a.offsetBasis
        for byte in head { h = FNV1a.step(h, byte) }
        for byte in tail { h = FNV1a.step(h, byte) }
        return h
    }

    @inline(__always)
    private static func slot(_ hash: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (hash &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    /// Whether `token` is `head` followed by `tail`.
    @inline(__always)
    private static func equal(_ token: UnsafeBufferPointer<UInt8>, _ head: UnsafeBufferPointer<UInt8>,
                              _ tail: UnsafeBufferPointer<UInt8>) -> Bool {
        guard token.count == head.count + tail.count else { return false }
        for i in 0 ..< head.count where token[i] != head[i] { return false }
        for i in 0 ..< tail.count where token[head.count + i] != tail[i] { return false }
        return true
    }
}
