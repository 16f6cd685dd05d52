import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writing a report so that readers see the old file or the complete new one, never part.
public enum ReportFile {
    /// Writes `text` to a new temporary file beside `path` (`.NAME.tmp-PID-RANDOM`), syncs it and
    /// renames it over `path`. On failure the temporary file is removed, `path` is untouched and
    /// `ReportError.writeFailed` names the step.
    public static func write(_ text: String, to path: String) throws(ReportError) {
        let url = URL(fileURLWithPath: path)
        let name = url.lastPathComponent
        guard !path.hasSuffix("/"), !name.isEmpty, name != ".", name != ".." else {
            throw .writeFailed(path: path, reason: "the path names a directory, not a file")
        }
        let directory = url.deletingLastPathComponent().path
        let temporary = directory + "/.\(name).tmp-\(getpid())-\(String(UInt64.random(in: 0 ... .max), radix: 16))"
        func failure(_ step: String, _ code: Int32) -> ReportError {
            .writeFailed(path: path, reason: "\(step): \(String(cString: strerror(code)))")
        }
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("cannot create a temporary file in '\(directory)'", errno) }
        var bytes = Array(text.utf8)
        var failed: ReportError?
        var written = 0
        while written < bytes.count && failed == nil {
            let n = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 && errno != EINTR { failed = failure("write", errno) }
            if n > 0 { written += n }
        }
        bytes = []
        if failed == nil && fsync(fd) != 0 { failed = failure("fsync", errno) }
        if close(fd) != 0 && failed == nil { failed = failure("close", errno) }
        if failed == nil && rename(temporary, path) != 0 { failed = failure("rename", errno) }
        if let failed {
            unlink(temporary)
            throw failed
        }
    }
}
