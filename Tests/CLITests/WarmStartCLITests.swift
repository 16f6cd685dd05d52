import Foundation
import Testing

/// `switchboard train NEW.csv --init MODEL` end to end: the parent knows greeting, weather and
/// music; the new rows add a "timer" route.
@Suite struct WarmStartCLI {
    private let fast = ["--bucket-bits", "12", "--epochs", "5", "--threads", "1"]
    private let newRows = """
        text,label
        set a timer for ten minutes,timer
        start a countdown,timer
        timer for the oven please,timer
        wake me in five minutes,timer
        hello there,greeting
        rain tomorrow,weather
        play jazz,music
        """ + "\n"

    private func withParent<T>(_ body: (String) throws -> T) throws -> T {
        try withDataDirectory { dir in
            let r = try run(["train", "\(dir)/train.csv", "--output", "\(dir)/parent.model"] + fast)
            try #require(r.status == 0, "\(r.stderr)")
            try newRows.write(toFile: "\(dir)/new.csv", atomically: true, encoding: .utf8)
            return try body(dir)
        }
    }

    @Test func continuesWithANewLabelAndReportsTheLineage() throws {
        try withParent { dir in
            let r = try run(["train", "\(dir)/new.csv", "--init", "\(dir)/parent.model", "--output", "\(dir)/next.model",
                             "--json", "--threads", "1"])
            try #require(r.status == 0, "\(r.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            #expect(object["labels"] as? [String] == ["greeting", "music", "timer", "weather"])
            let lineage = try #require(object["init"] as? [String: Any])
            #expect(lineage["added_labels"] as? [String] == ["timer"])
            #expect(lineage["added_row_count"] as? Int == 7 && lineage["parent_label_count"] as? Int == 3)
            #expect((lineage["parent_checksum"] as? String)?.count ?? 0 > 0)
            let p = try run(["predict", "\(dir)/next.model", "set a timer please"])
            #expect(p.stdout.hasPrefix("timer"), "\(p.stdout)")
        }
    }

    @Test func aContradictingFlagIsAUsageErrorNamingBothValues() throws {
        try withParent { dir in
            let r = try run(["train", "\(dir)/new.csv", "--init", "\(dir)/parent.model", "--output", "\(dir)/next.model",
                             "--bucket-bits", "14", "--no-idf"])
            #expect(r.status == 64)
            #expect(r.stderr.contains("--bucket-bits 14 contradicts the model's 12"), "\(r.stderr)")
            #expect(r.stderr.contains("--idf off contradicts the model's on"), "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/next.model"))
            let same = try run(["train", "\(dir)/new.csv", "--init", "\(dir)/parent.model", "--output", "\(dir)/next.model",
                                "--bucket-bits", "12", "--idf", "--threads", "1"])
            #expect(same.status == 0, "options that agree with the model are fine: \(same.stderr)")
            let size = try run(["train", "\(dir)/new.csv", "--init", "\(dir)/parent.model", "--output", "\(dir)/x.model",
                                "--max-size", "1MB"])
            #expect(size.status == 64 && size.stderr.contains("--max-size cannot be used with --init"), "\(size.stderr)")
        }
    }

    @Test func aForeignTruncatedOrMissingModelIsAClearError() throws {
        try withParent { dir in
            try "text,label\nhello,greeting\n".write(toFile: "\(dir)/foreign.model", atomically: true, encoding: .utf8)
            let bytes = try #require(FileManager.default.contents(atPath: "\(dir)/parent.model"))
            try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: "\(dir)/truncated.model"))
            let cases = [("foreign.model", "is not a Switchboard model file"), ("truncated.model", "is truncated"),
                         ("missing.model", "cannot read model file")]
            for (file, message) in cases {
                let r = try run(["train", "\(dir)/new.csv", "--init", "\(dir)/\(file)", "--output", "\(dir)/next.model"])
                #expect(r.status == 1, "\(file)")
                #expect(r.stderr.contains(message) && r.stderr.contains(file), "\(file): \(r.stderr)")
                #expect(!FileManager.default.fileExists(atPath: "\(dir)/next.model"))
            }
        }
    }

    @Test func aSemanticFlagOnAnNGramModelContradictsIt() throws {
        try withParent { dir in
            let r = try run(["train", "\(dir)/new.csv", "--init", "\(dir)/parent.model", "--output", "\(dir)/next.model",
                             "--embedding-dims", "64"])
            #expect(r.status == 64 && r.stderr.contains("--embedding-dims contradicts the model, which has no semantic block"),
                    "\(r.stderr)")
        }
    }

    @Test func keptCalibrationIsStaleUntilCalibratedAgain() throws {
        try withParent { dir in
            let c = try run(["calibrate", "\(dir)/parent.model", "\(dir)/train.csv", "--output", "\(dir)/parent.model",
                             "--threads", "1"])
            try #require(c.status == 0, "\(c.stderr)")
            let t = try run(["train", "\(dir)/new.csv", "--init", "\(dir)/parent.model", "--output", "\(dir)/next.model",
                             "--threads", "1"])
            try #require(t.status == 0, "\(t.stderr)")
            #expect(t.stderr.contains("is stale"), "\(t.stderr)")
            let e = try run(["evaluate", "\(dir)/next.model", "\(dir)/new.csv"])
            #expect(e.status == 0 && e.stderr.contains("calibration of \(dir)/next.model is stale"), "\(e.stderr)")
            let l = try run(["label", "\(dir)/next.model", "\(dir)/new.csv", "--output", "\(dir)/labeled.csv", "--output-prefix", "predicted_"])
            #expect(l.status == 0 && l.stderr.contains("is stale"), "\(l.stderr)")
            let again = try run(["calibrate", "\(dir)/next.model", "\(dir)/new.csv", "--output", "\(dir)/next.model",
                                 "--threads", "1"])
            try #require(again.status == 0, "\(again.stderr)")
            let e2 = try run(["evaluate", "\(dir)/next.model", "\(dir)/new.csv"])
            #expect(e2.status == 0 && !e2.stderr.contains("stale"), "\(e2.stderr)")
        }
    }
}
