import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The `switchboard` binary under test: `$SWITCHBOARD_BIN` when set, else the one built beside
/// the running test bundle, else `.build/debug`.
let binary: String = {
    if let path = ProcessInfo.processInfo.environment["SWITCHBOARD_BIN"] { return path }
    let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("switchboard").path
    if FileManager.default.isExecutableFile(atPath: beside) { return beside }
    return repositoryRoot.appendingPathComponent(".build/debug/switchboard").path
}()

/// The repository's root directory.
let repositoryRoot: URL = {
    var root = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { root.deleteLastPathComponent() } // ServerProcess.swift, ServeTests, Tests
    return root
}()

/// The committed demo model.
let demoModel = repositoryRoot.appendingPathComponent("Models/demo.model").path

/// Polls `condition` every few milliseconds until it holds or `seconds` pass; returns whether it held.
func eventually(within seconds: Double = 20, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        usleep(5_000)
    }
    return try condition()
}

/// A fresh temporary directory.
func temporaryDirectory() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("servetests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Runs the binary to completion: exit status and standard output.
func runBinary(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
}

/// `switchboard serve` running in a child process on a free loopback port. Started with
/// `posix_spawn`, no signal blocked and default dispositions (the test runner's threads block
/// SIGTERM, and `Process` would pass that mask on). Standard output and error go to files.
final class ServerProcess {
    let pid: pid_t
    let dir: String
    private(set) var port = 0
    private(set) var status: Int32?

    /// Starts `serve MODEL --port PORT ARGUMENTS` and, unless `waitForPort` is false, waits for
    /// its "listening on" line. Fails the test when the server exits or stays silent instead.
    init(model: String, port: Int = 0, arguments: [String] = [], environment: [String: String] = [:],
         waitForPort: Bool = true) throws {
        try #require(FileManager.default.isExecutableFile(atPath: binary), "no switchboard binary at \(binary): run `swift build`")
        dir = try temporaryDirectory()
        pid = try Self.spawn(["serve", model, "--host", "127.0.0.1", "--port", String(port), "--threads", "2"] + arguments,
                             stdout: "\(dir)/stdout", stderr: "\(dir)/stderr", environment: environment)
        guard waitForPort else { return }
        var found: Int?
        _ = eventually {
            found = Self.listeningPort(in: stdout)
            return found != nil || !isRunning
        }
        guard let found else {
            stop()
            throw HTTPClientError(description: "server did not report its port; \(description); stderr: \(stderr)")
        }
        self.port = found
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: dir)
    }

    private static func spawn(_ arguments: [String], stdout: String, stderr: String,
                              environment: [String: String]) throws -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), defaults = sigset_t()
        sigemptyset(&none)
        sigemptyset(&defaults)
        for s in [SIGINT, SIGTERM, SIGHUP, SIGPIPE] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var env = ProcessInfo.processInfo.environment
        env["SWITCHBOARD_ADMIN_TOKEN"] = nil
        env.merge(environment) { $1 }
        let argv = ([binary] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, binary, &actions, &attributes, argv, envp)
        try #require(result == 0, "posix_spawn: \(String(cString: strerror(result)))")
        return pid
    }

    /// The port of a "listening on http://HOST:PORT" line.
    static func listeningPort(in output: String) -> Int? {
        for line in output.split(separator: "\n") where line.hasPrefix("listening on http://") {
            if let colon = line.lastIndex(of: ":"), let port = Int(line[line.index(after: colon)...]) { return port }
        }
        return nil
    }

    var stdout: String { (try? String(contentsOfFile: "\(dir)/stdout", encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: "\(dir)/stderr", encoding: .utf8)) ?? "" }

    /// Whether the child has not been reaped yet.
    var isRunning: Bool {
        guard status == nil else { return false }
        var raw: Int32 = 0
        if waitpid(pid, &raw, WNOHANG) == pid { status = raw }
        return status == nil
    }

    /// Sends `signal` to the server.
    func signal(_ signal: Int32) { if isRunning { kill(pid, signal) } }

    /// Waits up to `seconds` for the server to exit; its exit code, or nil when it did not exit
    /// normally in time.
    func waitForExit(within seconds: Double = 20) -> Int32? {
        _ = eventually(within: seconds) { !isRunning }
        guard let status, status & 0x7F == 0 else { return nil }
        return (status >> 8) & 0xFF
    }

    /// Kills the server if it still runs and reaps it.
    func stop() {
        guard isRunning else { return }
        kill(pid, SIGKILL)
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) != pid && errno == EINTR {}
        status = raw
    }

    var description: String { status.map { "wait status 0x\(String($0, radix: 16))" } ?? "running" }

    /// One request to this server on a fresh connection.
    func request(_ method: String, _ path: String, body: [UInt8]? = nil, headers: [String: String] = [:]) throws -> HTTPReply {
        try ServeTests.request(port, method, path, body: body, headers: headers)
    }

    /// `POST /v1/classify` with `{"text": text}`.
    func classify(_ text: String, query: String = "") throws -> HTTPReply {
        try request("POST", "/v1/classify" + query, body: jsonBody(["text": text]))
    }

    /// The value of the metric line starting with `series` (name and labels exactly), if any.
    func metric(_ series: String) throws -> Double? {
        let text = try request("GET", "/metrics").text
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1).split(separator: " ")[0])
        }
        return nil
    }
}
