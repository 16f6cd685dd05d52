import Switchboard

/// Writing a model file from the command line so that an interruption leaves nothing behind:
/// `ModelFile.write` is atomic, and `InterruptCleanup` removes its temporary file when SIGINT
/// or SIGTERM ends the process mid-write.
enum ModelOutput {
    /// Writes `contents` to `path` atomically. Throws `ModelFileError`.
    static func write(_ contents: ModelContents, to path: String) throws {
        try InterruptCleanup.during { try ModelFile.write(contents, to: path) }
    }

    /// Loads the model at `path`, warning on stderr when its calibration is stale (kept from
    /// the parent of a warm start): its threshold and confidences no longer fit the weights.
    static func classifier(at path: String) throws -> Classifier {
        let classifier = try Classifier(contentsOf: path)
        if classifier.calibration.stale {
            Output.standardError("switchboard: warning: the calibration of \(path) is stale (the model was trained further "
                + "after it was fitted): confidences and abstentions may be off until `switchboard calibrate` is run again")
        }
        return classifier
    }
}
