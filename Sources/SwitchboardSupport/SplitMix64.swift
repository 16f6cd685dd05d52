/// SplitMix64 (Steele, Lea, Flood 2014): a tiny, well-tested generator whose output is fixed
/// by the seed on every platform, unlike the system generator.
package struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    package init(seed: UInt64) { state = seed }
    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Fisher–Yates with a bias-free bounded draw, so the order is the same everywhere
    /// (the standard library's `shuffle` algorithm is not a documented contract).
    package mutating func shuffle<T>(_ a: inout [T]) {
        guard a.count > 1 else { return }
        for i in stride(from: a.count - 1, to: 0, by: -1) {
            let j = Int(bounded(UInt64(i + 1)))
            a.swapAt(i, j)
        }
    }

    /// Lemire's multiply-shift bounded integer with rejection.
    mutating func bounded(_ n: UInt64) -> UInt64 {
        while true {
            let (hi, lo) = next().multipliedFullWidth(by: n)
            if lo >= n || lo >= (0 &- n) % n { return hi }
        }
    }
}
