import ArgumentParser

extension SwitchboardCommand {
    /// `switchboard json-schema`: the vocabulary of every `--json` output, as JSON.
    struct JSONSchemaCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "json-schema",
            abstract: "Print the members and types of every --json output, as JSON.",
            discussion: """
            One object: "commands" maps each subcommand to the shape it prints, "shapes" gives \
            each shape's required and optional members with their types (see the README's \
            "JSON output" section).
            """)

        func run() throws {
            print(JSONVocabulary.json.rendered(pretty: true))
        }
    }
}
