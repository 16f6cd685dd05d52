import Dispatch
import Foundation
import SwitchboardSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The one atomic-output implementation: regular files are replaced by rename, special files
/// are written in place, symbolic links are followed.
@Suite struct AtomicFileTests {
    static func scratchDirectory() throws -> String {
        let dir = NSTemporaryDirectory() + "atomic-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func contents(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func replacesRegularFileAndKeepsItsMode() throws {
        let dir = try Self.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/out.txt"
        try AtomicFile.write(Array("old".utf8), to: path)
        #expect(chmod(path, 0o640) == 0)
        try AtomicFile.write(Array("new".utf8), to: path)
        #expect(Self.contents(path) == "new")
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o640)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["out.txt"])
    }

    @Test func discardLeavesDestinationAndNoTemporaryFile() throws {
        let dir = try Self.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/out.txt"
        try AtomicFile.write(Array("old".utf8), to: path)
        let file = try AtomicFile(path: path)
        try file.write(Array("partial".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).count == 2)
        file.discard()
        #expect(Self.contents(path) == "old")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["out.txt"])
    }

    @Test func followsSymbolicLinks() throws {
        let dir = try Self.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try AtomicFile.write(Array("old".utf8), to: dir + "/real.txt")
        #expect(symlink("real.txt", dir + "/link.txt") == 0)
        try AtomicFile.write(Array("new".utf8), to: dir + "/link.txt")
        #expect(Self.contents(dir + "/real.txt") == "new")
        let destination = try FileManager.default.destinationOfSymbolicLink(atPath: dir + "/link.txt")
        #expect(destination == "real.txt")
        // A dangling link creates its target.
        #expect(symlink("later.txt", dir + "/dangling.txt") == 0)
        try AtomicFile.write(Array("x".utf8), to: dir + "/dangling.txt")
        #expect(Self.contents(dir + "/later.txt") == "x")
    }

    @Test func refusesDirectoriesAndMissingFolders() throws {
        let dir = try Self.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(throws: IOError("write", path: dir, code: EISDIR)) { try AtomicFile.write([1], to: dir) }
        #expect(throws: IOError("create a temporary file in", path: dir + "/missing", code: ENOENT)) {
            try AtomicFile.write([1], to: dir + "/missing/out.txt")
        }
    }

    @Test func devicesAreWrittenInPlace() throws {
        try AtomicFile.write(Array("discarded".utf8), to: "/dev/null")
        var info = stat()
        #expect(stat("/dev/null", &info) == 0 && (info.st_mode & S_IFMT) == S_IFCHR)
        #expect(throws: IOError("write", path: "/dev/full", code: ENOSPC)) {
            try AtomicFile.write(Array("x".utf8), to: "/dev/full")
        }
        #expect(stat("/dev/full", &info) == 0 && (info.st_mode & S_IFMT) == S_IFCHR)
    }

    @Test func namedPipeIsWrittenInPlaceToItsReader() throws {
        let dir = try Self.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fifo = dir + "/pipe"
        #expect(mkfifo(fifo, 0o600) == 0)
        let got = UnsafeMutablePointer<UInt8>.allocate(capacity: 64)
        defer { got.deallocate() }
        let count = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        defer { count.deallocate() }
        count.pointee = -1
        let done = DispatchSemaphore(value: 0)
        let reader = Thread { [got = UncheckedSendable(got), count = UncheckedSendable(count)] in
            let fd = open(fifo, O_RDONLY)
            var total = 0
            while fd >= 0, total < 64 {
                let n = read(fd, got.value + total, 64 - total)
                if n <= 0 { break }
                total += n
            }
            if fd >= 0 { close(fd) }
            count.value.pointee = total
            done.signal()
        }
        reader.start()
        try AtomicFile.write(Array("through the pipe".utf8), to: fifo)
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(String(decoding: UnsafeBufferPointer(start: got, count: max(0, count.pointee)), as: UTF8.self) == "through the pipe")
        var info = stat()
        #expect(lstat(fifo, &info) == 0 && (info.st_mode & S_IFMT) == S_IFIFO)
    }
}
