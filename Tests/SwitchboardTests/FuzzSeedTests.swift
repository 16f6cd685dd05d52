import Foundation
import Testing
@testable import Switchboard

/// The model fuzzer's semantic seeds (`Fuzz/corpus/model/semantic-*.model`) are the encoded test
/// samples, so the fuzzer starts from files the current format reads. After a format change,
/// `SWITCHBOARD_WRITE_FUZZ_SEEDS=1 swift test --filter FuzzSeedTests` rewrites them.
@Suite struct FuzzSeedTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/corpus/model")

    static let seeds: [(String, ModelContents)] = [
        ("semantic-mean-bits10.model", SemanticModelFileTests.sample()),
        ("semantic-meanmax-bits10.model", SemanticPoolingTests.sample()),
    ]

    @Test(arguments: seeds.map(\.0))
    func seedIsTheEncodedSample(name: String) throws {
        let contents = try #require(Self.seeds.first { $0.0 == name }).1
        let bytes = try ModelFile.encode(contents)
        let url = Self.corpus.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["SWITCHBOARD_WRITE_FUZZ_SEEDS"] == "1" {
            try Data(bytes).write(to: url, options: .atomic)
        }
        let stored = try [UInt8](Data(contentsOf: url))
        #expect(stored == bytes, "\(name) is stale: rewrite it (see the suite's comment)")
        #expect(try ModelFile.decode(stored).semantic?.pooling == contents.semantic?.pooling)
    }
}
