import SwitchboardData
import ArgumentParser
import Foundation
import SwitchboardTraining

/// Which CSV columns hold the text and the label.
struct ColumnOptions: ParsableArguments {
    @Option(name: .customLong("text-column"),
            help: ArgumentHelp("The text column: a header name, or a 0-based index; several separated by commas (subject,body) are joined.",
                               valueName: "name|index"))
    var textColumn = "text"

    @Option(name: .customLong("label-column"),
            help: ArgumentHelp("The label column: a header name, or a 0-based index.", valueName: "name|index"))
    var labelColumn = "label"

    /// `--text-column` as a selector (all digits = index).
    var text: ColumnSelector { ColumnSelector(textColumn) }
    /// `--text-column` split at commas: the columns whose fields are joined into the text.
    var texts: [ColumnSelector] {
        textColumn.split(separator: ",", omittingEmptySubsequences: false).map { ColumnSelector(String($0)) }
    }

    func validate() throws {
        let parts = textColumn.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        if parts.contains(where: \.isEmpty) {
            throw ValidationError("--text-column '\(textColumn)' has an empty column name (separate names with single commas)")
        }
        if parts.contains(labelColumn) {
            throw ValidationError("--text-column and --label-column both name '\(labelColumn)': "
                + "the label must come from another column than the text")
        }
        if Set(parts).count < parts.count { throw ValidationError("--text-column '\(textColumn)' names a column twice") }
    }
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
