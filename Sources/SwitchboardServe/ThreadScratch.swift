import NIOPosix
import Switchboard

/// One `FeatureScratch` per thread, so that a request allocates no scratch buffers. A handler
/// takes it and uses it without suspending (classifying is synchronous), so no two requests
/// ever share one at the same time; that is what makes the unchecked `Sendable` sound.
final class ThreadScratch: @unchecked Sendable {
    private let scratch = FeatureScratch()
    private static let variable = ThreadSpecificVariable<ThreadScratch>()

    /// The calling thread's scratch.
    static var current: FeatureScratch {
        if let mine = variable.currentValue { return mine.scratch }
        let mine = ThreadScratch()
        variable.currentValue = mine
        return mine.scratch
    }
}
