import Foundation
import Switchboard
import SwitchboardTraining
import Testing

/// Deterministic parallel training: the shard plan, not the thread count, fixes the model.
@Suite struct ShardedTrainingTests {
    static func data() -> ([String], [String]) {
        let rows = [("refund my order please", "refund"), ("i want my money back now", "refund"),
                    ("reset my password", "login"), ("forgot password cannot sign in", "login"),
                    ("the app crashes on start", "bug"), ("found a bug in checkout", "bug"),
                    ("cancel my plan today", "cancel"), ("stop my subscription", "cancel")]
        let texts = (0 ..< 800).map { rows[$0 % rows.count].0 + " \($0 % 13) w\($0 % 17)" }
        return (texts, (0 ..< 800).map { rows[$0 % rows.count].1 })
    }

    /// Small chunks, so an epoch has many rounds and a round's shards share rows.
    func parameters(threads: Int, shards: Int = 4, l2: Float = 0) -> TrainingParameters {
        var p = TrainingParameters()
        p.features.bucketBits = 11
        p.epochs = 4
        p.threads = threads
        p.l2 = l2
        p.sharding = ShardPlan(shards: shards, chunk: 16)
        return p
    }

    func ngramModel(threads: Int, shards: Int = 4, l2: Float = 0) throws -> [UInt8] {
        let (texts, labels) = Self.data()
        let p = parameters(threads: threads, shards: shards, l2: l2)
        return try ModelFile.encode(Trainer.train(texts: texts, labels: labels, parameters: p).0)
    }

    @Test(arguments: [Float(0), 1e-4])
    func sameBytesOnOneTwoThreeAndEightThreads(l2: Float) throws {
        let one = try ngramModel(threads: 1, l2: l2)
        for threads in [2, 3, 8] { #expect(try ngramModel(threads: threads, l2: l2) == one, "threads \(threads)") }
    }

    @Test func semanticModelHasTheSameBytesOnAnyThreadCount() throws {
        let (texts, labels) = Self.data()
        let settings = SemanticSettings(pack: try SemanticTrainerTests.pack(), packChecksum: 0xABC, dimensions: 8,
                                        weight: 1, batchSize: 5)
        func model(_ threads: Int) throws -> [UInt8] {
            try ModelFile.encode(Trainer.train(texts: texts, labels: labels, parameters: parameters(threads: threads),
                                               semantic: settings).0)
        }
        let one = try model(1)
        for threads in [2, 3, 8] { #expect(try model(threads) == one, "threads \(threads)") }
    }

    @Test func thePlanIsPartOfTheRecipeAndRecordedInTheModel() throws {
        let sharded = try ngramModel(threads: 2, shards: 4)
        let sequential = try ngramModel(threads: 2, shards: 1)
        #expect(sharded != sequential, "4 shards mix updates differently from one sequential pass")
        let metadata = try ModelFile.decode(sharded).metadata
        #expect(metadata.contains(#""shards":4"#) && metadata.contains(#""shard_chunk":16"#), "\(metadata)")
    }

    @Test func shardedTrainingLearnsAsWellAsTheSequentialPass() throws {
        let (texts, labels) = Self.data()
        let queries = ["please refund my order", "forgot my password", "the app crashes", "cancel the subscription"]
        for shards in [1, 4, 8] {
            let c = try Classifier(contents: Trainer.train(texts: texts, labels: labels,
                                                           parameters: parameters(threads: 2, shards: shards)).0)
            #expect(queries.map { c.predictedLabel(for: $0) } == ["refund", "login", "bug", "cancel"], "shards \(shards)")
        }
    }

    @Test func invalidPlansAreRefused() {
        let (texts, labels) = Self.data()
        for plan in [ShardPlan(shards: 0), ShardPlan(shards: 65), ShardPlan(chunk: 0)] {
            var p = TrainingParameters()
            p.sharding = plan
            #expect(throws: TrainingError.self) { try Trainer.train(texts: texts, labels: labels, parameters: p) }
        }
    }
}
