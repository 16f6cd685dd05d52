import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The command-line rows of the bad-input matrix: usage errors of every subcommand,
/// bad data and bad models as the binary reports them, invalid bytes on standard input.
/// Rows covered elsewhere: unknown option (`HelpAndUsage.unknownOptionIsUsageError`), train
/// without --output and --validation with --validation-fraction (`HelpAndUsage`), bad
/// hyperparameters (`invalidHyperparameterIsUsageError`), bench's --duration/--iterations
/// (`BenchTests`), malformed CSV (`Failures.malformedCSV`), garbage and truncated models
/// (`Failures.corruptModel`, `Failures.truncatedModel`).
@Suite struct HostileCLITests {
    static let fast = ["--bucket-bits", "10", "--epochs", "3", "--threads", "1"]

    /// Checks `r` is a one-line error with status `status` whose message contains `fragment`.
    static func expectOneLineError(_ r: Run, status: Int32, _ fragment: String, _ what: String) {
        #expect(r.status == status, "\(what): status \(r.status), stderr \(r.stderr)")
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1 && r.stderr.hasPrefix("switchboard: error: "), "\(what): \(r.stderr)")
        #expect(r.stderr.contains(fragment), "\(what): \(r.stderr) lacks \(fragment)")
    }

    /// Every subcommand, with arguments missing or contradicting each other: exit 64, one line
    /// saying what is wrong, nothing on stdout, no output file. `M` is a real model and `C` a real
    /// CSV, so only the command line itself is at fault.
    @Test(arguments: [
        (["train"], "Missing expected argument '<train.csv> ...'"),  // one or more files
        (["train", "C", "--calibrate", "-o", "OUT"], "need --validation"),
        (["train", "C", "-o", "OUT", "--validation", "C", "--target-precision", "0.9", "--target-coverage", "0.9"],
         "cannot be used together"),
        (["train", "C", "-o", "OUT", "--max-size", "50KB", "--bucket-bits", "20"], "over --max-size"),
        (["train", "C", "-o", "OUT", "--epochs", "many"], "'many' is invalid for '--epochs"),
        (["train", "C", "-o", "OUT", "--char-ngrams", "2-9"], "char n-gram range 2...9 invalid"),
        (["evaluate"], "Missing expected argument '<model>'"),
        (["evaluate", "M"], "Missing expected argument '<test.csv> ...'"),
        (["evaluate", "M", "C", "--threshold", "2"], "--threshold must be in [0, 1]"),
        (["evaluate", "M", "C", "--unknown-label", ""], "--unknown-label must not be empty"),
        (["calibrate", "M", "C"], "Missing expected argument '--output <model>'"),
        (["calibrate", "M", "-o", "OUT"], "Missing expected argument '<val.csv> ...'"),
        (["calibrate", "M", "C", "-o", "OUT", "--target-precision", "0.9", "--target-coverage", "0.5"],
         "cannot be used together"),
        (["calibrate", "M", "C", "-o", "OUT", "--target-coverage", "0"], "--target-coverage must be in (0, 1]"),
        (["predict"], "Missing expected argument '<model>'"),
        (["predict", "M", "--top-k", "0", "hello"], "--top-k must be at least 1"),
        (["predict", "M", "--top-k"], "Missing value for '--top-k <k>'"),
        (["predict", "M", "--top-k", "-1", "hello"], "--top-k must be at least 1"),
        (["label", "M", "C", "--top-k", "-1"], "--top-k must be at least 1"),
        (["train", "C", "-o", "OUT", "--threads", "-2"], "--threads must be at least 1 (got -2)"),
        (["train", "C", "-o", "OUT", "--l2", "-0.1"], "--l2 must be at least 0 (got -0.1)"),
        (["train", "C", "-o", "OUT", "--epochs", "-3"], "--epochs must be at least 1 (got -3)"),
        (["train", "C", "-o", "OUT", "--patience", "-1"], "--patience must be at least 1 (got -1)"),
        (["train", "C", "-o", "OUT", "--max-size", "2XB"], "B, KB, MB, GB (powers of 1000) or KiB, MiB, GiB"),
        (["inspect"], "Missing expected argument '<model>'"),
        (["inspect", "M", "M"], "Unexpected argument '"),
        (["bench"], "Missing expected argument '<model>'"),
        (["bench", "M", "--duration", "-1"], "--duration must be positive"),
        (["bench", "M", "--threads", "-2"], "--threads must be at least 1 (got -2)"),
        (["bench", "M", "--threads", "0"], "--threads must be at least 1"),
        (["label"], "Missing expected argument '<model>'"),
        (["label", "M", "C", "--top-k", "0"], "--top-k must be at least 1"),
        (["label", "M", "C", "--threshold", "2"], "--threshold must be in [0, 1]"),
        (["label", "M", "C", "--output", "C"], "--output must not be the input file"),
        (["label", "M", "C", "--format", "xml"], "'xml' is invalid for '--format"),
        (["compress", "M"], "Missing expected argument '--output <small>'"),
        (["compress", "M", "-o", "OUT", "--bits", "4"], "--bits 4 is not supported"),
        (["compress", "M", "-o", "OUT", "--max-size", "0"], "'0' is invalid for '--max-size"),
        (["frobnicate", "M"], "unexpected arguments: 'frobnicate'"),
    ])
    func usageErrorsExit64WithOneLine(arguments: [String], fragment: String) throws {
        try withDataDirectory { dir in
            let model = "\(dir)/model"
            let trained = try run(["train", "\(dir)/train.csv", "-o", model] + Self.fast)
            try #require(trained.status == 0, "\(trained.stderr)")
            let resolved = arguments.map { ["M": model, "C": "\(dir)/train.csv", "OUT": "\(dir)/out"][$0] ?? $0 }
            let r = try run(resolved)
            Self.expectOneLineError(r, status: 64, fragment, arguments.joined(separator: " "))
            #expect(r.stdout.isEmpty)
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/out"))
        }
    }

    /// Bad training data: exit 1, `FILE:LINE: problem` (line 0 for the whole file), no model.
    @Test(arguments: [
        ("", ":0: empty file (no header row)", [String]()),
        ("text,label\n", ":1: no rows after the header", []),
        ("text,intent\nhi,greet\n", ":1: no column \"label\"", []),
        ("text,label\nhi,greet\n", ":1: no column \"utterance\"", ["--text-column", "utterance"]),
        ("text,label\nhi,greet\nhello,greet\n", "only one label (\"greet\") in the training data: nothing to learn", []),
        ("text,label\n\"a\",x\n\"unbalanced,y\n", ":3: quoted field is never closed", []),
        ("text,label\nnul\0byte,x\n", ":2: NUL byte in field", []),
        ("\u{FEFF}text,label\r\nok,a\rbad \u{FFFD},\n", ":3: empty label", []),
    ])
    func badTrainingDataExits1(csv: String, fragment: String, extra: [String]) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data(csv.utf8).write(to: URL(fileURLWithPath: "\(dir)/bad.csv"))
        let r = try run(["train", "\(dir)/bad.csv", "-o", "\(dir)/m"] + Self.fast + extra)
        Self.expectOneLineError(r, status: 1, fragment, csv)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["bad.csv"])
    }

    /// 100,000 distinct labels at the default 2^15 buckets: refused in about the time it takes to
    /// read the file, naming the memory needed and the bucket bits that would fit.
    @Test func hundredThousandLabelsAreRefusedClearly() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var csv = "text,label\n"
        for i in 0 ..< 100_000 { csv += "query number \(i),label_\(i)\n" }
        try Data(csv.utf8).write(to: URL(fileURLWithPath: "\(dir)/many.csv"))
        let r = try run(["train", "\(dir)/many.csv", "-o", "\(dir)/m"])
        Self.expectOneLineError(r, status: 1, "100000 labels × 32768 buckets need 13.1 GB (13107200000 bytes)", "100k labels")
        #expect(r.stderr.contains("use --bucket-bits 13 or less"))
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/m"))
    }

    /// A label with a comma, quotes, emoji and a line break comes back byte for byte from the
    /// model file (inspect --json) and from predict --json.
    @Test func trickyLabelsRoundTripThroughTheCLI() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tricky = "refund, \"partial\" 🎉\nline two"
        var csv = "text,label\n"
        for k in 0 ..< 8 {
            csv += "refund money back \(k),\"\(tricky.replacingOccurrences(of: "\"", with: "\"\""))\"\n"
            csv += "reset password \(k),account\n"
        }
        try Data(csv.utf8).write(to: URL(fileURLWithPath: "\(dir)/t.csv"))
        #expect(try run(["train", "\(dir)/t.csv", "-o", "\(dir)/m"] + Self.fast).status == 0)
        let inspect = try run(["inspect", "\(dir)/m", "--json"])
        let labels = (try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [String: Any])?["labels"] as? [String]
        #expect(labels == ["account", tricky])
        let predicted = try run(["predict", "\(dir)/m", "--json", "refund money back"])
        let answer = try JSONSerialization.jsonObject(with: Data(predicted.stdout.utf8)) as? [String: Any]
        #expect(answer?["label"] as? String == tricky)
    }

    /// Invalid UTF-8, NUL bytes, lone CRs and a 1 MB line on standard input: predict answers one
    /// line per input line (bad bytes become U+FFFD), never fails; label (text format) stops at
    /// the first line that is not UTF-8 with `<stdin>:LINE`, or skips it with --on-error skip.
    @Test func invalidBytesOnStandardInput() throws {
        try withDataDirectory { dir in
            let model = "\(dir)/model"
            #expect(try run(["train", "\(dir)/train.csv", "-o", model] + Self.fast).status == 0)
            let megabyte = [UInt8](repeating: UInt8(ascii: "a"), count: 1 << 20)
            let input: [UInt8] = Array("hello there\n".utf8) + [0xFF, 0xFE, 0x0A] + [0xC0, 0xAF, 0x20, 0xED, 0xA0, 0x80, 0x0A]
                + Array("nul\0in\0line\n".utf8) + [0xE2, 0x82, 0x0A] + Array("a\rb\r\n".utf8) + megabyte
                + Array("\nplay jazz".utf8)
            let r = try run(["predict", model], stdin: input)
            #expect(r.status == 0 && r.stderr.isEmpty, "\(r.stderr)")
            let out = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            #expect(out.count == 8)
            #expect(out.first?.hasPrefix("greeting\t") == true && out.last?.hasPrefix("music\t") == true)
            #expect(out[1] == "unknown\t0.0000" && out[4] == "unknown\t0.0000") // only replacement characters: no features
            let json = try run(["predict", model, "--json"], stdin: [0x61, 0xFF, 0x62, 0x0A])
            let text = (try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])?["text"] as? String
            #expect(text == "a\u{FFFD}b")

            let strict = try run(["label", model], stdin: Array("hello there\n".utf8) + [0xFF, 0x0A] + Array("play jazz\n".utf8))
            Self.expectOneLineError(strict, status: 1, "<stdin>:2: invalid UTF-8", "label")
            let lenient = try run(["label", model, "--on-error", "skip"],
                                  stdin: Array("hello there\n".utf8) + [0xFF, 0x0A] + Array("play jazz\n".utf8))
            // Text format: the bad line is answered with the unknown label, so lines stay aligned.
            #expect(lenient.status == 0 && lenient.stdout.split(separator: "\n").count == 3)
            #expect(lenient.stdout.split(separator: "\n").dropFirst().first == "unknown\t0.0000")
            #expect(lenient.stderr.contains("switchboard: answered with the unknown label: <stdin>:2: invalid UTF-8"))
        }
    }

    /// Model paths that are not readable model files: exit 1, one line naming the path.
    @Test func unusableModelPaths() throws {
        try withDataDirectory { dir in
            let empty = "\(dir)/empty.model"
            #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
            let cases = [(dir, "is a directory"), (empty, "is not a Switchboard model file"),
                         ("\(dir)/train.csv/model", "Not a directory"), ("/dev/null", "not a regular file"),
                         ("\(dir)/train.csv", "wrong magic bytes")]
            for (path, fragment) in cases {
                for command in [["inspect", path], ["predict", path, "hello"], ["evaluate", path, "\(dir)/train.csv"],
                                ["label", path], ["compress", path, "-o", "\(dir)/small"]] {
                    let r = try run(command)
                    Self.expectOneLineError(r, status: 1, fragment, command.joined(separator: " "))
                    #expect(r.stderr.contains("'\(path)'"))
                }
            }
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/small"))
        }
    }
}
