import SwitchboardSupport
import Foundation
import Switchboard

/// How the model of one epoch does on the validation rows.
struct ValidationScore {
    /// Fraction of rows whose top label is theirs (rows with a label the model lacks count as wrong).
    var accuracy: Double
    /// Mean cross-entropy (natural log) of the rows whose label the model has.
    var loss: Double

    /// Better than `other`: higher accuracy, or the same accuracy and a lower loss (so an
    /// epoch that gets the same rows right with better-separated scores wins).
    func beats(_ other: ValidationScore) -> Bool {
        accuracy > other.accuracy || (accuracy == other.accuracy && loss < other.loss)
    }
}

extension SGDSolver {
    /// Accuracy and loss on `data`, on `threads` threads. Per-row figures are summed in row
    /// order afterwards, so the result does not depend on `threads`.
    func validationScore(_ data: TrainingData, threads: Int) -> ValidationScore {
        let n = data.rows.rows
        guard n > 0 else { return ValidationScore(accuracy: 0, loss: 0) }
        var hit = [Bool](repeating: false, count: n)
        var losses = [Double](repeating: 0, count: n)
        let rows = data.rows, labels = data.labels
        let view = UncheckedSendable(SolverView(weights: weights, bias: bias, labelCount: labelCount, stride: stride))
        hit.withUnsafeMutableBufferPointer { hits in
            losses.withUnsafeMutableBufferPointer { losses in
                let out = UncheckedSendable((hits, losses))
                ParallelFor.run(count: n, threads: threads) { range in
                    let k = view.value.labelCount
                    let scores = UnsafeMutablePointer<Float>.allocate(capacity: view.value.stride)
                    defer { scores.deallocate() }
                    for i in range {
                        let best = view.value.predict(rows, row: i, scores: scores)
                        let y = Int(labels[i])
                        out.value.0[i] = best == y
                        guard y >= 0 else { continue }
                        let m = Double(scores[best])
                        var sum = 0.0
                        for c in 0..<k { sum += exp(Double(scores[c]) - m) }
                        out.value.1[i] = log(sum) + m - Double(scores[y])
                    }
                }
            }
        }
        let known = labels.lazy.filter { $0 >= 0 }.count
        let loss = known == 0 ? 0 : losses.reduce(0, +) / Double(known)
        return ValidationScore(accuracy: Double(hit.lazy.filter { $0 }.count) / Double(n), loss: loss)
    }
}
