import SwitchboardSupport
import Testing
@testable import Switchboard

/// `RowKernels.topIndices` and the ranked answers built on it give what a stable sort by
/// decreasing probability gives, ties in label order.
@Suite struct RankingTests {
    static func sorted(_ x: [Float], _ m: Int) -> [Int] {
        Array(x.indices.sorted { x[$0] != x[$1] ? x[$0] > x[$1] : $0 < $1 }.prefix(max(m, 0)))
    }

    @Test func topIndicesEqualAStableSortIncludingTies() {
        var rng = SplitMix64(seed: 7)
        for trial in 0 ..< 500 {
            let count = 1 + Int(rng.next() % 200)
            // Few distinct values make ties common; some trials use many.
            let levels = trial % 2 == 0 ? 5 : 1000
            let x = (0 ..< count).map { _ in Float(rng.next() % UInt64(levels)) / Float(levels) }
            for m in [0, 1, 2, 3, 5, count - 1, count, count + 3] {
                let got = x.withUnsafeBufferPointer { RowKernels.topIndices($0.baseAddress!, count: count, maximum: m) }
                #expect(got == Self.sorted(x, m), "trial \(trial), count \(count), maximum \(m)")
            }
        }
    }

    @Test func rankedAnswersAreTheModelsSortedProbabilities() throws {
        let c = try Classifier(contentsOf: ExplanationTests.root + "/Models/demo.model")
        let scratch = FeatureScratch()
        for text in try ExplanationTests.queries().prefix(200) {
            guard let logits = ExplanationTests.logits(c, text) else {
                #expect(c.rankedHypotheses(for: text, maximumCount: 3, scratch: scratch).isEmpty)
                continue
            }
            var p = logits.map { $0 * c.inverseTemperature }
            p.withUnsafeMutableBufferPointer { RowKernels.softmax($0.baseAddress!, count: $0.count) }
            let ranked = c.rankedHypotheses(for: text, maximumCount: 4, scratch: scratch)
            #expect(ranked.map(\.label) == Self.sorted(p, 4).map { c.labels[$0] }, "\(text)")
            #expect(ranked.map(\.probability) == Self.sorted(p, 4).map { Double(p[$0]) })
            let routed = c.answer(text, topK: 4, scratch: scratch)
            #expect(routed.ranked == ranked && routed.confidence == Float(ranked[0].probability))
        }
    }
}
