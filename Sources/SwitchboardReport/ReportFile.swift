import SwitchboardSupport

/// Writing a report so that readers see the old file or the complete new one, never part.
public enum ReportFile {
    /// Writes `text` atomically (see `AtomicFile`): on failure `path` is untouched and
    /// `ReportError.writeFailed` names the step.
    public static func write(_ text: String, to path: String) throws(ReportError) {
        do {
            try AtomicFile.write(Array(text.utf8), to: path)
        } catch {
            throw .writeFailed(path: path, reason: error.reason(writing: path))
        }
    }
}
