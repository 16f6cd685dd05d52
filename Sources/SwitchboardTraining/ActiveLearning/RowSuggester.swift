import Foundation
import Switchboard
import SwitchboardSupport

/// How `RowSuggester` measures how unsure the model is about a row.
public enum UncertaintyStrategy: String, Sendable, CaseIterable {
    /// 1 − (p₁ − p₂): the top two labels are close.
    case margin
    /// The entropy of the label distribution over ln(labels): probability spread over many labels.
    case entropy
    /// The mean of the two.
    case mixed
}

/// One row worth labeling, with the model's current two best guesses.
public struct SuggestedRow: Sendable, Equatable {
    /// Index of the row in the texts given.
    public var row: Int
    /// Uncertainty in [0, 1] under the chosen strategy (higher: more worth labeling).
    public var uncertainty: Double
    public var guess: String?
    public var confidence: Double
    public var runnerUp: String?
    public var runnerUpConfidence: Double
}

/// Picks the unlabeled rows most worth labeling: the most uncertain first, near-duplicates
/// collapsed (a row whose normalized text, or hashed n-gram set at Jaccard ≥
/// `DataDoctor.nearDuplicateJaccard`, repeats a row already picked is skipped), and no predicted
/// route given more than `routeCap(count:labels:)` of the picks while other routes still have
/// candidates. Ties in uncertainty are broken by a key drawn from the seed, so the picks are the
/// same for a given seed whatever the thread count.
public enum RowSuggester {
    /// At most twice a fair share of the picks per predicted route (and at least 2): enough for a
    /// hard route to get more rows than an easy one, never enough for one route to take them all.
    public static func routeCap(count: Int, labels: Int) -> Int {
        max(2, (2 * count + labels - 1) / max(labels, 1))
    }

    public static func suggest(_ texts: [String], classifier: Classifier, count: Int, strategy: UncertaintyStrategy,
                               seed: UInt64, threads: Int) -> [SuggestedRow] {
        let scored = score(texts, classifier: classifier, strategy: strategy, threads: threads)
        var rng = SplitMix64(seed: seed)
        let tieKeys = texts.indices.map { _ in rng.next() }
        let order = scored.indices.sorted { a, b in
            scored[a].uncertainty != scored[b].uncertainty ? scored[a].uncertainty > scored[b].uncertainty : tieKeys[a] < tieKeys[b]
        }
        let extractor = FeatureExtractor(FeatureConfiguration(bucketBits: FeatureConfiguration.bucketBitsRange.upperBound))
        var picker = DiversePicker(texts: texts, extractor: extractor, threads: threads)
        let cap = routeCap(count: count, labels: classifier.labels.count)
        var picked: [SuggestedRow] = [], skippedForCap: [Int] = []
        var perRoute: [String: Int] = [:]
        for i in order where picked.count < count {
            let route = scored[i].guess ?? ""
            if perRoute[route, default: 0] >= cap { skippedForCap.append(i); continue }
            guard picker.take(i) else { continue }
            perRoute[route, default: 0] += 1
            picked.append(scored[i])
        }
        // Every route at its cap and rows still wanted: fill up from the rows the cap held back.
        for i in skippedForCap where picked.count < count {
            if picker.take(i) { picked.append(scored[i]) }
        }
        return picked
    }

    /// Each row's uncertainty and top-2 guesses; a row with no features is maximally uncertain.
    static func score(_ texts: [String], classifier: Classifier, strategy: UncertaintyStrategy, threads: Int) -> [SuggestedRow] {
        var out = [SuggestedRow](repeating: SuggestedRow(row: 0, uncertainty: 1, guess: nil, confidence: 0, runnerUp: nil,
                                                         runnerUpConfidence: 0), count: texts.count)
        let k = classifier.labels.count
        out.withUnsafeMutableBufferPointer { buffer in
            let result = UncheckedSendable(buffer)
            ParallelFor.run(count: texts.count, threads: threads) { range in
                let scratch = FeatureScratch()
                var p = [Float](repeating: 0, count: k)
                for i in range {
                    result.value[i].row = i
                    guard let logits = classifier.logits(for: texts[i], scratch: scratch) else { continue }
                    OutOfFoldScores.softmax(logits, into: &p, temperature: classifier.calibration.temperature)
                    let top = OutOfFoldScores.topLabels(p)
                    let p1 = Double(p[top[0]]), p2 = top.count > 1 && top[1] >= 0 ? Double(p[top[1]]) : 0
                    var entropy = 0.0
                    for v in p where v > 0 { entropy -= Double(v) * log(Double(v)) }
                    let spread = k > 1 ? entropy / log(Double(k)) : 0
                    let margin = 1 - (p1 - p2)
                    result.value[i] = SuggestedRow(
                        row: i, uncertainty: strategy == .margin ? margin : strategy == .entropy ? spread : (margin + spread) / 2,
                        guess: classifier.labels[top[0]], confidence: p1,
                        runnerUp: top.count > 1 && top[1] >= 0 ? classifier.labels[top[1]] : nil, runnerUpConfidence: p2)
                }
            }
        }
        return out
    }
}

/// Remembers the rows picked so far and refuses a row that repeats one of them.
struct DiversePicker {
    let texts: [String]
    let extractor: FeatureExtractor
    let index: MinHashIndex
    var normalized: Set<String> = []
    var bands: [UInt64: [Int]] = [:]
    let scratch = FeatureScratch()

    init(texts: [String], extractor: FeatureExtractor, threads: Int) {
        self.texts = texts
        self.extractor = extractor
        index = MinHashIndex(texts: texts, extractor: extractor, threads: threads)
    }

    /// Takes row `i` unless its normalized text or a near-duplicate was taken; true when taken.
    mutating func take(_ i: Int) -> Bool {
        let key = extractor.normalizedWords(of: texts[i]).joined(separator: " ")
        if normalized.contains(key) { return false }
        let b = MinHashIndex.bands
        let keys = (0 ..< b).compactMap { index.keys[i * b + $0] }  // each band's key mixes in the band
        for k in keys {
            for j in bands[k, default: []]
            where index.jaccard(texts[i], texts[j], scratch: scratch) >= DataDoctor.nearDuplicateJaccard {
                return false
            }
        }
        normalized.insert(key)
        for k in keys { bands[k, default: []].append(i) }
        return true
    }
}
