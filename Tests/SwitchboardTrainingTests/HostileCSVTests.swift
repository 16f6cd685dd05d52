import SwitchboardData
import Foundation
import Switchboard
import Testing
@testable import SwitchboardTraining

/// The CSV rows of the bad-input matrix that `CSVTests` does not already cover, and
/// what training makes of odd label sets. Rows covered elsewhere: empty file
/// (`emptyFileIsAnError`), header only (`headerOnlyIsAnError`), missing text column
/// (`missingColumnNamesFileAndColumns`), unbalanced quote at end of file
/// (`unterminatedQuoteAtEndOfInput`), quoted field spanning lines
/// (`newlineInsideQuotedFieldKeepsLaterLineNumbers`), CR / CRLF / mixed line ends
/// (`lineEndings`), BOM (`byteOrderMarkIsDropped`), invalid UTF-8 (`invalidUTF8NamesTheLine`,
/// `invalidUTF8InDatasetNamesTheLine`), NUL bytes (`nulByteIsRejected`), one class only
/// (`TrainerTests.rejectsSingleLabelAndEmptyInput`).
@Suite struct HostileCSVTests {
    /// Writes `bytes` to a fresh file, runs `body` with its path, then deletes it.
    static func withFile<T>(_ bytes: [UInt8], _ body: (String) throws -> T) throws -> T {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID().uuidString).csv")
        try Data(bytes).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try body(url.path)
    }

    static func loadError(_ text: String, text column: ColumnSelector = .name("text"),
                          label: ColumnSelector = .name("label")) throws -> CSVError? {
        try withFile(Array(text.utf8)) { path in
            #expect(throws: CSVError.self) { _ = try LabeledDataset.load(path: path, textColumn: column, labelColumn: label) }
        }
    }

    static var fast: TrainingParameters {
        var p = TrainingParameters()
        p.features.bucketBits = 10
        p.epochs = 3
        p.threads = 1
        return p
    }

    @Test func missingLabelColumnNamesItAndTheHeader() throws {
        let error = try Self.loadError("text,intent\nhello,greet\n")
        #expect(error?.line == 1)
        #expect(error?.message == "no column \"label\"; the header's 2 columns are: \"text\", \"intent\"")
    }

    @Test func unknownColumnGivenByFlag() throws {
        let byName = try Self.loadError("text,label\nhello,greet\n", text: .name("utterance"))
        #expect(byName?.message.hasPrefix("no column \"utterance\"") == true)
        let byIndex = try Self.loadError("text,label\nhello,greet\n", label: .index(7))
        #expect(byIndex?.message.hasPrefix("no column #7") == true)
    }

    /// A quoted field that never closes swallows the rest of the file, up to the field limit:
    /// the error names the line where the quote opened, never a later one.
    @Test func unbalancedQuoteNamesWhereItOpened() throws {
        let error = try Self.loadError("text,label\nfine,a\n\"open,b\nmore,c\nand more,d")
        #expect(error?.line == 3)
        #expect(error?.message.contains("never closed") == true)
    }

    @Test func tenMegabyteFieldLoads() throws {
        let big = String(repeating: "abcdefghi ", count: 1_000_000) // 10 MB, 1,000,000 words
        let bytes = Array("text,label\n\"\(big)\",long\nshort one,short\n".utf8)
        let dataset = try Self.withFile(bytes) { try LabeledDataset.load(path: $0) }
        #expect(dataset.texts.map(\.utf8.count) == [big.utf8.count - 1, 9]) // trimmed trailing space
        let (model, _) = try Trainer.train(texts: dataset.texts, labels: dataset.labels, parameters: Self.fast)
        #expect(try Classifier(contents: model).predictedLabel(for: "abcdefghi") == "long")
    }

    /// Past the 16 MiB field limit the parser stops with a clear error instead of buffering on.
    @Test func fieldOverTheLimitIsRefused() throws {
        let bytes = Array("text,label\n\"".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: (16 << 20) + 1)
            + Array("\",a\n".utf8)
        let error = try Self.withFile(bytes) { path in
            #expect(throws: CSVError.self) { _ = try LabeledDataset.load(path: path) }
        }
        #expect(error?.line == 2)
        #expect(error?.message == "field 1 is longer than 16777216 bytes")
    }

    /// 1,000,000 columns: refused at the 100,000-field limit, before the parser has read the rest
    /// of the row (fed in 64 KiB chunks, it throws in the chunk holding field 100,001), so memory
    /// holds at most 100,000 field ends whatever the row's width.
    @Test func millionColumnsAreRefusedEarly() throws {
        let row = [UInt8](repeating: UInt8(ascii: ","), count: 999_999) + [0x0A] // 1,000,000 empty fields
        var parser = CSVParser(file: "wide.csv")
        var consumed = 0
        let error = #expect(throws: CSVError.self) {
            while consumed < row.count {
                let chunk = Array(row[consumed ..< min(consumed + 65_536, row.count)])
                consumed += chunk.count
                try parser.parse(chunk) { _ in Issue.record("no record should be delivered") }
            }
        }
        #expect(error?.description == "wide.csv:1: record has more than 100000 fields")
        #expect(consumed <= 100_001 + 65_536)
        // And through the dataset loader, header and all.
        let file = Array("text,label\n".utf8) + row
        let loadError = try Self.withFile(file) { path in
            #expect(throws: CSVError.self) { _ = try LabeledDataset.load(path: path) }
        }
        #expect(loadError?.line == 2 && loadError?.message.contains("more than 100000 fields") == true)
    }

    /// Found by fuzzing (Fuzz/FuzzCSV): a quoted field over the length limit that then meets a NUL
    /// byte was reported as "NUL byte" when parsed whole and "longer than" when parsed in chunks.
    /// The same input must give the same error however it is split.
    @Test func errorsDoNotDependOnChunking() throws {
        let input: [UInt8] = [0x22, 0x09, 0x34, 0xE8, 0xFF, 0xFF, 0x44, 0x0A, 0x0A, 0x02, 0x0A, 0x0A, 0x02, 0x00]
        func firstError(chunk: Int) -> CSVError? {
            var parser = CSVParser(file: "f.csv", maxFieldBytes: 9, maxFields: 7)
            return #expect(throws: CSVError.self) {
                var start = 0
                while start < input.count {
                    try parser.parse(Array(input[start ..< min(start + chunk, input.count)])) { _ in }
                    start += chunk
                }
                try parser.finish { _ in }
            }
        }
        let whole = firstError(chunk: input.count)
        #expect(whole?.description == "f.csv:1: field 1 is longer than 9 bytes")
        for chunk in [1, 2, 3, 7] { #expect(firstError(chunk: chunk) == whole, "chunks of \(chunk)") }
    }

    /// Labels with commas, quotes, emoji and line breaks survive CSV quoting, training and the
    /// model file byte for byte, and come back as predictions.
    @Test func trickyLabelsRoundTripToTheModel() throws {
        let labels = ["refund, partial", "say \"hi\"", "🎉 party 👩‍👩‍👧", "multi\nline", "plain"]
        var rows: [[String]] = [["text", "label"]]
        for (i, label) in labels.enumerated() {
            for k in 0 ..< 6 { rows.append(["topic\(i) words\(i) sample \(k)", label]) }
        }
        var csv: [UInt8] = []
        for row in rows { TestCSV.appendRecord(row, to: &csv) }
        let dataset = try Self.withFile(csv) { try LabeledDataset.load(path: $0) }
        #expect(Set(dataset.labels) == Set(labels))
        let (model, _) = try Trainer.train(texts: dataset.texts, labels: dataset.labels, parameters: Self.fast)
        let loaded = try ModelFile.decode(ModelFile.encode(model))
        #expect(loaded.labels == labels.sorted())
        let classifier = Classifier(storage: loaded)
        for (i, label) in labels.enumerated() {
            #expect(classifier.predictedLabel(for: "topic\(i) words\(i)") == label)
        }
    }

    /// A class with a single example trains like any other and is kept in the model.
    @Test func classWithOneExampleWorks() throws {
        var texts: [String] = [], labels: [String] = []
        for k in 0 ..< 20 {
            texts += ["reset my password \(k)", "charged twice \(k)"]
            labels += ["account", "billing"]
        }
        texts.append("the app crashes on launch")
        labels.append("bug")
        for balanced in [ClassWeighting.none, .balanced] {
            var p = Self.fast
            p.epochs = 10
            p.classWeighting = balanced
            let (model, report) = try Trainer.train(texts: texts, labels: labels, parameters: p)
            #expect(model.labels == ["account", "billing", "bug"] && report.labels == 3)
            #expect(try Classifier(contents: model).predictedLabel(for: "app crashes on launch") == "bug")
        }
    }

    /// 100,000 distinct labels: at the default 2^15 buckets the weights alone would be 13.1 GB,
    /// so training refuses at once, naming the memory and the bucket bits that would fit, before
    /// featurizing anything; the bound itself is `Trainer.maximumWeightBytes` (4 GiB).
    @Test func hundredThousandLabelsAreRefusedWithTheMemoryNeeded() throws {
        let labels = (0 ..< 100_000).map { "label\($0)" }
        let texts = (0 ..< 100_000).map { "text \($0)" }
        var p = TrainingParameters()
        p.threads = 1
        let error = #expect(throws: TrainingError.self) { _ = try Trainer.train(texts: texts, labels: labels, parameters: p) }
        #expect(error == .modelTooLarge(labels: 100_000, buckets: 32_768, bytes: 13_107_200_000, limit: 1 << 32,
                                        fittingBucketBits: 13))
        #expect(error?.description == "100000 labels × 32768 buckets need 13.1 GB (13107200000 bytes) of weights to "
            + "train, over the 4.3 GB (4294967296 bytes) limit; use --bucket-bits 13 or less, or fewer labels")
        // The bound in both directions, without training: 2^13 buckets fit, 2^14 do not, and
        // 2^24 buckets leave room for no more than 64 labels.
        var f = FeatureConfiguration(bucketBits: 13)
        #expect(Trainer.sizeProblem(labels: 100_000, features: f) == nil)
        f.bucketBits = 14
        #expect(Trainer.sizeProblem(labels: 100_000, features: f) != nil)
        f.bucketBits = 24
        #expect(Trainer.sizeProblem(labels: 64, features: f) == nil)
        #expect(Trainer.sizeProblem(labels: 65, features: f) != nil)
        f.bucketBits = 10
        let hopeless = Trainer.sizeProblem(labels: Int(UInt32.max), features: f)
        #expect(hopeless?.description.contains("even 1024 buckets are too many") == true)
    }
}
