import SwitchboardSupport
import CBLAS
import Foundation
import Switchboard

extension Trainer {
    /// Training and validation texts: the given validation set, or a seeded held-out fraction.
    static func split(_ texts: [String], _ labels: [String], _ validation: (texts: [String], labels: [String])?,
                      _ p: TrainingParameters) -> ([String], [String], [String], [String]) {
        if let validation { return (texts, labels, validation.texts, validation.labels) }
        let held = Int(Double(texts.count) * p.validationFraction)
        guard held > 0 && held < texts.count else { return (texts, labels, [], []) }
        var rng = SplitMix64(seed: p.seed ^ 0x5EED_0F_5A11) // a different stream than the epoch shuffles
        var order = Array(0..<texts.count)
        rng.shuffle(&order)
        let keep = order[held...].sorted(), out = order[..<held].sorted()
        return (keep.map { texts[$0] }, keep.map { labels[$0] }, out.map { texts[$0] }, out.map { labels[$0] })
    }

    /// Smoothed IDF per bucket, as scikit-learn's `smooth_idf`: ln((1 + n) / (1 + df)) + 1.
    /// Buckets never seen get the largest value; they carry no weight anyway. Document
    /// frequencies are counted on `threads` threads (integer sums: the same on any number). Rows
    /// are raw counts, so a bucket shared by a word and a character n-gram of one row counts
    /// once per family under `NGramNormalization.perFamily`.
    static func inverseDocumentFrequency(_ rows: SparseMatrix, buckets: Int, threads: Int = 1) -> [Float] {
        let df = ParallelCounts.sum(count: rows.rows, bins: buckets, threads: threads) { range, counts in
            for j in rows.rowStart[range.lowerBound] ..< rows.rowStart[range.upperBound] { counts[Int(FeatureExtractor.bucket(ofCounted: rows.buckets[j]))] += 1 }
        }
        let n = Double(rows.rows)
        return df.map { Float(log((1 + n) / (1 + Double($0))) + 1) }
    }

    /// Turns raw counts into weighted, normalized rows with the runtime's own function, on
    /// `threads` threads (each row is weighed alone).
    static func weigh(_ rows: inout SparseMatrix, features: FeatureConfiguration, idf: [Float]?, threads: Int = 1) {
        let starts = rows.rowStart
        rows.values.withUnsafeMutableBufferPointer { values in
            rows.buckets.withUnsafeMutableBufferPointer { buckets in
                let shared = UncheckedSendable((values, buckets))
                func run(_ idf: UnsafeBufferPointer<Float>?) {
                    let idf = UncheckedSendable(idf)
                    ParallelFor.run(count: starts.count - 1, threads: threads) { range in
                        let (values, buckets) = shared.value
                        for r in range {
                            FeatureExtractor.weigh(values: values.baseAddress! + starts[r], buckets: buckets.baseAddress! + starts[r],
                                                   count: starts[r + 1] - starts[r], sublinearTF: features.sublinearTF,
                                                   idf: idf.value)
                        }
                    }
                }
                if let idf { idf.withUnsafeBufferPointer { run($0) } } else { run(nil) }
            }
        }
    }

    /// Rows per label index (labels < 0, unknown to the model, are not counted).
    static func labelCounts(_ labels: [Int32], labels k: Int) -> [Int] {
        var counts = [Int](repeating: 0, count: k)
        for y in labels where y >= 0 { counts[Int(y)] += 1 }
        return counts
    }

    /// Per-label loss weights.
    static func classWeights(_ labels: [Int32], labels k: Int, mode: ClassWeighting) -> [Float] {
        guard mode == .balanced else { return [Float](repeating: 1, count: k) }
        let counts = labelCounts(labels, labels: k)
        return counts.map { $0 == 0 ? 0 : Float(labels.count) / Float(k * $0) }
    }

    /// Copies the solver's parameters (weights, then bias) with BLAS `scopy`.
    static func save(_ solver: SGDSolver, into buffer: [Float]) -> [Float] {
        var out = buffer
        let n = solver.parameterCount
        if out.count != n + solver.stride { out = [Float](repeating: 0, count: n + solver.stride) }
        out.withUnsafeMutableBufferPointer { b in
            SerialBLAS.call { cblas_scopy(Int32(n), solver.weights, 1, b.baseAddress!, 1) }
            SerialBLAS.call { cblas_scopy(Int32(solver.stride), solver.bias, 1, b.baseAddress! + n, 1) }
        }
        return out
    }

    static func restore(_ solver: SGDSolver, from buffer: [Float]) {
        let n = solver.parameterCount
        buffer.withUnsafeBufferPointer { b in
            SerialBLAS.call { cblas_scopy(Int32(n), b.baseAddress!, 1, solver.weights, 1) }
            SerialBLAS.call { cblas_scopy(Int32(solver.stride), b.baseAddress! + n, 1, solver.bias, 1) }
        }
    }

    /// Training options and figures kept in the model for the record. No timings: the file
    /// must be byte-identical across runs.
    static func metadata(_ p: TrainingParameters, _ r: TrainingReport) -> String {
        let f = p.features
        var m: [String: Any] = [
            "trainer": "sgd-softmax",
            "epochs": p.epochs, "epochs_run": r.epochs, "best_epoch": r.bestEpoch,
            "learning_rate": Double(p.learningRate), "l2": Double(p.l2),
            "class_weighting": p.classWeighting.rawValue, "seed": p.seed,
            "validation_fraction": p.validationFraction, "patience": p.patience,
            "examples": r.examples, "non_zeros": r.nonZeros,
            "bucket_bits": f.bucketBits,
            "shards": p.sharding.shards, "shard_chunk": p.sharding.chunk,
        ]
        // Rows per label, in label order: what a warm start needs to correct for its new rows' label mix.
        if !r.labelExamples.isEmpty { m["label_examples"] = r.labelExamples }
        // Only when it ran: a 0-step setting or a set over the row limit has none.
        if let f = r.refinement {
            m["refinement"] = ["max_iterations": p.refineIterations, "c": Double(p.refineC),
                               "iterations": f.iterations, "evaluations": f.evaluations,
                               "initial_objective": f.initialObjective, "final_objective": f.finalObjective]
        }
        if let a = r.validationAccuracy {
            m["validation_accuracy"] = a
            m["validation_examples"] = r.validationExamples
        }
        let data = (try? JSONSerialization.data(withJSONObject: m, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
