/// An immutable open-addressing hash table from UInt64 keys to UInt64 values, built once.
///
/// Lookups read two flat arrays and never allocate. `UInt64.max` is reserved as the empty
/// marker and cannot be a key.
struct IdHashTable: Sendable {
    private let keys: [UInt64]
    private let values: [UInt64]
    private let mask: Int

    /// Builds the table; a key given twice keeps its first value (callers reject duplicates first).
    init(_ pairs: [(key: UInt64, value: UInt64)]) {
        var capacity = 16
        while capacity < pairs.count * 2 { capacity *= 2 }
        var keys = [UInt64](repeating: .max, count: capacity)
        var values = [UInt64](repeating: 0, count: capacity)
        let mask = capacity - 1
        for (key, value) in pairs {
            precondition(key != .max, "IdHashTable: reserved key")
            var slot = Self.slot(key, mask)
            while keys[slot] != .max && keys[slot] != key { slot = (slot + 1) & mask }
            if keys[slot] == .max {
                keys[slot] = key
                values[slot] = value
            }
        }
        self.keys = keys
        self.values = values
        self.mask = mask
    }

    @inline(__always)
    static func slot(_ key: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 29) & mask
    }

    /// The value stored for `key`, or nil.
    @inline(__always)
    func value(for key: UInt64) -> UInt64? {
        var slot = Self.slot(key, mask)
        while true {
            let found = keys[slot]
            if found == key { return values[slot] }
            if found == .max { return nil }
            slot = (slot + 1) & mask
        }
    }
}
