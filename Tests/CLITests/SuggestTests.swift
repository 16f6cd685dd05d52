import Foundation
import Testing

/// `switchboard suggest` end to end: a model of the 3 × 10-row data, unlabeled rows beside it.
@Suite struct SuggestCLI {
    private let unlabeled = """
        text
        hello there
        play jazz
        play jazz
        Play jazz!
        hello jazz forecast
        hello jazz forecast please
        rain tomorrow
        good morning snow storm
        next song hi friend
        """ + "\n"

    private func withModel<T>(_ body: (String) throws -> T) throws -> T {
        try withDataDirectory { dir in
            let r = try run(["train", "\(dir)/train.csv", "--output", "\(dir)/model", "--bucket-bits", "12", "--epochs", "5",
                             "--threads", "1", "--embeddings", "none"])
            try #require(r.status == 0, "\(r.stderr)")
            try unlabeled.write(toFile: "\(dir)/unlabeled.csv", atomically: true, encoding: .utf8)
            return try body(dir)
        }
    }

    @Test func picksUncertainDistinctRowsWithTheirGuesses() throws {
        try withModel { dir in
            let r = try run(["suggest", "\(dir)/model", "\(dir)/unlabeled.csv", "--count", "9"])
            try #require(r.status == 0, "\(r.stderr)")
            let lines = r.stdout.split(separator: "\n").map(String.init)
            #expect(lines.first == "line,text,guess,confidence,runner_up,runner_up_confidence,uncertainty")
            let texts = lines.dropFirst().map { $0.split(separator: ",")[1].lowercased().filter { $0.isLetter || $0 == " " } }
            #expect(Set(texts).count == texts.count, "near-duplicates collapsed: \(texts)")
            #expect(texts.count < 9, "the three 'play jazz' rows count once")
            let uncertainty = lines.dropFirst().map { Double($0.split(separator: ",").last!)! }
            #expect(uncertainty == uncertainty.sorted(by: >), "most uncertain first")
        }
    }

    @Test func sameSeedSamePicksAndOutputIsWrittenAtomically() throws {
        try withModel { dir in
            let a = try run(["suggest", "\(dir)/model", "\(dir)/unlabeled.csv", "--count", "4", "--strategy", "entropy",
                             "--output", "\(dir)/picks.csv", "--threads", "1"])
            #expect(a.status == 0 && a.stdout.isEmpty, "\(a.stderr)")
            let b = try run(["suggest", "\(dir)/model", "\(dir)/unlabeled.csv", "--count", "4", "--strategy", "entropy",
                             "--threads", "3"])
            #expect(try String(contentsOfFile: "\(dir)/picks.csv", encoding: .utf8) == b.stdout)
            #expect(b.stdout.split(separator: "\n").count == 5)
            let missing = try run(["suggest", "\(dir)/model", "\(dir)/unlabeled.csv", "--count", "2", "--output", "\(dir)/no/p.csv"])
            #expect(missing.status == 1 && missing.stderr.contains("no/p.csv"), "\(missing.stderr)")
        }
    }

    @Test func badArgumentsAreUsageErrors() throws {
        try withModel { dir in
            let zero = try run(["suggest", "\(dir)/model", "\(dir)/unlabeled.csv", "--count", "0"])
            #expect(zero.status == 64 && zero.stderr.contains("--count must be at least 1"), "\(zero.stderr)")
            let strategy = try run(["suggest", "\(dir)/model", "\(dir)/unlabeled.csv", "--count", "2", "--strategy", "random"])
            #expect(strategy.status == 64, "\(strategy.stderr)")
            let notModel = try run(["suggest", "\(dir)/unlabeled.csv", "\(dir)/unlabeled.csv", "--count", "2"])
            #expect(notModel.status == 1, "\(notModel.stderr)")
        }
    }
}
