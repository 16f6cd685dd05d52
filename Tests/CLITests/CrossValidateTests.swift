import Foundation
import Testing

/// `switchboard crossval` end to end, on the 3 × 10-row data of `withDataDirectory`.
@Suite struct CrossValidateCLI {
    private let quick = ["--bucket-bits", "12", "--epochs", "5"]

    private func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not JSON: \(text)")
    }

    @Test func jsonIsTheSameWhateverTheThreadCount() throws {
        try withDataDirectory { dir in
            var outputs: [[String: Any]] = [], texts: [String] = []
            for threads in ["1", "3"] {
                let r = try run(["crossval", "\(dir)/train.csv", "--folds", "3", "--json", "--threads", threads] + quick)
                try #require(r.status == 0, "\(r.stderr)")
                var o = try object(r.stdout)
                #expect(o.removeValue(forKey: "elapsed_seconds") != nil)
                outputs.append(o)
                texts.append(r.stdout.replacingOccurrences(of: #""elapsed_seconds":[0-9.e+-]+"#, with: "", options: .regularExpression))
            }
            #expect(texts[0] == texts[1], "byte-identical apart from the seconds")
            #expect(NSDictionary(dictionary: outputs[0]).isEqual(to: outputs[1]))
            #expect(outputs[0]["fold_count"] as? Int == 3 && outputs[0]["example_count"] as? Int == 30)
            #expect((outputs[0]["fold_example_counts"] as? [Int]) == [10, 10, 10])
            let accuracy = try #require(outputs[0]["accuracy"] as? [String: Double])
            let folds = try #require(outputs[0]["fold_accuracies"] as? [Double])
            #expect(abs(accuracy["mean"]! - folds.reduce(0, +) / 3) < 1e-9)
            #expect((outputs[0]["label_recalls"] as? [Any])?.count == 3)
        }
    }

    @Test func refusesBadFoldCounts() throws {
        try withDataDirectory { dir in
            let one = try run(["crossval", "\(dir)/train.csv", "--folds", "1"])
            #expect(one.status == 64 && one.stderr.contains("--folds must be at least 2"), "\(one.stderr)")
            let many = try run(["crossval", "\(dir)/train.csv", "--folds", "11"] + quick)
            #expect(many.status == 1, "\(many.stderr)")
            #expect(many.stderr.contains("3 label(s) have fewer rows than the 11 folds"), "\(many.stderr)")
            #expect(many.stderr.contains("--on-small-labels"), "\(many.stderr)")
            let merged = try run(["crossval", "\(dir)/train.csv", "--folds", "11", "--on-small-labels", "merge"] + quick)
            #expect(merged.status == 0, "\(merged.stderr)")
            #expect(merged.stdout.contains("3 with fewer rows than folds: merge"), "\(merged.stdout)")
            let bad = try run(["crossval", "\(dir)/train.csv", "--on-small-labels", "ignore"])
            #expect(bad.status == 64, "\(bad.stderr)")
        }
    }

    @Test func writesOutOfFoldPredictions() throws {
        try withDataDirectory { dir in
            let r = try run(["crossval", "\(dir)/train.csv", "--folds", "2", "--predictions", "\(dir)/oof.csv"] + quick)
            try #require(r.status == 0, "\(r.stderr)")
            let text = try String(contentsOfFile: "\(dir)/oof.csv", encoding: .utf8)
            let lines = text.split(separator: "\n")
            #expect(lines.first == "file,line,text,label,predicted,confidence,fold")
            #expect(lines.count == 31)
            #expect(lines[1].hasPrefix("\(dir)/train.csv,2,hello there,greeting,"), "\(lines[1])")
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["oof.csv", "train.csv"])
            let missing = try run(["crossval", "\(dir)/train.csv", "--folds", "2", "--predictions", "\(dir)/no/oof.csv"] + quick)
            #expect(missing.status == 1 && missing.stderr.contains("\(dir)/no/oof.csv"), "\(missing.stderr)")
        }
    }

    @Test func searchPrintsAWinnerWhoseCommandTrains() throws {
        try withDataDirectory { dir in
            let r = try run(["crossval", "\(dir)/train.csv", "--folds", "3", "--search", "epochs=2,6;learning-rate=1,4",
                             "--bucket-bits", "12"])
            try #require(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("search: 4 candidates"), "\(r.stdout)")
            let line = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("reproduce: ") })
            let words = line.dropFirst("reproduce: switchboard ".count).split(separator: " ").map(String.init)
            #expect(words.contains("--bucket-bits") && words.contains("12"), "\(line)")
            let model = words.map { $0 == "MODEL" ? "\(dir)/model" : $0 }
            let train = try run(model)
            #expect(train.status == 0, "\(line): \(train.stderr)")
            let bad = try run(["crossval", "\(dir)/train.csv", "--search", "colour=red"])
            #expect(bad.status == 64 && bad.stderr.contains("unknown key \"colour\""), "\(bad.stderr)")
        }
    }

    @Test func semanticOptionsNeedAPackAndAreReported() throws {
        try withDataDirectory { dir in
            let weight = try run(["crossval", "\(dir)/train.csv", "--folds", "3", "--search", "embedding-weight=0.5,1"] + quick)
            #expect(weight.status == 1 && weight.stderr.contains("embedding-weight needs the semantic block"), "\(weight.stderr)")
            let missing = try run(["crossval", "\(dir)/train.csv", "--folds", "3", "--embeddings", "\(dir)/no.swemb"] + quick)
            #expect(missing.status == 1 && missing.stderr.contains("\(dir)/no.swemb"), "\(missing.stderr)")
            let r = try run(["crossval", "\(dir)/train.csv", "--folds", "3", "--json"] + quick)
            try #require(r.status == 0, "\(r.stderr)")
            let features = try #require(try object(r.stdout)["features"] as? [String: Any])
            #expect(features["semantic"] as? Bool == false && features["ngrams"] as? Bool == true, "\(features)")
        }
    }
}
