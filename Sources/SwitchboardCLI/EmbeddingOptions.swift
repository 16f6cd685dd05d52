import ArgumentParser
import Foundation
import Switchboard
import SwitchboardTraining

extension TableReduction: ExpressibleByArgument {}

extension SemanticContents.Pooling: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public static var allValueStrings: [String] { allCases.map(\.name) }
}

/// `train`'s semantic-block options: which pack, how many dimensions, how they are reduced, α.
struct EmbeddingOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Embedding pack for the semantic block, or 'none' for an n-gram-only model (default: the installed pack, $\(EmbeddingPackLocation.environmentVariable) or ~/.cache/switchboard/\(EmbeddingPackLocation.fileName); without one, n-grams only).",
                               valueName: "pack|none"))
    var embeddings: String?

    @Option(help: ArgumentHelp("Vector length kept in the model (default: \(SemanticSettings.defaultDimensions)).", valueName: "n"))
    var embeddingDims: Int?

    @Option(help: ArgumentHelp("How vectors are cut to --embedding-dims: pca or truncate (default: \(SemanticSettings.defaultReduction.rawValue)).",
                               valueName: "method"))
    var embeddingReduction: TableReduction?

    @Option(help: ArgumentHelp("α: the norm of the pooled vector beside the unit n-gram row (default: \(SemanticSettings.defaultWeight)).",
                               valueName: "a"))
    var embeddingWeight: Float?

    @Flag(name: .customLong("embedding-idf"), inversion: .prefixedNo,
          help: "Weight each token's vector by its IDF over the training texts before pooling (default: \(SemanticSettings.defaultTokenIDF ? "on" : "off")).")
    var embeddingIDF: Bool?

    @Option(help: ArgumentHelp("How token vectors are pooled: mean, or mean-max (the mean, then the element-wise maximum; twice the dense features) (default: \(SemanticSettings.defaultPooling.name)).",
                               valueName: "mode"))
    var embeddingPooling: SemanticContents.Pooling?

    func validate() throws {
        if let n = embeddingDims, n < 1 { throw ValidationError("--embedding-dims must be at least 1") }
        if let w = embeddingWeight, !(w > 0 && w.isFinite) { throw ValidationError("--embedding-weight must be positive") }
    }

    /// The block-shaping options given on the command line, as (option, value) pairs.
    var givenBlockOptions: [(String, String)] {
        var given: [(String, String)] = []
        if let embeddingDims { given.append(("--embedding-dims", "\(embeddingDims)")) }
        if let embeddingReduction { given.append(("--embedding-reduction", embeddingReduction.rawValue)) }
        if let embeddingWeight { given.append(("--embedding-weight", "\(embeddingWeight)")) }
        if let embeddingIDF { given.append((embeddingIDF ? "--embedding-idf" : "--no-embedding-idf", "\(embeddingIDF)")) }
        if let embeddingPooling { given.append(("--embedding-pooling", embeddingPooling.name)) }
        return given
    }

    /// What the model will use, and why.
    struct Choice {
        var settings: SemanticSettings?
        var path: String?
        /// One line for the summary: the pack used, or why there is none.
        var note: String
    }

    /// Loads the pack named by `--embeddings` (an error if it is missing or bad), else the
    /// default pack if it is installed (missing: n-gram-only, with the reason; present but bad: an error).
    func resolve() throws -> Choice {
        let environment = ProcessInfo.processInfo.environment
        if embeddings == "none" { return Choice(settings: nil, path: nil, note: "n-grams only (--embeddings none)") }
        if embeddings == nil, environment[EmbeddingPackLocation.environmentVariable] == "none" {
            return Choice(settings: nil, path: nil, note: "n-grams only ($\(EmbeddingPackLocation.environmentVariable)=none)")
        }
        let path = embeddings ?? EmbeddingPackLocation.defaultPath(environment: environment)
        if embeddings == nil && !FileManager.default.fileExists(atPath: path) {
            return Choice(settings: nil, path: nil,
                          note: "n-grams only: no embedding pack at \(path) (run `make embeddings`, or pass --embeddings PACK)")
        }
        let pack = try EmbeddingPack.load(path: path)
        guard let checksum = SemanticSettings.storedChecksum(ofPackAt: path) else {
            throw EmbeddingError.unreadable(path: path, reason: "cannot read its checksum")
        }
        if let n = embeddingDims, n > pack.dimensions {
            throw ValidationError("--embedding-dims \(n) is more than the pack's \(pack.dimensions) dimensions")
        }
        let settings = SemanticSettings(pack: pack, packChecksum: checksum, dimensions: embeddingDims,
                                        reduction: embeddingReduction ?? SemanticSettings.defaultReduction,
                                        weight: embeddingWeight ?? SemanticSettings.defaultWeight,
                                        tokenIDF: embeddingIDF ?? SemanticSettings.defaultTokenIDF,
                                        pooling: embeddingPooling ?? SemanticSettings.defaultPooling)
        return Choice(settings: settings, path: path,
                      note: "n-grams + semantic block: \(pack.name) from \(path), \(settings.dimensions) dims (\(settings.reduction.rawValue)), "
                        + "\(settings.pooling.name) pooling, weight \(settings.weight)")
    }

    /// The bytes a semantic block with `settings` adds to a model with `labels` labels: the
    /// vocabulary, the int8 table with its scales, the dense weights, their alignment padding
    /// and the version-4 header's extra 72 bytes.
    static func blockBytes(_ settings: SemanticSettings, labels: Int) -> Int {
        let tokenizer = settings.pack.tokenizer
        let n = tokenizer.tokenCount, d = settings.dimensions, features = settings.pooling.featureCount(dimensions: d)
        let vocabulary = 4 * n + tokenizer.tokenByteCount + 8 * tokenizer.merges.count
            + 4 * tokenizer.specialIDs.count
        let table = (4 * n + 63) / 64 * 64 * settings.pooling.scaleBlockCount + n * d
        return vocabulary + table + features * ModelContents.rowStride(forLabels: labels) * 4 + 3 * 64 + 72
    }

    /// The `train` options that make the same semantic block as these, with α `weight` when given.
    func trainArguments(weight: Float?) -> [String] {
        var words: [String] = []
        if let embeddings { words += ["--embeddings", embeddings] }
        if embeddings == "none" { return words }
        if let embeddingDims { words += ["--embedding-dims", "\(embeddingDims)"] }
        if let r = embeddingReduction, r != SemanticSettings.defaultReduction { words += ["--embedding-reduction", r.rawValue] }
        let alpha = weight ?? embeddingWeight ?? SemanticSettings.defaultWeight
        if alpha != SemanticSettings.defaultWeight { words += ["--embedding-weight", "\(alpha)"] }
        if let idf = embeddingIDF, idf != SemanticSettings.defaultTokenIDF { words.append(idf ? "--embedding-idf" : "--no-embedding-idf") }
        if let p = embeddingPooling, p != SemanticSettings.defaultPooling { words += ["--embedding-pooling", p.name] }
        return words
    }

    /// The `features` object of `train --json`.
    static func json(_ choice: Choice) -> JSON {
        var object: [String: JSON] = ["ngrams": .bool(true), "semantic": .bool(choice.settings != nil), "note": .string(choice.note)]
        if let s = choice.settings {
            object["embedding_pack"] = .string(s.pack.name)
            object["embedding_pack_checksum"] = .string(String(s.packChecksum, radix: 16))
            object["embedding_dimension_count"] = .number(s.dimensions)
            object["embedding_reduction"] = .string(s.reduction.rawValue)
            object["embedding_pooling"] = .string(s.pooling.name)
            object["embedding_weight"] = .number(Double(s.weight))
        }
        return .object(object)
    }
}
