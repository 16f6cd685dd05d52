import SwitchboardData
import ArgumentParser
import Foundation
import SwitchboardTraining

/// Which CSV columns hold the text and the label.
struct ColumnOptions: ParsableArguments {
    @Option(name: .customLong("text-column"),
            help: ArgumentHelp("The text column: a header name, or a 0-based index.", valueName: "name|index"))
    var textColumn = "text"

    @Option(name: .customLong("label-column"),
            help: ArgumentHelp("The label column: a header name, or a 0-based index.", valueName: "name|index"))
    var labelColumn = "label"

    /// `--text-column` as a selector (all digits = index).
    var text: ColumnSelector { ColumnSelector(textColumn) }
    /// `--label-column` as a selector (all digits = index).
    var label: ColumnSelector { ColumnSelector(labelColumn) }
}

/// `--threads N`.
struct ThreadOptions: ParsableArguments {
    @Option(name: .customLong("threads"), parsing: .unconditional,
            help: ArgumentHelp("Worker threads (default: all cores).", valueName: "n"))
    var requested: Int?

    /// `--threads`, or the number of active processors.
    var threads: Int { requested ?? ProcessInfo.processInfo.activeProcessorCount }

    func validate() throws {
        if let requested, requested < 1 { throw ValidationError("--threads must be at least 1 (got \(requested))") }
    }
}

/// `--json`.
struct JSONOption: ParsableArguments {
    @Flag(help: "Print machine-readable JSON on stdout instead of text.")
    var json = false
}
