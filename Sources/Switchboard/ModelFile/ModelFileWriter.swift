import SwitchboardSupport

extension ModelFile {
    /// Writes `contents` to `path` atomically (see `AtomicFile`).
    ///
    /// The bytes go to a new temporary file in the same directory (`.NAME.tmp-PID-RANDOM`),
    /// which is flushed with `fsync` and then renamed over `path`. Readers therefore see either
    /// the old file or the complete new one, never a partial file, and a model that is already
    /// memory-mapped keeps its old contents. The temporary file is removed on any failure.
    /// A symbolic link is followed (its target is replaced); a device or named pipe is written
    /// in place. Throws `ModelFileError.inconsistent` for invalid contents and `.writeFailed`
    /// otherwise.
    public static func write(_ contents: ModelContents, to path: String) throws(ModelFileError) {
        let bytes: [UInt8]
        do {
            bytes = try encode(contents)
        } catch {
            if case .inconsistent(_, let reason) = error { throw .inconsistent(path: path, reason: reason) }
            throw error
        }
        try writeAtomically(bytes, to: path)
    }

    /// Writes `bytes` through `AtomicFile`, mapping its error to `.writeFailed`.
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws(ModelFileError) {
        do {
            try AtomicFile.write(bytes, to: path)
        } catch {
            throw .writeFailed(path: path, reason: error.reason(writing: path))
        }
    }
}
