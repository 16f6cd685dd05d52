#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ModelFile {
    /// Writes `contents` to `path` atomically.
    ///
    /// The bytes go to a new temporary file in the same directory (`.NAME.tmp-PID-RANDOM`),
    /// which is flushed with `fsync` and then renamed over `path`. Readers therefore see either
    /// the old file or the complete new one, never a partial file, and a model that is already
    /// memory-mapped keeps its old contents. The temporary file is removed on any failure.
    /// If `path` is a symbolic link, the link itself is replaced by the new file.
    /// Throws `ModelFileError.inconsistent` for invalid contents and `.writeFailed` otherwise.
    ///
    /// `temporaryPath` (default: `temporaryPath(for: path)`) names the temporary file. A caller
    /// that must remove it if the process is interrupted (a signal handler calling `unlink(2)`)
    /// chooses it first with `temporaryPath(for:)` and passes it here; the file exists only
    /// while this call runs, and never under that name once `path` has been replaced.
    public static func write(_ contents: ModelContents, to path: String,
                             temporaryPath: String? = nil) throws(ModelFileError) {
        let bytes: [UInt8]
        do {
            bytes = try encode(contents)
        } catch {
            if case .inconsistent(_, let reason) = error { throw .inconsistent(path: path, reason: reason) }
            throw error
        }
        try writeAtomically(bytes, to: path, temporaryPath: temporaryPath)
    }

    /// A fresh name for the temporary file of an atomic write to `path`: `.NAME.tmp-PID-RANDOM`
    /// in the same directory (so that `rename` stays within one file system).
    public static func temporaryPath(for path: String) -> String {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let suffix = String(UInt64.random(in: 0 ... .max), radix: 16)
        return "\(directory).\(name).tmp-\(getpid())-\(suffix)"
    }

    /// Writes `bytes` via a synced temporary file and `rename`.
    static func writeAtomically(_ bytes: [UInt8], to path: String, temporaryPath: String? = nil) throws(ModelFileError) {
        func failure(_ step: String, _ code: Int32) -> ModelFileError {
            .writeFailed(path: path, reason: "\(step): \(String(cString: strerror(code)))")
        }
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard !name.isEmpty, name != ".", name != ".." else {
            throw .writeFailed(path: path, reason: "the path names a directory, not a file")
        }
        let temporary = temporaryPath ?? Self.temporaryPath(for: path)
        // 0o644: owner read/write, everyone else read (further limited by the umask), as for
        // any ordinary data file. O_EXCL: never reuse or follow an existing file.
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let code = errno // read before anything else can change it
            throw failure("cannot create a temporary file in '\(directory.isEmpty ? "." : directory)'", code)
        }
        var descriptor: Int32? = fd
        defer {
            if let open = descriptor { _ = close(open) }
        }
        do throws(ModelFileError) {
            var written = 0
            while written < bytes.count {
                let result = bytes.withUnsafeBytes { buffer -> Int in
                    guard let base = buffer.baseAddress else { return 0 }
                    return systemWrite(fd, base + written, buffer.count - written)
                }
                if result < 0 {
                    if errno == EINTR { continue }
                    throw failure("write", errno)
                }
                if result == 0 { throw ModelFileError.writeFailed(path: path, reason: "write made no progress") }
                written += result
            }
            if fsync(fd) != 0 { throw failure("fsync", errno) }
            descriptor = nil
            if close(fd) != 0 { throw failure("close", errno) }
            if rename(temporary, path) != 0 { throw failure("rename", errno) }
        } catch {
            _ = unlink(temporary) // the deferred close still runs if the descriptor is open
            throw error
        }
        // Make the rename itself durable. Best effort: some file systems refuse to fsync a
        // directory, and the destination already holds the complete new file either way.
        let directoryFD = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            _ = fsync(directoryFD)
            _ = close(directoryFD)
        }
    }
}

/// `write(2)`, named so it does not clash with `ModelFile.write(_:to:)`.
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, buffer, count)
    #else
    return Darwin.write(fd, buffer, count)
    #endif
}
