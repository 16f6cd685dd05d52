import Foundation
import Testing

/// What `--help`, `bench` and `inspect` show a new user.
@Suite struct HelpTextTests {
    @Test func trainHelpReadsRightBeforeAnyModelExists() throws {
        let help = try run(["train", "--help"]).stdout
        // The required --output comes before the optional sections.
        let output = try #require(help.range(of: "-o, --output <model>")).lowerBound
        let calibration = try #require(help.range(of: "--unknown-label <name>")).lowerBound
        let options = try #require(help.range(of: "\nOPTIONS:")).lowerBound
        #expect(output < calibration && output < options)
        // No model exists yet: the unknown label's default is spelled out.
        let flat = help.replacingOccurrences(of: "\\s+", with: " ", options: .regularExpression)
        #expect(flat.contains("Default: \"unknown\" for train"))
        // The thread count is the machine's, not a fixed number.
        #expect(help.contains("--threads <n>           Worker threads (default: all cores)."))
        #expect(!help.contains("(default: \(ProcessInfo.processInfo.activeProcessorCount))\n  --json"))
        #expect(flat.contains("GB (powers of 1000) or KiB, MiB, GiB"))
        // Overviews come in short paragraphs, not one wall of text.
        let overview = help.components(separatedBy: "USAGE:")[0]
        #expect(overview.components(separatedBy: "\n\n").count >= 4)
    }

    /// The argument parser appends "(default: …)" to an option with a default value; an
    /// option whose own text also names it would say it twice.
    @Test(arguments: ["train", "evaluate", "calibrate", "predict", "inspect", "bench", "label", "compress",
                      "explain", "serve", "cross-validate", "doctor", "suggest", "report", "json-schema",
                      "embeddings import", "embeddings tokenize", "embeddings check-ids"])
    func noOptionStatesItsDefaultTwice(_ command: String) throws {
        let help = try run(command.split(separator: " ").map(String.init) + ["--help"])
        try #require(help.status == 0, "\(help.stderr)")
        let options = help.stdout.components(separatedBy: "\n  -").dropFirst()
        for option in options {
            let flat = option.replacingOccurrences(of: "\\s+", with: " ", options: .regularExpression)
            #expect(flat.components(separatedBy: "default:").count <= 2, "\(command): \(flat)")
        }
        #expect(!options.isEmpty)
    }

    @Test func maxSizeErrorListsTheUnits() throws {
        try withDataDirectory { dir in
            let r = try run(["train", "\(dir)/train.csv", "-o", "\(dir)/m", "--max-size", "2XB"])
            #expect(r.status == 64 && r.stderr.contains("KB, MB, GB (powers of 1000) or KiB, MiB, GiB"), "\(r.stderr)")
        }
    }

    @Test func benchOnOneThreadPrintsOneThroughputLine() throws {
        try withDataDirectory { dir in
            let t = try run(["train", "\(dir)/train.csv", "-o", "\(dir)/m", "--bucket-bits", "10", "--epochs", "2"])
            try #require(t.status == 0, "\(t.stderr)")
            let one = try run(["bench", "\(dir)/m", "--iterations", "50", "--threads", "1"])
            #expect(one.status == 0, "\(one.stderr)")
            #expect(one.stdout.split(separator: "\n").filter { $0.contains("queries/s") }.count == 1, "\(one.stdout)")
            let two = try run(["bench", "\(dir)/m", "--iterations", "50", "--threads", "2"])
            #expect(two.stdout.split(separator: "\n").filter { $0.contains("queries/s") }.count == 2, "\(two.stdout)")
        }
    }

    @Test func inspectShowsCalibrationInItsOwnSection() throws {
        try withDataDirectory { dir in
            let plain = try run(["train", "\(dir)/train.csv", "-o", "\(dir)/m", "--bucket-bits", "10", "--epochs", "2"])
            try #require(plain.status == 0, "\(plain.stderr)")
            let uncalibrated = try run(["inspect", "\(dir)/m"]).stdout
            #expect(uncalibrated.contains("\n\ncalibration:\n  none: every query with features is answered"))
            let calibrated = try run(["calibrate", "\(dir)/m", "\(dir)/train.csv", "-o", "\(dir)/c", "--target-coverage", "0.5"])
            try #require(calibrated.status == 0, "\(calibrated.stderr)")
            let text = try run(["inspect", "\(dir)/c"]).stdout
            let section = try #require(text.components(separatedBy: "\n\ncalibration:\n").dropFirst().first)
            let lines = Array(section.split(separator: "\n").prefix(3))
            try #require(lines.count == 3, "\(section)")
            #expect(lines[0].hasPrefix("  temperature") && lines[1].hasPrefix("  threshold")
                    && lines[2].hasPrefix("  unknown label"), "\(section)")
            let json = try #require(JSONSerialization.jsonObject(with: Data(try run(["inspect", "\(dir)/c", "--json"]).stdout.utf8))
                as? [String: Any])
            let c = try #require(json["calibration"] as? [String: Any])
            #expect(c["unknown_label"] as? String == "unknown" && c["threshold"] is Double)
        }
    }
}
