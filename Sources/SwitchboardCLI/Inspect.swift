import ArgumentParser
import Switchboard

extension SwitchboardCommand {
    /// `switchboard inspect MODEL`
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Describe a model file: labels, features, calibration, size and training metadata.",
            discussion: """
            The whole file is validated first (checksum included).

            --json prints one object with model, model_bytes, format_version, labels (names), \
            label_count, features {...}, calibration ({temperature, threshold, unknown_label}, or \
            null when the model is not calibrated), row_stride, weight_encoding (float32 or int8), \
            section_bytes {header_labels_metadata, idf, bias, weights, scales, padding, checksum: \
            bytes, adding up to model_bytes} and metadata (the training options, as a JSON object; \
            {"text": ...} when the stored text is not a JSON object).
            """)

        @Argument(help: ArgumentHelp("The model file.", valueName: "model"))
        var model: String

        @OptionGroup var format: JSONOption

        func run() throws {
            let storage = try ModelFile.load(path: model)
            if format.json {
                Output.printJSON(Self.json(storage))
            } else {
                print(Self.text(storage))
            }
        }

        /// The feature configuration as a JSON object.
        static func json(_ f: FeatureConfiguration) -> JSON {
            ["bucket_bits": .number(f.bucketBits), "bucket_count": .number(f.bucketCount),
             "word_ngram_min": .number(f.wordNGramMin), "word_ngram_max": .number(f.wordNGramMax),
             "char_ngram_min": .number(f.charNGramMin), "char_ngram_max": .number(f.charNGramMax),
             "fold_diacritics": .bool(f.foldDiacritics), "sublinear_tf": .bool(f.sublinearTF),
             "idf": .bool(f.useIDF), "ngram_norm": .string(f.normalization.name)]
        }

        static func json(_ s: ModelStorage) -> JSON {
            var metadata = JSON.parse(s.metadata) ?? .string(s.metadata)
            if case .object = metadata {} else { metadata = ["text": .string(s.metadata)] }
            return JSONVocabulary.document([
                "format_version": .number(Int(s.formatVersion)), "labels": .array(s.labels.map(JSON.string)),
                "label_count": .number(s.labels.count), "features": json(s.features), "row_stride": .number(s.rowStride),
                "model": .string(s.source), "model_bytes": .number(s.byteCount),
                "weight_encoding": .string(s.weightEncoding.rawValue),
                "section_bytes": .object(sizeRows(s.sizeBreakdown).mapValues(JSON.number)), "metadata": metadata,
                "calibration": calibration(s).map { c in
                    ["temperature": .number(c.temperature), "threshold": c.threshold.map { JSON.number($0) } ?? .null,
                     "unknown_label": .string(c.unknownLabel)]
                } ?? .null,
                "semantic": semanticJSON(s),
            ])
        }

        /// The semantic block: null for an n-gram-only model.
        static func semanticJSON(_ s: ModelStorage) -> JSON {
            guard let block = s.semantic else { return .null }
            return ["dimension_count": .number(block.dimensions), "token_count": .number(block.tokenizer.tokenCount),
                    "merge_count": .number(block.tokenizer.merges.count), "weight": .number(block.weight),
                    "table_encoding": "int8", "pooling": .string(block.pooling.name),
                    "feature_count": .number(block.featureCount), "block_bytes": .number(s.sizeBreakdown.semantic)]
        }

        /// "n-grams", or "n-grams + semantic block (...)".
        static func featureSummary(_ s: ModelStorage) -> String {
            guard let block = s.semantic else { return "hashed n-grams only" }
            return "hashed n-grams + semantic block (\(block.tokenizer.tokenCount) tokens × \(block.dimensions) dims, int8; \(block.pooling.name) pooling; weight \(block.weight))"
        }

        /// Bytes per part of the file, with the header, labels and metadata counted together.
        static func sizeRows(_ b: ModelSizeBreakdown) -> [String: Int] {
            ["header_labels_metadata": b.header + b.labels + b.metadata, "idf": b.idf, "bias": b.bias,
             "weights": b.weights, "scales": b.scales, "padding": b.padding, "checksum": b.checksum, "semantic": b.semantic]
        }

        /// The model's calibration, or nil when its metadata has none.
        static func calibration(_ s: ModelStorage) -> Calibration? {
            guard case .object(let metadata)? = JSON.parse(s.metadata), metadata["calibration"] != nil else { return nil }
            return Calibration.from(metadata: s.metadata)
        }

        /// The calibration section: what `predict`, `label` and `serve` apply to every query.
        static func calibrationText(_ s: ModelStorage) -> String {
            guard let c = calibration(s) else {
                return "  none: every query with features is answered (calibrate with `switchboard calibrate`)"
            }
            let threshold = c.threshold.map {
                "\(Output.fixed(Double($0))) (queries below it get \"\(c.unknownLabel)\")"
            } ?? "none (every query is answered)"
            return Output.table([["  temperature", Output.fixed(Double(c.temperature))], ["  threshold", threshold],
                                 ["  unknown label", c.unknownLabel]])
        }

        static func text(_ s: ModelStorage) -> String {
            let f = s.features
            func range(_ lo: Int, _ hi: Int) -> String { lo == 0 && hi == 0 ? "off" : "\(lo)-\(hi)" }
            func yesNo(_ b: Bool) -> String { b ? "yes" : "no" }
            let summary = Output.table([
                ["model", s.source], ["format version", "\(s.formatVersion)"], ["size", Output.bytes(s.byteCount)],
                ["features", featureSummary(s)],
                ["weights", s.weightEncoding == .int8 ? "int8 (one float32 scale per row)" : "float32"],
                ["labels", "\(s.labels.count)"], ["buckets", "\(f.bucketCount) (2^\(f.bucketBits))"],
                ["row stride", "\(s.rowStride) \(s.weightEncoding == .int8 ? "int8 values" : "floats")"], ["word n-grams", range(f.wordNGramMin, f.wordNGramMax)],
                ["char n-grams", range(f.charNGramMin, f.charNGramMax)], ["fold diacritics", yesNo(f.foldDiacritics)],
                ["sublinear tf", yesNo(f.sublinearTF)], ["idf", yesNo(f.useIDF)], ["n-gram norm", f.normalization.name],
            ])
            let b = s.sizeBreakdown
            let parts = [("header+labels+metadata", b.header + b.labels + b.metadata), ("idf", b.idf), ("bias", b.bias),
                         ("weights", b.weights), ("scales", b.scales), ("padding", b.padding), ("checksum", b.checksum),
                         ("semantic block", b.semantic)]
            let sizes = Output.table(parts.map { ["  " + $0.0, Output.bytes($0.1)] })
            let labels = s.labels.map { "  " + $0 }.joined(separator: "\n")
            let metadata = JSON.parse(s.metadata)?.rendered(pretty: true) ?? s.metadata
            return summary + "\n\ncalibration:\n" + calibrationText(s) + "\n\nsize breakdown:\n" + sizes + "\n\nlabels:\n" + labels + "\n\nmetadata:\n" + metadata
        }
    }
}
