/// A growable buffer of trivial values that is reused across queries: `removeAll` keeps the
/// storage, so a steady stream of queries allocates nothing once the buffer has grown.
/// A plain pointer handle (no CoW, no uniqueness checks): its owner (`FeatureScratch`) copies it
/// into a local for a hot loop, writes it back, and calls `free()` exactly once.
@usableFromInline
struct ScratchBuffer<Element: BitwiseCopyable> {
    @usableFromInline var base: UnsafeMutablePointer<Element>
    @usableFromInline var count = 0
    @usableFromInline var capacity: Int

    @inlinable init(capacity: Int) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    @usableFromInline func free() { base.deallocate() }

    @inlinable @inline(__always)
    mutating func append(_ value: Element) {
        if count == capacity { grow(to: capacity * 2) }
        base[count] = value
        count += 1
    }

    @inlinable
    mutating func grow(to newCapacity: Int) {
        let fresh = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
        fresh.update(from: base, count: count)
        base.deallocate()
        base = fresh
        capacity = newCapacity
    }

    @inlinable @inline(__always)
    mutating func removeAll() { count = 0 }

    @inlinable @inline(__always)
    subscript(i: Int) -> Element {
        get { base[i] }
        nonmutating set { base[i] = newValue }
    }

    @inlinable var buffer: UnsafeBufferPointer<Element> { UnsafeBufferPointer(start: base, count: count) }
}
