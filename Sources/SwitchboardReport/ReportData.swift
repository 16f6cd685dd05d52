import SwitchboardData
import Foundation
import Switchboard
import SwitchboardTraining

/// One point of the coverage–accuracy curve: answering the `coverage` most confident fraction
/// of the rows gives `answeredAccuracy`.
public struct CoveragePoint: Sendable, Equatable {
    /// The lowest top probability still answered at this point.
    public var threshold: Float
    /// Fraction of all rows answered.
    public var coverage: Double
    /// Fraction of the answered rows whose label is right.
    public var answeredAccuracy: Double
}

/// One bin of the reliability diagram (in-scope rows only).
public struct ReliabilityBin: Sendable, Equatable {
    /// Confidence range of the bin, (lower, upper].
    public var lower: Double
    public var upper: Double
    /// Rows whose top probability falls in the bin.
    public var count: Int
    /// Fraction of those rows whose top label is right (0 when empty).
    public var accuracy: Double
    /// Mean top probability of those rows (0 when empty).
    public var confidence: Double
}

/// A frequent confusion with a few of the test queries that make it up, in file order.
public struct ConfusionExamples: Sendable, Equatable {
    public var confusion: Confusion
    public var queries: [String]
}

/// Everything an HTML evaluation report shows, computed from a classifier and labeled data.
public struct EvaluationReport: Sendable {
    /// What was evaluated (the test files), for the page's title.
    public var source: String
    /// The model's path or name.
    public var modelName: String
    /// Headline and per-label figures.
    public var evaluation: AbstentionEvaluation
    /// The label of out-of-scope rows.
    public var unknownLabel: String
    /// Test rows carrying the unknown label.
    public var unknownRows: Int
    /// The coverage–accuracy curve, from full coverage down to the most confident rows.
    public var curve: [CoveragePoint]
    /// The reliability diagram's bins (`AbstentionMetrics.calibrationBins` of them).
    public var reliability: [ReliabilityBin]
    /// Labels of the heatmap (the most confused), and `heatmap[i][j]` = rows of `heatmapLabels[i]`
    /// predicted as `heatmapLabels[j]`.
    public var heatmapLabels: [String]
    public var heatmap: [[Int]]
    /// The most frequent confusions of in-scope rows (true label not the unknown label), each
    /// with example queries.
    public var topConfusions: [ConfusionExamples]
    /// The most frequent labels given to unknown-label rows that were answered, with examples.
    public var unknownConfusions: [ConfusionExamples]
    /// The model's training options and feature configuration, as name–value pairs.
    public var options: [(String, String)]
    /// Latency figures from `switchboard bench --json`, as name–value pairs (empty when none).
    public var bench: [(String, String)]

    /// Most labels in the heatmap, most confusions listed, example queries per confusion.
    public static let heatmapSize = 20
    public static let confusionLimit = 25
    public static let unknownConfusionLimit = 10
    public static let examplesPerConfusion = 3
    /// Most points of the coverage curve.
    public static let curvePoints = 200

    /// Predicts `data` with `classifier` on `threads` threads and gathers the report's figures.
    /// `threshold` nil: no abstention. `bench`: pairs from `BenchFigures.load(path:)`.
    public init(classifier: Classifier, data: LabeledDataset, modelName: String, unknownLabel: String,
                threshold: Float?, threads: Int, bench: [(String, String)] = []) {
        source = data.source
        self.modelName = modelName
        self.unknownLabel = unknownLabel
        self.bench = bench
        evaluation = AbstentionEvaluation.evaluate(classifier, on: data, unknownLabel: unknownLabel,
                                                   threshold: threshold, threads: threads)
        let labels = classifier.labels
        let predictions = classifier.predictions(for: data.texts, threads: max(1, threads))
        let rows = AbstentionRow.rows(predictions: predictions, trueLabels: data.labels, modelLabels: labels,
                                      unknownLabel: unknownLabel)
        unknownRows = rows.filter(\.unknown).count
        curve = Self.coverageCurve(rows)
        reliability = Self.reliabilityBins(rows)
        let routed = zip(predictions, rows).map { p, row -> String in
            if let threshold, !row.answered(at: threshold) { return unknownLabel }
            return p.label(in: labels) ?? Confusion.noPrediction
        }
        // The unknown label would dominate the heatmap and the list at 150 labels: in-scope
        // confusions there, answered unknown-label rows in their own list.
        let confusions = evaluation.metrics.confusions
        (heatmapLabels, heatmap) = Self.heatmap(truth: data.labels, predicted: routed,
                                                confusions: confusions.filter { $0.label != unknownLabel && $0.predicted != unknownLabel })
        topConfusions = Self.examples(of: confusions.filter { $0.label != unknownLabel }.prefix(Self.confusionLimit),
                                      texts: data.texts, truth: data.labels, predicted: routed)
        unknownConfusions = Self.examples(of: confusions.filter { $0.label == unknownLabel }.prefix(Self.unknownConfusionLimit),
                                          texts: data.texts, truth: data.labels, predicted: routed)
        options = Self.options(of: classifier)
    }

    /// Answer the k most confident answerable rows, for every k (sampled to `curvePoints`).
    static func coverageCurve(_ rows: [AbstentionRow]) -> [CoveragePoint] {
        let answerable = rows.filter(\.answerable).sorted { $0.confidence > $1.confidence }
        guard !answerable.isEmpty else { return [] }
        var correct = 0
        var points: [CoveragePoint] = []
        let step = max(1, answerable.count / curvePoints)
        for (k, row) in answerable.enumerated() {
            if row.correct { correct += 1 }
            let n = k + 1
            guard n % step == 0 || n == answerable.count else { continue }
            points.append(CoveragePoint(threshold: row.confidence, coverage: Double(n) / Double(rows.count),
                                        answeredAccuracy: Double(correct) / Double(n)))
        }
        return points
    }

    /// Equal-width confidence bins over the in-scope rows, with the bin rule of the ECE.
    static func reliabilityBins(_ rows: [AbstentionRow]) -> [ReliabilityBin] {
        let m = AbstentionMetrics.calibrationBins
        var count = [Int](repeating: 0, count: m), hits = count
        var confidence = [Double](repeating: 0, count: m)
        for row in rows where !row.unknown {
            let c = Double(row.confidence)
            let bin = min(m - 1, max(0, Int((c * Double(m)).rounded(.up)) - 1))
            count[bin] += 1
            if row.correct { hits[bin] += 1 }
            confidence[bin] += c
        }
        return (0..<m).map { b in
            let n = Double(count[b])
            return ReliabilityBin(lower: Double(b) / Double(m), upper: Double(b + 1) / Double(m), count: count[b],
                                  accuracy: n == 0 ? 0 : Double(hits[b]) / n, confidence: n == 0 ? 0 : confidence[b] / n)
        }
    }

    /// The labels most involved in confusions (as truth or as prediction), and their matrix.
    static func heatmap(truth: [String], predicted: [String], confusions: [Confusion]) -> ([String], [[Int]]) {
        var involvement: [String: Int] = [:]
        for c in confusions {
            involvement[c.label, default: 0] += c.count
            if c.predicted != Confusion.noPrediction { involvement[c.predicted, default: 0] += c.count }
        }
        let chosen = involvement.sorted {
            $0.value != $1.value ? $0.value > $1.value : $0.key.utf8.lexicographicallyPrecedes($1.key.utf8)
        }.prefix(heatmapSize).map(\.key).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let index = Dictionary(uniqueKeysWithValues: chosen.enumerated().map { ($1, $0) })
        var matrix = [[Int]](repeating: [Int](repeating: 0, count: chosen.count), count: chosen.count)
        for (t, p) in zip(truth, predicted) {
            if let i = index[t], let j = index[p] { matrix[i][j] += 1 }
        }
        return (chosen, matrix)
    }

    /// The first `examplesPerConfusion` queries (file order) of each confusion.
    static func examples(of confusions: ArraySlice<Confusion>, texts: [String], truth: [String],
                         predicted: [String]) -> [ConfusionExamples] {
        var wanted: [String: [String: Int]] = [:]
        for (k, c) in confusions.enumerated() { wanted[c.label, default: [:]][c.predicted] = k }
        var found = [[String]](repeating: [], count: confusions.count)
        for i in texts.indices {
            guard truth[i] != predicted[i], let k = wanted[truth[i]]?[predicted[i]],
                  found[k].count < examplesPerConfusion else { continue }
            found[k].append(texts[i])
        }
        return zip(confusions, found).map { ConfusionExamples(confusion: $0, queries: $1) }
    }

    /// Feature configuration, calibration and the training metadata stored in the model.
    static func options(of classifier: Classifier) -> [(String, String)] {
        let s = classifier.storage, f = s.features
        func range(_ lo: Int, _ hi: Int) -> String { lo == 0 && hi == 0 ? "off" : "\(lo)–\(hi)" }
        var pairs: [(String, String)] = [
            ("labels", "\(s.labels.count)"), ("model bytes", "\(s.byteCount)"),
            ("weights", s.quantized == nil ? "float32" : "int8"),
            ("bucket bits", "\(f.bucketBits) (\(f.bucketCount) buckets)"),
            ("word n-grams", range(f.wordNGramMin, f.wordNGramMax)), ("char n-grams", range(f.charNGramMin, f.charNGramMax)),
            ("fold diacritics", "\(f.foldDiacritics)"), ("sublinear tf", "\(f.sublinearTF)"), ("idf", "\(f.useIDF)"),
            ("temperature", "\(classifier.calibration.temperature)"),
            ("threshold", classifier.calibration.threshold.map { "\($0)" } ?? "none"),
        ]
        if let data = s.metadata.data(using: .utf8),
           let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            for key in object.keys.sorted() where key != "calibration" {
                pairs.append(("training: \(key)", BenchFigures.describe(object[key]!)))
            }
        }
        return pairs
    }
}
