import Switchboard

/// Writing a model file from the command line so that an interruption leaves nothing behind:
/// `ModelFile.write` is atomic, and `InterruptCleanup` removes its temporary file when SIGINT
/// or SIGTERM ends the process mid-write.
enum ModelOutput {
    /// Writes `contents` to `path` atomically. Throws `ModelFileError`.
    static func write(_ contents: ModelContents, to path: String) throws {
        try InterruptCleanup.during { try ModelFile.write(contents, to: path) }
    }
}
