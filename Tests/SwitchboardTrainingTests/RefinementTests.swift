import Foundation
import Switchboard
import SwitchboardData
@testable import SwitchboardTraining
import SwitchboardSupport
import Testing

@Suite struct RefinementTests {
    static let texts = (0..<90).map { i in
        ["refund my money \(i % 7)", "reset my password \(i % 5)", "the app crashes \(i % 3)"][i % 3]
    }
    static let labels = (0..<90).map { Int32($0 % 3) }

    /// A small problem: hashed n-grams of `texts` and, when `dimensions` > 0, seeded dense rows.
    static func problem(dimensions: Int, weights: [Float] = [1, 1, 1]) -> RefinementProblem {
        var features = FeatureConfiguration()
        features.bucketBits = 10
        var rows = SparseMatrix.counts(of: texts, extractor: FeatureExtractor(features), threads: 1)
        Trainer.weigh(&rows, features: features, idf: nil)
        var rng = SplitMix64(seed: 3)
        let pooled = (0 ..< texts.count * dimensions).map { _ in Float(rng.next() % 1000) / 1000 - 0.5 }
        return RefinementProblem(TrainingData(rows: rows, labels: labels), pooled: pooled, dimensions: dimensions,
                                 bucketCount: features.bucketCount, labelCount: 3, classWeights: weights, c: 2,
                                 threads: 1)
    }

    static func point(_ count: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix64(seed: seed)
        return (0 ..< count).map { _ in Float(rng.next() % 2001) / 2000 - 0.5 }
    }

    /// The objective at `x` and its gradient.
    static func evaluate(_ p: RefinementProblem, _ x: [Float]) -> (Double, [Float]) {
        var g = [Float](repeating: 0, count: p.count)
        let f = x.withUnsafeBufferPointer { xb in g.withUnsafeMutableBufferPointer { p.evaluate(xb.baseAddress!, gradient: $0.baseAddress!) } }
        return (f, g)
    }

    /// Compares the gradient at `x` with central differences on about 60 coordinates.
    static func expectGradientMatchesFiniteDifferences(_ p: RefinementProblem, at x: [Float]) {
        let (_, g) = evaluate(p, x)
        var checked = 0
        for i in stride(from: 0, to: p.count, by: max(1, p.count / 60)) {
            var plus = x, minus = x
            plus[i] += 1e-2; minus[i] -= 1e-2
            let numeric = (evaluate(p, plus).0 - evaluate(p, minus).0) / 2e-2
            #expect(abs(numeric - Double(g[i])) <= 2e-4 + 0.02 * abs(numeric), "coordinate \(i): \(numeric) vs \(g[i])")
            checked += 1
        }
        #expect(checked >= 50)
    }

    @Test(arguments: [0, 4])
    func gradientMatchesFiniteDifferences(dimensions: Int) {
        let p = Self.problem(dimensions: dimensions, weights: [1, 2, 0.5])
        let x = Self.point(p.count, seed: 11)
        Self.expectGradientMatchesFiniteDifferences(p, at: x)
    }

    /// A warm start's penalty: per-column λ toward a centre; the gradient still matches, and at
    /// the centre the penalty is zero.
    @Test(arguments: [0, 4])
    func anchoredGradientMatchesFiniteDifferences(dimensions: Int) throws {
        let p = Self.problem(dimensions: dimensions)
        let weights = Self.point((1 << 10) * p.stride, seed: 7) // every bucket of the 10-bit problem
        let dense = Self.point(dimensions * p.stride, seed: 8)
        let lambdas = (0 ..< p.stride).map { $0 < 3 ? [0.5, 0.05, 0.01][$0] : Float(0) }
        p.anchor = weights.withUnsafeBufferPointer { w in
            dense.withUnsafeBufferPointer { RefinementAnchor(p, weights: w.baseAddress!, dense: dimensions > 0 ? $0.baseAddress! : nil, lambdas: lambdas) }
        }
        let anchor = try #require(p.anchor)
        var atCentre = anchor.centre + [Float](repeating: 0, count: p.stride)
        #expect(atCentre.withUnsafeBufferPointer { anchor.penalty($0.baseAddress!, count: anchor.centre.count, threads: 1) } == 0)
        atCentre[0] += 2 // column 0: λ 0.5 → 0.5/2 · 2² = 1
        #expect(abs(atCentre.withUnsafeBufferPointer { anchor.penalty($0.baseAddress!, count: anchor.centre.count, threads: 1) } - 1) < 1e-9)
        let x = Self.point(p.count, seed: 12)
        Self.expectGradientMatchesFiniteDifferences(p, at: x)
        // Blocks, not threads, order the penalty's sums.
        let penalties = [1, 2, 3, 8].map { t in x.withUnsafeBufferPointer { anchor.penalty($0.baseAddress!, count: anchor.centre.count, threads: t) } }
        #expect(Set(penalties).count == 1, "\(penalties)")
    }

    /// The blocked dot product: the same bits on any thread count, and the double-precision sum
    /// within rounding.
    @Test func blockedDotIsTheSameOnEveryThreadCount() {
        let n = 3 * ParallelVector.block + 17
        let a = Self.point(n, seed: 21), b = Self.point(n, seed: 22)
        let dots = [1, 2, 3, 8].map { t in
            a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { ParallelVector.dot(n, x.baseAddress!, $0.baseAddress!, threads: t) } }
        }
        #expect(Set(dots).count == 1, "\(dots)")
        let exact = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        #expect(abs(dots[0] - exact) <= 1e-9 * zip(a, b).reduce(0.0) { $0 + abs(Double($1.0) * Double($1.1)) })
    }

    @Test func objectiveIsCrossEntropyPlusPenalty() {
        let p = Self.problem(dimensions: 0)
        let zero = [Float](repeating: 0, count: p.count)
        // All scores zero: each row's cross-entropy is ln 3, and the penalty is zero.
        #expect(abs(Self.evaluate(p, zero).0 - log(3)) < 1e-6)
    }

    @Test func lbfgsFindsTheMinimumOfAQuadratic() {
        // f(x) = Σ a_i (x_i − b_i)² / 2, ill-conditioned (a from 1 to 100).
        let n = 50
        let a = (0 ..< n).map { 1 + 99 * Float($0) / Float(n - 1) }, b = Self.point(n, seed: 5)
        func f(_ x: UnsafePointer<Float>, _ g: UnsafeMutablePointer<Float>) -> Double {
            var v = 0.0
            for i in 0 ..< n { let d = x[i] - b[i]; g[i] = a[i] * d; v += Double(a[i] * d * d) / 2 }
            return v
        }
        var x = [Float](repeating: 0, count: n), g = [Float](repeating: 0, count: n)
        let report = x.withUnsafeMutableBufferPointer { xb in
            g.withUnsafeMutableBufferPointer { gb in
                let start = f(xb.baseAddress!, gb.baseAddress!)
                return LBFGS(count: n).minimize(xb.baseAddress!, gradient: gb.baseAddress!, value: start, iterations: 200,
                                                tolerance: 0, f)
            }
        }
        #expect(report.finalObjective < 1e-6 * report.initialObjective)
        #expect(report.iterations > 1)
        for i in 0 ..< n { #expect(abs(x[i] - b[i]) < 1e-2) }
    }

    func tiny(threads: Int, iterations: Int) throws -> (ModelContents, TrainingReport) {
        var p = TrainingParameters()
        p.features.bucketBits = 12
        p.epochs = 3
        p.threads = threads
        p.refineIterations = iterations
        return try Trainer.train(texts: Self.texts, labels: Self.labels.map { ["refund", "password", "bug"][Int($0)] }, parameters: p)
    }

    @Test func refinementLowersTheObjectiveAndIsRecorded() throws {
        let (model, report) = try tiny(threads: 2, iterations: 20)
        let r = try #require(report.refinement)
        #expect(r.iterations > 0 && r.iterations <= 20)
        #expect(r.finalObjective < r.initialObjective)
        #expect(model.metadata.contains("\"max_iterations\":20"))
        #expect(try tiny(threads: 1, iterations: 0).1.refinement == nil)
    }

    /// With a validation set, the reported accuracy is the refined model's, not the best epoch's.
    @Test func validationAccuracyIsTheRefinedModels() throws {
        let train = SmallTickets.rows(120, seed: 3), valid = SmallTickets.rows(60, seed: 4)
        var p = TrainingParameters()
        p.features.bucketBits = 12
        p.epochs = 2
        p.threads = 1
        p.refineIterations = 30
        let (model, report) = try Trainer.train(texts: train.texts, labels: train.labels,
                                                validation: (valid.texts, valid.labels), parameters: p)
        #expect(report.refinement != nil)
        let measured = try accuracyOf(model, on: LabeledDataset(texts: valid.texts, labels: valid.labels, source: "valid"))
        #expect(abs((report.validationAccuracy ?? -1) - measured) < 1e-9, "\(String(describing: report.validationAccuracy)) vs \(measured)")
    }

    @Test func refinedModelIsTheSameForAnyThreadCount() throws {
        let one = try ModelFile.encode(tiny(threads: 1, iterations: 15).0)
        for threads in [2, 3, 8] { #expect(try ModelFile.encode(tiny(threads: threads, iterations: 15).0) == one) }
    }

    @Test func refinementParametersAreValidated() {
        var p = TrainingParameters()
        p.refineIterations = -1
        #expect(p.problem != nil)
        p.refineIterations = 10
        p.refineC = 0
        #expect(p.problem != nil)
        p.refineC = .nan
        #expect(p.problem != nil)
    }
}
