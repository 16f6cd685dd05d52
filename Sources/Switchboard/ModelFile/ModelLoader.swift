import SwitchboardSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ModelFile {
    /// Memory-maps the model file at `path` (read-only, `MAP_PRIVATE`) and validates all of it
    /// (header, checksum, every count and offset, labels, feature configuration) before returning.
    /// The weights are then used in place in the mapping. Throws `ModelFileError`.
    ///
    /// Replace model files with `ModelFile.write` (which renames a new file into place): a file
    /// that is truncated in place while it is mapped can crash the reading process (SIGBUS).
    public static func load(path: String) throws(ModelFileError) -> ModelStorage {
        func unreadable(_ reason: String) -> ModelFileError { .unreadable(path: path, reason: reason) }
        // O_NONBLOCK so that opening a FIFO cannot hang; non-regular files are refused below.
        let fd: Int32
        do { fd = try SystemCalls.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK) } catch { throw unreadable(error.reason) }
        defer { _ = close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw unreadable(SystemCalls.errorText(errno)) }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw unreadable("is a directory") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw unreadable("not a regular file") }
        guard let size = Int(exactly: info.st_size), size > 0 else { throw .notAModelFile(path: path) }
        guard let mapping = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0),
              mapping != MAP_FAILED else {
            throw unreadable("mmap failed: \(SystemCalls.errorText(errno))")
        }
        let parsed: ParsedModel
        do throws(ModelFileError) {
            parsed = try parse(UnsafeRawBufferPointer(start: mapping, count: size), path: path)
        } catch {
            _ = munmap(mapping, size)
            throw error
        }
        #if _endian(big)
        let owned = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: ModelFileLayout.floatAlignment)
        owned.copyMemory(from: mapping, byteCount: size)
        _ = munmap(mapping, size)
        return ModelStorage(parsed, base: owned, byteCount: size, release: .deallocate, source: path)
        #else
        return ModelStorage(parsed, base: mapping, byteCount: size, release: .unmap, source: path)
        #endif
    }

    /// Validates `bytes` exactly as `load(path:)` validates a file, and loads them into an owned,
    /// 64-byte-aligned buffer. `source` names the bytes in errors and in `ModelStorage.source`.
    public static func decode(_ bytes: [UInt8], source: String = "<memory>") throws(ModelFileError) -> ModelStorage {
        // max(1, ...): never request a zero-byte allocation; empty input is rejected just below.
        let owned = UnsafeMutableRawPointer.allocate(byteCount: max(1, bytes.count), alignment: ModelFileLayout.floatAlignment)
        bytes.withUnsafeBytes { buffer in
            if let base = buffer.baseAddress { owned.copyMemory(from: base, byteCount: buffer.count) }
        }
        do throws(ModelFileError) {
            let parsed = try parse(UnsafeRawBufferPointer(start: owned, count: bytes.count), path: source)
            return ModelStorage(parsed, base: owned, byteCount: bytes.count, release: .deallocate, source: source)
        } catch {
            owned.deallocate()
            throw error
        }
    }
}
