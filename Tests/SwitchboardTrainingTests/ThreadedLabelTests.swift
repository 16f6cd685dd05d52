import SwitchboardLabeling
import SwitchboardData
import Foundation
import Switchboard
@testable import SwitchboardTraining
import Testing

/// Labeling on several threads, over many small blocks, writes what one thread writes: the
/// output, the rows before a failure (found while reading or while labeling) and the error.
struct ThreadedLabelTests {
    static let model: Classifier = {
        var p = TrainingParameters()
        p.features.bucketBits = 10
        p.epochs = 3
        p.threads = 1
        let texts = ["hello there", "good morning", "rain tomorrow", "snow storm", "play jazz", "next song"]
        let labels = ["greeting", "greeting", "weather", "weather", "music", "music"]
        return try! Classifier(contents: Trainer.train(texts: texts, labels: labels, parameters: p).0)
    }()

    /// The output written (also before a failure), the error's line if any, and the skipped lines.
    static func run(_ input: String, _ format: LabelFormat, threads: Int, policy: BadRowPolicy) -> (String, Int?, [Int]) {
        var options = BatchLabelOptions(format: format)
        options.threads = threads
        options.blockRows = 5
        options.readBytes = 64
        options.onError = policy
        var output: [UInt8] = [], skipped: [Int] = [], bytes = Array(input.utf8), offset = 0
        var failure: Int?
        do {
            _ = try BatchLabeler(classifier: model, options: options).run(inputName: "in", read: { buffer in
                let n = min(buffer.count, bytes.count - offset)
                bytes.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + offset, byteCount: n) }
                offset += n
                return n
            }, write: { output.append(contentsOf: $0) }, skipped: { skipped.append($0.line) })
        } catch let error as CSVError {
            failure = error.line
        } catch {
            failure = -1
        }
        bytes.removeAll()
        return (String(decoding: output, as: UTF8.self), failure, skipped)
    }

    /// 60 rows with bad ones far past the first block: `bad` gives the bad rows' numbers.
    static func input(_ format: LabelFormat, bad: Set<Int>) -> String {
        let rows = (1 ... 60).map { i -> String in
            let text = ["hello \(i)", "rain \(i)", "play \(i)"][i % 3]
            switch format {
            case .jsonl: return bad.contains(i) ? "{\"text\": oops" : "{\"text\":\"\(text)\"}"
            default: return bad.contains(i) ? "\(i),\(text),extra" : "\(i),\(text)"
            }
        }
        return (format == .csv ? "id,text\n" : "") + rows.joined(separator: "\n") + "\n"
    }

    @Test(arguments: [LabelFormat.csv, .jsonl], [BadRowPolicy.fail, .skip])
    func twoThreadsWriteWhatOneThreadWrites(format: LabelFormat, policy: BadRowPolicy) {
        for bad: Set<Int> in [[], [23], [23, 24, 41], [7, 58]] {
            let text = Self.input(format, bad: bad)
            let one = Self.run(text, format, threads: 1, policy: policy)
            let two = Self.run(text, format, threads: 2, policy: policy)
            #expect(one.0 == two.0 && one.1 == two.1 && one.2 == two.2, "\(format) \(policy) \(bad)")
            #expect(one.1 == (policy == .fail ? bad.min().map { $0 + (format == .csv ? 1 : 0) } : nil))
        }
    }
}
