import Foundation
import Switchboard
import Testing

/// End-to-end tests of `calibrate`, and of the abstention options of `train` and `evaluate`.

/// A directory with `train.csv` (3 labels, distinct vocabulary), `val.csv` (in-scope rows) and
/// `oos.csv` (rows labeled "oos" with words never seen in training), plus a trained `model`.
private func withCalibrationData<T>(_ body: (String) throws -> T) throws -> T {
    try withDataDirectory { dir in
        try """
        text,label
        hello there friend,greeting
        good morning pal,greeting
        sunny forecast today,weather
        snow storm tomorrow,weather
        play some jazz,music
        next song please,music
        hi buddy,greeting
        """.write(toFile: "\(dir)/val.csv", atomically: true, encoding: .utf8)
        try """
        text,label
        transfer money to savings,oos
        book a flight to paris,oos
        what is my credit score,oos
        """.write(toFile: "\(dir)/oos.csv", atomically: true, encoding: .utf8)
        let r = try run(["train", "\(dir)/train.csv", "--output", "\(dir)/model"] + quickTraining)
        try #require(r.status == 0, "train failed: \(r.stderr)")
        return try body(dir)
    }
}

private let quickTraining = ["--bucket-bits", "12", "--epochs", "5", "--threads", "1"]

private func object(_ text: String) throws -> [String: Any] {
    try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object: \(text)")
}

private let reportKeys: Set = ["threshold", "temperature", "ece_before", "ece_after", "coverage", "answered_accuracy",
                               "in_scope_accuracy", "unknown_recall", "example_count", "unknown_label", "warnings"]

@Suite struct CalibrateTests {
    @Test func writesTheCalibrationIntoTheMetadata() throws {
        try withCalibrationData { dir in
            let r = try run(["calibrate", "\(dir)/model", "\(dir)/val.csv", "\(dir)/oos.csv", "--unknown-label", "oos",
                             "--output", "\(dir)/calibrated", "--json"])
            try #require(r.status == 0, "calibrate failed: \(r.stderr)")
            let printed = try object(r.stdout)
            #expect(printed["model"] as? String == "\(dir)/model" && printed["output"] as? String == "\(dir)/calibrated")
            let report = try #require(printed["calibration"] as? [String: Any])
            #expect(Set(report.keys) == reportKeys)
            #expect(report["example_count"] as? Int == 10)
            #expect((report["temperature"] as? Double ?? 0) > 0)

            let inspect = try run(["inspect", "\(dir)/calibrated", "--json"])
            let metadata = try #require(try object(inspect.stdout)["metadata"] as? [String: Any])
            let calibration = try #require(metadata["calibration"] as? [String: Any])
            #expect(calibration["unknown_label"] as? String == "oos")
            // The metadata holds the float32 threshold widened to a double; the report prints it shortest.
            #expect((calibration["threshold"] as? Double).map(Float.init) == (report["threshold"] as? Double).map(Float.init))
            #expect(metadata["seed"] as? Int == 42)                   // the training record is kept

            // Labels, features and weights are untouched; only the metadata differs.
            var before = try ModelFile.load(path: "\(dir)/model").contents()
            let after = try ModelFile.load(path: "\(dir)/calibrated").contents()
            #expect(before.metadata != after.metadata)
            before.metadata = after.metadata
            #expect(before == after)
        }
    }

    @Test func targetsAreMutuallyExclusive() throws {
        try withCalibrationData { dir in
            let both = ["--target-precision", "0.9", "--target-coverage", "0.8"]
            let calibrate = try run(["calibrate", "\(dir)/model", "\(dir)/val.csv", "--output", "\(dir)/x"] + both)
            #expect(calibrate.status == 64)
            #expect(calibrate.stderr.contains("--target-precision"))
            let train = try run(["train", "\(dir)/train.csv", "--validation", "\(dir)/val.csv", "--output", "\(dir)/x"] + both)
            #expect(train.status == 64)
            let range = try run(["calibrate", "\(dir)/model", "\(dir)/val.csv", "--output", "\(dir)/x",
                                 "--target-coverage", "1.5"])
            #expect(range.status == 64)
            let noValidation = try run(["train", "\(dir)/train.csv", "--output", "\(dir)/x", "--calibrate"])
            #expect(noValidation.status == 64)
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/x"))
        }
    }

    @Test func unknownShareNeedsBothKindsAndExcludesTargets() throws {
        try withCalibrationData { dir in
            let base = ["calibrate", "\(dir)/model", "\(dir)/val.csv", "--output", "\(dir)/x", "--unknown-label", "oos"]
            for bad in [["--unknown-share", "1"], ["--unknown-share", "0"], ["--unknown-share", "0.2", "--target-coverage", "0.8"]] {
                let r = try run(base + bad)
                #expect(r.status == 64, "\(bad): \(r.stderr)")
                #expect(r.stderr.contains("--unknown-share"), "\(bad): \(r.stderr)")
            }
            // val.csv alone has no "oos" rows: nothing to weigh, a one-line failure, no output.
            let noUnknown = try run(base + ["--unknown-share", "0.2"])
            #expect(noUnknown.status == 1)
            #expect(noUnknown.stderr.contains("unknown-label share needs validation rows"), "\(noUnknown.stderr)")
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/x"))
            let ok = try run(base + ["\(dir)/oos.csv", "--unknown-share", "0.2", "--json"])
            #expect(ok.status == 0, "\(ok.stderr)")
            #expect(FileManager.default.fileExists(atPath: "\(dir)/x"))
        }
    }

    @Test func evaluateReportsAbstentionWhenAThresholdIsSet() throws {
        try withCalibrationData { dir in
            let plain = try object(run(["evaluate", "\(dir)/model", "\(dir)/val.csv", "\(dir)/oos.csv", "--json"]).stdout)
            #expect(plain["ece"] is Double)
            #expect(plain["coverage"] == nil && plain["threshold"] == nil)

            // Threshold 1: no probability of this lightly trained model reaches it, so all rows are abstained on.
            let all = try object(run(["evaluate", "\(dir)/model", "\(dir)/val.csv", "\(dir)/oos.csv", "--json",
                                      "--unknown-label", "oos", "--threshold", "1"]).stdout)
            for key in ["coverage", "answered_accuracy", "in_scope_accuracy", "unknown_recall", "ece", "threshold"] {
                #expect(all[key] != nil, "evaluate --json lacks \(key)")
            }
            #expect(all["coverage"] as? Double == 0)
            #expect(all["unknown_recall"] as? Double == 1)
            #expect(all["in_scope_accuracy"] as? Double == 0)
            #expect(all["accuracy"] as? Double == 0.3)          // the 3 oos rows of 10, abstained on

            // The calibrated model's own threshold and unknown label are the defaults.
            let c = try run(["calibrate", "\(dir)/model", "\(dir)/val.csv", "\(dir)/oos.csv", "--unknown-label", "oos",
                             "--output", "\(dir)/calibrated", "--json"])
            let report = try #require(try object(c.stdout)["calibration"] as? [String: Any])
            let own = try object(run(["evaluate", "\(dir)/calibrated", "\(dir)/val.csv", "\(dir)/oos.csv", "--json"]).stdout)
            for key in ["threshold", "coverage", "answered_accuracy", "in_scope_accuracy", "unknown_recall"] {
                #expect(own[key] as? Double == report[key] as? Double, "\(key) differs from calibrate's")
            }
            #expect(own["ece"] as? Double == report["ece_after"] as? Double)
        }
    }

    @Test func trainCalibratesInOneStep() throws {
        try withCalibrationData { dir in
            let r = try run(["train", "\(dir)/train.csv", "--validation", "\(dir)/val.csv", "--validation", "\(dir)/oos.csv",
                             "--unknown-label", "oos", "--output", "\(dir)/one", "--json"] + quickTraining)
            try #require(r.status == 0, "train failed: \(r.stderr)")
            let summary = try object(r.stdout)
            let calibration = try #require(summary["calibration"] as? [String: Any])
            #expect(Set(calibration.keys) == reportKeys)
            #expect(summary["validation_example_count"] as? Int == 7)          // oos rows are not used for early stopping
            // Same as training on the in-scope validation file, then calibrating on both files.
            _ = try run(["train", "\(dir)/train.csv", "--validation", "\(dir)/val.csv", "--output", "\(dir)/two"]
                        + quickTraining)
            _ = try run(["calibrate", "\(dir)/two", "\(dir)/val.csv", "\(dir)/oos.csv", "--unknown-label", "oos",
                         "--output", "\(dir)/two"])
            #expect(FileManager.default.contents(atPath: "\(dir)/one") == FileManager.default.contents(atPath: "\(dir)/two"))
        }
    }

    @Test func helpListsTheOptions() throws {
        let calibrate = try run(["calibrate", "--help"])
        #expect(calibrate.status == 0)
        for option in ["--output", "--unknown-label", "--target-precision", "--target-coverage", "--unknown-share", "--text-column",
                       "--label-column", "--threads", "--json"] {
            #expect(calibrate.stdout.contains(option), "calibrate --help lacks \(option)")
        }
        let train = try run(["train", "--help"])
        for option in ["--calibrate", "--unknown-label", "--target-precision", "--target-coverage"] {
            #expect(train.stdout.contains(option), "train --help lacks \(option)")
        }
        let evaluate = try run(["evaluate", "--help"])
        for option in ["--unknown-label", "--threshold"] { #expect(evaluate.stdout.contains(option)) }
    }
}
