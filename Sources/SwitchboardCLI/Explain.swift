import ArgumentParser
import Foundation
import Switchboard

extension SwitchboardCommand {
    /// `switchboard explain MODEL TEXT...`
    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show why a query gets its label: the features that add the most to its logit.",
            discussion: """
            For each TEXT: the explained label (the predicted one, or --label), its logit at \
            temperature 1 split into the bias and one term per feature bucket (value × weight), \
            the runner-up label and the margin between the two logits. Each bucket is shown as \
            the query's n-grams that hash to it, recomputed from the text ("word" n-grams of \
            normalized words, "char" n-grams of a word padded as <word>); several n-grams in one \
            bucket are a hash collision and are all listed. The --top N largest terms are shown \
            (default 10), the others summed on one line, so the lines add up to the logit. \
            --json prints one object per TEXT: text, label, predicted_label, logit, bias, \
            confidence, runner_up_label, runner_up_logit, margin, contributions [{name, bucket, \
            ngrams [{kind, text, occurrence_count}], value, weight, contribution, collision}], \
            omitted_count, omitted_contribution. A TEXT with no features has no predicted label: without \
            --label that is an error (exit 1).
            """)

        @Argument(help: ArgumentHelp("The model file.", valueName: "model"))
        var model: String

        @Argument(help: ArgumentHelp("Texts to explain.", valueName: "text"))
        var texts: [String]

        @Option(help: ArgumentHelp("Explain this label instead of the predicted one.", valueName: "label"))
        var label: String?

        @Option(parsing: .unconditional, help: ArgumentHelp("Show the N largest contributions.", valueName: "n"))
        var top: Int = 10

        @OptionGroup var format: JSONOption

        func validate() throws {
            if top < 0 { throw ValidationError("--top must be at least 0") }
            if texts.isEmpty { throw ValidationError("give at least one TEXT to explain") }
        }

        func run() throws {
            let classifier = try Classifier(contentsOf: model)
            if let label, !classifier.labels.contains(label) {
                throw ValidationError("--label \(label) is not one of the model's \(classifier.labels.count) labels")
            }
            var output = OutputBuffer()
            for (i, text) in texts.enumerated() {
                let explanation: Explanation
                do {
                    explanation = try classifier.explanation(for: text, label: label).keepingTop(top)
                } catch {
                    throw CLIError("\"\(text)\": \(error.description)")
                }
                if format.json {
                    try output.line(try Self.json(explanation))
                } else {
                    if i > 0 { try output.line("") }
                    try output.line(Self.text(explanation))
                }
            }
            try output.flush()
        }

        /// One line of JSON, keys sorted.
        static func json(_ e: Explanation) throws -> String {
            func float(_ v: Float?) -> JSON { v.map { .number($0) } ?? .null }
            let contributions = e.contributions.map { c -> JSON in
                ["name": .string(c.name), "bucket": c.bucket.map { .number(Int($0)) } ?? .null,
                 "ngrams": .array(c.ngrams.map { ["kind": .string($0.kind.rawValue), "text": .string($0.text),
                                                  "occurrence_count": .number($0.count)] }),
                 "value": float(c.value), "weight": float(c.weight), "contribution": float(c.contribution),
                 "collision": .bool(c.isCollision)]
            }
            return JSONVocabulary.document([
                "text": .string(e.text), "label": .string(e.label),
                "predicted_label": e.predictedLabel.map(JSON.string) ?? .null, "logit": float(e.logit),
                "bias": float(e.bias), "confidence": float(e.probability),
                "runner_up_label": e.runnerUp.map(JSON.string) ?? .null, "runner_up_logit": float(e.runnerUpLogit),
                "margin": float(e.margin), "contributions": .array(contributions),
                "omitted_count": .number(e.omittedCount), "omitted_contribution": float(e.omittedContribution),
            ]).rendered()
        }

        /// The human-readable report.
        static func text(_ e: Explanation) -> String {
            func signed(_ v: Float) -> String { (v >= 0 ? "+" : "") + Output.fixed(Double(v)) }
            var lines = ["text: \(e.text)"]
            let predicted = e.predictedLabel == e.label ? "predicted" : "predicted: \(e.predictedLabel ?? "none")"
            lines.append("label: \(e.label) (probability \(Output.fixed(Double(e.probability))), \(predicted))")
            if let r = e.runnerUp, let rl = e.runnerUpLogit, let m = e.margin {
                lines.append("runner-up: \(r) (logit \(Output.fixed(Double(rl)))), margin \(signed(m))")
            }
            lines.append("logit \(Output.fixed(Double(e.logit))) = bias \(signed(e.bias)) + the terms below")
            var rows = [["contribution", "value", "weight", "bucket", "n-grams"]]
            for c in e.contributions {
                let grams = c.ngrams.map { "\($0.kind.rawValue) \"\($0.text)\"" + ($0.count > 1 ? " ×\($0.count)" : "") }
                rows.append([signed(c.contribution), Output.fixed(Double(c.value)), signed(c.weight),
                             c.bucket.map(String.init) ?? "-",
                             c.bucket == nil ? c.name : (c.isCollision ? "collision: " : "") + grams.joined(separator: " | ")])
            }
            if e.omittedCount > 0 {
                rows.append([signed(e.omittedContribution), "", "", "", "(\(e.omittedCount) smaller terms)"])
            }
            return lines.joined(separator: "\n") + "\n" + Output.table(rows, rightAligned: [0, 1, 2, 3])
        }
    }
}
