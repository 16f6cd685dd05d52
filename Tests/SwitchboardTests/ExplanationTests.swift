import Foundation
import Testing
@testable import Switchboard

/// `Classifier.explanation(for:label:)`: terms add up to the runtime's logits, n-grams are the
/// query's own, collisions are shown, the runner-up and margin are right.
@Suite struct ExplanationTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// The committed demo model (float32) and its int8 form.
    static func models() throws -> [Classifier] {
        let float = try Classifier(contentsOf: root + "/Models/demo.model")
        let int8 = try Classifier(contents: float.storage.contents().quantizedInt8())
        return [float, int8]
    }

    /// The text column of the committed test file (the part before the last comma, unquoted),
    /// plus hostile extras.
    static func queries() throws -> [String] {
        let lines = try String(contentsOfFile: root + "/Data/test.csv", encoding: .utf8).split(separator: "\n").dropFirst()
        var texts = lines.compactMap { line -> String? in
            guard let comma = line.lastIndex(of: ",") else { return nil }
            return String(line[..<comma]).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        texts += ["Café CRÈME s'il vous plaît", "don't don't don't", "a", "2fa 2fa reset", "日本語のテキスト", "emoji 🎉 only?"]
        return texts
    }

    /// The logits exactly as `predict` computes them.
    static func logits(_ c: Classifier, _ text: String) -> [Float]? {
        let scratch = FeatureScratch()
        return withExtendedLifetime(scratch) { c.logits(for: text, scratch: scratch).map(Array.init) }
    }

    @Test func termsSumToTheLogitForEveryLabelAndQuery() throws {
        let queries = try Self.queries()
        #expect(queries.count > 500)
        for classifier in try Self.models() {
            for text in queries {
                let logits = try #require(Self.logits(classifier, text))
                for label in [nil, classifier.labels[text.utf8.count % classifier.labels.count]] {
                    let e = try classifier.explanation(for: text, label: label)
                    let sum = e.contributions.reduce(e.bias) { $0 + $1.contribution }
                    #expect(abs(sum - e.logit) <= 1e-4, "\(text) \(e.label): \(sum) vs \(e.logit)")
                    #expect(e.logit == logits[e.labelIndex])
                    let top = e.keepingTop(3)
                    let truncated = top.contributions.reduce(top.bias + top.omittedContribution) { $0 + $1.contribution }
                    #expect(abs(truncated - e.logit) <= 1e-4 && top.contributions.count <= 3)
                    #expect(top.omittedCount == e.contributions.count - top.contributions.count)
                }
            }
        }
    }

    @Test func predictedLabelRunnerUpAndMarginMatchPredict() throws {
        for classifier in try Self.models() {
            for text in try Self.queries().prefix(200) {
                let p = classifier.predict(text, scratch: FeatureScratch())
                let logits = try #require(Self.logits(classifier, text))
                let e = try classifier.explanation(for: text)
                #expect(e.labelIndex == p.labelIndex && e.predictedLabel == classifier.labels[p.labelIndex])
                #expect(abs(e.probability - p.probability) <= 1e-5)
                let runnerUp = try #require(e.runnerUp.flatMap { classifier.labels.firstIndex(of: $0) })
                let others = logits.indices.filter { $0 != p.labelIndex }.map { logits[$0] }
                #expect(e.runnerUpLogit == others.max() && logits[runnerUp] == others.max())
                #expect(try #require(e.margin) >= 0)
                // Asking for the runner-up: the winner becomes its rival and the margin flips sign.
                let other = try classifier.explanation(for: text, label: classifier.labels[runnerUp])
                #expect(other.runnerUp == e.label && other.margin == -e.margin!)
            }
        }
    }

    @Test func ngramsAreTheQuerysOwnAndCountLikeTheExtractor() throws {
        let classifier = try Self.models()[0]
        for text in try Self.queries().prefix(300) {
            let scratch = FeatureScratch()
            classifier.extractor.countFeatures(of: text, into: scratch)
            let counts = Dictionary(uniqueKeysWithValues: zip(scratch.buckets, scratch.values.map(Int.init)))
            let e = try classifier.explanation(for: text)
            #expect(e.contributions.count == counts.count)
            for c in e.contributions {
                let bucket = try #require(c.bucket)
                // Per family, a term holds one family's n-grams, counted under the tagged key.
                let kinds = Set(c.ngrams.map(\.kind))
                #expect(kinds.count == 1, "\(text): bucket \(bucket)")
                let key = kinds == [.char] ? bucket | FeatureExtractor.charFamilyTag : bucket
                #expect(c.ngrams.reduce(0) { $0 + $1.count } == counts[key], "\(text): bucket \(bucket)")
                #expect(!c.name.isEmpty)
            }
        }
        let e = try classifier.explanation(for: "Reset my password")
        let names = Set(e.contributions.flatMap(\.ngrams).map { "\($0.kind.rawValue):\($0.text)" })
        #expect(names.isSuperset(of: ["word:reset", "word:my password", "char:<pa", "char:rd>"]))
    }

    @Test func collisionsListEveryNGramOfTheBucket() throws {
        // 1024 buckets: a long query is sure to put several n-grams in one bucket.
        let classifier = try Classifier(contents: ModelFileTests.sample())
        let text = "the quick brown fox jumps over the lazy dog while my password reset keeps failing again"
        let e = try classifier.explanation(for: text)
        let collisions = e.contributions.filter(\.isCollision)
        #expect(!collisions.isEmpty)
        for c in collisions {
            let keys = c.ngrams.map { ($0.kind == .word ? "\u{1}" : "\u{2}") + $0.text }
            #expect(Set(keys).count == keys.count)
            for key in keys { #expect(FNV1a.bucket(FNV1a.hash(key), mask: 1023) == c.bucket) }
            #expect(c.name == c.ngrams.map(\.text).joined(separator: " | "))
        }
    }

    @Test func errorsAreTyped() throws {
        let classifier = try Self.models()[0]
        #expect(throws: ExplanationError.noFeatures) { try classifier.explanation(for: "?!") }
        #expect(throws: ExplanationError.unknownLabel("nope")) { try classifier.explanation(for: "hello", label: "nope") }
        let label = classifier.labels[1]
        let e = try classifier.explanation(for: "...", label: label)
        #expect(e.contributions.isEmpty && e.logit == e.bias && e.predictedLabel == nil)
    }

    @Test func encodesAsSnakeCaseJSON() throws {
        let classifier = try Self.models()[1]
        let e = try classifier.explanation(for: "I was charged twice this month").keepingTop(2)
        let data = try JSONEncoder().encode(e)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["label"] as? String == e.label && object["runner_up_label"] as? String == e.runnerUp)
        let contributions = try #require(object["contributions"] as? [[String: Any]])
        #expect(contributions.count == 2 && object["omitted_count"] as? Int == e.omittedCount)
        #expect(contributions[0]["ngrams"] is [[String: Any]] && contributions[0]["collision"] is Bool)
    }
}
