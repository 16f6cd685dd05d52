import Foundation
import Testing

/// `compress`, `train --compact / --max-size` and `inspect` on int8 models, end to end.
@Suite struct CompressTests {
    /// Small and fast: 2^12 buckets, 3 labels (stride 8), so the int8 model is ~70 KB.
    static let training = ["--bucket-bits", "12", "--epochs", "5", "--threads", "1"]

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not JSON: \(text)")
    }

    /// A directory with `train.csv` and a float `model` trained on it.
    static func withModel(_ body: (String) throws -> Void) throws {
        try withDataDirectory { dir in
            let r = try run(["train", "\(dir)/train.csv", "--output", "\(dir)/model"] + training)
            try #require(r.status == 0, "train failed: \(r.stderr)")
            try body(dir)
        }
    }

    @Test func helpListsCompressAndItsOptions() throws {
        #expect(try run(["--help"]).stdout.contains("compress"))
        let help = try run(["compress", "--help"]).stdout
        for option in ["--output", "--bits", "--max-size", "--json"] { #expect(help.contains(option), "\(option)") }
        let train = try run(["train", "--help"]).stdout
        #expect(train.contains("--compact") && train.contains("--max-size"))
    }

    @Test func compressThenInspectAndEvaluate() throws {
        try Self.withModel { dir in
            let r = try run(["compress", "\(dir)/model", "--output", "\(dir)/small", "--json"])
            try #require(r.status == 0, "compress failed: \(r.stderr)")
            let sizes = try Self.json(r.stdout)
            let (input, output) = (sizes["model_bytes"] as? Int ?? 0, sizes["output_bytes"] as? Int ?? 0)
            // Per bucket: 8 × 4 float bytes + 4 IDF → 8 int8 + 4 scale + 4 IDF, 36 → 16 bytes.
            #expect(sizes["weight_bits"] as? Int == 8 && output > 0 && Double(input) / Double(output) > 2.2, "\(sizes)")

            let inspect = try Self.json(try run(["inspect", "\(dir)/small", "--json"]).stdout)
            #expect(inspect["weight_encoding"] as? String == "int8" && inspect["format_version"] as? Int == 2)
            let parts = try #require(inspect["section_bytes"] as? [String: Int])
            #expect(parts.values.reduce(0, +) == output && parts["scales"] == 4 * 4096 && parts["weights"] == 8 * 4096)
            #expect(Set(parts.keys) == ["header_labels_metadata", "idf", "bias", "weights", "scales", "padding", "checksum", "semantic"])
            let floatInspect = try Self.json(try run(["inspect", "\(dir)/model", "--json"]).stdout)
            #expect(floatInspect["weight_encoding"] as? String == "float32" && floatInspect["format_version"] as? Int == 1)
            #expect((floatInspect["section_bytes"] as? [String: Int])?["scales"] == 0)
            #expect(try run(["inspect", "\(dir)/small"]).stdout.contains("int8"))

            let accuracies = try ["model", "small"].map { name in
                let e = try run(["evaluate", "\(dir)/\(name)", "\(dir)/train.csv", "--json"])
                try #require(e.status == 0, "evaluate \(name) failed: \(e.stderr)")
                return try Self.json(e.stdout)["accuracy"] as? Double ?? -1
            }
            #expect(accuracies[1] >= accuracies[0] - 0.01 && accuracies[1] > 0.9, "\(accuracies)")
            let text = try run(["compress", "\(dir)/model", "-o", "\(dir)/small2"])
            #expect(text.status == 0 && text.stdout.contains("int8") && text.stdout.contains("smaller"))
        }
    }

    @Test func budgetsAndUnsupportedBits() throws {
        try Self.withModel { dir in
            let tooSmall = try run(["compress", "\(dir)/model", "-o", "\(dir)/small", "--max-size", "1KB"])
            #expect(tooSmall.status == 1 && tooSmall.stderr.contains("--max-size") && tooSmall.stderr.contains("no bucket count fits"))
            let retrain = try run(["compress", "\(dir)/model", "-o", "\(dir)/small", "--max-size", "50KB"])
            #expect(retrain.status == 1 && retrain.stderr.contains("--bucket-bits 11 --compact"), "\(retrain.stderr)")
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/small"))
            #expect(try run(["compress", "\(dir)/model", "-o", "\(dir)/small", "--max-size", "0.1MiB"]).status == 0)
            let four = try run(["compress", "\(dir)/model", "-o", "\(dir)/small4", "--bits", "4"])
            #expect(four.status == 64 && four.stderr.contains("not supported"))
            #expect(try run(["compress", "\(dir)/model", "-o", "\(dir)/x", "--max-size", "lots"]).status == 64)
        }
    }

    @Test func trainCompactAndMaxSize() throws {
        try withDataDirectory { dir in
            let compact = try run(["train", "\(dir)/train.csv", "-o", "\(dir)/c", "--compact", "--json"] + Self.training)
            try #require(compact.status == 0, "\(compact.stderr)")
            let summary = try Self.json(compact.stdout)
            #expect(summary["weight_encoding"] as? String == "int8" && summary["bucket_bits"] as? Int == 12)

            // Default bucket bits (15) lowered to what fits 40 kB: 2^10 buckets × (8 + 4 + 4) bytes ≈ 17 kB; 2^11 ≈ 33 kB.
            let fitted = try run(["train", "\(dir)/train.csv", "-o", "\(dir)/f", "--max-size", "40KB", "--json",
                                  "--epochs", "5", "--threads", "1"])
            try #require(fitted.status == 0, "\(fitted.stderr)")
            let f = try Self.json(fitted.stdout)
            #expect(f["bucket_bits"] as? Int == 11 && (f["output_bytes"] as? Int ?? .max) <= 40_000, "\(f)")

            let explicit = try run(["train", "\(dir)/train.csv", "-o", "\(dir)/e", "--max-size", "40KB"] + Self.training)
            #expect(explicit.status == 64 && explicit.stderr.contains("--bucket-bits 11"), "\(explicit.stderr)")
            let nothing = try run(["train", "\(dir)/train.csv", "-o", "\(dir)/n", "--max-size", "1KB"] + Self.training)
            #expect(nothing.status == 1 && nothing.stderr.contains("--max-size"))
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/e") && !FileManager.default.fileExists(atPath: "\(dir)/n"))
        }
    }
}
