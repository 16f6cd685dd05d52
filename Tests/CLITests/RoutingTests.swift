import Foundation
import Testing

/// One rule per behaviour across the commands that answer queries: the stored threshold, the
/// routed label beside the ranked ones, empty text; and the training side of empty text.
@Suite struct RoutingTests {
    static let fast = ["--bucket-bits", "12", "--epochs", "5", "--threads", "1"]

    /// `dir/model`, calibrated on `dir/val.csv` (in-scope rows and "oos" rows) to answer half
    /// of the validation rows, so it abstains on some queries.
    static func calibratedModel(in dir: String) throws -> String {
        try """
        text,label
        hello again,greeting
        morning friend,greeting
        rain today,weather
        windy and cold,weather
        play guitar,music
        skip this song,music
        book a flight,oos
        what is my balance,oos
        """.write(toFile: "\(dir)/val.csv", atomically: true, encoding: .utf8)
        let r = try run(["train", "\(dir)/train.csv", "-o", "\(dir)/model", "--validation", "\(dir)/val.csv",
                         "--unknown-label", "oos", "--target-coverage", "0.5"] + fast)
        try #require(r.status == 0, "train failed: \(r.stderr)")
        return "\(dir)/model"
    }

    static let queries = ["hello again", "rain today", "play guitar", "book a flight", "what is my balance",
                          "asdf qwer", "hi", "snow", "jazz please"]

    @Test func predictAppliesTheStoredThresholdLikeLabel() throws {
        try withDataDirectory { dir in
            let model = try Self.calibratedModel(in: dir)
            let predicted = try run(["predict", model] + Self.queries)
            let labeled = try run(["label", model, "-"], stdin: Array(Self.queries.joined(separator: "\n").utf8))
            #expect(predicted.status == 0 && labeled.status == 0, "\(predicted.stderr) \(labeled.stderr)")
            #expect(predicted.stdout == labeled.stdout)
            #expect(predicted.stdout.split(separator: "\n").contains { $0.hasPrefix("oos\t") })  // some abstain
            let ranked = try run(["predict", model, "--top-k", "2"] + Self.queries)
            let labeledRanked = try run(["label", model, "--top-k", "2"],
                                        stdin: Array(Self.queries.joined(separator: "\n").utf8))
            #expect(ranked.stdout == labeledRanked.stdout)
        }
    }

    @Test func predictThresholdOption() throws {
        try withDataDirectory { dir in
            let model = try Self.calibratedModel(in: dir)
            let none = try run(["predict", model, "--threshold", "0"] + Self.queries)
            #expect(!none.stdout.split(separator: "\n").contains { $0.hasPrefix("oos\t") })
            let all = try run(["predict", model, "--threshold", "1", "--unknown-label", "other", "hello again"])
            #expect(all.stdout.hasPrefix("other\t0."))
            #expect(try run(["predict", model, "--threshold", "2", "hi"]).status == 64)
        }
    }

    @Test func abstainedQueriesKeepTheirRankedLabels() throws {
        try withDataDirectory { dir in
            let model = try Self.calibratedModel(in: dir)
            let r = try run(["predict", model, "--threshold", "1", "--top-k", "2", "play guitar"])
            let fields = r.stdout.dropLast().split(separator: "\t").map(String.init)
            // The routed answer, then the two best labels: music is still shown first.
            try #require(fields.count == 6, "\(r.stdout)")
            #expect(fields[0] == "oos" && fields[2] == "music", "\(r.stdout)")
            #expect(fields[1] == fields[3])  // the confidence is the top probability
            try "text\nplay guitar\n".write(toFile: "\(dir)/q.csv", atomically: true, encoding: .utf8)
            let csv = try run(["label", model, "\(dir)/q.csv", "--threshold", "1", "--top-k", "2"])
            let rows = csv.stdout.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
            try #require(rows.count == 2, "\(csv.stdout)")
            try #require(rows[1].count == 7, "\(csv.stdout)")
            #expect(rows[0] == ["text", "label", "confidence", "label_1", "confidence_1", "label_2", "confidence_2"])
            #expect(rows[1][1] == "oos" && rows[1][3] == "music")
        }
    }

    @Test func emptyTextGetsTheUnknownLabelEverywhere() throws {
        try withDataDirectory { dir in
            let model = try Self.calibratedModel(in: dir)
            let predicted = try run(["predict", model, "", "   ", "play guitar"])
            let lines = predicted.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.prefix(2) == ["oos\t0.0000", "oos\t0.0000"])
            let labeled = try run(["label", model], stdin: Array("\n   \nplay guitar\n".utf8))
            #expect(labeled.status == 0, "\(labeled.stderr)")
            #expect(labeled.stdout == predicted.stdout)  // one line per input line, the same answers
        }
    }

    @Test func trainingListsRowsWithoutText() throws {
        try withDataDirectory { dir in
            var csv = try String(contentsOfFile: "\(dir)/train.csv", encoding: .utf8)
            csv += "\"  \",music\n,weather\n!!!,greeting\n"
            try csv.write(toFile: "\(dir)/messy.csv", atomically: true, encoding: .utf8)
            let r = try run(["train", "\(dir)/messy.csv", "-o", "\(dir)/m", "--json"] + Self.fast)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stderr.contains("skipped 3 rows with empty text (no features after normalization): "
                                      + "\(dir)/messy.csv:32, \(dir)/messy.csv:33, \(dir)/messy.csv:34"), "\(r.stderr)")
            let json = try #require(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            #expect(json["example_count"] as? Int == 30 && json["skipped_row_count"] as? Int == 3)
            // Other bad rows stop the run, or with --on-error skip are listed and left out.
            try (csv + "too,many,fields\n").write(toFile: "\(dir)/ragged.csv", atomically: true, encoding: .utf8)
            let fail = try run(["train", "\(dir)/ragged.csv", "-o", "\(dir)/m"] + Self.fast)
            #expect(fail.status == 1 && fail.stderr.contains("ragged.csv:35: row has 3 fields but the header has 2"))
            let skip = try run(["train", "\(dir)/ragged.csv", "-o", "\(dir)/m", "--on-error", "skip"] + Self.fast)
            #expect(skip.status == 0 && skip.stderr.contains("skipped 1 bad row: \(dir)/ragged.csv:35: row has 3 fields"))
            // evaluate leaves empty text out too (a non-empty text without features is evaluated).
            try #require(try run(["train", "\(dir)/train.csv", "-o", "\(dir)/m"] + Self.fast).status == 0)
            let evaluated = try run(["evaluate", "\(dir)/m", "\(dir)/messy.csv", "--json"])
            #expect(evaluated.status == 0, "\(evaluated.stderr)")
            #expect(evaluated.stderr.contains("skipped 2 rows with empty text: \(dir)/messy.csv:32, \(dir)/messy.csv:33"))
            let figures = try #require(JSONSerialization.jsonObject(with: Data(evaluated.stdout.utf8)) as? [String: Any])
            #expect(figures["example_count"] as? Int == 31)
        }
    }
}
