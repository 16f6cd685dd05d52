/// The rows a query's scores sum, as one register-blocked kernel: for each chunk of output
/// lanes, the accumulators stay in SIMD registers while every sparse feature row and then every
/// dense row is added, and the chunk is stored once. The row-at-a-time loop it replaces loaded
/// and stored the whole score vector once per row.
///
/// Every lane still computes `out = out + scale × row` for the same rows in the same order
/// (sparse features in order, then dense dimensions in order), one multiply then one add, so
/// the sums are bit-identical to `RowKernels.addScaledRow` called row by row.
@usableFromInline package struct BlockedRowSum {
    /// Feature-major float rows, `stride` floats apart.
    @usableFromInline let rows: UnsafePointer<Float>
    /// The sparse features: row index and value of each, `count` of them.
    @usableFromInline let buckets: UnsafePointer<UInt32>
    @usableFromInline let values: UnsafePointer<Float>
    @usableFromInline let count: Int
    /// Dense rows (dimension-major, `stride` floats apart) and their scales, or nil.
    @usableFromInline let dense: UnsafePointer<Float>?
    @usableFromInline let pooled: UnsafePointer<Float>?
    @usableFromInline let dimensions: Int
    /// Floats per row: a multiple of 8, so every chunk is a whole number of SIMD8 lanes.
    @usableFromInline let stride: Int

    @inlinable
    package init(rows: UnsafePointer<Float>, buckets: UnsafePointer<UInt32>, values: UnsafePointer<Float>, count: Int,
                 dense: UnsafePointer<Float>?, pooled: UnsafePointer<Float>?, dimensions: Int, stride: Int) {
        precondition(stride % 8 == 0, "row stride must be a multiple of 8")
        self.rows = rows
        self.buckets = buckets
        self.values = values
        self.count = count
        self.dense = dense
        self.pooled = pooled
        self.dimensions = dense == nil || pooled == nil ? 0 : dimensions
        self.stride = stride
    }

    /// Adds every row, scaled, to `out[0..<stride]`.
    @inlinable
    package func add(into out: UnsafeMutablePointer<Float>) {
        // 32 lanes are 8 SSE registers of accumulators: the widest chunk that leaves registers
        // for the row being loaded and its splatted scale on the baseline (SSE2) target.
        prefetchSparseRows()
        var c = 0
        while c + 32 <= stride { chunk(Lanes32.self, at: c, out); c += 32 }
        if c + 16 <= stride { chunk(SIMD16<Float>.self, at: c, out); c += 16 }
        if c < stride { chunk(SIMD8<Float>.self, at: c, out) }
    }

    /// Asks for every line of every sparse row before the first chunk reads any. The rows are
    /// scattered over a matrix far larger than L2, so the sum waits on memory; a load blocks
    /// retirement until its line arrives, which caps the misses in flight at a few rows, while
    /// a prefetch retires at once. Into L2 (locality 2), not L1: a long query's rows (~90 ×
    /// 608 bytes) would not fit L1.
    @inlinable @inline(__always)
    func prefetchSparseRows() {
        let rowBytes = stride &* 4
        for j in 0 ..< count {
            let row = UnsafeRawPointer(rows + Int(buckets[j]) &* stride)
            var offset = 0
            while offset < rowBytes {
                llvmPrefetch(row + offset, 0, 2, 1)
                offset &+= 64
            }
            llvmPrefetch(row + (rowBytes &- 1), 0, 2, 1)  // a row need not start on a line
        }
    }

    @inlinable @inline(__always)
    func chunk<V: BlockLanes>(_: V.Type, at c: Int, _ out: UnsafeMutablePointer<Float>) {
        let target = UnsafeMutableRawPointer(out + c)
        var acc = target.loadUnaligned(as: V.self)
        let base = rows + c
        for j in 0 ..< count {
            acc = V.addScaled(acc, UnsafeRawPointer(base + Int(buckets[j]) &* stride), values[j])
        }
        if dimensions > 0, let dense, let pooled {
            var row = dense + c
            for d in 0 ..< dimensions {
                acc = V.addScaled(acc, UnsafeRawPointer(row), pooled[d])
                row += stride
            }
        }
        target.storeBytes(of: acc, as: V.self)
    }
}

/// A SIMD width the blocked kernel runs at. Each conformance spells `acc + row × scale` with
/// the concrete type's own operators: in a generic context the protocol's `*` and `+` would be
/// the lane-by-lane fallbacks.
@usableFromInline package protocol BlockLanes {
    /// `acc + load(row) × scale`, lane by lane: one multiply, then one add.
    static func addScaled(_ acc: Self, _ row: UnsafeRawPointer, _ scale: Float) -> Self
}

/// 32 lanes as two SIMD16 halves: `SIMD32<Float>`'s operators run lane by lane through memory
/// on this target, while SIMD16's compile to four SSE registers each.
@usableFromInline package struct Lanes32: BlockLanes {
    @usableFromInline var low: SIMD16<Float>
    @usableFromInline var high: SIMD16<Float>

    @inlinable @inline(__always)
    init(low: SIMD16<Float>, high: SIMD16<Float>) {
        self.low = low
        self.high = high
    }

    @inlinable @inline(__always)
    package static func addScaled(_ acc: Self, _ row: UnsafeRawPointer, _ scale: Float) -> Self {
        Lanes32(low: SIMD16.addScaled(acc.low, row, scale), high: SIMD16.addScaled(acc.high, row + 64, scale))
    }
}

extension SIMD16: BlockLanes where Scalar == Float {
    @inlinable @inline(__always)
    package static func addScaled(_ acc: Self, _ row: UnsafeRawPointer, _ scale: Float) -> Self {
        acc + row.loadUnaligned(as: Self.self) * Self(repeating: scale)
    }
}

extension SIMD8: BlockLanes where Scalar == Float {
    @inlinable @inline(__always)
    package static func addScaled(_ acc: Self, _ row: UnsafeRawPointer, _ scale: Float) -> Self {
        acc + row.loadUnaligned(as: Self.self) * Self(repeating: scale)
    }
}

/// LLVM's prefetch intrinsic (address, 0 = read, locality 0...3, 1 = data cache): a hint that
/// never faults and compiles to one `prefetcht1`/`prfm` instruction. The standard library has
/// no prefetch, and a C module would make the runtime no longer pure Swift.
@_silgen_name("llvm.prefetch.p0")
@usableFromInline func llvmPrefetch(_ address: UnsafeRawPointer, _ write: Int32, _ locality: Int32, _ cache: Int32)
