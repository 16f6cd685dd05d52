import SwitchboardData
import SwitchboardSupport
import Dispatch
import Foundation
import Switchboard

/// What batch labeling does with a row it cannot label (wrong field count, invalid UTF-8,
/// invalid JSON, missing text field). Empty text is not a bad row: it gets the unknown label.
public enum BadRowPolicy: String, Sendable, CaseIterable {
    /// Stop at the first bad row: rows before it are written, then a `CSVError` names its line.
    case fail
    /// Report the row and go on: CSV and JSON Lines leave it out of the output; text answers
    /// it with the unknown label (confidence 0), so output lines stay aligned with input lines.
    case skip
}

/// Settings of a batch labeling run.
public struct BatchLabelOptions: Sendable {
    /// Input format; the output is in the same format.
    public var format: LabelFormat
    /// CSV: the column holding the text.
    public var textColumn = ColumnSelector.name("text")
    /// CSV: more text columns; the non-empty fields are joined after `textColumn`'s with a line break.
    public var extraTextColumns: [ColumnSelector] = []
    /// JSON Lines: the member holding the text.
    public var textField = "text"
    /// Also output the K most probable labels after the routed one, also for abstentions (CSV:
    /// `label_1, confidence_1 ...`; text: K more pairs; JSON Lines: `top`). Nil: routed only.
    public var topK: Int?
    /// Abstain below this top probability instead of the model's calibration threshold.
    public var threshold: Float?
    /// The label of abstentions instead of the model's (default "unknown").
    public var unknownLabel: String?
    /// Labeling threads.
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    /// Prefix of the added CSV columns and JSON members (`label`, `confidence`, ...). An input
    /// that already has one is refused (CSV: at the header; JSON Lines: a bad row).
    public var outputPrefix = ""
    /// Whether a bad row stops the run or is skipped.
    public var onError = BadRowPolicy.fail
    /// Rows labeled together: large enough that thread hand-offs cost nothing per row (~0.1%
    /// at 8192 rows of ~3.5 µs), small enough that a block's buffers stay around a megabyte.
    public var blockRows = 8192
    /// A block also ends at this many payload bytes, so memory stays flat with long texts.
    public var blockBytes = 8 << 20
    /// Bytes per `read` call: at 1 MiB the system calls cost nothing per row, and the window
    /// (two reads' worth) stays small.
    public var readBytes = 1 << 20
    /// Longest record accepted: a guard against an unclosed quote swallowing a huge file.
    public var maxRecordBytes = 64 << 20

    /// Defaults for `format`: text column/field "text", the model's threshold, all cores, fail.
    public init(format: LabelFormat = .text) { self.format = format }
}

/// Totals of a batch labeling run.
public struct BatchLabelSummary: Sendable, Equatable {
    /// Rows labeled and written.
    public var rows = 0
    /// Of those, rows given the unknown label (below the threshold, or no features).
    public var abstained = 0
    /// Rows left out (`BadRowPolicy.skip`).
    public var skipped = 0

    /// All zero.
    public init() {}
}

/// Streams a CSV, JSON Lines or text input through a classifier and writes the labeled rows in
/// input order, with memory bounded by a block, not by the input: input is read in chunks,
/// parsed incrementally into blocks of rows, each block labeled on `threads` threads (one
/// `FeatureScratch` each) whose output bytes are then written in order.
public struct BatchLabeler: Sendable {
    /// The model; shared by the labeling threads.
    public let classifier: Classifier
    public let options: BatchLabelOptions

    /// A labeler; `options` must have `threads`, `blockRows` and `topK` of at least 1.
    public init(classifier: Classifier, options: BatchLabelOptions) {
        precondition(options.threads >= 1 && options.blockRows >= 1 && (options.topK ?? 1) >= 1)
        self.classifier = classifier
        self.options = options
    }

    /// Labels everything `read` returns (it fills the buffer it is given and returns the byte
    /// count, 0 at the end) and passes the output to `write` in large pieces.
    /// - Parameters:
    ///   - inputName: names the input in errors (`FILE:LINE: problem`).
    ///   - progress: called after each block with the number of rows written so far.
    ///   - skipped: called for each row left out under `.skip`, in input order.
    /// - Throws: `CSVError` for a bad row under `.fail`, malformed CSV, a missing column or a
    ///   CSV without header; whatever `read` or `write` throw.
    public func run(inputName: String, read: (UnsafeMutableRawBufferPointer) throws -> Int,
                    write: (UnsafeRawBufferPointer) throws -> Void, progress: ((Int) -> Void)? = nil,
                    skipped: ((CSVError) -> Void)? = nil) throws -> BatchLabelSummary {
        try withoutActuallyEscaping(write) { write in
            try withoutActuallyEscaping(progress ?? { _ in }) { progress in
                try withoutActuallyEscaping(skipped ?? { _ in }) { skipped in
                    let run = LabelRun(file: inputName, options: options, writer: LabelWriter(classifier: classifier, options: options),
                                       write: write, progress: progress, skipped: skipped)
                    try run.run(read: read)
                    return run.summary
                }
            }
        }
    }

    /// Labels an input held in memory and returns the output.
    public func label(_ input: [UInt8], inputName: String = "input",
                      skipped: ((CSVError) -> Void)? = nil) throws -> (output: [UInt8], summary: BatchLabelSummary) {
        var output: [UInt8] = [], offset = 0
        let summary = try run(inputName: inputName, read: { buffer in
            let n = min(buffer.count, input.count - offset)
            if n > 0 { input.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + offset, byteCount: n) } }
            offset += n
            return n
        }, write: { output.append(contentsOf: $0) }, skipped: skipped)
        return (output, summary)
    }
}

/// One labeling run: reads windows of whole records, fills blocks, labels and writes them.
final class LabelRun {
    let file: String
    let options: BatchLabelOptions
    let writer: LabelWriter
    private let write: (UnsafeRawBufferPointer) throws -> Void
    private let progress: (Int) -> Void
    private let skipped: (CSVError) -> Void
    private let block = RowBlock()
    private let threads: [LabelThread]
    private var chunks: [LabelChunk] = []
    private(set) var summary = BatchLabelSummary()
    /// Set once a failure has been thrown: no more output.
    private var aborted = false

    init(file: String, options: BatchLabelOptions, writer: LabelWriter, write: @escaping (UnsafeRawBufferPointer) throws -> Void,
         progress: @escaping (Int) -> Void, skipped: @escaping (CSVError) -> Void) {
        self.file = file
        self.options = options
        self.writer = writer
        self.write = write
        self.progress = progress
        self.skipped = skipped
        threads = (0..<options.threads).map { _ in LabelThread() }
    }

    func run(read: (UnsafeMutableRawBufferPointer) throws -> Int) throws {
        let input: LabelInput = options.format == .csv
            ? CSVInput(file: file, columns: [options.textColumn] + options.extraTextColumns, policy: options.onError,
                       writer: writer)
            : LineInput(json: options.format == .jsonl)
        do {
            try readWindows(input, read)
            try input.finish(into: self)
            try flushBlock()
        } catch {
            if !aborted { try flushBlock() }  // rows before the failure are written; an earlier bad row wins
            throw error
        }
    }

    /// Reads chunks into a sliding window and hands the input each run of complete records.
    private func readWindows(_ input: LabelInput, _ read: (UnsafeMutableRawBufferPointer) throws -> Int) throws {
        let chunk = max(1, options.readBytes)
        var window = [UInt8](repeating: 0, count: 2 * chunk)  // a partial record plus a full read
        var start = 0, end = 0
        while true {
            if window.count - end < chunk {
                window.withUnsafeMutableBytes { w in _ = memmove(w.baseAddress!, w.baseAddress! + start, end - start) }
                (start, end) = (0, end - start)
                if window.count - end < chunk { window += repeatElement(0, count: window.count) }  // a long record
            }
            let n = try window.withUnsafeMutableBytes { try read(UnsafeMutableRawBufferPointer(rebasing: $0[end..<(end + chunk)])) }
            if n == 0 { break }
            let scanned = end
            end += n
            let recordEnd = window.withUnsafeBufferPointer { input.lastRecordEnd(in: UnsafeBufferPointer(rebasing: $0[scanned..<end])) }
            if let recordEnd {
                try window.withUnsafeBufferPointer { try input.consume(UnsafeBufferPointer(rebasing: $0[start..<(scanned + recordEnd)]), into: self) }
                start = scanned + recordEnd
            } else if end - start > options.maxRecordBytes {
                throw CSVError(file: file, line: input.nextLine,
                               message: "record longer than \(options.maxRecordBytes) bytes (an unclosed quote?)")
            }
        }
        try window.withUnsafeBufferPointer { try input.consume(UnsafeBufferPointer(rebasing: $0[start..<end]), into: self) }
    }

    /// Adds a row with `body`, and labels the block once it is full.
    func add(_ body: (RowBlock) -> Void) throws {
        body(block)
        if block.count >= options.blockRows || block.bytes.count >= options.blockBytes { try flushBlock() }
    }

    /// Records a bad row; under `.fail`, labels and writes the rows before it and throws.
    func problem(line: Int, _ message: String) throws {
        block.problems.append(RowProblem(line: line, message: message))
        // Under .skip, a run of bad rows must not grow the block without bound either.
        if options.onError == .fail || block.problems.count >= options.blockRows { try flushBlock() }
    }

    func writeHeader(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes(write)
    }

    /// Labels the block on the worker threads, reports its problems and writes its output.
    func flushBlock() throws {
        do {
            try labelBlock()
        } catch {
            aborted = true
            throw error
        }
    }

    private func labelBlock() throws {
        let n = block.count
        // Rows per chunk: threads take chunks one at a time, so a thread that gets descheduled
        // delays at most one chunk (~2 ms at 512 rows) instead of half a block.
        let chunkRows = 512
        let chunkCount = (n + chunkRows - 1) / chunkRows
        while chunks.count < chunkCount { chunks.append(LabelChunk()) }
        let used = min(threads.count, chunkCount)
        block.withView { view in
            let shared = UncheckedSendable((threads, chunks, writer, view, ChunkCounter()))
            let work = { @Sendable (t: Int) in
                let (threads, chunks, writer, view, counter) = shared.value
                while let c = counter.next(below: chunkCount) {
                    chunks[c].label(c * chunkRows..<min(n, (c + 1) * chunkRows), of: view, with: writer, on: threads[t])
                }
            }
            if used == 1 { work(0) } else if used > 1 { DispatchQueue.concurrentPerform(iterations: used, execute: work) }
        }
        let done = chunks[0..<chunkCount]
        var problems = block.problems
        for chunk in done { problems += chunk.problems }
        problems.sort { $0.line < $1.line }
        if options.onError == .fail, let first = problems.first {
            // Write the rows before the bad one, then stop.
            let cut = block.lines.firstIndex { $0 >= first.line } ?? n
            for (c, chunk) in done.enumerated() where c * chunkRows < cut {
                let rows = min(cut, (c + 1) * chunkRows) - c * chunkRows
                try chunk.output[0..<chunk.outputEnds[rows - 1]].withUnsafeBytes(write)
            }
            throw CSVError(file: file, line: first.line, message: first.message)
        }
        for p in problems { skipped(CSVError(file: file, line: p.line, message: p.message)) }
        summary.skipped += problems.count
        for chunk in done {
            try chunk.output.withUnsafeBytes(write)
            summary.rows += chunk.labeled
            summary.abstained += chunk.abstained
        }
        block.clear()
        if n > 0 { progress(summary.rows) }
    }
}
