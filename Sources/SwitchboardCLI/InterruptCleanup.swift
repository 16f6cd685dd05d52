import SwitchboardSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SIGINT and SIGTERM while an output is being written: remove every temporary file
/// (`AtomicFile.removeTemporaryFilesForSignal`, async-signal-safe) and exit with 128 + the signal
/// (130, 143), like a shell. Outside `during(_:)` the signals keep their default action: nothing
/// has been written yet. SIGKILL cannot be caught: it may leave a `.NAME.tmp-PID-RANDOM` file
/// beside the destination, which itself is still the old file.
enum InterruptCleanup {
    /// Runs `body` with the handlers installed, then restores the previous handlers and mask.
    static func during<T>(_ body: () throws -> T) throws -> T {
        var previous: [(signal: Int32, handler: sighandler_t?)] = []
        for s in [SIGINT, SIGTERM] {
            let old = signal(s, removeTemporaryFilesAndExit)
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
        }
        return try body()
    }
}

private func removeTemporaryFilesAndExit(_ signal: Int32) {
    AtomicFile.removeTemporaryFilesForSignal()
    _exit(128 + signal)
}
