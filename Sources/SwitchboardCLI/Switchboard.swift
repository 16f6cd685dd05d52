import ArgumentParser

/// The `switchboard` command-line tool: trains, evaluates, inspects and runs intent classifiers.
@main
struct SwitchboardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchboard",
        abstract: "Train, evaluate and run on-device intent classifiers.",
        discussion: """
        Data files are CSV (RFC 4180) with a header row; by default the columns named "text" and \
        "label" are used. Errors are printed as one line to stderr. Exit status: 0 success, \
        1 failure (bad data, unreadable or corrupt model, I/O), 64 invalid command line.
        """,
        version: "0.1.0",
        subcommands: [Train.self, Evaluate.self, Calibrate.self, Predict.self, Inspect.self, Bench.self, Label.self,
                      Compress.self, Embeddings.self, Explain.self, Serve.self, Report.self, CrossValidate.self, Doctor.self,
                      Suggest.self, JSONSchemaCommand.self])

    /// Parses the command line and runs the chosen subcommand, reporting errors as
    /// `switchboard: error: ...` with the exit codes of `ExitStatus`.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            ExitStatus.exit(with: error)
        }
    }
}
