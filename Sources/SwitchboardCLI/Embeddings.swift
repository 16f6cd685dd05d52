import ArgumentParser
import Foundation
import Switchboard
import SwitchboardTraining

extension SwitchboardCommand {
    /// `switchboard embeddings ...`: pretrained token vectors for the semantic block.
    struct Embeddings: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import and check pretrained token embedding packs.",
            discussion: """
            A pack holds token vectors and the byte-fallback BPE tokenizer whose ids index them. \
            The default pack location is $\(EmbeddingPackLocation.environmentVariable), else \
            $\(EmbeddingPackLocation.cacheEnvironmentVariable)/\(EmbeddingPackLocation.fileName), else \
            ~/.cache/switchboard/\(EmbeddingPackLocation.fileName).
            """,
            subcommands: [Import.self, Tokenize.self, CheckIDs.self])
    }
}

extension SwitchboardCommand.Embeddings {
    /// `switchboard embeddings import WHEEL|DIR --output PACK`
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Convert the WordLlama wheel (or its unpacked directory) into an embedding pack.",
            discussion: """
            Reads \(EmbeddingImporter.weightsMember) (F16 safetensors) and \
            \(EmbeddingImporter.tokenizerMember) (Hugging Face tokenizer JSON) from the wheel, \
            checks them, and writes the pack atomically. --json prints name, output, output_bytes, \
            token_count, merge_count, dimension_count and checksum.
            """)

        @Argument(help: ArgumentHelp("The wordllama 0.4.0.post1 wheel, or a directory with its files.", valueName: "wheel-or-dir"))
        var source: String

        @Option(help: ArgumentHelp("The pack file to write.", valueName: "pack"))
        var output: String

        @OptionGroup var format: JSONOption

        func run() throws {
            try OutputCheck.writable(output)
            let pack = try EmbeddingImporter.importPack(from: source)
            try pack.write(to: output)
            let summary: [String: JSON] = [
                "name": .string(pack.name), "token_count": .number(pack.tokenizer.tokenCount),
                "merge_count": .number(pack.tokenizer.merges.count), "dimension_count": .number(pack.dimensions),
                "output_bytes": .number(try Output.fileSize(output)), "checksum": .string(String(pack.checksum, radix: 16)),
                "output": .string(output)]
            if format.json {
                Output.printJSON(JSONVocabulary.document(summary))
            } else {
                print("wrote \(output): \(pack.name), \(pack.tokenizer.tokenCount) tokens × \(pack.dimensions) dimensions, "
                    + "\(pack.tokenizer.merges.count) merges")
            }
        }
    }

    /// `switchboard embeddings tokenize PACK TEXT...`
    struct Tokenize: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the token ids of each TEXT (or of each stdin line), space-separated.")

        @Argument(help: ArgumentHelp("The embedding pack.", valueName: "pack"))
        var pack: String

        @Argument(help: "Texts to tokenize; none: one per line of standard input.")
        var texts: [String] = []

        func run() throws {
            let tokenizer = try EmbeddingPack.load(path: pack).tokenizer
            let scratch = TokenizerScratch()
            func show(_ text: String) {
                tokenizer.encode(text, into: scratch)
                print(scratch.tokenIDs.map(String.init).joined(separator: " "))
            }
            if texts.isEmpty {
                while let line = readLine(strippingNewline: true) { show(line) }
            } else {
                texts.forEach(show)
            }
        }
    }

    /// `switchboard embeddings check-ids PACK REFERENCE.jsonl`
    struct CheckIDs: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check-ids",
            abstract: "Compare the tokenizer's ids with reference ids, one {\"text\", \"ids\"} object per line.",
            discussion: "Prints how many texts match exactly; exit status 1 unless all do.")

        @Argument(help: ArgumentHelp("The embedding pack.", valueName: "pack"))
        var pack: String

        @Argument(help: ArgumentHelp("JSON Lines of {\"text\": ..., \"ids\": [...]}.", valueName: "reference"))
        var reference: String

        @OptionGroup var format: JSONOption

        func run() throws {
            let tokenizer = try EmbeddingPack.load(path: pack).tokenizer
            let cases = try TokenizerReference.load(path: reference)
            let mismatches = TokenizerReference.mismatches(tokenizer, cases)
            let identical = cases.count - mismatches.count
            let percent = cases.isEmpty ? 0 : 100 * Double(identical) / Double(cases.count)
            if format.json {
                Output.printJSON(JSONVocabulary.document([
                    "text_count": .number(cases.count), "identical_count": .number(identical),
                    "identical_fraction": .number(Double(identical) / Double(max(cases.count, 1))),
                    "first_mismatches": .array(mismatches.prefix(5).map { .string($0.text) })]))
            } else {
                print("\(identical) of \(cases.count) texts identical (\(Output.fixed(percent, 3))%)")
                for m in mismatches.prefix(5) {
                    print("  \(m.text.debugDescription): expected \(m.expected), got \(m.actual)")
                }
            }
            if !mismatches.isEmpty { throw ExitCode.failure }
        }
    }
}
