import Foundation
import Testing

/// Inputs that are not plain files on disk (standard input, pipes) and files that are plainly
/// not UTF-8 CSV (UTF-16, compressed, TSV, JSON Lines for bench): each is read, or refused with
/// a message that says what the file is and what to do.
@Suite struct InputKindsTests {
    private static let quick = ["--bucket-bits", "12", "--epochs", "3", "--threads", "1"]

    private static func trained(in dir: String) throws -> String {
        let m = "\(dir)/m.model"
        let r = try run(["train", "\(dir)/train.csv", "-o", m] + quick)
        try #require(r.status == 0, "\(r.stderr)")
        return m
    }

    @Test func trainAndEvaluateReadStandardInputAndPipes() throws {
        try withDataDirectory { dir in
            let csv = try #require(FileManager.default.contents(atPath: "\(dir)/train.csv"))
            let fromStdin = try run(["train", "-", "-o", "\(dir)/stdin.model"] + Self.quick, stdin: Array(csv))
            #expect(fromStdin.status == 0, "\(fromStdin.stderr)")
            // Same bytes in, same model out, whether read from the file or from standard input.
            let fromFile = try run(["train", "\(dir)/train.csv", "-o", "\(dir)/file.model"] + Self.quick)
            #expect(fromFile.status == 0)
            #expect(FileManager.default.contents(atPath: "\(dir)/stdin.model") == FileManager.default.contents(atPath: "\(dir)/file.model"))
            // A real pipe, as `<(head -n 11 train.csv)` gives: /dev/stdin is the pipe's read end.
            let m = "\(dir)/file.model"
            for command in ["evaluate", "calibrate"] {
                let extra = command == "calibrate" ? ["-o", "\(dir)/cal.model"] : []
                let piped = try run(["-c", "head -n 11 '\(dir)/train.csv' | '\(binary)' \(command) '\(m)' /dev/stdin \(extra.joined(separator: " "))"],
                                    executable: "/bin/sh")
                #expect(piped.status == 0, "\(command): \(piped.stderr)")
            }
            let evaluated = try run(["evaluate", m, "-", "--json"], stdin: Array(csv))
            #expect(evaluated.status == 0 && evaluated.stdout.contains("\"example_count\":30"), "\(evaluated.stdout) \(evaluated.stderr)")
        }
    }

    @Test(arguments: [
        ([0x1F, 0x8B, 0x08, 0x00] as [UInt8], "gzip-compressed: decompress it first"),
        ([0x28, 0xB5, 0x2F, 0xFD], "zstd-compressed"),
        ([0x50, 0x4B, 0x03, 0x04], "zip-compressed"),
        ([0xFF, 0xFE, 0x74, 0x00], "UTF-16 text: convert it to UTF-8"),
        ([0xFF, 0xFE, 0x00, 0x00], "UTF-32 text: convert it to UTF-8"),
    ])
    func foreignFilesAreNamed(prefix: [UInt8], message: String) throws {
        try withDataDirectory { dir in
            let m = try Self.trained(in: dir)
            let path = "\(dir)/odd.csv"
            #expect(FileManager.default.createFile(atPath: path, contents: Data(prefix + Array("text,label\n".utf8))))
            for command in [["train", path, "-o", "\(dir)/x.model"] + Self.quick, ["evaluate", m, path], ["label", m, path]] {
                let r = try run(command)
                #expect(r.status == 1 && r.stderr.contains("odd.csv:1: the file is \(message)"), "\(command[0]): \(r.stderr)")
            }
        }
    }

    @Test func otherFormatsAreRefusedWithWhatToDo() throws {
        try withDataDirectory { dir in
            let m = try Self.trained(in: dir)
            try "text\tlabel\nplay jazz\tmusic\n".write(toFile: "\(dir)/q.tsv", atomically: false, encoding: .utf8)
            let label = try run(["label", m, "\(dir)/q.tsv"])
            #expect(label.status == 1 && label.stderr.contains("looks like TSV"), "\(label.stderr)")
            let train = try run(["train", "\(dir)/q.tsv", "-o", "\(dir)/t.model"] + Self.quick)
            #expect(train.status == 1 && train.stderr.contains("looks tab-separated"), "\(train.stderr)")
            try "{\"text\": \"play jazz\"}\n".write(toFile: "\(dir)/q.jsonl", atomically: false, encoding: .utf8)
            let bench = try run(["bench", m, "\(dir)/q.jsonl"])
            #expect(bench.status == 1 && bench.stderr.contains("convert this file first"), "\(bench.stderr)")
        }
    }
}
