import Foundation
import Testing

/// What a new user's first mistakes get: files given as texts, outputs that cannot be written,
/// columns that clash, labels that look alike, several files and columns, very large models.

private let quick = ["--bucket-bits", "12", "--epochs", "5", "--threads", "1"]

private func write(_ text: String, to path: String) throws {
    try text.write(toFile: path, atomically: false, encoding: .utf8)
}

/// Trains `dir/model` from the shared tiny `dir/train.csv`.
private func model(in dir: String) throws -> String {
    let r = try run(["train", "\(dir)/train.csv", "--output", "\(dir)/model"] + quick)
    try #require(r.status == 0, "train failed: \(r.stderr)")
    return "\(dir)/model"
}

@Suite struct PredictTextThatIsAFile {
    @Test func aTextNamingAFileIsAUsageError() throws {
        try withDataDirectory { dir in
            let m = try model(in: dir)
            let r = try run(["predict", m, "\(dir)/train.csv"])
            #expect(r.status == 64, "\(r.stdout)")
            #expect(r.stderr.contains("that's a file") && r.stderr.contains("label") && r.stderr.contains("--"), "\(r.stderr)")
            #expect(r.stdout.isEmpty)
        }
    }

    @Test func doubleDashClassifiesTheLiteralText() throws {
        try withDataDirectory { dir in
            let m = try model(in: dir)
            let r = try run(["predict", m, "--", "\(dir)/train.csv", "hello there"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.split(separator: "\n").count == 2)
            #expect(try run(["predict", m, "no such file here"]).status == 0)
            #expect(try run(["predict", m, dir]).status == 0)  // a directory is not taken for a file
        }
    }
}

@Suite struct OutputsCheckedFirst {
    @Test(arguments: [["train", "TRAIN", "--output", "nodir/m"], ["calibrate", "MODEL", "TRAIN", "--output", "nodir/m"],
                      ["compress", "MODEL", "--output", "nodir/m"], ["label", "MODEL", "TRAIN", "--output", "nodir/out.csv"],
                      ["report", "MODEL", "TRAIN", "--output", "nodir/r.html"]])
    func aMissingDirectoryIsNamedBeforeAnyWork(arguments: [String]) throws {
        try withDataDirectory { dir in
            let m = try model(in: dir)
            let resolved = arguments.map { $0 == "TRAIN" ? "\(dir)/train.csv" : $0 == "MODEL" ? m : $0.hasPrefix("nodir") ? "\(dir)/\($0)" : $0 }
            let r = try run(resolved + (["train", "calibrate"].contains(arguments[0]) ? ["--threads", "1"] : []))
            #expect(r.status == 1)
            #expect(r.stderr.contains("directory '\(dir)/nodir' does not exist"), "\(r.stderr)")
            #expect(!r.stderr.contains("temporary"), "\(r.stderr)")
        }
    }

    @Test func anOutputThatIsADirectoryIsRefused() throws {
        try withDataDirectory { dir in
            let r = try run(["train", "\(dir)/train.csv", "--output", dir] + quick)
            #expect(r.status == 1 && r.stderr.contains("is a directory"), "\(r.stderr)")
        }
    }
}

@Suite struct ColumnsAndLabels {
    @Test func theSameColumnForTextAndLabelIsRefused() throws {
        try withDataDirectory { dir in
            let same = try run(["train", "\(dir)/train.csv", "-o", "\(dir)/m", "--text-column", "text", "--label-column", "text"])
            #expect(same.status == 64 && same.stderr.contains("--label-column"), "\(same.stderr)")
            // A name and an index for one column: found when the header is read.
            let byIndex = try run(["train", "\(dir)/train.csv", "-o", "\(dir)/m", "--text-column", "0", "--label-column", "text"] + quick)
            #expect(byIndex.status == 1 && byIndex.stderr.contains("train.csv:1:") && byIndex.stderr.contains("different columns"),
                    "\(byIndex.stderr)")
        }
    }

    @Test func aValidationFractionThatDropsLabelsIsRefused() throws {
        try withDataDirectory { dir in
            let r = try run(["train", "\(dir)/train.csv", "-o", "\(dir)/m", "--validation-fraction", "0.95"] + quick)
            #expect(r.status == 1, "\(r.stdout)")
            #expect(r.stderr.contains("leaves 2 training rows for 3 labels") && r.stderr.contains("no training row"),
                    "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/m"))
            #expect(try run(["train", "\(dir)/train.csv", "-o", "\(dir)/m", "--validation-fraction", "0.2"] + quick).status == 0)
        }
    }

    @Test func labelsThatDifferOnlyByCaseOrSpacesAreNamed() throws {
        try withDataDirectory { dir in
            try write("text,label\nhello there,greet\ngood morning,Greet\nplay jazz, music\nnext song,music\n",
                      to: "\(dir)/messy.csv")
            let r = try run(["train", "\(dir)/messy.csv", "-o", "\(dir)/m", "--json"] + quick)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stderr.contains(#"labels "Greet", "greet" differ only by case"#), "\(r.stderr)")
            #expect(r.stderr.contains("1 label has surrounding spaces") && r.stderr.contains("messy.csv:4"), "\(r.stderr)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            #expect(json["labels"] as? [String] == ["Greet", "greet", "music"])  // case kept, spaces trimmed
            let clean = try run(["train", "\(dir)/train.csv", "-o", "\(dir)/m2"] + quick)
            #expect(!clean.stderr.contains("warning"), "\(clean.stderr)")
        }
    }

    @Test func severalTextColumnsAndTrainingFiles() throws {
        try withDataDirectory { dir in
            try write("id,subject,body,category\n1,refund,charged twice,billing\n2,,money back please,billing\n"
                      + "3,crash,app closes on start,bug\n4,error,,bug\n", to: "\(dir)/a.csv")
            try write("id,subject,body,category\n5,invoice,wrong amount,billing\n6,freeze,screen stuck,bug\n", to: "\(dir)/b.csv")
            let columns = ["--text-column", "subject,body", "--label-column", "category"]
            let r = try run(["train", "\(dir)/a.csv", "\(dir)/b.csv", "-o", "\(dir)/m", "--json"] + columns + quick)
            #expect(r.status == 0, "\(r.stderr)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            #expect(json["example_count"] as? Int == 6)
            // The joined text has the words of both columns: "charged" (body) routes to billing.
            #expect(try run(["predict", "\(dir)/m", "charged twice"]).stdout.hasPrefix("billing\t"))
            let e = try run(["evaluate", "\(dir)/m", "\(dir)/a.csv", "--json"] + columns)
            #expect(e.status == 0, "\(e.stderr)")
            try write("id,subject,body,category\n7,,,bug\n", to: "\(dir)/empty.csv")
            // A row whose text columns are all empty is left out of training and listed.
            let empty = try run(["train", "\(dir)/a.csv", "\(dir)/empty.csv", "-o", "\(dir)/m3"] + columns + quick)
            #expect(empty.status == 0 && empty.stderr.contains("empty text") && empty.stderr.contains("empty.csv:2"),
                    "\(empty.stderr)")
            let twice = try run(["train", "\(dir)/a.csv", "-o", "\(dir)/m3", "--text-column", "body,body"] + quick)
            #expect(twice.status == 64, "\(twice.stderr)")
            // label joins the same columns and keeps every input column.
            let labeled = try run(["label", "\(dir)/m", "\(dir)/b.csv", "--text-column", "subject,body", "--threads", "1"])
            #expect(labeled.status == 0, "\(labeled.stderr)")
            let rows = labeled.stdout.split(separator: "\n")
            #expect(rows.first == "id,subject,body,category,label,confidence")
            #expect(rows.dropFirst().map { $0.split(separator: ",")[4] } == ["billing", "bug"], "\(labeled.stdout)")
            // Labeling answers such a row with the unknown label, keeping it in the output.
            let none = try run(["label", "\(dir)/m", "\(dir)/empty.csv", "--text-column", "subject,body"])
            #expect(none.status == 0 && none.stdout.contains("7,,,bug,unknown,0.0000"), "\(none.stdout) \(none.stderr)")
        }
    }
}

@Suite struct LabelingKeepsTheUsersColumns {
    @Test func aCSVWithLabelColumnsIsRefusedOrPrefixed() throws {
        try withDataDirectory { dir in
            let m = try model(in: dir)
            try write("text,label,confidence\nplay jazz,music,1\n", to: "\(dir)/in.csv")
            let refused = try run(["label", m, "\(dir)/in.csv", "--output", "\(dir)/out.csv"])
            #expect(refused.status == 1 && refused.stderr.contains("in.csv:1:") && refused.stderr.contains("--output-prefix"),
                    "\(refused.stderr)")
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/out.csv"))
            let prefixed = try run(["label", m, "\(dir)/in.csv", "--output-prefix", "predicted_", "--top-k", "2"])
            #expect(prefixed.status == 0, "\(prefixed.stderr)")
            #expect(prefixed.stdout.hasPrefix(
                "text,label,confidence,predicted_label,predicted_confidence,predicted_label_1,predicted_confidence_1,"
                + "predicted_label_2,predicted_confidence_2\n"
                + "play jazz,music,1,music,"), "\(prefixed.stdout)")
        }
    }

    @Test func aJSONObjectWithALabelMemberIsNotOverwritten() throws {
        try withDataDirectory { dir in
            let m = try model(in: dir)
            try write("{\"text\":\"play jazz\",\"label\":\"mine\"}\n", to: "\(dir)/in.jsonl")
            let refused = try run(["label", m, "\(dir)/in.jsonl"])
            #expect(refused.status == 1 && refused.stderr.contains("in.jsonl:1:") && refused.stderr.contains("\"label\""),
                    "\(refused.stderr)")
            let prefixed = try run(["label", m, "\(dir)/in.jsonl", "--output-prefix", "predicted_"])
            #expect(prefixed.status == 0, "\(prefixed.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(prefixed.stdout.utf8)) as? [String: Any])
            #expect(object["label"] as? String == "mine" && object["predicted_label"] as? String == "music", "\(object)")
            #expect(object["predicted_confidence"] is Double)
        }
    }
}

@Suite struct VeryLargeModels {
    /// 20,000 labels × 2^15 buckets: a 2.6 GB model, above 2^31 bytes (a 32-bit %d printed it
    /// negative). Warned about before any work; the run then stops cheaply, before featurizing,
    /// because a validation fraction of 0.5 leaves labels without training rows.
    @Test func aModelOverOneGigabyteIsAnnouncedWithItsTrueSize() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var csv = "text,label\n"
        for i in 0..<20_000 { csv += "query number \(i),label\(i)\n" }
        try write(csv, to: "\(dir)/many.csv")
        let r = try run(["train", "\(dir)/many.csv", "-o", "\(dir)/m", "--bucket-bits", "15", "--threads", "1",
                         "--validation-fraction", "0.5"])
        #expect(r.status == 1 && r.stderr.contains("no training row left"), "\(r.stderr)")
        let warning = try #require(r.stderr.split(separator: "\n").first { $0.contains("warning") }, "\(r.stderr)")
        // 20,000 labels (row stride 20,000) × 32,768 buckets × 4 bytes of weights, 3 copies when validating.
        let weights = 20_000 * 32_768 * 4
        #expect(weights > Int(Int32.max))
        #expect(warning.contains("(\(weights * 3) bytes) of memory"), "\(warning)")
        #expect(warning.contains("model of about 2.6 GB (") && !warning.contains("(-"), "\(warning)")
        #expect(warning.contains("--bucket-bits 13") && warning.contains("--max-size 1GB"), "\(warning)")
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/m"))
        // Under 1 GB: no warning.
        let small = try run(["train", "\(dir)/many.csv", "-o", "\(dir)/m", "--bucket-bits", "10", "--threads", "1",
                             "--validation-fraction", "0.5"])
        #expect(!small.stderr.contains("warning"), "\(small.stderr)")
    }
}
