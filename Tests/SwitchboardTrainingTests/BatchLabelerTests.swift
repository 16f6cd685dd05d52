import SwitchboardLabeling
import SwitchboardData
import Foundation
import Switchboard
@testable import SwitchboardTraining
import Testing

/// A tiny three-label model, trained once (4096 buckets, 5 epochs: milliseconds).
private let contents: ModelContents = {
    var p = TrainingParameters()
    p.features.bucketBits = 12
    p.epochs = 5
    p.threads = 1
    let phrases = [("greeting", ["hello there", "good morning", "hi friend"]),
                   ("weather", ["rain tomorrow", "sunny forecast", "snow storm"]),
                   ("music", ["play jazz", "next song", "louder guitar"])]
    var texts: [String] = [], labels: [String] = []
    for _ in 0..<20 { for (label, list) in phrases { for t in list { texts.append(t); labels.append(label) } } }
    return try! Trainer.train(texts: texts, labels: labels, parameters: p).0
}()

private let model = try! Classifier(contents: contents)

private let queries = ["hello friend", "rain and snow", "play some jazz", "good morning", "next song please",
                       "sunny", "louder", "hi", "storm tomorrow", "guitar"]

private func options(_ format: LabelFormat, _ change: (inout BatchLabelOptions) -> Void = { _ in }) -> BatchLabelOptions {
    var o = BatchLabelOptions(format: format)
    o.threads = 2
    change(&o)
    return o
}

/// Labels `input` and returns the output as a string plus the skipped-row errors.
private func label(_ input: String, _ options: BatchLabelOptions) throws -> (String, [CSVError], BatchLabelSummary) {
    try label(Array(input.utf8), options)
}

private func label(_ input: [UInt8], _ options: BatchLabelOptions) throws -> (String, [CSVError], BatchLabelSummary) {
    var skipped: [CSVError] = []
    let (out, summary) = try BatchLabeler(classifier: model, options: options).label(input, inputName: "in") {
        skipped.append($0)
    }
    return (String(decoding: out, as: UTF8.self), skipped, summary)
}

private func expectedLabel(_ text: String) -> String {
    let p = model.predict(text, scratch: FeatureScratch())
    return p.labelIndex >= 0 ? model.labels[p.labelIndex] : "unknown"
}

private func fixed4(_ p: Float) -> String {
    var out: [UInt8] = []
    FastFormat.appendFixed4(p, to: &out)
    return String(decoding: out, as: UTF8.self)
}

@Suite struct BatchLabelTests {
    @Test func fixedFormatter() {
        #expect(fixed4(0) == "0.0000")
        #expect(fixed4(1) == "1.0000")
        #expect(fixed4(0.5) == "0.5000")
        #expect(fixed4(0.12345678) == "0.1235")
        #expect(fixed4(0.99996) == "1.0000")
        #expect(fixed4(0.00004) == "0.0000")
        #expect(fixed4(12.25) == "12.2500")
        #expect(fixed4(-0.5) == "0.0000")
        #expect(fixed4(.nan) == "0.0000")
        for p: Float in [0.1, 0.3333, 0.6667, 0.0421, 0.9999] {
            #expect(fixed4(p) == String(format: "%.4f", Double(p)))
        }
    }

    @Test func csvFieldQuoting() {
        let cases = [("plain", "plain"), ("a,b", "\"a,b\""), ("say \"hi\"", "\"say \"\"hi\"\"\""), ("two\nlines", "\"two\nlines\""),
                     (" padded", "\" padded\""), ("", ""), ("\u{FEFF}bom", "\"\u{FEFF}bom\""), ("😀", "😀")]
        for (field, quoted) in cases { #expect(String(decoding: FastFormat.csvField(field), as: UTF8.self) == quoted) }
        #expect(String(decoding: FastFormat.jsonString("a\"b\\c\n\u{1}é"), as: UTF8.self) == #""a\"b\\c\n\u0001é""#)
    }

    @Test func csvKeepsEveryColumnAndRoundTrips() throws {
        let rows = [["1", "hello friend", "plain"], ["2", "play, \"some\" jazz", "a,b"], ["3", "rain\nand snow", "say \"hi\""],
                    ["4", "good morning 😀", " padded "], ["5", "next song", ""]]
        var csv = "\u{FEFF}id,text,note\r\n"
        for row in rows { csv += row.map(TestCSV.quote).joined(separator: ",") + "\r\n" }
        let (out, skipped, summary) = try label(csv, options(.csv))
        #expect(skipped.isEmpty && summary.rows == rows.count)
        let table = try TestCSV.parseTable(bytes: Array(out.utf8), file: "out")
        #expect(table.header == ["id", "text", "note", "label", "confidence"])
        #expect(table.rows.map { Array($0.prefix(3)) } == rows)
        for row in table.rows {
            #expect(row[3] == expectedLabel(row[1]))
            #expect(row[4] == fixed4(model.predict(row[1], scratch: FeatureScratch()).probability))
        }
    }

    @Test func randomCSVRoundTripsWithAnyChunking() throws {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15  // fixed seed: a reproducible xorshift stream
        func next(_ n: Int) -> Int {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return Int(state % UInt64(n))
        }
        let pieces = ["a", "jazz", " ", ",", "\"", "\n", "\r\n", "\r", "😀", "é", "\t", "play", "\u{FEFF}"]
        for round in 0..<20 {
            let rows = (0..<(1 + next(60))).map { i in
                [String(i), "w" + (0..<next(8)).map { _ in pieces[next(pieces.count)] }.joined(),
                 (0..<next(5)).map { _ in pieces[next(pieces.count)] }.joined()]
            }
            let csv = "id,text,x\n" + rows.map { $0.map(TestCSV.quote).joined(separator: ",") }.joined(separator: round % 2 == 0 ? "\n" : "\r\n")
            let (out, _, _) = try label(csv, options(.csv) { $0.readBytes = 1 + next(40); $0.blockRows = 1 + next(20); $0.threads = 1 + next(3) })
            let table = try TestCSV.parseTable(bytes: Array(out.utf8), file: "out")
            #expect(table.rows.map { Array($0.prefix(3)) } == rows, "round \(round)")
        }
    }

    @Test func csvTopKColumnsAndTextColumnByIndex() throws {
        let (out, _, _) = try label("q,id\nhello friend,1\n!!!,2\n", options(.csv) { $0.topK = 3; $0.textColumn = .index(0) })
        let table = try TestCSV.parseTable(bytes: Array(out.utf8), file: "out")
        #expect(table.header == ["q", "id", "label", "confidence", "label_1", "confidence_1", "label_2", "confidence_2",
                                 "label_3", "confidence_3"])
        let ranked = model.rankedHypotheses(for: "hello friend", maximumCount: 3, scratch: FeatureScratch())
        let pairs = ranked.flatMap { [$0.label, fixed4(Float($0.probability))] }
        #expect(table.rows[0] == ["hello friend", "1"] + pairs.prefix(2) + pairs)  // routed, then ranked
        #expect(table.rows[1] == ["!!!", "2", "unknown", "0.0000", "", "", "", "", "", ""])  // no features
    }

    @Test func abstainedRowsKeepTheirRankedLabels() throws {
        // Routed to the unknown label by the threshold, a row still lists its best labels.
        let ranked = model.rankedHypotheses(for: "hello friend", maximumCount: 2, scratch: FeatureScratch())
        let pairs = ranked.map { "\($0.label)\t\(fixed4(Float($0.probability)))" }.joined(separator: "\t")
        let (text, _, _) = try label("hello friend\n", options(.text) { $0.topK = 2; $0.threshold = 1 })
        #expect(text == "unknown\t\(fixed4(Float(ranked[0].probability)))\t\(pairs)\n")
        let (csv, _, _) = try label("text\nhello friend\n", options(.csv) { $0.topK = 2; $0.threshold = 1 })
        let row = try TestCSV.parseTable(bytes: Array(csv.utf8), file: "out").rows[0]
        #expect(row[1] == "unknown" && row[3] == ranked[0].label && row[5] == ranked[1].label)
        let (json, _, _) = try label("{\"text\":\"hello friend\"}\n", options(.jsonl) { $0.topK = 2; $0.threshold = 1 })
        let object = try #require(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let top = try #require(object["top"] as? [[String: Any]])
        #expect(object["label"] as? String == "unknown" && top.map { $0["label"] as? String } == ranked.map(\.label))
    }

    @Test func textFormat() throws {
        let (out, _, summary) = try label(queries.joined(separator: "\n") + "\r\n!!!", options(.text))
        let lines = out.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == queries.count + 2 && lines.last == "")
        for (q, line) in zip(queries, lines) { #expect(line.hasPrefix(expectedLabel(q) + "\t")) }
        #expect(lines[queries.count] == "unknown\t0.0000")
        #expect(summary.rows == queries.count + 1 && summary.abstained == 1)
        let (bom, _, _) = try label("\u{FEFF}hello friend\n", options(.text))  // a byte order mark is dropped
        #expect(bom == (try label("hello friend\n", options(.text))).0)
        let (top, _, _) = try label("hello friend\n", options(.text) { $0.topK = 2 })
        let ranked = model.rankedHypotheses(for: "hello friend", maximumCount: 2, scratch: FeatureScratch())
        let pairs = ranked.map { "\($0.label)\t\(fixed4(Float($0.probability)))" }.joined(separator: "\t")
        #expect(top == "\(ranked[0].label)\t\(fixed4(Float(ranked[0].probability)))\t\(pairs)\n")
    }

    @Test func jsonLinesKeepMembers() throws {
        let input = """
            {"id": 7, "text": "hello friend", "meta": {"x": [1, 2.5, null]}}

            {"body":"rain and snow","label":"gold","url":"a/b"}
            """
        let (out, _, _) = try label(input, options(.jsonl) { $0.textField = "body"; $0.onError = .skip; $0.outputPrefix = "p_" })
        #expect(out.split(separator: "\n").count == 1)  // the first object has no "body"
        let textInput = input.replacingOccurrences(of: "body", with: "text")
        // An object that already has "label" is a bad row: the user's member is never overwritten.
        let (kept, refused, _) = try label(textInput, options(.jsonl) { $0.topK = 2; $0.onError = .skip })
        #expect(kept.split(separator: "\n").count == 1 && refused.map(\.line) == [3])
        #expect(refused.first?.message.contains("\"label\"") == true)
        let (two, skipped, _) = try label(textInput, options(.jsonl) { $0.topK = 2; $0.outputPrefix = "p_" })
        #expect(skipped.isEmpty)
        let lines = two.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].hasPrefix(#"{"id": 7, "text": "hello friend", "meta": {"x": [1, 2.5, null]},"p_label":"#
                                   + "\"\(expectedLabel("hello friend"))\",\"p_confidence\":"))
        let objects = try lines.map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(objects[1]["label"] as? String == "gold")  // the user's "label", as it was
        #expect(objects[1]["p_label"] as? String == expectedLabel("rain and snow"))
        #expect(objects[1]["url"] as? String == "a/b")
        let top = try #require(objects[0]["p_top"] as? [[String: Any]])
        #expect(top.count == 2 && top[0]["label"] as? String == expectedLabel("hello friend"))
    }

    @Test func jsonLinesProblems() throws {
        let input = "{\"text\":\"hi\"}\nnot json\n[1]\n{\"text\":3}\n{\"x\":1}\n{\"text\":\"  \"}\n{\"text\":\"play jazz\"}\n"
        let (out, skipped, summary) = try label(input, options(.jsonl) { $0.onError = .skip })
        #expect(skipped.map(\.line) == [2, 3, 4, 5])
        #expect(skipped.map(\.message) == ["invalid JSON", "not a JSON object", "field \"text\" is not a string",
                                           "no \"text\" field"])
        // Whitespace-only text is answered with the unknown label, like any text without features.
        let lines = out.split(separator: "\n")
        #expect(lines.count == 3 && lines[1].contains(#""label":"unknown","confidence":0.0000"#) && summary.skipped == 4)
        #expect(throws: CSVError(file: "in", line: 2, message: "invalid JSON")) { try label(input, options(.jsonl)) }
    }

    @Test func thresholdAndUnknownLabel() throws {
        let (out, _, summary) = try label("hello friend\nplay jazz\n", options(.text) { $0.threshold = 1; $0.unknownLabel = "oos" })
        let confidence = fixed4(model.predict("hello friend", scratch: FeatureScratch()).probability)
        #expect(out.hasPrefix("oos\t\(confidence)\noos\t") && summary.abstained == 2)
        // The model's own calibration applies when no threshold or unknown label is given.
        var calibrated = contents
        calibrated.metadata = Calibration(threshold: 1, unknownLabel: "none").merged(into: calibrated.metadata)
        let labeler = BatchLabeler(classifier: try Classifier(contents: calibrated), options: options(.text))
        #expect(String(decoding: try labeler.label(Array("hello friend\n".utf8)).output, as: UTF8.self)
                == "none\t\(confidence)\n")
        var lower = options(.text)
        lower.threshold = 0
        let answered = BatchLabeler(classifier: try Classifier(contents: calibrated), options: lower)
        #expect(String(decoding: try answered.label(Array("hello friend\n".utf8)).output, as: UTF8.self)
                == "\(expectedLabel("hello friend"))\t\(confidence)\n")
    }

    @Test(arguments: [LabelFormat.csv, .text, .jsonl])
    func orderPreservedAcrossBlocksAndChunks(format: LabelFormat) throws {
        let texts = (0..<3000).map { queries[($0 * 7) % queries.count] + " \($0)" }
        let input: String = switch format {
        case .csv: "text\n" + texts.joined(separator: "\n")
        case .text: texts.joined(separator: "\n")
        case .jsonl: texts.map { "{\"text\":\"\($0)\"}" }.joined(separator: "\n")
        }
        let (one, _, _) = try label(input, options(format) { $0.threads = 1 })
        let (many, _, summary) = try label(input, options(format) { $0.threads = 4; $0.blockRows = 100; $0.readBytes = 997 })
        #expect(one == many && summary.rows == texts.count)
        let labels = many.split(separator: "\n").dropFirst(format == .csv ? 1 : 0).map { line in
            switch format {
            case .csv: String(line.split(separator: ",")[1])
            case .text: String(line.split(separator: "\t")[0])
            case .jsonl: String(line.split(separator: "\"")[7])  // {"text":"…","label":"…"
            }
        }
        #expect(labels == texts.map(expectedLabel))
    }

    @Test func anyReadSizeGivesTheSameOutput() throws {
        let csv = "id,text\r\n1,\"hello\r\nfriend\"\r\n\r\n2,play jazz\n3,\"rain, \"\"snow\"\"\"\r4,hi"
        let (whole, _, _) = try label(csv, options(.csv))
        #expect(whole.utf8.filter { $0 == 0x0A }.count == 6)  // 5 records, one with a line break
        for size in 1...9 {
            let (out, _, _) = try label(csv, options(.csv) { $0.readBytes = size; $0.blockRows = 2 })
            #expect(out == whole, "read size \(size)")
        }
    }

    @Test func csvBadRows() throws {
        var input = Array("id,text\n1,hello\n2\n3,\"  \"\n4,\"bad ".utf8) + [0xFF] + Array(" byte\nx\"\n5,play jazz\n6,\"".utf8)
            + [0xC3] + Array("\"\n7,rain\n".utf8)
        let (out, skipped, summary) = try label(input, options(.csv) { $0.onError = .skip; $0.readBytes = 5 })
        #expect(skipped.map(\.line) == [3, 5, 8])
        #expect(skipped.map(\.message) == ["row has 1 fields but the header has 2",
                                           "invalid UTF-8 in field 2", "invalid UTF-8 in field 2"])
        // Line 4's text (id 3) is only spaces: it gets the unknown label.
        let rows = out.split(separator: "\n")
        #expect(rows.map { $0.prefix(2) } == ["id", "1,", "3,", "5,", "7,"])
        #expect(rows[2].hasSuffix(",unknown,0.0000"), "\(rows[2])")
        #expect(summary.rows == 4 && summary.skipped == 3)
        // fail: the first bad row stops the run, after the rows before it are written.
        var written: [UInt8] = [], offset = 0
        #expect(throws: CSVError(file: "in", line: 3, message: "row has 1 fields but the header has 2")) {
            _ = try BatchLabeler(classifier: model, options: options(.csv)).run(inputName: "in", read: { buffer in
                let n = min(buffer.count, input.count - offset)
                input.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + offset, byteCount: n) }
                offset += n
                return n
            }, write: { written += $0 })
        }
        let confidence = fixed4(model.predict("hello", scratch: FeatureScratch()).probability)
        #expect(String(decoding: written, as: UTF8.self) == "id,text,label,confidence\n1,hello,\(expectedLabel("hello")),\(confidence)\n")
        input = Array("text\nhi\n\"x".utf8) + [0xFF] + Array("\"\nmore\n".utf8)
        #expect(throws: CSVError(file: "in", line: 3, message: "invalid UTF-8 in field 1")) { try label(input, options(.csv)) }
    }

    @Test func malformedCSVIsAlwaysFatal() throws {
        for policy in BadRowPolicy.allCases {
            #expect(throws: CSVError.self) { try label("text\nok\nbad\"quote\nfine\n", options(.csv) { $0.onError = policy }) }
            #expect(throws: CSVError.self) { try label("text\nok\n\"unclosed\n", options(.csv) { $0.onError = policy }) }
        }
        let bad = Array("text\nhi\n".utf8) + [0xFF] + Array("\"x\nmore\n".utf8)  // invalid UTF-8 *and* a stray quote
        #expect(throws: CSVError.self) { try label(bad, options(.csv) { $0.onError = .skip }) }
    }

    @Test func csvHeaderProblems() throws {
        #expect(throws: CSVError(file: "in", line: 0, message: "empty file (no header row)")) { try label("", options(.csv)) }
        #expect(throws: CSVError.self) { try label("id,body\n1,hi\n", options(.csv)) }
        #expect(try label("text\n", options(.csv)).0 == "text,label,confidence\n")
        let badHeader = [0xFF] + Array(",text\n1,hi\n".utf8)
        #expect(throws: CSVError.self) { try label(badHeader, options(.csv) { $0.onError = .skip }) }
    }

    @Test func recordLongerThanTheLimitFails() throws {
        let input = "text\n\"" + String(repeating: "a", count: 5000)
        #expect(throws: CSVError.self) { try label(input, options(.csv) { $0.maxRecordBytes = 1000; $0.readBytes = 100 }) }
    }

    @Test func skipReportsEveryBadLineAndKeepsTextAligned() throws {
        // Every 10th line has invalid UTF-8, every 7th is blank: output line N answers input line N.
        var input: [UInt8] = []
        for i in 1...50 {
            let line: [UInt8] = i % 10 == 0 ? [0x62, 0xFF] : i % 7 == 0 ? Array("  ".utf8) : Array("hello \(i)".utf8)
            input += line + [0x0A]
        }
        let (out, skipped, summary) = try label(input, options(.text) { $0.onError = .skip; $0.blockRows = 3 })
        #expect(skipped.map(\.line) == [10, 20, 30, 40, 50])
        let lines = out.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 50 && summary.rows == 50)
        for (i, line) in lines.enumerated() where (i + 1) % 10 == 0 || (i + 1) % 7 == 0 {
            #expect(line == "unknown\t0.0000", "line \(i + 1)")
        }
        #expect(lines[0].hasPrefix(expectedLabel("hello 1") + "\t"))
    }
}
