import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks that an output path can be written before any work starts, so that a missing
/// directory is reported at once rather than after minutes of training or labeling.
enum OutputCheck {
    /// Throws `CLIError` when the directory `path` would be written in does not exist, is not a
    /// directory or is not writable, or when `path` itself is a directory. `option` names the
    /// command-line option in the message (e.g. "--output"). A device, FIFO or socket is
    /// written in place, not beside: its directory is not checked.
    static func writable(_ path: String, option: String = "--output") throws {
        var info = stat()
        if stat(path, &info) == 0 {
            let kind = info.st_mode & S_IFMT
            if kind == S_IFDIR { throw CLIError("\(option) '\(path)' is a directory; give a file name") }
            if kind != S_IFREG { return }
        }
        let directory = parent(of: path)
        guard stat(directory, &info) == 0 else {
            let reason = errno == ENOENT ? "does not exist" : "cannot be read (\(String(cString: strerror(errno))))"
            throw CLIError("directory '\(directory)' \(reason) (\(option) \(path)); nothing was done")
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR else {
            throw CLIError("'\(directory)' is not a directory (\(option) \(path)); nothing was done")
        }
        guard access(directory, W_OK | X_OK) == 0 else {
            throw CLIError("directory '\(directory)' is not writable (\(option) \(path)): "
                + "\(String(cString: strerror(errno))); nothing was done")
        }
    }

    /// The directory part of `path` ("." for a bare file name, "/" for a file in the root).
    static func parent(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        let head = trimmed[..<slash]
        return head.isEmpty ? "/" : String(head)
    }
}
