/// A vocabulary as one contiguous copy of every token's UTF-8 bytes, with an open-addressing
/// table of ids keyed by the FNV-1a hash of those bytes and confirmed byte for byte. Bytes, not
/// `String` equality: tokens that differ only in Unicode normalization are distinct.
///
/// It is how a `BPETokenizer` holds its tokens, and it exists to build one quickly: a model load
/// checks every merge's concatenation against the vocabulary (61,249 merges for Llama-2). Flat
/// arrays instead of a `Dictionary` and a `Set` took that check from most of a 50 ms load to a
/// few milliseconds; building from the file's bytes instead of 32,000 `String`s saved a few more.
struct TokenIndex: Sendable {
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
        for token in tokens {
            bytes.append(contentsOf: token.utf8)
            starts.append(bytes.count)
        }
        try self.init(bytes: bytes, starts: starts)
    }

    /// Indexes the tokens whose valid UTF-8 bytes are `bytes[starts[id] ..< starts[id + 1]]`;
    /// `starts` must begin at 0, never decrease and end at `bytes.count`. Throws on an empty or
    /// a duplicate token.
    /// - Complexity: O(total bytes) expected.
    init(bytes: [UInt8], starts: [Int]) throws(BPETokenizer.BuildError) {
        precondition(starts.first == 0 && starts.last == bytes.count, "TokenIndex: starts must span the bytes")
        let count = starts.count - 1
        var capacity = 16
        while capacity < 2 * count { capacity *= 2 }
        var slots = [UInt32](repeating: 0, count: capacity)
        let mask = capacity - 1
        for id in 0 ..< count where starts[id + 1] == starts[id] { throw .badVocabulary("token \(id) is empty") }
        try bytes.withUnsafeBufferPointer { (all) throws(BPETokenizer.BuildError) in
            for id in 0 ..< count {
                let token = UnsafeBufferPointer(rebasing: all[starts[id] ..< starts[id + 1]])
                var slot = Self.slot(Self.hash(token, UnsafeBufferPointer(start: nil, count: 0)), mask)
                while slots[slot] != 0 {
                    let other = Int(slots[slot] - 1)
                    if Self.equal(UnsafeBufferPointer(rebasing: all[starts[other] ..< starts[other + 1]]), token, .init(start: nil, count: 0)) {
                        throw .badVocabulary("duplicate token \"\(String(decoding: token, as: UTF8.self))\"")
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

    /// The number of tokens.
    var count: Int { starts.count - 1 }
    /// The UTF-8 bytes of all the tokens together.
    var byteCount: Int { bytes.count }

    /// Token `id`'s text. `id` must be in range.
    func token(_ id: Int) -> String {
        bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[starts[id] ..< starts[id + 1]]), as: UTF8.self) }
    }

    /// Every token's text, indexed by id.
    /// - Complexity: O(total bytes), allocating one `String` per token longer than 15 bytes.
    var tokens: [String] { (0 ..< count).map(token) }

    /// Calls `body` with each id and its token's bytes, in id order.
    func forEachToken(_ body: (Int, UnsafeBufferPointer<UInt8>) -> Void) {
        bytes.withUnsafeBufferPointer { all in
            for id in 0 ..< count { body(id, UnsafeBufferPointer(rebasing: all[starts[id] ..< starts[id + 1]])) }
        }
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

    /// Whether token `id`'s bytes are token `left`'s then token `right`'s. All ids must be in range.
    func isToken(_ id: Int, joining left: Int, _ right: Int) -> Bool {
        bytes.withUnsafeBufferPointer { all in
            Self.equal(UnsafeBufferPointer(rebasing: all[starts[id] ..< starts[id + 1]]),
                       UnsafeBufferPointer(rebasing: all[starts[left] ..< starts[left + 1]]),
                       UnsafeBufferPointer(rebasing: all[starts[right] ..< starts[right + 1]]))
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
