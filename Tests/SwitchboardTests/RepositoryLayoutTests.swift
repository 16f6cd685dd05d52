import Foundation
import Testing

/// The repository's files as git sees them (tracked, plus untracked files that are not ignored),
/// or nil when git or the work tree is unavailable.
private func repositoryPaths() -> [String]? {
    var root = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { root.deleteLastPathComponent() } // this file, SwitchboardTests, Tests
    guard FileManager.default.fileExists(atPath: root.appendingPathComponent(".git").path) else { return nil }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["git", "-C", root.path, "ls-files", "--cached", "--others", "--exclude-standard", "-z"]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { return nil }
    return data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
}

/// Every file and every folder above it: a folder pair that differs only by case collides too.
func pathsAndFolders(_ files: [String]) -> Set<String> {
    var all = Set<String>()
    for file in files {
        var parts = file.split(separator: "/").map(String.init)
        while !parts.isEmpty { all.insert(parts.joined(separator: "/")); parts.removeLast() }
    }
    return all
}

/// Groups of paths that a case-insensitive file system (macOS's default) would fold into one.
func caseCollisions(_ paths: Set<String>) -> [[String]] {
    Dictionary(grouping: paths, by: { $0.lowercased() }).values
        .filter { $0.count > 1 }.map { $0.sorted() }.sorted { $0[0] < $1[0] }
}

@Test func collisionCheckFindsFoldersThatDifferOnlyByCase() {
    let paths = pathsAndFolders(["Sources/Switchboard/A.swift", "Sources/switchboard/B.swift", "README.md"])
    #expect(caseCollisions(paths) == [["Sources/Switchboard", "Sources/switchboard"]])
    #expect(caseCollisions(pathsAndFolders(["a/b.txt", "a/c.txt"])).isEmpty)
}

@Test(.enabled(if: repositoryPaths() != nil, "needs git and the repository's work tree"))
func noTwoRepositoryPathsDifferOnlyByCase() throws {
    let files = try #require(repositoryPaths())
    #expect(files.count > 10)
    #expect(caseCollisions(pathsAndFolders(files)) == [])
}

/// Runs `scripts/check-sizes.py` on `folder` (relative to the repository): its exit status and output.
private func checkSizes(_ folder: String) throws -> (status: Int32, output: String) {
    var root = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { root.deleteLastPathComponent() }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", root.appendingPathComponent("scripts/check-sizes.py").path, folder]
    process.currentDirectoryURL = root
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

private let hasPython: Bool = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")
    || (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        .contains { FileManager.default.isExecutableFile(atPath: "\($0)/python3") }

/// No source file over 400 lines and no function over 60, and the checker finds an offender.
@Test(.enabled(if: hasPython, "needs python3"))
func sourcesKeepTheirSizeLimits() throws {
    let sources = try checkSizes("Sources")
    #expect(sources.status == 0, "\(sources.output)")
    let dir = NSTemporaryDirectory() + "sizes-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let body = (0..<70).map { "    let v\($0) = \($0)" }.joined(separator: "\n")
    try "func long() {\n\(body)\n}\n".write(toFile: dir + "/Long.swift", atomically: true, encoding: .utf8)
    let long = try checkSizes(dir)
    #expect(long.status == 1 && long.output.contains("function of 72 lines"), "\(long.output)")
}
