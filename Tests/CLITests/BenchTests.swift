import Foundation
import Testing

/// `switchboard bench`: output shape and errors only. Nothing here asserts on a measured time.
@Suite struct BenchTests {
    /// Keys of `bench --json`, all numbers (`allocations_per_query` may be null).
    static let numericKeys = ["load_seconds", "latency_p50_seconds", "latency_p90_seconds", "latency_p99_seconds",
                              "latency_p999_seconds", "latency_max_seconds", "latency_mean_seconds", "sample_count",
                              "timer_overhead_seconds", "page_fault_count", "context_switch_count", "queries_per_second",
                              "queries_per_second_all_threads", "thread_count", "model_bytes", "resident_bytes",
                              "query_count", "p50_us", "p99_us", "load_ms"]

    /// Trains `dir/model` from the shared tiny data set, quickly.
    private func model(in dir: String) throws -> String {
        let path = "\(dir)/model"
        let r = try run(["train", "\(dir)/train.csv", "--output", path, "--bucket-bits", "12", "--epochs", "5",
                         "--threads", "1"])
        try #require(r.status == 0, "train failed: \(r.stderr)")
        return path
    }

    private func benchJSON(_ arguments: [String]) throws -> [String: Any] {
        let r = try run(["bench"] + arguments + ["--json", "--iterations", "200"])
        try #require(r.status == 0, "bench failed: \(r.stderr)")
        #expect(r.stdout.split(separator: "\n").count == 1)
        let value = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
        return try #require(value as? [String: Any], "not a JSON object: \(r.stdout)")
    }

    @Test func jsonHoldsEveryKeyWithSaneTypes() throws {
        try withDataDirectory { dir in
            let json = try benchJSON([try model(in: dir), "--threads", "2"])
            for key in Self.numericKeys {
                let number = try #require(json[key] as? NSNumber, "\(key) is not a number: \(String(describing: json[key]))")
                #expect(number.doubleValue.isFinite && number.doubleValue >= 0, "\(key) = \(number)")
            }
            #expect(json["query_count"] as? Int == 200) // the built-in set
            #expect(json["sample_count"] as? Int == 200)
            #expect(json["thread_count"] as? Int == 2)
            let size = try FileManager.default.attributesOfItem(atPath: "\(dir)/model")[.size] as? NSNumber
            #expect((json["model_bytes"] as? Int) == size?.intValue)
            let allocations = try #require(json["allocations_per_query"], "allocations_per_query missing")
            #if os(Linux)
            // The counter works on Linux, and a prediction with a reused scratch allocates nothing.
            #expect((allocations as? NSNumber)?.doubleValue == 0, "allocations_per_query: \(allocations)")
            #else
            #expect(allocations is NSNull || ((allocations as? NSNumber)?.doubleValue ?? -1) >= 0)
            #endif
            #if os(Linux)
            #expect((json["resident_bytes"] as? NSNumber)?.doubleValue ?? 0 > 0)
            #endif
            let p50 = try #require((json["latency_p50_seconds"] as? NSNumber)?.doubleValue)
            let p99 = try #require((json["latency_p99_seconds"] as? NSNumber)?.doubleValue)
            let max = try #require((json["latency_max_seconds"] as? NSNumber)?.doubleValue)
            #expect(p50 <= p99 && p99 <= max)
            // The scorecard's aliases restate the same figures in microseconds and milliseconds.
            let load = try #require((json["load_seconds"] as? NSNumber)?.doubleValue)
            for (alias, seconds, unit) in [("p50_us", p50, 1e6), ("p99_us", p99, 1e6), ("load_ms", load, 1e3)] {
                let value = try #require((json[alias] as? NSNumber)?.doubleValue, "\(alias) missing")
                #expect(abs(value - seconds * unit) <= 1e-9 * unit, "\(alias) = \(value), expected \(seconds * unit)")
            }
        }
    }

    @Test func queriesFromCSVAndTextFiles() throws {
        try withDataDirectory { dir in
            let model = try model(in: dir)
            #expect(try benchJSON([model, "\(dir)/train.csv"])["query_count"] as? Int == 30)
            try "good morning\r\n\n  play jazz  \nsnow storm".write(toFile: "\(dir)/queries.txt", atomically: true, encoding: .utf8)
            #expect(try benchJSON([model, "\(dir)/queries.txt"])["query_count"] as? Int == 3)
            try "id,utterance\n1,hello there\n2,\"rain, tomorrow\"\n".write(toFile: "\(dir)/q.CSV", atomically: true, encoding: .utf8)
            #expect(try benchJSON([model, "\(dir)/q.CSV", "--text-column", "utterance"])["query_count"] as? Int == 2)
            #expect(try benchJSON([model, "\(dir)/q.CSV", "--text-column", "1", "--threads", "1"])["thread_count"] as? Int == 1)
        }
    }

    @Test func tableForPeople() throws {
        try withDataDirectory { dir in
            let r = try run(["bench", try model(in: dir), "--iterations", "50"])
            #expect(r.status == 0, "\(r.stderr)")
            for word in ["load", "latency p50", "latency p99.9", "throughput", "allocations", "resident memory"] {
                #expect(r.stdout.contains(word), "table lacks \(word)")
            }
        }
    }

    @Test func helpListsOptions() throws {
        let r = try run(["bench", "--help"])
        #expect(r.status == 0)
        for option in ["--json", "--duration", "--iterations", "--threads", "--text-column"] {
            #expect(r.stdout.contains(option), "bench --help lacks \(option)")
        }
    }

    @Test(arguments: [["--duration", "1", "--iterations", "5"], ["--iterations", "0"], ["--duration", "0"],
                      ["--duration", "-1"], ["--threads", "0"]])
    func invalidOptionsAreUsageErrors(arguments: [String]) throws {
        let r = try run(["bench", "model"] + arguments)
        #expect(r.status == 64)
        #expect(r.stderr.hasPrefix("switchboard: error: "))
    }

    @Test func badInputsFail() throws {
        try withDataDirectory { dir in
            let missingModel = try run(["bench", "\(dir)/no-such-model", "--iterations", "10"])
            #expect(missingModel.status == 1)
            #expect(missingModel.stderr.contains("no-such-model"))
            let model = try model(in: dir)
            let missingQueries = try run(["bench", model, "\(dir)/none.txt", "--iterations", "10"])
            #expect(missingQueries.status == 1)
            let wrongColumn = try run(["bench", model, "\(dir)/train.csv", "--text-column", "query", "--iterations", "10"])
            #expect(wrongColumn.status == 1)
            #expect(wrongColumn.stderr.contains("no column"))
            try "\n  \n".write(toFile: "\(dir)/blank.txt", atomically: true, encoding: .utf8)
            let blank = try run(["bench", model, "\(dir)/blank.txt", "--iterations", "10"])
            #expect(blank.status == 1)
            #expect(blank.stderr.contains("no queries"))
        }
    }
}
