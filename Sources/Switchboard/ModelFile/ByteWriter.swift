/// Appends little-endian fixed-width values to a growing byte array.
///
/// Used only by the encoder, on values it has already validated, so out-of-range patches are
/// programming errors and trap.
@usableFromInline
struct ByteWriter {
    /// Everything written so far.
    @usableFromInline var bytes: [UInt8]

    /// Starts empty with room for `capacity` bytes, so writing a model of known size never reallocates.
    @inlinable
    init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Number of bytes written so far.
    @inlinable var count: Int { bytes.count }

    /// Appends `value` in little-endian byte order.
    @inlinable
    mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Appends raw bytes unchanged.
    @inlinable
    mutating func append(bytes other: some Sequence<UInt8>) {
        bytes.append(contentsOf: other)
    }

    /// Appends IEEE-754 single-precision floats, each as its little-endian bit pattern.
    @inlinable
    mutating func append(floats: [Float]) {
        #if _endian(little)
        floats.withUnsafeBytes { bytes.append(contentsOf: $0) }
        #else
        for value in floats { append(value.bitPattern) }
        #endif
    }

    /// Appends zero bytes until `count` is a multiple of `alignment` (a power of two).
    @inlinable
    mutating func pad(toMultipleOf alignment: Int) {
        let padded = (count + alignment - 1) & ~(alignment - 1)
        bytes.append(contentsOf: repeatElement(0, count: padded - count))
    }
}
