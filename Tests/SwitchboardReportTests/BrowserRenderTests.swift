import SwitchboardData
import Foundation
import Switchboard
import SwitchboardReport
import SwitchboardTraining
import Testing

/// Headless Chromium and the checker script (Tests/render/check_report.py), when available.
private enum Browser {
    static let names = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]

    static func onPath(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static let chromium: String? = ProcessInfo.processInfo.environment["SWITCHBOARD_BROWSER"] ?? names.lazy.compactMap(onPath).first
    static let python = onPath("python3")
    static var available: Bool { chromium != nil && python != nil && ProcessInfo.processInfo.environment["SWITCHBOARD_SANITIZER"] == nil }
    static let skipReason: Comment = "needs python3 and headless chromium on PATH (`make test` installs Debian's chromium as root; set SWITCHBOARD_BROWSER to use another) and no sanitizer"

    static let checker: String = {
        var root = URL(fileURLWithPath: #filePath)
        root.deleteLastPathComponent()
        root.deleteLastPathComponent()
        return root.appendingPathComponent("render/check_report.py").path
    }()

    /// Runs the checker on `html`; its status, stdout and stderr.
    static func check(_ html: String, in dir: String, expecting texts: [String] = []) throws -> (Int32, String, String) {
        try html.write(toFile: dir + "/report.html", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python!)
        process.arguments = [checker, dir + "/report.html", dir + "/shot.png", "--browser", chromium!]
            + texts.flatMap { ["--expect-text", $0] }
        let out = dir + "/out", err = dir + "/err"
        FileManager.default.createFile(atPath: out, contents: nil)
        FileManager.default.createFile(atPath: err, contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: out)
        process.standardError = FileHandle(forWritingAtPath: err)
        try process.run()
        process.waitUntilExit()
        let read = { (p: String) in (try? String(contentsOfFile: p, encoding: .utf8)) ?? "" }
        return (process.terminationStatus, read(out), read(err))
    }
}

private func temporaryDirectory() throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("render-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

private let hostileQuery = "<script>alert('pwned')</script> refund & \"track\""

/// A report of a small model with misrouted rows, an unknown-label row and a hostile query.
private func renderedReport() throws -> String {
    let texts = ["refund my order", "i want my money back", "charge on my card twice", "reset my password",
                 "forgot password", "cannot log in", "where is my parcel", "track my package", "delivery is late"]
    let labels = ["billing", "billing", "billing", "login", "login", "login", "shipping", "shipping", "shipping"]
    var p = TrainingParameters()
    p.features.bucketBits = 12
    p.threads = 1
    let (contents, _) = try Trainer.train(texts: texts, labels: labels, parameters: p)
    // The hostile query is labeled login, which none of its words suggest, so it is misrouted
    // and shown among the confusions whatever the trainer's fine details.
    let extra = [(hostileQuery, "login"), ("what is the weather", "oos"), ("money for my password", "shipping"),
                 ("log in to track my parcel", "billing")]
    let data = LabeledDataset(texts: texts + extra.map(\.0), labels: labels + extra.map(\.1), source: "rows.csv")
    let report = EvaluationReport(classifier: try Classifier(contents: contents), data: data, modelName: "small.model",
                                  unknownLabel: "oos", threshold: 0.4, threads: 1, bench: [("p50_us", "3.1")])
    return report.html()
}

@Suite("Report in a real browser", .enabled(if: Browser.available, Browser.skipReason))
struct BrowserRenderTests {
    @Test func reportRendersParsesAndRunsItsScript() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (status, out, err) = try Browser.check(try renderedReport(), in: dir, expecting: [hostileQuery, "billing"])
        #expect(status == 0, "checker failed:\n\(err)\n\(out)")
        #expect(out.contains("script status: script ok"), "\(out)")
        #expect(FileManager.default.fileExists(atPath: dir + "/shot.png"))
    }

    /// The checker itself catches what it is for: an unclosed tag, a script error and a blank page.
    @Test func checkerRejectsABrokenBlankPage() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let broken = "<!DOCTYPE html><html><head><title>x</title></head><body><div>"
            + "<p id=\"script-status\">script not run</p>"
            + "<script>var s=document.getElementById('script-status');undefinedFunction();s.setAttribute('data-ok','1');</script>"
            + "</body></html>"
        let (status, out, err) = try Browser.check(broken, in: dir, expecting: ["never shown"])
        #expect(status == 1, "\(out)\n\(err)")
        for needle in ["<div> opened on line 1", "did not finish", "looks blank", "lacks 'never shown'", "Uncaught"] {
            #expect(err.contains(needle), "missing \(needle) in:\n\(err)")
        }
    }
}
