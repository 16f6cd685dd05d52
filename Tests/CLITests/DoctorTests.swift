import Foundation
import Testing

/// `switchboard doctor` end to end, on the 3 × 10-row data of `withDataDirectory` plus injected problems.
@Suite struct DoctorCLI {
    private let quick = ["--bucket-bits", "12", "--epochs", "5", "--embeddings", "none"]

    /// The data with one conflict ("Play jazz!" as weather) and a test file that leaks one row.
    private func withProblems<T>(_ body: (String) throws -> T) throws -> T {
        try withDataDirectory { dir in
            let handle = try #require(FileHandle(forWritingAtPath: "\(dir)/train.csv"))
            handle.seekToEndOfFile()
            handle.write(Data("Play jazz!,weather\n".utf8))
            try handle.close()
            try "text,label\nhello there,greeting\nwhat a day,weather\n".write(toFile: "\(dir)/test.csv", atomically: true, encoding: .utf8)
            return try body(dir)
        }
    }

    @Test func reportsConflictsAndLeaksWithTheirLines() throws {
        try withProblems { dir in
            let r = try run(["doctor", "\(dir)/train.csv", "--test", "\(dir)/test.csv", "--folds", "2"] + quick)
            #expect(r.status == 0, "a report exits 0 with findings: \(r.stderr)")
            #expect(r.stdout.contains("conflicts (same text, different labels): 1"), "\(r.stdout)")
            #expect(r.stdout.contains("\(dir)/train.csv:22  [music]  \"play jazz\""), "\(r.stdout)")
            #expect(r.stdout.contains("\(dir)/train.csv:32  [weather]  \"Play jazz!\""), "\(r.stdout)")
            #expect(r.stdout.contains("test rows leaked from training: 1"), "\(r.stdout)")
            #expect(r.stdout.contains("\(dir)/test.csv:2  [greeting]  \"hello there\""), "\(r.stdout)")
            #expect(r.stdout.range(of: "conflicts")!.lowerBound < r.stdout.range(of: "leaked")!.lowerBound, "most harmful first")
        }
    }

    @Test func strictFailsOnlyOnConflictsOrLeaks() throws {
        try withProblems { dir in
            let strict = try run(["doctor", "\(dir)/train.csv", "--strict", "--no-label-errors"])
            #expect(strict.status == 1, "\(strict.stderr)")
            #expect(!strict.stdout.isEmpty, "the report is still printed")
        }
        try withDataDirectory { dir in
            let clean = try run(["doctor", "\(dir)/train.csv", "--strict", "--no-label-errors"])
            #expect(clean.status == 0, "\(clean.stdout) \(clean.stderr)")
        }
    }

    @Test func jsonListsEveryFindingAndIsTheSameWhateverTheThreadCount() throws {
        try withProblems { dir in
            var texts: [String] = []
            for threads in ["1", "3"] {
                let r = try run(["doctor", "\(dir)/train.csv", "--test", "\(dir)/test.csv", "--json", "--folds", "2",
                                 "--threads", threads] + quick)
                try #require(r.status == 0, "\(r.stderr)")
                texts.append(r.stdout.replacingOccurrences(
                    of: #""elapsed_seconds":[0-9.e+-]+"#, with: #""elapsed_seconds":0"#, options: .regularExpression))
            }
            #expect(texts[0] == texts[1])
            let o = try #require(try JSONSerialization.jsonObject(with: Data(texts[0].utf8)) as? [String: Any])
            let counts = try #require(o["finding_counts"] as? [String: Int])
            #expect(counts["conflict"] == 1 && counts["leak"] == 1, "\(counts)")
            #expect(o["blocking"] as? Bool == true && o["example_count"] as? Int == 31 && o["fold_count"] as? Int == 2)
            let findings = try #require(o["findings"] as? [[String: Any]])
            #expect(findings.first?["kind"] as? String == "conflict")
        }
    }

    @Test func badArgumentsAreUsageErrors() throws {
        try withDataDirectory { dir in
            let folds = try run(["doctor", "\(dir)/train.csv", "--folds", "1"])
            #expect(folds.status == 64 && folds.stderr.contains("--folds must be at least 2"), "\(folds.stderr)")
            let missing = try run(["doctor", "\(dir)/nothing.csv"])
            #expect(missing.status == 1 && missing.stderr.contains("nothing.csv"), "\(missing.stderr)")
            let many = try run(["doctor", "\(dir)/train.csv", "--folds", "99"] + quick)
            #expect(many.status == 1 && many.stderr.contains("--folds 99 is more than the 30 rows"), "\(many.stderr)")
        }
    }
}
