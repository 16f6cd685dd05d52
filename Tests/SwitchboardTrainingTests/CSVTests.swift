import SwitchboardData
import Foundation
import Testing
@testable import SwitchboardTraining

/// A record copied out of the parser callback.
private struct Parsed: Equatable, CustomStringConvertible {
    let line: Int
    let fields: [String]
    var description: String { "\(line): \(fields)" }
}

/// Parses `bytes` feeding `chunkSize` bytes at a time (the whole input when nil).
private func parse(_ bytes: [UInt8], chunkSize: Int? = nil, maxFieldBytes: Int = 16 << 20,
                   maxFields: Int = 100_000) throws -> [Parsed] {
    var parser = CSVParser(file: "t.csv", maxFieldBytes: maxFieldBytes, maxFields: maxFields)
    var out: [Parsed] = []
    let collect = { (record: CSVRecord) in out.append(Parsed(line: record.line, fields: record.strings)) }
    let size = max(1, chunkSize ?? bytes.count)
    var start = 0
    while start < bytes.count {
        try parser.parse(Array(bytes[start..<min(start + size, bytes.count)]), collect)
        start += size
    }
    try parser.finish(collect)
    return out
}

private func parse(_ text: String, chunkSize: Int? = nil) throws -> [Parsed] {
    try parse(Array(text.utf8), chunkSize: chunkSize)
}

private func parseError(_ bytes: [UInt8]) -> CSVError? {
    #expect(throws: CSVError.self) { _ = try parse(bytes) }
}

/// Writes `bytes` to a fresh temporary file, runs `body` with its path, then deletes it.
private func withTempFile<T>(_ bytes: [UInt8], _ body: (String) throws -> T) throws -> T {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("csvtests-\(UUID().uuidString).csv")
    try Data(bytes).write(to: url)
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(url.path)
}

private func withTempFile<T>(_ text: String, _ body: (String) throws -> T) throws -> T {
    try withTempFile(Array(text.utf8), body)
}

/// The error `LabeledDataset.load` throws for a file holding `bytes`, with that file's path.
private func loadError(_ bytes: [UInt8], textColumn: ColumnSelector = .name("text"),
                       labelColumn: ColumnSelector = .name("label")) throws -> (error: CSVError?, path: String) {
    try withTempFile(bytes) { path in
        let error = #expect(throws: CSVError.self) {
            _ = try LabeledDataset.load(path: path, textColumn: textColumn, labelColumn: labelColumn)
        }
        return (error, path)
    }
}

private func loadError(_ text: String) throws -> (error: CSVError?, path: String) {
    try loadError(Array(text.utf8))
}

// MARK: - Parsing

@Test func simpleFile() throws {
    let dataset = try withTempFile("text,label\nhello there,greet\nbye now,farewell\n") {
        try LabeledDataset.load(path: $0)
    }
    #expect(dataset.texts == ["hello there", "bye now"])
    #expect(dataset.labels == ["greet", "farewell"])
    #expect(dataset.lines == [2, 3])
    #expect(dataset.count == 2)
}

@Test func quotedCommasAndDoubledQuotes() throws {
    let records = try parse("a,\"b, c\",\"say \"\"hi\"\"\"\n\"\",\"\"\"\",x\n")
    #expect(records == [Parsed(line: 1, fields: ["a", "b, c", "say \"hi\""]),
                        Parsed(line: 2, fields: ["", "\"", "x"])])
}

@Test func newlineInsideQuotedFieldKeepsLaterLineNumbers() throws {
    let records = try parse("text,label\n\"two\nlines\",a\n\"three\r\nphysical\rlines\",b\nlast,c\n")
    #expect(records.map(\.line) == [1, 2, 4, 7])
    #expect(records[1].fields == ["two\nlines", "a"])
    #expect(records[2].fields == ["three\r\nphysical\rlines", "b"])
}

@Test func lineEndings() throws {
    let expected = [Parsed(line: 1, fields: ["a", "b"]), Parsed(line: 2, fields: ["c", "d"]),
                    Parsed(line: 3, fields: ["e", "f"])]
    #expect(try parse("a,b\r\nc,d\r\ne,f\r\n") == expected)
    #expect(try parse("a,b\rc,d\re,f\r") == expected)
    #expect(try parse("a,b\nc,d\r\ne,f\r") == expected)
    #expect(try parse("\"a\",b\r\"c\",\"d\"\r\ne,\"f\"\n") == expected)
}

@Test func byteOrderMarkIsDropped() throws {
    let records = try parse([0xEF, 0xBB, 0xBF] + Array("text,label\nx,y\n".utf8))
    #expect(records == [Parsed(line: 1, fields: ["text", "label"]), Parsed(line: 2, fields: ["x", "y"])])
    // Only at the very start: later it is data.
    #expect(try parse("a\n\u{FEFF}b\n") == [Parsed(line: 1, fields: ["a"]), Parsed(line: 2, fields: ["\u{FEFF}b"])])
    // A partial mark is data (and here invalid UTF-8).
    #expect(parseError([0xEF, 0xBB])?.line == 1)
}

@Test func blankLinesAreSkipped() throws {
    let records = try parse("\n\na,b\n\r\n\rc,d\n\n")
    #expect(records == [Parsed(line: 3, fields: ["a", "b"]), Parsed(line: 6, fields: ["c", "d"])])
}

@Test func lastRecordWithoutTrailingNewline() throws {
    #expect(try parse("a,b\nc,d") == [Parsed(line: 1, fields: ["a", "b"]), Parsed(line: 2, fields: ["c", "d"])])
    #expect(try parse("a,\"b\"") == [Parsed(line: 1, fields: ["a", "b"])])
    #expect(try parse("a,") == [Parsed(line: 1, fields: ["a", ""])])
}

@Test func emptyFieldsAndSingleEmptyQuotedField() throws {
    #expect(try parse(",,\n\"\"\n") == [Parsed(line: 1, fields: ["", "", ""]), Parsed(line: 2, fields: [""])])
}

@Test func chunkedParsingMatchesOneShot() throws {
    let input: [UInt8] = [0xEF, 0xBB, 0xBF] + Array(
        "text,label\r\n\"multi\r\nline, \"\"quoted\"\"\",a\r\rplain é 🎉,b\n\n\"x\"\"\",\"\"\r\nlast,z".utf8)
    let oneShot = try parse(input)
    #expect(oneShot == [Parsed(line: 1, fields: ["text", "label"]),
                        Parsed(line: 2, fields: ["multi\r\nline, \"quoted\"", "a"]),
                        Parsed(line: 5, fields: ["plain é 🎉", "b"]),
                        Parsed(line: 7, fields: ["x\"", ""]),
                        Parsed(line: 8, fields: ["last", "z"])])
    for size in [1, 2, 3, 5, 7] {
        #expect(try parse(input, chunkSize: size) == oneShot, "chunk size \(size)")
    }
}

@Test func parserIsReusableAfterFinish() throws {
    var parser = CSVParser(file: "t.csv")
    var lines: [Int] = []
    for _ in 0..<2 {
        try parser.parse(Array("a\nb".utf8)) { lines.append($0.line) }
        try parser.finish { lines.append($0.line) }
    }
    #expect(lines == [1, 2, 1, 2])
}

// MARK: - Parser errors

@Test func unterminatedQuoteAtEndOfInput() throws {
    let error = parseError(Array("a,b\nc,\"open\nstill open\n".utf8))
    #expect(error?.line == 2)
    #expect(error?.message.contains("never closed") == true)
}

@Test func quoteInsideUnquotedFieldAndGarbageAfterQuote() throws {
    #expect(parseError(Array("a,b\nab\"c,d\n".utf8))?.line == 2)
    let garbage = parseError(Array("a,b\n\"ab\"c,d\n".utf8))
    #expect(garbage?.line == 2)
    #expect(garbage?.message.contains("closing quote") == true)
}

@Test func invalidUTF8NamesTheLine() throws {
    #expect(parseError(Array("a,b\nc,d\n".utf8) + [0x66, 0xFF, 0x0A])?.line == 3)
    #expect(parseError([0xC0, 0xAF])?.message.contains("UTF-8") == true)  // overlong "/"
    #expect(parseError([0xED, 0xA0, 0x80])?.message.contains("UTF-8") == true)  // surrogate
    #expect(parseError([0xE2, 0x82, 0x2C, 0xAC])?.message.contains("UTF-8") == true)  // split by a comma
    #expect(try parse([0xF0, 0x9F, 0x8E, 0x89]) == [Parsed(line: 1, fields: ["🎉"])])
}

@Test func nulByteIsRejected() throws {
    #expect(parseError(Array("a\nb".utf8) + [0] + Array("c\n".utf8))?.line == 2)
    #expect(parseError(Array("\"a".utf8) + [0] + Array("\"\n".utf8))?.message.contains("NUL") == true)
}

@Test func fieldSizeAndFieldCountLimits() throws {
    let long = #expect(throws: CSVError.self) { _ = try parse(Array("ok\n12345\n".utf8), maxFieldBytes: 4) }
    #expect(long?.line == 2)
    #expect(try parse(Array("1234\n".utf8), maxFieldBytes: 4).count == 1)
    let wide = #expect(throws: CSVError.self) { _ = try parse(Array("a,b\na,b,c\n".utf8), maxFields: 2) }
    #expect(wide?.line == 2)
}

@Test func errorDescriptionNamesFileAndLine() {
    #expect(CSVError(file: "d.csv", line: 7, message: "bad").description == "d.csv:7: bad")
}

// MARK: - Dataset loading

@Test func emptyFileIsAnError() throws {
    #expect(try loadError("").error?.message.contains("empty") == true)
    #expect(try loadError("\n\r\n").error?.message.contains("empty") == true)
}

@Test func headerOnlyIsAnError() throws {
    let (error, path) = try loadError("text,label\n")
    #expect(error?.file == path)
    #expect(error?.message.contains("no rows") == true)
}

@Test func missingFileIsAnErrorAtLineZero() {
    let error = #expect(throws: CSVError.self) { _ = try LabeledDataset.load(path: "/nonexistent/x.csv") }
    #expect(error?.line == 0)
    #expect(error?.description.hasPrefix("/nonexistent/x.csv:0:") == true)
}

@Test func missingColumnNamesFileAndColumns() throws {
    let (error, path) = try loadError("sentence,intent\nhi,greet\n")
    #expect(error?.line == 1)
    #expect(error?.description.hasPrefix(path) == true)
    #expect(error?.message.contains("\"text\"") == true)
    #expect(error?.message.contains("\"sentence\", \"intent\"") == true)
}

@Test func wrongFieldCountNamesTheLine() throws {
    let (error, _) = try loadError("text,label\nhi,greet\n\"a\nb\",x\nbye\n")
    #expect(error?.line == 5)
    #expect(error?.message.contains("1 fields but the header has 2") == true)
}

@Test func emptyTextOrLabelIsAnError() throws {
    let label = try loadError("text,label\nhi,greet\nhello, \t\n").error
    #expect(label?.line == 3)
    #expect(label?.message.contains("empty label") == true)
    let text = try loadError("text,label\n\"\u{3000} \",greet\n").error  // ideographic space
    #expect(text?.message.contains("empty text") == true)
}

@Test func invalidUTF8InDatasetNamesTheLine() throws {
    let (error, path) = try loadError(Array("text,label\nok,a\n".utf8) + [0xFE] + Array(",b\n".utf8))
    #expect(error?.description.hasPrefix("\(path):3:") == true)
}

@Test func fieldsAreTrimmed() throws {
    let dataset = try withTempFile(" text , label \n  hi there ,\" greet\"\n") { try LabeledDataset.load(path: $0) }
    #expect(dataset.texts == ["hi there"])
    #expect(dataset.labels == ["greet"])
}

@Test func columnsByIndexAndSelectorParsing() throws {
    let dataset = try withTempFile("id,intent,sentence\n1,greet,hi\n2,bye,see you\n") {
        try LabeledDataset.load(path: $0, textColumn: ColumnSelector("2"), labelColumn: ColumnSelector("intent"))
    }
    #expect(dataset.texts == ["hi", "see you"])
    #expect(dataset.labels == ["greet", "bye"])
    #expect(ColumnSelector("12") == .index(12))
    #expect(ColumnSelector("x1") == .name("x1"))
    #expect(ColumnSelector("") == .name(""))
    #expect(ColumnSelector("-1") == .name("-1"))
    let outOfRange = try loadError(Array("a,b\n1,2\n".utf8), textColumn: .index(0), labelColumn: .index(2)).error
    #expect(outOfRange?.message.contains("#2") == true)
}

@Test func loadSeveralFilesAndTextsOnly() throws {
    try withTempFile("text,label\na,x\n") { first in
        try withTempFile("label,text\ny,b\nz,c\n") { second in
            let dataset = try LabeledDataset.load(paths: [first, second])
            #expect(dataset.texts == ["a", "b", "c"])
            #expect(dataset.labels == ["x", "y", "z"])
            #expect(dataset.lines == [2, 2, 3])
            #expect(dataset.source == "\(first), \(second)")
            let unlabeled = try LabeledDataset.loadTexts(path: second)
            #expect(unlabeled.texts == ["b", "c"])
            #expect(unlabeled.lines == [2, 3])
        }
    }
}

@Test func contentTestSeesEachFileOnceAndEmptyRowsStayInLineOrder() throws {
    try withTempFile("text,label\na,x\n!!,x\n ,y\nb, z \n") { first in
        try withTempFile("text,label\n??, w \nc,w\n") { second in
            var batches: [[String]] = []
            let loaded = try LabeledDataset.load(paths: [first, second], skipBadRows: false) { texts in
                batches.append(texts)
                return texts.map { $0.contains { $0.isLetter } }
            }
            #expect(batches == [["a", "!!", "b"], ["??", "c"]])
            #expect(loaded.dataset.texts == ["a", "b", "c"])
            #expect(loaded.dataset.labels == ["x", "z", "w"])
            #expect(loaded.dataset.lines == [2, 5, 3])
            // Empty text (line 4) and failed content (line 3) are listed together, in line order.
            #expect(loaded.emptyText.map { "\($0.file):\($0.line)" } == ["\(first):3", "\(first):4", "\(second):2"])
            // A padded label is reported for kept rows only.
            #expect(loaded.dataset.paddedLabelLocations == ["\(first):5"])
        }
    }
}

// MARK: - Writing

@Test func quoteOnlyWhenNeeded() {
    let quote = TestCSV.quote
    #expect(quote("plain text") == "plain text")
    #expect(quote("a,b") == "\"a,b\"")
    #expect(quote("say \"hi\"") == "\"say \"\"hi\"\"\"")
    #expect(quote(" padded") == "\" padded\"")
    #expect(quote("") == "")
}

@Test func quoteRoundTripsThroughTheParser() throws {
    let tricky = ["plain", "", "a,b", "\"", "\"\"", "say \"hi\", ok", "line\nbreak", "cr\rlf\r\n",
                  " lead", "trail ", "emoji 🎉👩‍👩‍👧", "\u{FEFF}mark", "é,\"\n", "\t"]
    var out: [UInt8] = []
    for field in tricky { TestCSV.appendRecord([field, "x"], to: &out) }
    TestCSV.appendRecord(tricky, to: &out)
    TestCSV.appendRecord([""], to: &out)
    let records = try parse(out)
    #expect(records.map(\.fields) == tricky.map { [$0, "x"] } + [tricky, [""]])
    #expect(try parse(out, chunkSize: 1) == records)
}
