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
    @Option(help: ArgumentHelp("Worker threads; defaults to the number of active processors.", valueName: "n"))
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }
}

/// `--json`.
struct JSONOption: ParsableArguments {
    @Flag(help: "Print machine-readable JSON on stdout instead of text.")
    var json = false
}
