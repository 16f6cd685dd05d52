/// Reusable working memory for `BPETokenizer.encode(_:into:)`: one per thread.
///
/// Buffers grow to the longest text seen so far and are then reused, so encoding allocates
/// nothing in steady state. Not thread-safe; a scratch must not be shared between threads.
public final class TokenizerScratch {
    /// Token ids of the last encoded text (the first `count`).
    private(set) var ids: UnsafeMutablePointer<UInt32>
    /// Symbols of the segment being merged; `UInt32.max` marks a symbol merged away.
    private(set) var symbols: UnsafeMutablePointer<UInt32>
    private(set) var previous: UnsafeMutablePointer<Int32>
    private(set) var next: UnsafeMutablePointer<Int32>
    /// A binary min-heap of `rank << 32 | position` merge candidates.
    private(set) var heap: UnsafeMutablePointer<UInt64>
    private(set) var capacity = 0
    /// The words merged so far and their ids, made on the second `encode` (a scratch used for
    /// one text never pays for it); nil until then.
    private var wordCache: WordCache?
    private var encodes = 0
    /// How many ids the last `encode` produced.
    public internal(set) var count = 0

    /// Creates an empty scratch; the first `encode` sizes it.
    public init() {
        ids = .allocate(capacity: 1)
        symbols = .allocate(capacity: 1)
        previous = .allocate(capacity: 1)
        next = .allocate(capacity: 1)
        heap = .allocate(capacity: 3)
        capacity = 1
    }

    deinit {
        ids.deallocate(); symbols.deallocate(); previous.deallocate(); next.deallocate(); heap.deallocate()
    }

    /// The ids of the last encoded text; valid until the next `encode` with this scratch.
    public var tokenIDs: UnsafeBufferPointer<UInt32> { UnsafeBufferPointer(start: ids, count: count) }

    /// Counts an `encode` call and makes the word cache on the second one.
    @inline(__always)
    func startEncode() {
        guard wordCache == nil else { return }
        encodes += 1
        if encodes >= 2 { wordCache = WordCache(owner: 0) }
    }

    /// The word cache for the tokenizer with `identity` (emptied first when another tokenizer
    /// filled it), or nil before the second `encode`.
    @inline(__always)
    func wordCache(for identity: UInt64) -> WordCache? {
        guard let cache = wordCache else { return nil }
        if cache.owner != identity { cache.clear(owner: identity) }
        return cache
    }

    /// Makes room for `needed` symbols (heap: 3 per symbol, enough for every merge candidate).
    func reserve(_ needed: Int) {
        guard needed > capacity else { return }
        let size = max(needed, capacity * 2)
        ids.deallocate(); symbols.deallocate(); previous.deallocate(); next.deallocate(); heap.deallocate()
        ids = .allocate(capacity: size)
        symbols = .allocate(capacity: size)
        previous = .allocate(capacity: size)
        next = .allocate(capacity: size)
        heap = .allocate(capacity: size * 3)
        capacity = size
    }
}
