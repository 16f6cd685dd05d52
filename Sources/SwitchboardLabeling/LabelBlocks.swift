import SwitchboardData
import SwitchboardSupport
import Dispatch
import Foundation
import Switchboard

/// Hands out chunk numbers to the labeling threads.
final class ChunkCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func next(below limit: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard value < limit else { return nil }
        value += 1
        return value - 1
    }
}

/// A labeling thread's working memory, reused from block to block.
final class LabelThread: @unchecked Sendable {
    let scratch = FeatureScratch()
    var hypotheses: [LabelHypothesis] = []
}

/// The output of one chunk of a block's rows, reused from block to block.
final class LabelChunk: @unchecked Sendable {
    /// Output lines of the chunk's rows, and where each row's output ends in it.
    var output: [UInt8] = []
    var outputEnds: [Int] = []
    var problems: [RowProblem] = []
    var labeled = 0, abstained = 0

    func label(_ rows: Range<Int>, of view: BlockView, with writer: LabelWriter, on thread: LabelThread) {
        // Work on locals: class properties would pay a dynamic exclusivity check per access.
        var out = output, ends = outputEnds, hypotheses = thread.hypotheses
        (output, outputEnds) = ([], [])
        out.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        problems.removeAll(keepingCapacity: true)
        var (labeled, abstained) = (0, 0)
        for row in rows {
            switch writer.appendRow(row, of: view, scratch: thread.scratch, hypotheses: &hypotheses, into: &out) {
            case .labeled: labeled += 1
            case .abstained: labeled += 1; abstained += 1
            case .problem(let message): problems.append(RowProblem(line: view.lines[row], message: message))
            }
            ends.append(out.count)
        }
        (output, outputEnds, thread.hypotheses) = (out, ends, hypotheses)
        (self.labeled, self.abstained) = (labeled, abstained)
    }
}

/// A row that cannot be labeled, found while reading or labeling.
struct RowProblem {
    var line: Int
    var message: String
}

/// The rows of one block, stored flat and reused from block to block: payload bytes (CSV: the
/// unescaped fields back to back; text: the trimmed line; JSON Lines: the trimmed line), where
/// each row's text is, and the line it came from.
final class RowBlock {
    var bytes: [UInt8] = []
    /// End of each row's payload in `bytes`; a row starts where the previous one ends.
    var rowEnds: [Int] = []
    /// The text to classify, as a range of `bytes` (empty for JSON Lines: found when labeling).
    var texts: [Range<Int>] = []
    /// CSV: end of every field in `bytes`, all rows back to back.
    var fieldEnds: [Int] = []
    /// CSV: index in `fieldEnds` just past each row's last field.
    var rowFieldEnds: [Int] = []
    var lines: [Int] = []
    /// Problems found while reading this block's records (in line order).
    var problems: [RowProblem] = []

    var count: Int { lines.count }

    func clear() {
        bytes.removeAll(keepingCapacity: true)
        rowEnds.removeAll(keepingCapacity: true)
        texts.removeAll(keepingCapacity: true)
        fieldEnds.removeAll(keepingCapacity: true)
        rowFieldEnds.removeAll(keepingCapacity: true)
        lines.removeAll(keepingCapacity: true)
        problems.removeAll(keepingCapacity: true)
    }

    /// Adds a row whose payload is `payload`; `text` is relative to it.
    func append(line: Int, payload: UnsafeBufferPointer<UInt8>, text: Range<Int>) {
        let base = bytes.count
        bytes.append(contentsOf: payload)
        endRow(line: line, text: (base + text.lowerBound)..<(base + text.upperBound))
    }

    /// Adds a CSV record; `text` is relative to field `textField`.
    func append(_ record: CSVRecord, textField: Int, text: Range<Int>) {
        let base = bytes.count
        bytes.append(contentsOf: record.allBytes)
        for k in 0..<record.count { fieldEnds.append(base + record.range(at: k).upperBound) }
        rowFieldEnds.append(fieldEnds.count)
        let field = base + record.range(at: textField).lowerBound
        endRow(line: record.line, text: (field + text.lowerBound)..<(field + text.upperBound))
    }

    /// A CSV record whose text is `joined` (several columns), kept after its fields.
    func append(_ record: CSVRecord, joinedText joined: [UInt8]) {
        let base = bytes.count
        bytes.append(contentsOf: record.allBytes)
        for k in 0..<record.count { fieldEnds.append(base + record.range(at: k).upperBound) }
        rowFieldEnds.append(fieldEnds.count)
        let start = bytes.count
        bytes.append(contentsOf: joined)
        endRow(line: record.line, text: start..<bytes.count)
    }

    private func endRow(line: Int, text: Range<Int>) {
        rowEnds.append(bytes.count)
        texts.append(text)
        lines.append(line)
    }

    /// Calls `body` with read-only pointers to the rows, for the worker threads.
    func withView<R>(_ body: (BlockView) throws -> R) rethrows -> R {
        try bytes.withUnsafeBufferPointer { bytes in
            try rowEnds.withUnsafeBufferPointer { rowEnds in
                try texts.withUnsafeBufferPointer { texts in
                    try fieldEnds.withUnsafeBufferPointer { fieldEnds in
                        try rowFieldEnds.withUnsafeBufferPointer { rowFieldEnds in
                            try lines.withUnsafeBufferPointer { lines in
                                try body(BlockView(bytes: bytes, rowEnds: rowEnds, texts: texts, fieldEnds: fieldEnds,
                                                   rowFieldEnds: rowFieldEnds, lines: lines))
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Read-only pointers into a `RowBlock`, shared by the worker threads while the block is frozen.
struct BlockView: @unchecked Sendable {
    let bytes: UnsafeBufferPointer<UInt8>
    let rowEnds: UnsafeBufferPointer<Int>
    let texts: UnsafeBufferPointer<Range<Int>>
    let fieldEnds: UnsafeBufferPointer<Int>
    let rowFieldEnds: UnsafeBufferPointer<Int>
    let lines: UnsafeBufferPointer<Int>

    func payload(_ row: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[(row == 0 ? 0 : rowEnds[row - 1])..<rowEnds[row]])
    }
}

/// What labeling one row gave.
enum RowOutcome {
    case labeled, abstained
    case problem(String)
}

