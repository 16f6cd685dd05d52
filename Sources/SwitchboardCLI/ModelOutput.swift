import Switchboard

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writing a model file from the command line so that an interruption leaves nothing behind.
///
/// `ModelFile.write` already writes a temporary file beside the destination and renames it into
/// place, so the destination is never partial. What it cannot do on its own is remove that
/// temporary file when SIGINT or SIGTERM ends the process mid-write: here the temporary name is
/// chosen first and kept as a C string for a handler that calls only `unlink(2)` and `_exit(2)`
/// (both async-signal-safe), exiting with 128 + the signal (130, 143) like a shell. A signal
/// before the write (while loading data or training) keeps its default action: nothing has been
/// written yet. SIGKILL cannot be caught: it may leave a `.NAME.tmp-PID-RANDOM` file beside the
/// destination, which itself is still the old file.
enum ModelOutput {
    /// Writes `contents` to `path` atomically, removing the temporary file if SIGINT or SIGTERM
    /// arrives during the write. Throws `ModelFileError`.
    static func write(_ contents: ModelContents, to path: String) throws {
        let temporary = ModelFile.temporaryPath(for: path)
        let bytes = Array(temporary.utf8)
        // A longer path fails to open (ENAMETOOLONG) anyway: then there is nothing to remove.
        if bytes.count < pendingModelPathCapacity && !bytes.contains(0) {
            bytes.withUnsafeBufferPointer { source in
                pendingModelPath.withMemoryRebound(to: UInt8.self, capacity: pendingModelPathCapacity) { target in
                    target.update(from: source.baseAddress!, count: bytes.count)
                    target[bytes.count] = 0
                }
            }
            pendingModelPathIsSet = true
        }
        var previous: [(signal: Int32, handler: sighandler_t?)] = []
        for s in [SIGINT, SIGTERM] {
            let old = signal(s, removePendingModelAndExit)
            if old.map({ unsafeBitCast($0, to: Int.self) }) == unsafeBitCast(SIG_IGN, to: Int.self) {
                signal(s, old)  // ignored by whoever started us: leave it ignored
                continue
            }
            previous.append((s, old))
        }
        // A parent that spawned us from a thread blocking signals (libdispatch workers do) passes
        // its mask on: deliver the handled ones while the handler is in place.
        var unblock = sigset_t(), mask = sigset_t()
        sigemptyset(&unblock)
        for (s, _) in previous { sigaddset(&unblock, s) }
        pthread_sigmask(SIG_UNBLOCK, &unblock, &mask)
        defer {
            pthread_sigmask(SIG_SETMASK, &mask, nil)
            for (s, handler) in previous { signal(s, handler) }
            pendingModelPathIsSet = false
        }
        try ModelFile.write(contents, to: path, temporaryPath: temporary)
    }
}

/// Room for the temporary file's path, NUL-terminated: allocated once and never freed or moved,
/// so a handler running on another thread can never read freed memory.
private let pendingModelPathCapacity = Int(PATH_MAX)
nonisolated(unsafe) private let pendingModelPath = UnsafeMutablePointer<CChar>.allocate(capacity: Int(PATH_MAX))
/// Whether `pendingModelPath` names the temporary file of a write in progress. Set after the
/// path is stored and cleared before it can change.
nonisolated(unsafe) private var pendingModelPathIsSet = false

/// SIGINT / SIGTERM during a model write: remove the temporary file (if it exists yet, or still)
/// and exit with 128 + the signal.
private func removePendingModelAndExit(_ signal: Int32) {
    if pendingModelPathIsSet { unlink(pendingModelPath) }
    _exit(128 + signal)
}
