import ArgumentParser
import Foundation
import Switchboard

extension SwitchboardCommand {
    /// `switchboard compress MODEL --output SMALL [--bits 8] [--max-size SIZE]`
    struct Compress: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Shrink a model to int8 weights (a quarter of the float size, same predictions).",
            discussion: """
            Quantizes each weight row to 8-bit integers with one float scale per row (scale = \
            max|w| / 127, rounded to nearest), writes the model atomically (format version 2) and \
            prints the sizes before and after. Labels, features, IDF, bias and metadata \
            (calibration included) are kept as they are; evaluate, predict, label and bench read the \
            result like any model. --max-size SIZE (2MB, 1.5MB, 500KB, 2MiB; MB = 1e6 bytes) fails \
            with exit status 1, writing nothing, when the int8 model is still larger, and says \
            which `train --bucket-bits N --compact` would fit. --json prints one object: model, \
            model_bytes, output, output_bytes, weight_bits, bucket_bits, weight_encoding.
            """)

        /// Weight widths `--bits` accepts. 4-bit weights (levels ±7) cost 0.16 points on CLINC150
        /// when measured on CLINC150 and would need packed nibbles; not implemented.
        static let supportedBits = [8]

        @Argument(help: ArgumentHelp("The model file to compress.", valueName: "model"))
        var model: String

        @Option(name: [.short, .long], help: ArgumentHelp("Where to write the compact model.", valueName: "small"))
        var output: String

        @Option(parsing: .unconditional, help: ArgumentHelp("Bits per weight; only 8 is supported.", valueName: "bits"))
        var bits = 8

        @Option(help: ArgumentHelp("Fail unless the compact model is at most this size: a number with \(ByteSize.unitList).",
                                   valueName: "size"), transform: ByteSize.parse)
        var maxSize: ByteSize?

        @OptionGroup var format: JSONOption

        func validate() throws {
            guard Self.supportedBits.contains(bits) else {
                throw ValidationError("--bits \(bits) is not supported; only --bits 8 (int8 weights) is")
            }
        }

        func run() throws {
            try OutputCheck.writable(output)
            let storage = try ModelFile.load(path: model)
            let compact = storage.contents().quantizedInt8()
            let outputBytes = compact.modelByteEstimate
            if let maxSize, outputBytes > maxSize.bytes {
                let advice = CompactBudget.advice(budget: maxSize, labels: compact.labels,
                                                  metadataLength: compact.metadata.utf8.count, features: compact.features)
                throw CLIError("the int8 model would be \(Output.bytes(outputBytes)), over --max-size \(maxSize) "
                    + "(\(maxSize.bytes) bytes); nothing written; \(advice)")
            }
            try ModelOutput.write(compact, to: output)
            let written = try Output.fileSize(output)
            if format.json {
                Output.printJSON(JSONVocabulary.document([
                    "model": .string(model), "output": .string(output), "model_bytes": .number(storage.byteCount),
                    "output_bytes": .number(written), "weight_bits": .number(bits),
                    "bucket_bits": .number(compact.features.bucketBits),
                    "weight_encoding": .string(compact.weightEncoding.rawValue),
                ]))
            } else {
                let ratio = Double(storage.byteCount) / Double(max(written, 1))
                print(Output.table([
                    ["input", "\(model), \(Output.bytes(storage.byteCount)), \(storage.weightEncoding.rawValue) weights"],
                    ["output", "\(output), \(Output.bytes(written)), int\(bits) weights"],
                    ["ratio", String(format: "%.2fx smaller", ratio)],
                ]))
            }
        }
    }
}
