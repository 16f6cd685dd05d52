import Foundation
import Switchboard
@testable import SwitchboardTraining
import Testing

/// `Trainer.train(…, continuing:)`: a model trained further on new rows and new labels.
@Suite struct WarmStartTests {
    static let old = [("refund my order please", "refund"), ("i want my money back now", "refund"),
                      ("reset my password", "login"), ("forgot password cannot sign in", "login"),
                      ("the app crashes on start", "bug"), ("found a bug in checkout", "bug")]
    static let new = [("cancel my plan today", "cancel"), ("stop my subscription", "cancel"),
                      ("end the subscription now", "cancel")]

    static func rows(_ base: [(String, String)], count: Int) -> ([String], [String]) {
        ((0 ..< count).map { base[$0 % base.count].0 + " w\($0 % 7)" }, (0 ..< count).map { base[$0 % base.count].1 })
    }

    static func parameters(threads: Int = 1) -> TrainingParameters {
        var p = TrainingParameters()
        p.features.bucketBits = 11
        p.epochs = 5
        p.threads = threads
        p.sharding = ShardPlan(shards: 4, chunk: 16)
        return p
    }

    static func parent() throws -> ModelContents {
        let (texts, labels) = rows(old, count: 300)
        return try Trainer.train(texts: texts, labels: labels, parameters: parameters()).0
    }

    static func continued(_ parent: ModelContents, threads: Int = 1) throws -> ModelContents {
        let (texts, labels) = rows(new + old, count: 90)
        return try Trainer.train(texts: texts, labels: labels, parameters: parameters(threads: threads),
                                 continuing: WarmStart(parent: parent, parentChecksum: 0xC0FFEE)).0
    }

    @Test func learnsTheNewLabelAndKeepsTheOldOnes() throws {
        let parent = try Self.parent()
        let model = try Self.continued(parent)
        #expect(model.labels == ["bug", "cancel", "login", "refund"])
        #expect(model.features == parent.features && model.idf == parent.idf, "features and IDF are the parent's")
        let classifier = try Classifier(contents: model)
        #expect(classifier.predictedLabel(for: "please stop my subscription") == "cancel")
        #expect(classifier.predictedLabel(for: "i forgot my password") == "login")
        #expect(classifier.predictedLabel(for: "refund my money") == "refund")
    }

    @Test func metadataRecordsTheLineage() throws {
        let model = try Self.continued(try Self.parent())
        let m = try #require(try JSONSerialization.jsonObject(with: Data(model.metadata.utf8)) as? [String: Any])
        let w = try #require(m["warm_start"] as? [String: Any])
        #expect(w["parent_checksum"] as? String == "c0ffee")
        #expect(w["rows_added"] as? Int == 90)
        #expect(w["labels_added"] as? [String] == ["cancel"])
        #expect(m["lineage"] as? [String] == ["c0ffee"])
        #expect(m["label_examples"] as? [Int] == [120, 30, 120, 120], "parent rows (100 each) plus the new ones (20 each, 30 cancel)")
        #expect(!Calibration.isPresent(in: model.metadata), "an uncalibrated parent gives no calibration")
    }

    /// The refinement runs after the warm start's SGD (anchored to the parent) and is recorded;
    /// `refineIterations = 0` turns it off.
    @Test func refinementRunsAndIsRecorded() throws {
        let parent = try Self.parent()
        let refined = try Self.continued(parent)
        let m = try #require(try JSONSerialization.jsonObject(with: Data(refined.metadata.utf8)) as? [String: Any])
        let r = try #require(m["refinement"] as? [String: Any])
        #expect((r["iterations"] as? Int ?? 0) > 0)
        let (texts, labels) = Self.rows(Self.new + Self.old, count: 90)
        var p = Self.parameters()
        p.refineIterations = 0
        let plain = try Trainer.train(texts: texts, labels: labels, parameters: p,
                                      continuing: WarmStart(parent: parent, parentChecksum: 0xC0FFEE)).0
        #expect(!plain.metadata.contains("\"refinement\""))
        #expect(plain.weights != refined.weights)
    }

    @Test func calibrationIsKeptButMarkedStale() throws {
        var parent = try Self.parent()
        parent.metadata = Calibration(temperature: 1.5, threshold: 0.4, unknownLabel: "oos").merged(into: parent.metadata)
        let c = Calibration.from(metadata: try Self.continued(parent).metadata)
        #expect(c.stale && c.temperature == 1.5 && c.threshold == 0.4 && c.unknownLabel == "oos")
        #expect(!Calibration.from(metadata: parent.metadata).stale)
    }

    @Test func sameBytesOnAnyThreadCount() throws {
        let parent = try Self.parent()
        let one = try ModelFile.encode(Self.continued(parent, threads: 1))
        for threads in [2, 3, 8] { #expect(try ModelFile.encode(Self.continued(parent, threads: threads)) == one) }
    }

    @Test func semanticParentContinuesWithItsOwnBlock() throws {
        let (texts, labels) = Self.rows(Self.old, count: 300)
        let settings = SemanticSettings(pack: try SemanticTrainerTests.pack(), packChecksum: 0xABC, dimensions: 8,
                                        weight: 1, batchSize: 5)
        let parent = try Trainer.train(texts: texts, labels: labels, parameters: Self.parameters(), semantic: settings).0
        let model = try Self.continued(parent)
        let block = try #require(model.semantic)
        #expect(block.tableValues == parent.semantic!.tableValues && block.tokens == parent.semantic!.tokens)
        #expect(block.denseWeights.count == block.dimensions * model.rowStride)
        #expect(try Classifier(contents: model).predictedLabel(for: "stop my subscription") == "cancel")
        let m = try #require(try JSONSerialization.jsonObject(with: Data(model.metadata.utf8)) as? [String: Any])
        #expect(m["embedding_pack_checksum"] as? String == "abc", "the block's provenance is kept")
    }

    @Test func int8ParentIsScaledBackWithinHalfAStep() throws {
        let parent = try Self.parent()
        let q = parent.quantizedInt8()
        let restored = WarmStart(parent: q, parentChecksum: 0).floatWeights
        let stride = parent.rowStride
        for b in 0 ..< parent.features.bucketCount {
            for c in 0 ..< stride {
                #expect(abs(restored[b * stride + c] - parent.weights[b * stride + c]) <= q.quantized!.scales[b] / 2 + 1e-7)
            }
        }
        #expect(try Self.continued(q).labels.count == 4)
    }

    @Test func remapMovesColumnsAndZeroesNewOnes() {
        let moved = WarmStart.remap([1, 2, 0, 3, 4, 0], rows: 2, from: 3, to: 4, columns: [0, 2])
        #expect(moved == [1, 0, 2, 0, 3, 0, 4, 0])
    }

    @Test func unfoldThenFoldGivesTheStoredWeightsBack() {
        let pooled: [Float] = [0.1, 0.5, -0.2, 0.3, 0.4, 0.9, 0.0, -0.1, 0.2]
        let standard = Standardization(pooled, dimensions: 3, weight: 0.5)
        let stored: [Float] = [0.5, -1, 2, 0.25, 3, -0.5], storedBias: [Float] = [0.1, -0.2]
        var dense = stored, bias = storedBias
        standard.unfold(&dense, bias: &bias, rowStride: 2)
        standard.fold(into: &dense, bias: &bias, rowStride: 2)
        for (a, b) in zip(dense, stored) { #expect(abs(a - b) < 1e-5) }
        for (a, b) in zip(bias, storedBias) { #expect(abs(a - b) < 1e-5) }
    }

    @Test func priorCorrectionFavoursLabelsTheNewRowsUnderRepresent() {
        var bias: [Float] = [0, 0]
        Trainer.correctPrior(&bias, trained: [9, 1] as [Double], target: [9, 99])
        #expect(bias[1] - bias[0] > 2, "label 1 is 10% of the new rows but 92% of all rows")
    }
}
