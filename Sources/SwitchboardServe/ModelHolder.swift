import Foundation
import Switchboard
import Synchronization

/// One loaded model with what the endpoints show about it.
final class LoadedModel: Sendable {
    let classifier: Classifier
    /// `GET /v1/model`'s body.
    let description: [UInt8]
    /// 1 for the model loaded at start, +1 per successful reload.
    let generation: Int

    init(classifier: Classifier, description: [UInt8], generation: Int) {
        self.classifier = classifier
        self.description = description
        self.generation = generation
    }
}

/// The model being served, swapped atomically on reload. A request takes the current model once
/// and finishes on it, whatever reloads happen meanwhile. Reloads are serialized.
final class ModelHolder: Sendable {
    private let current: Mutex<LoadedModel>
    private let reloading = Mutex(false)
    let path: String
    private let describe: @Sendable (ModelDescriptionInput) -> String

    /// Loads the model at `path`. Throws `ServeError.modelUnusable`.
    init(path: String, describe: @escaping @Sendable (ModelDescriptionInput) -> String) throws(ServeError) {
        self.path = path
        self.describe = describe
        current = Mutex(try Self.load(path, generation: 1, describe: describe))
    }

    /// The model to answer one request with.
    var model: LoadedModel { current.withLock { $0 } }

    /// Loads the file again and swaps it in. On failure the old model stays and the error is
    /// thrown; a reload already running makes this one fail with `ServeError.reloadInProgress`.
    @discardableResult
    func reload() throws(ServeError) -> LoadedModel {
        let busy = reloading.withLock { busy in
            defer { busy = true }
            return busy
        }
        if busy { throw .reloadInProgress }
        defer { reloading.withLock { $0 = false } }
        let fresh = try Self.load(path, generation: model.generation + 1, describe: describe)
        current.withLock { $0 = fresh }
        return fresh
    }

    private static func load(_ path: String, generation: Int,
                             describe: @Sendable (ModelDescriptionInput) -> String) throws(ServeError) -> LoadedModel {
        let classifier: Classifier
        do {
            classifier = try Classifier(contentsOf: path)
        } catch {
            throw .modelUnusable(path: path, reason: "\(error)")
        }
        let text = describe(ModelDescriptionInput(storage: classifier.storage))
        return LoadedModel(classifier: classifier, description: Array(text.utf8), generation: generation)
    }
}
