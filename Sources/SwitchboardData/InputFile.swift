import Foundation
import SwitchboardSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading a whole input file for the commands that need all of it (train, evaluate, calibrate,
/// report, bench): a regular file is memory-mapped; standard input (`-`), a pipe such as
/// `<(head -501 test.csv)`, a FIFO or a device is read to its end. Either way the first bytes
/// are checked for formats that are plainly not UTF-8 text, with a message that says what to do.
public enum InputFile {
    /// How standard input is named in messages.
    public static let standardInputName = "<stdin>"

    /// The name messages use for `path` (`-` is standard input).
    public static func displayName(_ path: String) -> String { path == "-" ? standardInputName : path }

    /// All the bytes of `path` (`-`: standard input). Throws `CSVError` at line 0 for a missing
    /// file, a directory, a read error, or bytes that are UTF-16/32 or compressed.
    public static func read(path: String) throws -> Data {
        let name = displayName(path)
        let data: Data
        if path == "-" {
            data = try readToEnd(0, name: name)
        } else {
            var info = stat()
            guard stat(path, &info) == 0 else {
                throw CSVError(file: name, line: 0, message: errno == ENOENT ? "file not found" : "cannot read file: \(SystemCalls.errorText(errno))")
            }
            if (info.st_mode & S_IFMT) == S_IFDIR { throw CSVError(file: name, line: 0, message: "is a directory, not a CSV file") }
            if (info.st_mode & S_IFMT) == S_IFREG && info.st_size == 0 {
                data = Data()  // swift-foundation's reader leaks its 4 KiB buffer on an empty file
            } else if (info.st_mode & S_IFMT) == S_IFREG {
                do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
                    throw CSVError(file: name, line: 0, message: "cannot read file: \(error.localizedDescription)")
                }
            } else {
                let fd: Int32
                do { fd = try SystemCalls.open(path, O_RDONLY | O_CLOEXEC) } catch {
                    throw CSVError(file: name, line: 0, message: "cannot read file: \(error.reason)")
                }
                defer { close(fd) }
                data = try readToEnd(fd, name: name)
            }
        }
        if let problem = data.withUnsafeBytes({ foreignFormat($0) }) { throw CSVError(file: name, line: 1, message: problem) }
        return data
    }

    /// What a file starting with `prefix` plainly is when it is not UTF-8 text, and what to do;
    /// nil for anything else. Recognizes UTF-16 and UTF-32 byte order marks and the magic
    /// numbers of gzip, zstd, bzip2, xz and zip.
    public static func foreignFormat(_ prefix: UnsafeRawBufferPointer) -> String? {
        let b = Array(prefix.prefix(6))
        func starts(_ magic: [UInt8]) -> Bool { b.starts(with: magic) }
        // UTF-32 first: its little-endian mark begins with UTF-16's.
        if starts([0xFF, 0xFE, 0x00, 0x00]) || starts([0x00, 0x00, 0xFE, 0xFF]) {
            return "the file is UTF-32 text: convert it to UTF-8 (iconv -f UTF-32 -t UTF-8)"
        }
        if starts([0xFF, 0xFE]) || starts([0xFE, 0xFF]) {
            return "the file is UTF-16 text: convert it to UTF-8 (iconv -f UTF-16 -t UTF-8)"
        }
        let compressed: [(magic: [UInt8], name: String, tool: String)] = [
            ([0x1F, 0x8B], "gzip", "gunzip -c FILE > FILE.csv, or pipe it: gunzip -c FILE | switchboard ... -"),
            ([0x28, 0xB5, 0x2F, 0xFD], "zstd", "zstd -d FILE"), ([0x42, 0x5A, 0x68], "bzip2", "bunzip2 FILE"),
            ([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], "xz", "unxz FILE"), ([0x50, 0x4B, 0x03, 0x04], "zip", "unzip FILE"),
        ]
        if let c = compressed.first(where: { starts($0.magic) }) {
            return "the file is \(c.name)-compressed: decompress it first (\(c.tool))"
        }
        return nil
    }

    private static func readToEnd(_ fd: Int32, name: String) throws -> Data {
        var data = Data()
        var block = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            var failure: IOError?
            let n = block.withUnsafeMutableBytes { buffer -> Int in
                do throws(IOError) { return try SystemCalls.read(fd, into: buffer, path: name) } catch {
                    failure = error
                    return 0
                }
            }
            if let failure { throw CSVError(file: name, line: 0, message: "cannot read: \(failure.reason)") }
            if n == 0 { return data }
            data.append(contentsOf: block[0..<n])
        }
    }
}
