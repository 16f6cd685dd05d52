import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// End-to-end tests of `switchboard label`.

/// Trains a tiny model in `dir` (4096 buckets, 5 epochs) and returns its path.
private func tinyModel(in dir: String) throws -> String {
    let model = "\(dir)/model"
    let r = try run(["train", "\(dir)/train.csv", "--output", model, "--bucket-bits", "12", "--epochs", "5", "--threads", "1"])
    try #require(r.status == 0, "train failed: \(r.stderr)")
    return model
}

private func write(_ text: String, to path: String) throws {
    try text.write(toFile: path, atomically: false, encoding: .utf8)
}

private func contents(_ path: String) -> String? {
    FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
}

/// Files in `dir` other than the training data and model.
private func leftovers(_ dir: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: dir).filter { !["train.csv", "model"].contains($0) }.sorted()
}

@Suite struct LabelTests {
    @Test func helpListsOptions() throws {
        let r = try run(["label", "--help"])
        #expect(r.status == 0)
        for option in ["--output", "--format", "--text-column", "--text-field", "--top-k", "--threshold",
                       "--unknown-label", "--threads", "--on-error"] {
            #expect(r.stdout.contains(option), "label --help lacks \(option)")
        }
    }

    @Test func csvFileToFileKeepsColumns() throws {
        try withDataDirectory { dir in
            let model = try tinyModel(in: dir)
            try write("id,text,note\n1,play some jazz,\"a, \"\"b\"\"\"\n2,\"rain\nand snow\",😀\n", to: "\(dir)/in.csv")
            let r = try run(["label", model, "\(dir)/in.csv", "--output", "\(dir)/out.csv", "--threads", "2"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.isEmpty && r.stderr.isEmpty)
            let out = try #require(contents("\(dir)/out.csv"))
            #expect(out.hasPrefix("id,text,note,label,confidence\n1,play some jazz,\"a, \"\"b\"\"\",music,0."))
            #expect(out.contains("\n2,\"rain\nand snow\",😀,weather,0."))
            #expect(try leftovers(dir) == ["in.csv", "out.csv"])  // no temporary file left
        }
    }

    @Test func csvTopKAndTextColumn() throws {
        try withDataDirectory { dir in
            let model = try tinyModel(in: dir)
            try write("q,id\nhello friend,1\n", to: "\(dir)/in.csv")
            let r = try run(["label", model, "\(dir)/in.csv", "--top-k", "3", "--text-column", "0"])
            #expect(r.status == 0, "\(r.stderr)")
            let lines = r.stdout.split(separator: "\n")
            #expect(lines.first == "q,id,label,confidence,label_1,confidence_1,label_2,confidence_2,label_3,confidence_3")
            #expect(lines.last?.hasPrefix("hello friend,1,greeting,0.") == true)
            #expect(lines.last?.split(separator: ",").count == 10)
            let missing = try run(["label", model, "\(dir)/in.csv"])
            #expect(missing.status == 1 && missing.stderr.contains("in.csv:1: no column \"text\""))
        }
    }

    @Test func standardInputAndOutput() throws {
        try withDataDirectory { dir in
            let model = try tinyModel(in: dir)
            let text = try run(["label", model], stdin: Array("play jazz\nsnow storm\n".utf8))
            #expect(text.status == 0, "\(text.stderr)")
            let lines = text.stdout.split(separator: "\n")
            #expect(lines.count == 2 && lines[0].hasPrefix("music\t0.") && lines[1].hasPrefix("weather\t0."))
            let top = try run(["label", model, "-", "--output", "-", "--top-k", "2"], stdin: Array("hi friend".utf8))
            #expect(top.stdout.split(separator: "\t").count == 6)  // routed label and confidence, then 2 ranked
            let csv = try run(["label", model, "--format", "csv"], stdin: Array("text\nhello there\n".utf8))
            #expect(csv.stdout.hasPrefix("text,label,confidence\nhello there,greeting,"))
        }
    }

    @Test func jsonLines() throws {
        try withDataDirectory { dir in
            let model = try tinyModel(in: dir)
            try write("{\"id\":1,\"body\":\"play jazz\"}\n\n{\"body\":\"good morning\",\"tag\":\"x\"}\n", to: "\(dir)/in.ndjson")
            let r = try run(["label", model, "\(dir)/in.ndjson", "--text-field", "body", "--top-k", "2"])
            #expect(r.status == 0, "\(r.stderr)")
            let objects = try r.stdout.split(separator: "\n").map {
                try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
            }
            #expect(objects.map { $0["label"] as? String } == ["music", "greeting"])
            #expect(objects[0]["id"] as? Int == 1)
            #expect((objects[1]["top"] as? [[String: Any]])?.count == 2)
            #expect(objects[1]["confidence"] is Double)
        }
    }

    @Test func thresholdGivesUnknownLabel() throws {
        try withDataDirectory { dir in
            let model = try tinyModel(in: dir)
            let r = try run(["label", model, "--threshold", "1", "--unknown-label", "other"], stdin: Array("play jazz\n".utf8))
            #expect(r.stdout.hasPrefix("other\t0."))
            let plain = try run(["label", model, "--threshold", "1"], stdin: Array("play jazz\n".utf8))
            #expect(plain.stdout.hasPrefix("unknown\t0."))
            #expect(try run(["label", model, "--threshold", "2"]).status == 64)
        }
    }

    @Test func failStopsAndLeavesNoFile() throws {
        try withDataDirectory { dir in
            let model = try tinyModel(in: dir)
            try write("text\nhello\nx,y\nplay jazz\n", to: "\(dir)/in.csv")
            let r = try run(["label", model, "\(dir)/in.csv", "-o", "\(dir)/out.csv"])
            #expect(r.status == 1)
            #expect(r.stderr == "switchboard: error: \(dir)/in.csv:3: row has 2 fields but the header has 1\n")
            #expect(try leftovers(dir) == ["in.csv"])  // neither output nor temporary file
            try write("precious", to: "\(dir)/out.csv")
            #expect(try run(["label", model, "\(dir)/in.csv", "-o", "\(dir)/out.csv"]).status == 1)
            #expect(contents("\(dir)/out.csv") == "precious")  // an existing file is untouched
            #expect(try leftovers(dir) == ["in.csv", "out.csv"])
        }
    }

    @Test func skipReportsBadRows() throws {
        try withDataDirectory { dir in
            let model = try tinyModel(in: dir)
            let input = Array("text,n\nhello,1\nbad\n\"x".utf8) + [0xFF] + Array("\",3\nplay jazz,4\n".utf8)
            try Data(input).write(to: URL(fileURLWithPath: "\(dir)/in.csv"))
            let r = try run(["label", model, "\(dir)/in.csv", "--on-error", "skip", "-o", "\(dir)/out.csv"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stderr == """
                switchboard: skipped \(dir)/in.csv:3: row has 1 fields but the header has 2
                switchboard: skipped \(dir)/in.csv:4: invalid UTF-8 in field 1
                switchboard: skipped 2 bad rows

                """)
            let rows = contents("\(dir)/out.csv")?.split(separator: "\n").map { $0.split(separator: ",").prefix(2) }
            #expect(rows == [["text", "n"], ["hello", "1"], ["play jazz", "4"]])
            let fatal = try run(["label", model, "--on-error", "skip", "--format", "csv"], stdin: Array("text\na\"b\n".utf8))
            #expect(fatal.status == 1 && fatal.stderr.hasPrefix("switchboard: error: <stdin>:2: quote character"))
        }
    }

    @Test func refusesToOverwriteTheInput() throws {
        try withDataDirectory { dir in
            let model = try tinyModel(in: dir)
            try write("hello\n", to: "\(dir)/in.txt")
            let r = try run(["label", model, "\(dir)/in.txt", "-o", "\(dir)/./in.txt"])
            #expect(r.status == 64 && r.stderr.contains("--output"))
            #expect(contents("\(dir)/in.txt") == "hello\n")
            #expect(try run(["label", model, "\(dir)/missing.txt"]).status == 1)
            #expect(try run(["label", "\(dir)/no-model", "\(dir)/in.txt"]).status == 1)
        }
    }

    @Test func interruptedRunRemovesTheTemporaryFile() throws {
        try withDataDirectory { dir in
            let model = try tinyModel(in: dir)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["label", model, "-o", "\(dir)/out.txt"]
            let input = Pipe()
            process.standardInput = input
            try process.run()
            defer { try? input.fileHandleForWriting.close() }
            input.fileHandleForWriting.write(Data("hello\n".utf8))  // stdin stays open: the run waits
            var waited = 0
            while try leftovers(dir).isEmpty && waited < 200 {  // up to 10 s for the temporary file
                usleep(50_000)
                waited += 1
            }
            #expect(try leftovers(dir).count == 1)
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
            #expect(process.terminationStatus == 128 + SIGTERM)
            #expect(try leftovers(dir).isEmpty)
        }
    }
}
