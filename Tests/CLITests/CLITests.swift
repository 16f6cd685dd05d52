import Foundation
import Testing

/// End-to-end tests of the built `switchboard` binary (`swift build` first; the Makefile does).

/// A fresh directory holding a tiny training CSV: 3 labels × 10 rows with distinct vocabulary.
func withDataDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let topics = [("greeting", ["hello there", "good morning", "hi friend", "hey buddy", "greetings pal"]),
                  ("weather", ["rain tomorrow", "sunny forecast", "cold wind", "snow storm", "humid heat"]),
                  ("music", ["play jazz", "next song", "louder guitar", "pause playlist", "shuffle album"])]
    var csv = "text,label\n"
    for (label, phrases) in topics {
        for phrase in phrases { csv += "\(phrase),\(label)\n\"\(phrase), please\",\(label)\n" }
    }
    try csv.write(toFile: "\(dir)/train.csv", atomically: true, encoding: .utf8)
    return try body(dir)
}

private let fastTraining = ["--bucket-bits", "12", "--epochs", "5", "--threads", "1"]

/// Trains `dir/model` from `dir/train.csv`.
private func trainModel(in dir: String) throws -> String {
    let model = "\(dir)/model"
    let r = try run(["train", "\(dir)/train.csv", "--output", model] + fastTraining)
    try #require(r.status == 0, "train failed: \(r.stderr)")
    return model
}

private func jsonObject(_ text: String) throws -> [String: Any] {
    let value = try JSONSerialization.jsonObject(with: Data(text.utf8))
    return try #require(value as? [String: Any], "not a JSON object: \(text)")
}

private func lines(_ text: String) -> [Substring] {
    text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
}

@Suite struct HelpAndUsage {
    @Test func rootHelpListsSubcommands() throws {
        let r = try run(["--help"])
        #expect(r.status == 0)
        for name in ["train", "evaluate", "predict", "inspect"] { #expect(r.stdout.contains(name)) }
    }

    @Test(arguments: [
        ("train", ["--output", "--validation", "--text-column", "--label-column", "--seed", "--threads", "--json",
                   "--epochs", "--learning-rate", "--l2", "--bucket-bits", "--word-ngrams", "--char-ngrams",
                   "--no-fold-diacritics", "--no-sublinear-tf", "--no-idf", "--class-weighting",
                   "--validation-fraction", "--patience"]),
        ("evaluate", ["--json", "--text-column", "--label-column", "--threads"]),
        ("predict", ["--top-k", "--json", "no features"]),
        ("inspect", ["--json"]),
    ])
    func subcommandHelp(command: String, options: [String]) throws {
        let r = try run([command, "--help"])
        #expect(r.status == 0)
        for option in options { #expect(r.stdout.contains(option), "\(command) --help lacks \(option)") }
    }

    @Test func unknownOptionIsUsageError() throws {
        let r = try run(["inspect", "model", "--no-such-option"])
        #expect(r.status == 64)
        #expect(r.stderr.hasPrefix("switchboard: error: "))
    }

    @Test func trainWithoutOutputIsUsageError() throws {
        #expect(try run(["train", "train.csv"]).status == 64)
    }

    @Test func validationConflictIsUsageError() throws {
        let r = try run(["train", "t.csv", "-o", "m", "--validation", "v.csv", "--validation-fraction", "0.1"])
        #expect(r.status == 64)
        #expect(lines(r.stderr).count == 1)
        #expect(r.stderr.contains("--validation-fraction"))
    }

    @Test(arguments: [["--epochs", "0"], ["--bucket-bits", "30"], ["--word-ngrams", "3-1"], ["--threads", "0"],
                      ["--class-weighting", "heavy"], ["--validation-fraction", "1.5"]])
    func invalidHyperparameterIsUsageError(arguments: [String]) throws {
        let r = try run(["train", "t.csv", "-o", "m"] + arguments)
        #expect(r.status == 64)
        #expect(lines(r.stderr).count == 1)
    }
}

@Suite struct Commands {
    @Test func trainJSON() throws {
        try withDataDirectory { dir in
            let r = try run(["train", "\(dir)/train.csv", "-o", "\(dir)/m", "--json", "--validation-fraction", "0.2"]
                            + fastTraining)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stderr.isEmpty) // not a terminal: no progress
            #expect(lines(r.stdout).count == 1)
            let json = try jsonObject(r.stdout)
            for key in ["example_count", "labels", "label_count", "elapsed_seconds", "output_bytes", "epochs_run", "max_epochs",
                        "validation_accuracy"] {
                #expect(json[key] != nil, "missing \(key)")
            }
            #expect(json["label_count"] as? Int == 3 && json["labels"] as? [String] == ["greeting", "music", "weather"])
            #expect(json["example_count"] as? Int == 24)
            let size = try FileManager.default.attributesOfItem(atPath: "\(dir)/m")[.size] as? NSNumber
            #expect((json["output_bytes"] as? Int) == size?.intValue)
        }
    }

    @Test func trainTextSummary() throws {
        try withDataDirectory { dir in
            let r = try run(["train", "\(dir)/train.csv", "-o", "\(dir)/m"] + fastTraining)
            #expect(r.status == 0)
            #expect(r.stdout.contains("examples") && r.stdout.contains("\(dir)/m"))
        }
    }

    @Test func evaluateJSON() throws {
        try withDataDirectory { dir in
            let model = try trainModel(in: dir)
            let csv = "\(dir)/train.csv"
            let r = try run(["evaluate", model, csv, csv, "--json", "--threads", "2"])
            #expect(r.status == 0, "\(r.stderr)")
            let json = try jsonObject(r.stdout)
            for key in ["example_count", "accuracy", "macro_f1", "per_label", "confusions"] {
                #expect(json[key] != nil, "missing \(key)")
            }
            #expect(json["example_count"] as? Int == 60)
            let accuracy = try #require(json["accuracy"] as? Double)
            #expect((0...1).contains(accuracy))
            let perLabel = try #require(json["per_label"] as? [String: [String: Any]])
            #expect(Set(perLabel.keys) == ["greeting", "weather", "music"])
            #expect(perLabel["music"]?["example_count"] as? Int == 20)
        }
    }

    @Test func evaluateTable() throws {
        try withDataDirectory { dir in
            let r = try run(["evaluate", try trainModel(in: dir), "\(dir)/train.csv"])
            #expect(r.status == 0)
            for word in ["accuracy", "macro-F1", "precision", "greeting"] { #expect(r.stdout.contains(word)) }
        }
    }

    @Test func predictArguments() throws {
        try withDataDirectory { dir in
            let model = try trainModel(in: dir)
            let r = try run(["predict", model, "play some jazz", "rain and snow", "!!!"])
            #expect(r.status == 0, "\(r.stderr)")
            let out = lines(r.stdout)
            #expect(out.count == 3)
            #expect(out.first?.hasPrefix("music\t") == true)
            #expect(out.dropFirst().first?.hasPrefix("weather\t") == true)
            #expect(out.last == "unknown\t0.0000") // no features: the unknown label, as `label` answers
            let probability = out.first.flatMap { $0.split(separator: "\t").last }.map(String.init)
            #expect(probability?.count == 6) // 4 decimals
            let top = try run(["predict", model, "--top-k", "2", "hello friend"])
            #expect(lines(top.stdout).first?.split(separator: "\t").count == 6)  // routed pair, then 2 ranked
            #expect(lines(top.stdout).first?.hasPrefix("greeting\t0.") == true)
        }
    }

    @Test func predictStandardInput() throws {
        try withDataDirectory { dir in
            let model = try trainModel(in: dir)
            let input: [UInt8] = Array("good morning\r\nsnow \u{e9}".utf8) + [0xFF, 0xFE] + Array("\n\nplay jazz".utf8)
            let r = try run(["predict", model, "--json", "--top-k", "3"], stdin: input)
            #expect(r.status == 0, "\(r.stderr)")
            let objects = try lines(r.stdout).map { try jsonObject(String($0)) }
            #expect(objects.count == 4)
            #expect(objects.map { $0["label"] as? String } == ["greeting", "weather", "unknown", "music"])
            #expect(objects[0]["text"] as? String == "good morning")
            #expect((objects[1]["text"] as? String)?.contains("\u{FFFD}") == true)
            #expect(objects[2]["abstained"] as? Bool == true && objects[0]["abstained"] as? Bool == false)
            #expect((objects[0]["top"] as? [[String: Any]])?.count == 3)
            #expect((objects[2]["top"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func inspectJSON() throws {
        try withDataDirectory { dir in
            let model = try trainModel(in: dir)
            let r = try run(["inspect", model, "--json"])
            #expect(r.status == 0, "\(r.stderr)")
            let json = try jsonObject(r.stdout)
            #expect(json["format_version"] as? Int == 1)
            #expect(json["labels"] as? [String] == ["greeting", "music", "weather"])
            #expect((json["features"] as? [String: Any])?["bucket_bits"] as? Int == 12)
            #expect(json["model_bytes"] is Int)
            #expect((json["metadata"] as? [String: Any])?["epochs"] as? Int == 5)
            let text = try run(["inspect", model])
            #expect(text.status == 0 && text.stdout.contains("weather") && text.stdout.contains("metadata"))
        }
    }
}

@Suite struct Failures {
    @Test(arguments: [("text,label\nhello,a\n\"unclosed,b\n", 3), ("text,label\nhello,a\nbye,\n", 3)])
    func malformedCSV(csv: String, line: Int) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = "\(dir)/bad.csv"
        try csv.write(toFile: path, atomically: true, encoding: .utf8)
        let r = try run(["train", path, "-o", "\(dir)/m"])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("switchboard: error: \(path):\(line):"), "\(r.stderr)")
        #expect(lines(r.stderr).count == 1)
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/m"))
    }

    @Test func missingModel() throws {
        let r = try run(["inspect", "/nonexistent/switchboard-model"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("/nonexistent/switchboard-model"))
    }

    @Test(arguments: ["inspect", "predict", "evaluate"])
    func corruptModel(command: String) throws {
        try withDataDirectory { dir in
            let model = "\(dir)/garbage"
            try Data((0..<500).map { UInt8(truncatingIfNeeded: $0 &* 37) }).write(to: URL(fileURLWithPath: model))
            let extra = ["inspect": [], "predict": ["hello"], "evaluate": ["\(dir)/train.csv"]][command] ?? []
            let r = try run([command, model] + extra)
            #expect(r.status == 1)
            #expect(lines(r.stderr).count == 1)
            #expect(r.stderr.hasPrefix("switchboard: error: ") && r.stderr.contains(model))
        }
    }

    @Test func truncatedModel() throws {
        try withDataDirectory { dir in
            let model = try trainModel(in: dir)
            let bytes = try #require(FileManager.default.contents(atPath: model))
            try bytes.prefix(bytes.count - 100).write(to: URL(fileURLWithPath: model))
            let r = try run(["predict", model, "hello"])
            #expect(r.status == 1)
            #expect(lines(r.stderr).count == 1)
        }
    }
}
