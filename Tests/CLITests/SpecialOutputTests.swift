import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Outputs that are not regular files: devices and named pipes are written in place (never
/// replaced by a regular file), write errors are reported, and symbolic links are followed.
@Suite struct SpecialOutputTests {
    private static let quickTraining = ["--bucket-bits", "12", "--epochs", "3", "--threads", "1"]

    private static func isCharacterDevice(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFCHR
    }

    @Test func fullDeviceFailsWithTheSystemReason() throws {
        try withDataDirectory { dir in
            let train = try run(["train", "\(dir)/train.csv", "--output", "/dev/full"] + Self.quickTraining)
            #expect(train.status == 1)
            #expect(train.stderr.contains("No space left on device"), "\(train.stderr)")
            #expect(Self.isCharacterDevice("/dev/full"))
            let model = "\(dir)/m.model"
            #expect(try run(["train", "\(dir)/train.csv", "--output", model] + Self.quickTraining).status == 0)
            try "play jazz\nrain tomorrow\n".write(toFile: "\(dir)/q.txt", atomically: false, encoding: .utf8)
            let label = try run(["label", model, "\(dir)/q.txt", "--output", "/dev/full"])
            #expect(label.status == 1)
            #expect(label.stderr.contains("No space left on device"), "\(label.stderr)")
            #expect(Self.isCharacterDevice("/dev/full"))
        }
    }

    @Test func nullDeviceStaysADevice() throws {
        try withDataDirectory { dir in
            let r = try run(["train", "\(dir)/train.csv", "--output", "/dev/null"] + Self.quickTraining)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(Self.isCharacterDevice("/dev/null"))
        }
    }

    @Test func namedPipeOutputReachesItsReader() throws {
        try withDataDirectory { dir in
            let model = "\(dir)/m.model"
            #expect(try run(["train", "\(dir)/train.csv", "--output", model] + Self.quickTraining).status == 0)
            try "play jazz\n".write(toFile: "\(dir)/q.txt", atomically: false, encoding: .utf8)
            let fifo = "\(dir)/pipe"
            #expect(mkfifo(fifo, 0o600) == 0)
            // `cat` reads the pipe into a file while the labeler writes it.
            let reader = Process()
            reader.executableURL = URL(fileURLWithPath: "/bin/sh")
            reader.arguments = ["-c", "cat '\(fifo)' > '\(dir)/got.txt'"]
            try reader.run()
            let r = try run(["label", model, "\(dir)/q.txt", "--output", fifo])
            reader.waitUntilExit()
            #expect(r.status == 0, "\(r.stderr)")
            let got = String(decoding: FileManager.default.contents(atPath: "\(dir)/got.txt") ?? Data(), as: UTF8.self)
            #expect(got.hasPrefix("music"), "\(got)")
            var info = stat()
            #expect(lstat(fifo, &info) == 0 && (info.st_mode & S_IFMT) == S_IFIFO)
        }
    }

    @Test func symbolicLinkIsFollowed() throws {
        try withDataDirectory { dir in
            #expect(symlink("real.model", "\(dir)/current.model") == 0)
            let r = try run(["train", "\(dir)/train.csv", "--output", "\(dir)/current.model"] + Self.quickTraining)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(FileManager.default.fileExists(atPath: "\(dir)/real.model"))
            #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: "\(dir)/current.model")) == "real.model")
        }
    }
}
