import SwitchboardSupport
import Dispatch
import Foundation
import Testing
@testable import Switchboard

/// One loaded model shared by many threads answers exactly as one thread does. Run
/// under ThreadSanitizer by `make test-tsan`, this is also the data-race check of the runtime.
@Suite struct ConcurrencyTests {
    /// Everything a query's answer consists of, compared bit for bit.
    struct Answer: Equatable {
        var prediction: Prediction
        var ranked: [LabelHypothesis]
        var logits: [UInt32]?  // bit patterns: exact, and NaN-safe
        var routed: String
    }

    static func answer(_ c: Classifier, _ text: String, scratch: FeatureScratch) -> Answer {
        Answer(prediction: c.predict(text, scratch: scratch),
               ranked: c.rankedHypotheses(for: text, maximumCount: 3, scratch: scratch),
               logits: c.logits(for: text, scratch: scratch).map { $0.map(\.bitPattern) },
               routed: c.routedLabel(for: text, scratch: scratch))
    }

    /// Queries of every shape: short, long, repeated, empty, non-Latin.
    static let queries: [String] = {
        let words = ["reset", "password", "refund", "charged", "twice", "app", "crashes", "login", "café", "我想退款",
                     "مرحبا", "🎉", "error", "404", "don't", "please", "", "!!!"]
        var state: UInt64 = 7
        return (0 ..< 400).map { i in
            let count = i % 50 == 0 ? 300 : 1 + i % 9
            return (0 ..< count).map { _ in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return words[Int(state >> 33) % words.count]
            }.joined(separator: " ")
        }
    }()

    /// A float and an int8 model (2^12 buckets, 12 labels, calibrated: temperature and threshold).
    static func classifiers() throws -> [Classifier] {
        let features = FeatureConfiguration(bucketBits: 12)
        let labels = (0 ..< 12).map { "label\($0)" }
        let stride = ModelContents.rowStride(forLabels: labels.count)
        let weights = (0 ..< features.bucketCount * stride).map { i in
            i % stride < labels.count ? Float((i &* 2_654_435_761) % 1000) / 250 - 2 : 0
        }
        let contents = ModelContents(
            labels: labels, features: features, idf: (0 ..< features.bucketCount).map { 1 + Float($0 % 13) / 6 },
            rowStride: stride, weights: weights, bias: labels.indices.map { Float($0) / 20 },
            metadata: Calibration(temperature: 1.3, threshold: 0.2, unknownLabel: "oos").merged(into: "{}"))
        return [try Classifier(contents: contents), try Classifier(contents: contents.quantizedInt8())]
    }

    @Test func sharedClassifierGivesSingleThreadedAnswers() throws {
        for classifier in try Self.classifiers() {
            let scratch = FeatureScratch()
            let expected = Self.queries.map { Self.answer(classifier, $0, scratch: scratch) }
            // 8 workers on 2 cores, each pass in a different order (strides coprime to the 400
            // queries, so each pass visits every query once) so that threads run different queries
            // at the same moment; results are written to disjoint slots.
            let strides = [1, 3, 7, 9, 11, 13, 17, 19]
            let workers = strides.count, passes = 3
            var results = (0 ..< workers).map { _ in [Answer?](repeating: nil, count: Self.queries.count) } // distinct buffers
            results.withUnsafeMutableBufferPointer { buffer in
                let out = UncheckedSendable(buffer)
                DispatchQueue.concurrentPerform(iterations: workers) { w in
                    let mine = FeatureScratch() // one scratch per thread, as documented
                    for pass in 0 ..< passes {
                        for k in 0 ..< Self.queries.count {
                            let i = (k * strides[w] + pass * 37) % Self.queries.count
                            let got = Self.answer(classifier, Self.queries[i], scratch: mine)
                            if pass == 0 { out.value[w][i] = got } else if out.value[w][i] != got { out.value[w][i] = nil }
                        }
                    }
                }
            }
            for w in 0 ..< workers {
                let mismatches = Self.queries.indices.filter { results[w][$0] != expected[$0] }
                #expect(mismatches.isEmpty, "worker \(w): \(mismatches.count) answers differ, first query \(mismatches.first.map { Self.queries[$0] } ?? "")")
            }
            // The batch API and the convenience calls (each with its own scratch) agree too.
            let batch = classifier.predictions(for: Self.queries, threads: 4)
            #expect(batch == expected.map(\.prediction))
            let labels = UncheckedSendable(UnsafeMutableBufferPointer<String?>.allocate(capacity: Self.queries.count))
            defer { labels.value.deallocate() }
            DispatchQueue.concurrentPerform(iterations: Self.queries.count) { i in
                (labels.value.baseAddress! + i).initialize(to: classifier.predictedLabel(for: Self.queries[i]))
            }
            #expect(Array(labels.value) == expected.map { $0.prediction.labelIndex >= 0 ? classifier.labels[$0.prediction.labelIndex] : nil })
        }
    }

    /// Many threads loading the same file at once, and dropping their classifiers while others
    /// still predict, see the same model.
    @Test func concurrentLoadsOfOneFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("concurrency-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/model"
        let original = try Self.classifiers()[1]
        try ModelFile.write(original.storage.contents(), to: path)
        let expected = Self.queries.prefix(50).map { original.predict($0, scratch: FeatureScratch()) }
        let same = UncheckedSendable(UnsafeMutableBufferPointer<Bool>.allocate(capacity: 16))
        defer { same.value.deallocate() }
        DispatchQueue.concurrentPerform(iterations: 16) { w in
            let ok = (try? Classifier(contentsOf: path)).map { c in
                let scratch = FeatureScratch()
                return Self.queries.prefix(50).map { c.predict($0, scratch: scratch) } == expected
            } ?? false
            (same.value.baseAddress! + w).initialize(to: ok)
        }
        #expect(same.value.allSatisfy { $0 })
    }
}
