import SwitchboardLabeling
import SwitchboardData
import ArgumentParser
import Foundation
import Switchboard
import SwitchboardTraining

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension LabelFormat: ExpressibleByArgument {}
extension BadRowPolicy: ExpressibleByArgument {}

extension SwitchboardCommand {
    /// `switchboard label MODEL [INPUT|-] [--output OUT|-]`
    struct Label: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Label a CSV, JSON Lines or text file in bulk.",
            discussion: """
            The format follows INPUT's extension (.csv, .jsonl/.ndjson, else text) unless --format \
            is given; standard input (INPUT omitted or -) is text unless --format says otherwise.

            CSV keeps every column and appends label, confidence. JSON Lines keeps each object \
            and adds "label", "confidence" (and "top": the K best as {"label", "confidence"}); \
            members already named so are replaced. Text: one query per line in, \
            LABEL<TAB>CONFIDENCE per line out, as `predict` prints.

            A row whose top probability is below the threshold, or with no features (empty or \
            whitespace-only text too), gets the unknown label; its confidence is still the top \
            probability. --top-k K adds the K ranked labels after the routed one, also for an \
            abstained row (CSV: label_1, confidence_1 ... label_K, confidence_K; text: K pairs).

            Bad rows (wrong field count, invalid UTF-8, invalid JSON, missing text field) stop \
            the run with FILE:LINE (exit 1), or with --on-error skip are reported on stderr and \
            left out (CSV, JSON Lines) or answered with the unknown label and confidence 0 (text, \
            so output line N answers input line N). Malformed CSV quoting is always fatal.

            --output is written to a temporary file renamed into place at the end: a failed or \
            interrupted run leaves no partial file. Progress goes to stderr when it is a terminal.
            """)

        @Argument(help: ArgumentHelp("The model file.", valueName: "model"))
        var model: String

        @Argument(help: ArgumentHelp("Input file; - or none: standard input.", valueName: "input"))
        var input: String?

        @Option(name: [.short, .long], help: ArgumentHelp("Output file; - or none: standard output.", valueName: "out"))
        var output: String?

        @Option(help: ArgumentHelp("Input and output format: csv, jsonl or text (default: from the extension).",
                                   valueName: "format"))
        var format: LabelFormat?

        @Option(name: .customLong("text-column"),
                help: ArgumentHelp("CSV: the text column, a header name or 0-based index.", valueName: "name|index"))
        var textColumn = "text"

        @Option(help: ArgumentHelp("JSON Lines: the member holding the text.", valueName: "name"))
        var textField = "text"

        @Option(parsing: .unconditional, help: ArgumentHelp("Also output the K most probable labels, after the routed one.", valueName: "k"))
        var topK: Int?

        @Option(parsing: .unconditional, help: ArgumentHelp("Abstain below this probability (default: the model's threshold).", valueName: "t"))
        var threshold: Float?

        @Option(help: ArgumentHelp("Label of abstentions (default: the model's, else \"unknown\").", valueName: "name"))
        var unknownLabel: String?

        @Option(help: ArgumentHelp("Bad rows: fail (stop, exit 1) or skip (leave out, report on stderr).",
                                   valueName: "fail|skip"))
        var onError = BadRowPolicy.fail

        @OptionGroup var threads: ThreadOptions

        private var inputPath: String? { input == "-" ? nil : input }
        private var outputPath: String? { output == "-" ? nil : output }

        func validate() throws {
            if let topK, topK < 1 { throw ValidationError("--top-k must be at least 1") }
            if let threshold, !(threshold >= 0 && threshold <= 1) { throw ValidationError("--threshold must be in [0, 1]") }
            if unknownLabel?.isEmpty == true { throw ValidationError("--unknown-label must not be empty") }
            if let inputPath, let outputPath, Self.sameFile(inputPath, outputPath) {
                throw ValidationError("--output must not be the input file")
            }
        }

        func run() throws {
            let classifier = try Classifier(contentsOf: model)
            var options = BatchLabelOptions(format: format ?? inputPath.map(LabelFormat.init(path:)) ?? .text)
            options.textColumn = ColumnSelector(textColumn)
            options.textField = textField
            options.topK = topK
            options.threshold = threshold
            options.unknownLabel = unknownLabel
            options.threads = threads.threads
            options.onError = onError
            let inputName = inputPath ?? "<stdin>"
            let inputFD = try inputPath.map(Self.openForReading) ?? 0
            defer { if inputFD != 0 { close(inputFD) } }
            let destination = try outputPath.map(AtomicOutput.init(path:))
            let outputName = outputPath ?? "standard output"
            let outputFD = destination?.fd ?? 1
            let progress = Output.stderrIsTerminal ? ProgressLine() : nil
            let summary: BatchLabelSummary
            do {
                summary = try BatchLabeler(classifier: classifier, options: options).run(
                    inputName: inputName,
                    read: { try Self.readChunk(inputFD, into: $0, name: inputName) },
                    write: { try Self.writeAll(outputFD, $0, name: outputName) },
                    progress: progress.map { p in { p.update(rows: $0) } },
                    skipped: { progress?.clear(); Output.standardError("switchboard: \(skippedWord) \($0)") })
                try destination?.commit()
            } catch {
                progress?.finish()
                destination?.discard()
                throw error
            }
            progress?.finish()
            if summary.skipped > 0 {
                Output.standardError("switchboard: \(skippedWord) \(summary.skipped) bad row\(summary.skipped == 1 ? "" : "s")")
            }
        }

        /// What happened to a bad row under --on-error skip: text keeps it as an unknown-label line.
        private var skippedWord: String {
            (format ?? inputPath.map(LabelFormat.init(path:)) ?? .text) == .text ? "answered with the unknown label:" : "skipped"
        }

        static func sameFile(_ a: String, _ b: String) -> Bool {
            var x = stat(), y = stat()
            return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino
        }

        static func openForReading(_ path: String) throws -> Int32 {
            let fd = open(path, O_RDONLY)
            guard fd >= 0 else { throw CLIError("cannot open '\(path)': \(String(cString: strerror(errno)))") }
            return fd
        }

        static func readChunk(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, name: String) throws -> Int {
            while true {
                let n = read(fd, buffer.baseAddress, buffer.count)
                if n >= 0 { return n }
                if errno != EINTR { throw CLIError("cannot read '\(name)': \(String(cString: strerror(errno)))") }
            }
        }

        static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, name: String) throws {
            var done = 0
            while done < bytes.count {
                let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { throw CLIError("cannot write to '\(name)': \(String(cString: strerror(errno)))") }
                done += n
            }
        }
    }
}

/// The temporary file's path while one exists, for the signal handler (a C string, set before
/// the handler is installed: reading it and calling unlink(2) are async-signal-safe).
nonisolated(unsafe) private var temporaryOutputPath: UnsafeMutablePointer<CChar>?

/// SIGINT / SIGTERM while writing: remove the temporary file and exit with 128 + the signal.
private func removeTemporaryOutputAndExit(_ signal: Int32) {
    if let path = temporaryOutputPath { unlink(path) }
    _exit(128 + signal)
}

/// An output file written as a temporary file in the same directory and renamed over `path`
/// only when complete, so readers never see a partial file and a failed run changes nothing.
final class AtomicOutput {
    let path: String
    let temporaryPath: String
    let fd: Int32

    /// Signals handled while the temporary file exists, with the handlers they had before.
    private var handled: [(signal: Int32, previous: sighandler_t?)] = []

    init(path: String) throws {
        self.path = path
        let url = URL(fileURLWithPath: path)
        var template = Array(url.deletingLastPathComponent().appendingPathComponent(
            ".\(url.lastPathComponent).switchboard-XXXXXX").path.utf8CString)
        // Block SIGINT and SIGTERM until the handler knows the file, so none can leave it behind.
        var signals = sigset_t(), mask = sigset_t()
        sigemptyset(&signals)
        for s in [SIGINT, SIGTERM] { sigaddset(&signals, s) }
        pthread_sigmask(SIG_BLOCK, &signals, &mask)
        defer { pthread_sigmask(SIG_SETMASK, &mask, nil) }
        fd = mkstemp(&template)
        guard fd >= 0 else { throw CLIError("cannot create a file beside '\(path)': \(String(cString: strerror(errno)))") }
        temporaryPath = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // mkstemp makes the file 0600: give it the mode a new file would get (or the old file's).
        var old = stat()
        let creationMask = umask(0)
        umask(creationMask)
        fchmod(fd, stat(path, &old) == 0 ? old.st_mode & 0o7777 : 0o666 & ~creationMask)
        temporaryOutputPath = strdup(temporaryPath)
        for s in [SIGINT, SIGTERM] {
            let previous = signal(s, removeTemporaryOutputAndExit)
            if previous.map({ unsafeBitCast($0, to: Int.self) }) == unsafeBitCast(SIG_IGN, to: Int.self) {  // leave it ignored
                signal(s, previous)
                continue
            }
            handled.append((s, previous))
            // A parent spawning us from a thread that blocks signals (libdispatch workers do)
            // passes its mask on: deliver these two, now that they are handled.
            sigdelset(&mask, s)
        }
    }

    /// Renames the finished file over `path`.
    func commit() throws {
        guard close(fd) == 0 else {
            throw CLIError("cannot write to '\(path)': \(String(cString: strerror(errno)))")
        }
        guard rename(temporaryPath, path) == 0 else {
            throw CLIError("cannot rename the output to '\(path)': \(String(cString: strerror(errno)))")
        }
        forget()
    }

    /// Removes the temporary file.
    func discard() {
        close(fd)
        unlink(temporaryPath)
        forget()
    }

    private func forget() {
        for (s, previous) in handled { signal(s, previous) }
        handled = []
        let path = temporaryOutputPath
        temporaryOutputPath = nil
        free(path)
    }
}

/// "labeled N rows (R rows/s)" on one stderr line, redrawn at most 4 times a second.
final class ProgressLine {
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant
    private var last: ContinuousClock.Instant
    private var shown = false

    init() {
        start = clock.now
        last = start
    }

    func update(rows: Int) {
        let now = clock.now
        guard now - last >= .milliseconds(250) else { return }  // a few redraws a second is readable
        last = now
        let seconds = (now - start) / .seconds(1)
        let line = "\rlabeled \(rows) rows (\(Int(Double(rows) / max(seconds, 1e-9))) rows/s)\u{1B}[K"
        FileHandle.standardError.write(Data(line.utf8))
        shown = true
    }

    /// Erases the line (before another message).
    func clear() {
        if shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        shown = false
    }

    func finish() { clear() }
}
