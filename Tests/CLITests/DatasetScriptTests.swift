import Foundation
import Testing

/// `scripts/get-datasets.sh` converting files in the public layouts (offline: from a directory).
@Suite struct DatasetScriptTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let intents = ["AddToPlaylist", "BookRestaurant", "GetWeather", "PlayMusic", "RateBook",
                          "SearchCreativeWork", "SearchScreeningEvent"]
    static let hasPython = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")

    @Test(.enabled(if: hasPython, "no python3")) func convertsTheSourceFilesToTextLabelCSVs() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let source = "\(dir)/source", dest = "\(dir)/datasets"
        try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
        // CLINC150's data_full.json: each split a list of [text, label].
        let clinc: [String: [[String]]] = [
            "train": [["what is my balance", "balance"], ["say \"hi\", in french", "translate"]],
            "val": [["balance please", "balance"]], "test": [["how much money", "balance"]],
            "oos_train": [["a show on broadway", "oos"]], "oos_val": [["tell a joke", "oos"]],
            "oos_test": [["what is love", "oos"]],
        ]
        try JSONSerialization.data(withJSONObject: clinc).write(to: URL(fileURLWithPath: "\(source)/data_full.json"))
        // SNIPS: {"Intent": [{"data": [{"text": ...}, {"text": ..., "entity": ...}]}]}.
        for intent in Self.intents {
            let item: [String: Any] = ["data": [["text": "do "], ["text": intent, "entity": "x"], ["text": " now "]]]
            for name in ["train_\(intent)_full.json", "validate_\(intent).json"] {
                try JSONSerialization.data(withJSONObject: [intent: [item, item]])
                    .write(to: URL(fileURLWithPath: "\(source)/\(name)"))
            }
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["\(Self.root)/scripts/get-datasets.sh", dest]
        process.environment = ProcessInfo.processInfo.environment.merging(["SWITCHBOARD_DATASET_SOURCE": source]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let read = { (path: String) in (try? String(contentsOfFile: "\(dest)/\(path)", encoding: .utf8)) ?? "" }
        #expect(read("clinc150/train.csv") == "text,label\nwhat is my balance,balance\n\"say \"\"hi\"\", in french\",translate\n")
        #expect(read("clinc150/oos_test.csv") == "text,label\nwhat is love,oos\n")
        let snips = read("snips/train.csv").split(separator: "\n")
        #expect(snips.count == 1 + 2 * Self.intents.count)
        #expect(snips.dropFirst().first == "do AddToPlaylist now,AddToPlaylist")
        #expect(read("snips/test.csv").hasPrefix("text,label\ndo AddToPlaylist now,AddToPlaylist\n"))

        // What the script says when a file is missing.
        try FileManager.default.removeItem(atPath: "\(source)/validate_RateBook.json")
        let failing = Process()
        failing.executableURL = process.executableURL
        failing.arguments = process.arguments
        failing.environment = process.environment
        failing.standardOutput = FileHandle.nullDevice
        failing.standardError = FileHandle.nullDevice
        try failing.run()
        failing.waitUntilExit()
        #expect(failing.terminationStatus != 0)
    }
}
