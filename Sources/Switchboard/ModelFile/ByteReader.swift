/// A bounds-checked little-endian reader over borrowed raw bytes.
///
/// Every read checks its range first and throws `ByteReader.OutOfBounds` instead of trapping,
/// so it is safe on file-controlled offsets. The checks are written so they cannot overflow:
/// `position` is compared against `count` before anything is added to it.
///
/// The reader does not own its bytes; it must not outlive the buffer it was made from.
@usableFromInline
struct ByteReader {
    /// Thrown when a read would go past either end of the buffer.
    @usableFromInline
    struct OutOfBounds: Error, Equatable {
        @usableFromInline let position: Int
        @usableFromInline let size: Int
        @inlinable init(position: Int, size: Int) { self.position = position; self.size = size }
    }

    @usableFromInline let bytes: UnsafeRawBufferPointer
    /// The position of the next sequential read; always in `0...bytes.count`.
    @usableFromInline var offset: Int

    @inlinable
    init(_ bytes: UnsafeRawBufferPointer, offset: Int = 0) {
        self.bytes = bytes
        self.offset = min(max(offset, 0), bytes.count)
    }

    /// Bytes left after `offset`.
    @inlinable var remaining: Int { bytes.count - offset }

    /// True when `size` bytes starting at `position` lie inside the buffer (overflow-safe).
    @inlinable
    func contains(position: Int, size: Int) -> Bool {
        position >= 0 && size >= 0 && position <= bytes.count && size <= bytes.count - position
    }

    /// Reads a little-endian integer at an absolute position without moving `offset`.
    @inlinable
    func load<T: FixedWidthInteger>(_: T.Type, at position: Int) throws(OutOfBounds) -> T {
        let size = MemoryLayout<T>.size
        guard contains(position: position, size: size) else { throw OutOfBounds(position: position, size: size) }
        return T(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: T.self))
    }

    /// The bytes in `position ..< position + size`, without copying.
    @inlinable
    func slice(at position: Int, size: Int) throws(OutOfBounds) -> UnsafeRawBufferPointer {
        guard contains(position: position, size: size) else { throw OutOfBounds(position: position, size: size) }
        return UnsafeRawBufferPointer(rebasing: bytes[position ..< position + size])
    }

    /// Reads a little-endian integer at `offset` and advances past it.
    @inlinable
    mutating func read<T: FixedWidthInteger>(_ type: T.Type) throws(OutOfBounds) -> T {
        let value = try load(type, at: offset)
        offset += MemoryLayout<T>.size
        return value
    }

    /// Returns the next `size` bytes (without copying) and advances past them.
    @inlinable
    mutating func readBytes(_ size: Int) throws(OutOfBounds) -> UnsafeRawBufferPointer {
        let result = try slice(at: offset, size: size)
        offset += size
        return result
    }
}
