import Foundation
import Testing

/// The `switchboard` binary under test: `$SWITCHBOARD_BIN` when set, else the one built beside
/// the running test bundle (same build directory and configuration), else `.build/debug`.
let binary: String = {
    if let path = ProcessInfo.processInfo.environment["SWITCHBOARD_BIN"] { return path }
    let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("switchboard").path
    if FileManager.default.isExecutableFile(atPath: beside) { return beside }
    var root = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { root.deleteLastPathComponent() } // CLIRunner.swift, CLITests, Tests
    return root.appendingPathComponent(".build/debug/switchboard").path
}()

/// What a run of the binary produced.
struct Run {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs the binary (or `executable`, e.g. a shell wrapping it) with `arguments`, feeding `stdin`
/// bytes (empty input when nil). `environment` is added to this process's environment; unless it
/// says otherwise, `SWITCHBOARD_EMBEDDINGS=none` keeps `train` n-gram-only (and quick).
func run(_ arguments: [String], stdin: [UInt8]? = nil, executable: String = binary,
         environment: [String: String] = [:]) throws -> Run {
    try #require(FileManager.default.isExecutableFile(atPath: binary),
                 "switchboard binary not found at \(binary): run `swift build` before the CLI tests")
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let files = ["in", "out", "err"].map { "\(dir)/\($0)" }
    for (path, bytes) in zip(files, [stdin ?? [], [], []]) {
        try #require(FileManager.default.createFile(atPath: path, contents: Data(bytes)), "cannot create \(path)")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment
        .merging(["SWITCHBOARD_EMBEDDINGS": "none"]) { _, new in new }.merging(environment) { _, new in new }
    process.standardInput = FileHandle(forReadingAtPath: files[0])
    process.standardOutput = FileHandle(forWritingAtPath: files[1])
    process.standardError = FileHandle(forWritingAtPath: files[2])
    try process.run()
    process.waitUntilExit()
    let read = { (path: String) in String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self) }
    return Run(status: process.terminationStatus, stdout: read(files[1]), stderr: read(files[2]))
}

func temporaryDirectory() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("clitests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
