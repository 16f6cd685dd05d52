import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Faults: `train` interrupted by SIGINT, SIGTERM or SIGKILL at different moments, and
/// model outputs that cannot be written (a path under a regular file; a file-size limit standing
/// in for a full disk). The previous model at the destination must always survive byte for
/// byte; after SIGINT or SIGTERM no temporary file may remain. SIGKILL cannot be handled: during
/// the write it leaves the `.NAME.tmp-PID-RANDOM` file behind (documented), the destination intact.
@Suite(.serialized) struct InterruptTests {
    /// A directory with `train.csv` (`rows` rows, 30 labels) and, in `out/`, a previous model.
    struct Fixture {
        let dir: String
        var csv: String { "\(dir)/train.csv" }
        var outDir: String { "\(dir)/out" }
        var model: String { "\(outDir)/model" }
        let previous: Data

        init(rows: Int) throws {
            dir = try temporaryDirectory()
            var text = "text,label\n"
            var state: UInt64 = 99
            for i in 0 ..< rows {
                let label = i % 30
                let words = (0 ..< 8).map { _ -> String in
                    state = state &* 6364136223846793005 &+ 1442695040888963407
                    return "w\(label)_\((state >> 40) % 50)"
                }
                text += words.joined(separator: " ") + ",topic\(label)\n"
            }
            try Data(text.utf8).write(to: URL(fileURLWithPath: "\(dir)/train.csv"))
            try FileManager.default.createDirectory(atPath: "\(dir)/out", withIntermediateDirectories: true)
            // Only an earlier model to keep: no refinement, which takes long in a debug build.
            let first = try run(["train", "\(dir)/train.csv", "-o", "\(dir)/out/model", "--bucket-bits", "10", "--epochs", "1",
                                 "--refine-iterations", "0"])
            try #require(first.status == 0, "\(first.stderr)")
            previous = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/out/model"))
        }

        func cleanUp() { try? FileManager.default.removeItem(atPath: dir) }

        /// Names in the output directory other than the model: temporary files.
        func strays() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: outDir).filter { $0 != "model" } }

        func start(_ extra: [String]) throws -> Child {
            try Child(arguments: ["train", csv, "-o", model, "--threads", "1"] + extra)
        }

        /// The destination still holds the previous model, byte for byte.
        func expectUntouched(_ what: String) {
            #expect((try? Data(contentsOf: URL(fileURLWithPath: model))) == previous, "\(what): destination changed")
        }
    }

    /// The binary started with `posix_spawn` rather than `Process`: the test runner's threads
    /// block SIGINT and SIGTERM, and `Process` passes that mask on, so a child started with it
    /// would not see those signals until it unblocks them itself. This child starts with no
    /// signal blocked and default dispositions, as from a shell; output goes to /dev/null.
    final class Child {
        let pid: pid_t
        private(set) var status: Int32?

        init(arguments: [String]) throws {
            var attributes = posix_spawnattr_t()
            posix_spawnattr_init(&attributes)
            defer { posix_spawnattr_destroy(&attributes) }
            var none = sigset_t(), defaults = sigset_t()
            sigemptyset(&none)
            sigemptyset(&defaults)
            for s in [SIGINT, SIGTERM, SIGXFSZ] { sigaddset(&defaults, s) }
            posix_spawnattr_setsigmask(&attributes, &none)
            posix_spawnattr_setsigdefault(&attributes, &defaults)
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            for fd: Int32 in [0, 1, 2] { posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0) }
            let argv = ([binary] + arguments).map { strdup($0) } + [nil]
            defer { argv.forEach { free($0) } }
            // The caller's environment with SWITCHBOARD_EMBEDDINGS=none: `train` stays n-gram-only.
            var environment = ProcessInfo.processInfo.environment
            environment["SWITCHBOARD_EMBEDDINGS"] = "none"
            let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
            defer { envp.forEach { free($0) } }
            var pid: pid_t = 0
            let result = posix_spawn(&pid, binary, &actions, &attributes, argv, envp)
            try #require(result == 0, "posix_spawn: \(String(cString: strerror(result)))")
            self.pid = pid
        }

        /// Whether the child has not been reaped yet (it may have just exited).
        var isRunning: Bool {
            guard status == nil else { return false }
            var raw: Int32 = 0
            if waitpid(pid, &raw, WNOHANG) == pid { status = raw }
            return status == nil
        }

        func waitUntilExit() {
            var raw: Int32 = 0
            while status == nil {
                if waitpid(pid, &raw, 0) == pid { status = raw } else if errno != EINTR { break }
            }
        }

        /// Whether the child ended because of `signal`: killed by it, or exited with 128 + it.
        func endedBy(_ signal: Int32) -> Bool {
            guard let status else { return false }
            let termination = status & 0x7F // WTERMSIG; 0 = exited, with WEXITSTATUS in bits 8-15
            return termination == 0 ? (status >> 8) & 0xFF == 128 + signal : termination == signal
        }

        var description: String { status.map { "wait status 0x\(String($0, radix: 16))" } ?? "running" }
    }

    /// Waits until /proc says `pid` is stopped (state T), so that nothing of it runs meanwhile.
    static func waitUntilStopped(_ pid: Int32) {
        for _ in 0 ..< 5_000 {
            if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
               let state = stat.split(separator: ")").last?.split(separator: " ").first, state == "T" || state == "t" { return }
            usleep(200)
        }
    }

    /// CPU time (user + system, in clock ticks) that `pid` has used, from /proc; nil once it is gone.
    static func cpuTicks(_ pid: Int32) -> Int? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let rest = stat.split(separator: ")").last?.split(separator: " "), rest.count > 13,
              let user = Int(rest[11]), let system = Int(rest[12]) else { return nil }
        return user + system
    }

    /// While loading the data and while training: nothing has been written yet, so every signal
    /// leaves the destination untouched and no file beside it. The child is stopped (SIGSTOP)
    /// once it has used the given CPU time, so it is certainly still running when the signal is
    /// sent, however fast or loaded the machine is.
    @Test(arguments: [SIGINT, SIGTERM, SIGKILL])
    func interruptedWhileTraining(signal: Int32) throws {
        let fixture = try Fixture(rows: 40_000)
        defer { fixture.cleanUp() }
        for ticks in [5, 60] {  // 1 tick = 10 ms of CPU: reading the data, then training
            let process = try fixture.start(["--epochs", "200", "--bucket-bits", "12"])
            while process.isRunning, (Self.cpuTicks(process.pid) ?? .max) < ticks { usleep(1_000) }
            kill(process.pid, SIGSTOP)
            Self.waitUntilStopped(process.pid)
            #expect(process.isRunning, "training finished within \(ticks) ticks: make the fixture larger")
            kill(process.pid, signal)
            kill(process.pid, SIGCONT)
            process.waitUntilExit()
            #expect(process.endedBy(signal), "after \(ticks) ticks: \(process.description)")
            fixture.expectUntouched("signal \(signal) after \(ticks) ticks")
            #expect(try fixture.strays().isEmpty)
        }
    }

    /// While the new model is being written: the process is stopped (SIGSTOP) as soon as its
    /// temporary file appears and, once stopped with the file still there, sent the signal and
    /// continued, so the signal always lands between creating the temporary file and renaming it.
    @Test(arguments: [SIGINT, SIGTERM, SIGKILL])
    func interruptedWhileWriting(signal: Int32) throws {
        let fixture = try Fixture(rows: 300)
        defer { fixture.cleanUp() }
        var landed = false
        for _ in 0 ..< 5 where !landed { // a retry only when the rename beat SIGSTOP
            let process = try fixture.start(["--epochs", "1", "--bucket-bits", "20"]) // a 36 MB model
            var temporary: String?
            while process.isRunning && temporary == nil {
                temporary = try fixture.strays().first
                if temporary == nil { usleep(100) }
            }
            guard let temporary else { process.waitUntilExit(); continue }
            kill(process.pid, SIGSTOP)
            Self.waitUntilStopped(process.pid)
            landed = FileManager.default.fileExists(atPath: "\(fixture.outDir)/\(temporary)")
            if landed { kill(process.pid, signal) }
            kill(process.pid, SIGCONT)
            process.waitUntilExit()
            guard landed else { // the new model is in place: put the previous one back and try again
                try fixture.previous.write(to: URL(fileURLWithPath: fixture.model), options: .atomic)
                continue
            }
            #expect(process.endedBy(signal), "\(process.description)")
            fixture.expectUntouched("signal \(signal) during the write")
            #expect(try fixture.strays() == (signal == SIGKILL ? [temporary] : []))
            #expect(temporary.hasPrefix(".model.tmp-\(process.pid)-"))
        }
        #expect(landed, "never caught the write in progress")
    }

    /// An output path under a regular file (ENOTDIR; chosen because it fails for root too, unlike
    /// a read-only directory): exit 1 before any work, one line naming the path and the cause,
    /// nothing created.
    @Test func unwritableOutputDirectory() throws {
        let fixture = try Fixture(rows: 60)
        defer { fixture.cleanUp() }
        let bad = "\(fixture.model)/new.model" // "model" is a regular file
        let commands = [["train", fixture.csv, "-o", bad, "--bucket-bits", "10", "--epochs", "1"],
                        ["calibrate", fixture.model, fixture.csv, "-o", bad], ["compress", fixture.model, "-o", bad]]
        for command in commands {
            let r = try run(command)
            #expect(r.status == 1, "\(command[0]): \(r.stderr)")
            // calibrate may warn first (no unknown-label rows); the error is the last line.
            let expected = "switchboard: error: '\(fixture.model)' is not a directory (--output \(bad)); nothing was done"
            #expect(r.stderr.split(separator: "\n").last.map(String.init) == expected, "\(command[0])")
            fixture.expectUntouched(command[0])
            #expect(try fixture.strays().isEmpty)
        }
    }

    /// The disk filling up mid-write, simulated by a file-size limit of 1024 blocks (`ulimit -f`:
    /// 512 KB to 1 MB, under the 2 MB model; much lower and ThreadSanitizer's own runtime fails),
    /// with SIGXFSZ ignored so that write(2) fails with EFBIG instead of killing the process:
    /// exit 1, one line, the previous model untouched, the temporary file removed.
    @Test func fullDiskDuringTheWrite() throws {
        let fixture = try Fixture(rows: 60)
        defer { fixture.cleanUp() }
        let arguments = ["train", fixture.csv, "-o", fixture.model, "--bucket-bits", "14", "--epochs", "1"]
        let shell = try run(["-c", "trap '' XFSZ; ulimit -f 1024; exec \"$0\" \"$@\"", binary] + arguments, executable: "/bin/sh")
        #expect(shell.status == 1, "\(shell.stderr)")
        #expect(shell.stderr == "switchboard: error: cannot write model file '\(fixture.model)': write: File too large\n")
        fixture.expectUntouched("file size limit")
        #expect(try fixture.strays().isEmpty)
    }
}
