import Foundation
import Testing

/// `train`'s choice of features: the installed pack, none, or a named pack.
@Suite struct SemanticCLITests {
    static func csv(in dir: String) throws -> String {
        let rows = (0 ..< 60).map { i in ["refund my order \(i)", "reset my password \(i)", "the app crashed \(i)"][i % 3]
            + "," + ["refund", "login", "bug"][i % 3] }
        let path = "\(dir)/train.csv"
        try Data(("text,label\n" + rows.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func withoutAnInstalledPackTrainSaysWhyItIsNGramOnly() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let csv = try Self.csv(in: dir)
        let missing = "\(dir)/no-such.swemb"
        let r = try run(["train", csv, "-o", "\(dir)/m", "--bucket-bits", "10", "--epochs", "2"],
                        environment: ["SWITCHBOARD_EMBEDDINGS": missing])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("n-grams only: no embedding pack at \(missing)"))
        let json = try run(["train", csv, "-o", "\(dir)/m", "--bucket-bits", "10", "--epochs", "2", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let features = object?["features"] as? [String: Any]
        #expect(features?["semantic"] as? Bool == false && features?["ngrams"] as? Bool == true)
        let inspect = try run(["inspect", "\(dir)/m"])
        #expect(inspect.stdout.contains("hashed n-grams only"))
    }

    @Test func aNamedPackThatIsMissingOrBadIsAnError() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let csv = try Self.csv(in: dir)
        let missing = try run(["train", csv, "-o", "\(dir)/m", "--embeddings", "\(dir)/none.swemb"])
        #expect(missing.status == 1 && missing.stderr.contains("\(dir)/none.swemb"))
        try Data("not a pack".utf8).write(to: URL(fileURLWithPath: "\(dir)/bad.swemb"))
        let bad = try run(["train", csv, "-o", "\(dir)/m", "--embeddings", "\(dir)/bad.swemb"])
        #expect(bad.status == 1 && bad.stderr.contains("not a valid embedding pack"))
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/m"))
        #expect(try run(["train", csv, "-o", "\(dir)/m", "--embedding-weight", "0"]).status == 64)
        let pooling = try run(["train", csv, "-o", "\(dir)/m", "--embedding-pooling", "max"])
        #expect(pooling.status == 64 && pooling.stderr.contains("mean-max"))
    }
}
