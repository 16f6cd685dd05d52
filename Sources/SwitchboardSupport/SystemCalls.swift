#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call: what was attempted, on which path, and `errno`.
package struct IOError: Error, Equatable, CustomStringConvertible {
    /// What was attempted, as a verb phrase: "open", "write", "rename".
    package let operation: String
    /// The file involved ("standard output" for descriptors that have no path).
    package let path: String
    /// The `errno` value; 0 when the failure has no system error (e.g. a write that made no progress).
    package let code: Int32
    /// Set instead of `code`'s text when the failure is not a system error.
    package let detail: String?

    package init(_ operation: String, path: String, code: Int32, detail: String? = nil) {
        self.operation = operation
        self.path = path
        self.code = code
        self.detail = detail
    }

    /// The reason alone: the system's text for `code`, or `detail`.
    package var reason: String { detail ?? SystemCalls.errorText(code) }

    /// "cannot OPERATION 'PATH': REASON".
    package var description: String { "cannot \(operation) '\(path)': \(reason)" }

    /// The reason to give after "cannot write 'output'": "STEP: REASON" when the failure is on
    /// `output` itself, else the whole description (e.g. the directory that cannot hold it).
    package func reason(writing output: String) -> String {
        path == output ? "\(operation): \(reason)" : description
    }
}

/// The few system calls the package makes on files, each retrying `EINTR` and throwing `IOError`.
package enum SystemCalls {
    /// The system's text for an `errno` value ("No space left on device").
    package static func errorText(_ code: Int32) -> String {
        String(cString: strerror(code))
    }

    /// `open(2)`, retried while interrupted.
    package static func open(_ path: String, _ flags: Int32, mode: mode_t = 0, operation: String = "open")
        throws(IOError) -> Int32 {
        while true {
            #if canImport(Glibc)
            let fd = Glibc.open(path, flags, mode)
            #else
            let fd = Darwin.open(path, flags, mode)
            #endif
            if fd >= 0 { return fd }
            if errno != EINTR { throw IOError(operation, path: path, code: errno) }
        }
    }

    /// `read(2)` into `buffer`, retried while interrupted: the byte count, 0 at the end.
    package static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, path: String)
        throws(IOError) -> Int {
        while true {
            #if canImport(Glibc)
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            #else
            let n = Darwin.read(fd, buffer.baseAddress, buffer.count)
            #endif
            if n >= 0 { return n }
            if errno != EINTR { throw IOError("read", path: path, code: errno) }
        }
    }

    /// Writes every byte of `bytes` with `write(2)`, retrying short and interrupted writes.
    package static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(IOError) {
        var done = 0
        while done < bytes.count {
            #if canImport(Glibc)
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            #else
            let n = Darwin.write(fd, bytes.baseAddress! + done, bytes.count - done)
            #endif
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw IOError("write", path: path, code: errno) }
            if n == 0 { throw IOError("write", path: path, code: 0, detail: "write made no progress") }
            done += n
        }
    }

    /// `close(2)`. Not retried on `EINTR`: on Linux the descriptor is already closed then.
    package static func close(_ fd: Int32, path: String) throws(IOError) {
        #if canImport(Glibc)
        let result = Glibc.close(fd)
        #else
        let result = Darwin.close(fd)
        #endif
        if result != 0 && errno != EINTR { throw IOError("write", path: path, code: errno) }
    }
}
