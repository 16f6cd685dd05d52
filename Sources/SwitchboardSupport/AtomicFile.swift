#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An output file that readers see either as it was or complete, never partial.
///
/// For a regular file or a new path, the bytes go to a temporary file beside the destination
/// (`.NAME.tmp-PID-RANDOM`, created with `O_EXCL`), which `commit()` flushes with `fsync`,
/// renames over the destination and makes durable with an `fsync` of the directory. A failure or
/// `discard()` removes the temporary file and leaves the destination untouched. The new file gets
/// the old file's permission bits, or those of any new file (0666 less the umask).
///
/// A destination that exists but is not a regular file (a character device such as `/dev/null`
/// or `/dev/full`, a named pipe, a socket) cannot be replaced without destroying it: it is opened
/// and written in place, and write errors are reported (`/dev/full`: "No space left on device").
/// A symbolic link is followed: the file it points to is replaced and the link stays a link.
///
/// While a temporary file exists its path is also kept in preallocated memory, so a signal
/// handler can remove it with `removeTemporaryFilesForSignal()` (async-signal-safe).
package final class AtomicFile {
    /// The destination as given.
    package let path: String
    /// The file actually written: `path` with symbolic links followed.
    package let target: String
    /// The temporary file, or nil when the destination is written in place.
    package let temporaryPath: String?
    private var fd: Int32
    private var slot: Int?

    /// Opens the temporary file (or the special file in place).
    /// - Throws: `IOError` naming the path and the reason ("No such file or directory", "Is a directory").
    package init(path: String) throws(IOError) {
        self.path = path
        target = try Self.followLinks(path)
        let (directory, name) = Self.split(target)
        guard !name.isEmpty, name != ".", name != ".." else {
            throw IOError("write", path: path, code: EISDIR)
        }
        var info = stat()
        let exists = lstat(target, &info) == 0
        if exists && (info.st_mode & S_IFMT) == S_IFDIR { throw IOError("write", path: path, code: EISDIR) }
        if exists && (info.st_mode & S_IFMT) != S_IFREG {
            temporaryPath = nil
            fd = try SystemCalls.open(target, O_WRONLY | O_CLOEXEC, operation: "open")
            return
        }
        let suffix = String(UInt64.random(in: 0 ... .max), radix: 16)
        let temporary = "\(directory).\(name).tmp-\(getpid())-\(suffix)"
        slot = PendingTemporaryFiles.register(temporary)
        do {
            fd = try SystemCalls.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode: 0o666,
                                      operation: "create a temporary file in")
        } catch {
            PendingTemporaryFiles.release(slot)
            let place = directory.isEmpty ? "." : String(directory.dropLast())
            throw IOError("create a temporary file in", path: place, code: error.code)
        }
        temporaryPath = temporary
        if exists { _ = fchmod(fd, info.st_mode & 0o7777) }
    }

    deinit { discard() }

    /// Appends `bytes`.
    package func write(_ bytes: UnsafeRawBufferPointer) throws(IOError) {
        try SystemCalls.writeAll(fd, bytes, path: path)
    }

    /// Appends `bytes`.
    package func write(_ bytes: [UInt8]) throws(IOError) {
        var failure: IOError?
        bytes.withUnsafeBytes { b in
            do throws(IOError) { try write(b) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Makes the written bytes the destination's contents. On failure the destination is
    /// unchanged (for a regular file) and the temporary file is gone.
    package func commit() throws(IOError) {
        guard fd >= 0 else { return }
        let descriptor = fd
        fd = -1
        guard let temporary = temporaryPath else {
            try SystemCalls.close(descriptor, path: path)
            return
        }
        defer { PendingTemporaryFiles.release(slot); slot = nil }
        do throws(IOError) {
            if fsync(descriptor) != 0 { throw IOError("fsync", path: path, code: errno) }
            try SystemCalls.close(descriptor, path: path)
            if rename(temporary, target) != 0 { throw IOError("rename", path: path, code: errno) }
        } catch {
            _ = unlink(temporary)
            throw error
        }
        // Make the rename itself durable. Best effort: some file systems refuse to fsync a
        // directory, and the destination already holds the complete new file either way.
        let (directory, _) = Self.split(target)
        if let dirFD = try? SystemCalls.open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC) {
            _ = fsync(dirFD)
            _ = try? SystemCalls.close(dirFD, path: directory)
        }
    }

    /// Abandons the output: closes it and removes the temporary file. Idempotent.
    package func discard() {
        guard fd >= 0 else { return }
        _ = try? SystemCalls.close(fd, path: path)
        fd = -1
        if let temporaryPath { _ = unlink(temporaryPath) }
        PendingTemporaryFiles.release(slot)
        slot = nil
    }

    /// Writes `bytes` to `path` atomically in one call.
    package static func write(_ bytes: [UInt8], to path: String) throws(IOError) {
        let file = try AtomicFile(path: path)
        try file.write(bytes)
        try file.commit()
    }

    /// Removes every temporary file that exists right now. Async-signal-safe: it reads
    /// preallocated memory and calls only `unlink(2)`, for a SIGINT/SIGTERM handler.
    package static func removeTemporaryFilesForSignal() {
        PendingTemporaryFiles.unlinkAll()
    }

    /// (directory with its trailing slash, or "", last component).
    static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        return (String(path[...slash]), String(path[path.index(after: slash)...]))
    }

    /// `path` with symbolic links in its last component followed (at most 32, then ELOOP).
    static func followLinks(_ path: String) throws(IOError) -> String {
        var current = path
        for _ in 0..<32 {
            var info = stat()
            guard lstat(current, &info) == 0, (info.st_mode & S_IFMT) == S_IFLNK else { return current }
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(current, &buffer, Int(PATH_MAX))
            guard n > 0 else { throw IOError("follow the link", path: path, code: errno) }
            let link = String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            current = link.hasPrefix("/") ? link : split(current).directory + link
        }
        throw IOError("write", path: path, code: ELOOP)
    }
}

/// Preallocated, never-freed storage for the paths of temporary files that exist, so a signal
/// handler can remove them without allocating or taking a lock.
private enum PendingTemporaryFiles {
    /// Enough for the outputs one process writes at once; beyond that, a file is still written
    /// atomically but an interrupt may leave its temporary file behind.
    static let slots = 8
    static let capacity = Int(PATH_MAX)
    nonisolated(unsafe) static let paths = UnsafeMutablePointer<CChar>.allocate(capacity: slots * capacity)
    nonisolated(unsafe) static let inUse: UnsafeMutablePointer<sig_atomic_t> = {
        let p = UnsafeMutablePointer<sig_atomic_t>.allocate(capacity: slots)
        p.initialize(repeating: 0, count: slots)
        return p
    }()
    nonisolated(unsafe) static let lock: UnsafeMutablePointer<pthread_mutex_t> = {
        let p = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(p, nil)
        return p
    }()

    static func register(_ path: String) -> Int? {
        let bytes = Array(path.utf8)
        guard bytes.count < capacity, !bytes.contains(0) else { return nil }
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        guard let slot = (0..<slots).first(where: { inUse[$0] == 0 }) else { return nil }
        let base = paths + slot * capacity
        bytes.withUnsafeBufferPointer { source in
            base.withMemoryRebound(to: UInt8.self, capacity: capacity) { $0.update(from: source.baseAddress!, count: bytes.count) }
        }
        base[bytes.count] = 0
        inUse[slot] = 1  // set only once the path is complete
        return slot
    }

    static func release(_ slot: Int?) {
        guard let slot else { return }
        pthread_mutex_lock(lock)
        inUse[slot] = 0
        pthread_mutex_unlock(lock)
    }

    static func unlinkAll() {
        for slot in 0..<slots where inUse[slot] != 0 { _ = unlink(paths + slot * capacity) }
    }
}
