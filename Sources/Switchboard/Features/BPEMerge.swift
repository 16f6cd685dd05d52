extension BPETokenizer {
    /// The rank and result id of merging `left` then `right`, packed as `rank << 32 | id`.
    @inline(__always)
    func mergeEntry(_ left: UInt32, _ right: UInt32) -> UInt64? {
        mergeTableValue(UInt64(left) << 32 | UInt64(right))
    }

    /// Merges the first `count` symbols of `scratch` in place: repeatedly the adjacent pair of
    /// lowest rank (leftmost among equals), with a heap of candidates whose stale entries are
    /// skipped. Leaves `scratch.next` linking the surviving symbols from index 0.
    func mergeAll(_ count: Int, _ scratch: TokenizerScratch) {
        let symbols = scratch.symbols, previous = scratch.previous, next = scratch.next
        for i in 0 ..< count {
            previous[i] = Int32(i - 1)
            next[i] = i + 1 < count ? Int32(i + 1) : -1
        }
        var heap = MergeHeap(storage: scratch.heap)
        for i in 0 ..< max(count - 1, 0) {
            if let entry = mergeEntry(symbols[i], symbols[i + 1]) { heap.push((entry & 0xFFFF_FFFF_0000_0000) | UInt64(i)) }
        }
        while let top = heap.pop() {
            let position = Int(top & 0xFFFF_FFFF), rank = top >> 32
            let right = next[position]
            guard symbols[position] != .max, right >= 0,
                  let entry = mergeEntry(symbols[position], symbols[Int(right)]), entry >> 32 == rank else { continue }
            symbols[position] = UInt32(truncatingIfNeeded: entry)
            symbols[Int(right)] = .max
            let after = next[Int(right)]
            next[position] = after
            if after >= 0 { previous[Int(after)] = Int32(position) }
            let before = previous[position]
            if before >= 0, let e = mergeEntry(symbols[Int(before)], symbols[position]) {
                heap.push((e & 0xFFFF_FFFF_0000_0000) | UInt64(before))
            }
            if after >= 0, let e = mergeEntry(symbols[position], symbols[Int(after)]) {
                heap.push((e & 0xFFFF_FFFF_0000_0000) | UInt64(position))
            }
        }
    }
}

/// A binary min-heap of UInt64 over caller-owned storage (large enough for every push).
struct MergeHeap {
    let storage: UnsafeMutablePointer<UInt64>
    var count = 0

    @inline(__always)
    mutating func push(_ value: UInt64) {
        var i = count
        count += 1
        while i > 0 {
            let parent = (i - 1) >> 1
            if storage[parent] <= value { break }
            storage[i] = storage[parent]
            i = parent
        }
        storage[i] = value
    }

    @inline(__always)
    mutating func pop() -> UInt64? {
        guard count > 0 else { return nil }
        let top = storage[0]
        count -= 1
        let last = storage[count]
        var i = 0
        while true {
            var child = 2 * i + 1
            if child >= count { break }
            if child + 1 < count && storage[child + 1] < storage[child] { child += 1 }
            if last <= storage[child] { break }
            storage[i] = storage[child]
            i = child
        }
        storage[i] = last
        return top
    }
}
