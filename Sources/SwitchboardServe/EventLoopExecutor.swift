import NIOCore
import NIOPosix
import Synchronization

extension SwitchboardServer {
    private static let onEventLoops = Atomic<Bool>(false)

    /// Makes Swift concurrency in this process run on `threads` NIO event loops, which the server
    /// then serves on too: a request's handler runs where its connection's I/O happens, without
    /// hopping to the default executor's threads and back. Call it once, first thing in the
    /// process, before any task starts; false when it is too late (the server then uses a group
    /// of its own, as without this call).
    public static func runConcurrencyOnEventLoops(threads: Int) -> Bool {
        NIOSingletons.groupLoopCountSuggestion = threads
        let installed = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        if installed { onEventLoops.store(true, ordering: .relaxed) }
        return installed
    }

    /// The event loops to serve on, and whether this server owns them (and must shut them down).
    static func eventLoops(threads: Int) -> (group: MultiThreadedEventLoopGroup, owned: Bool) {
        if onEventLoops.load(ordering: .relaxed) { return (.singleton, false) }
        return (MultiThreadedEventLoopGroup(numberOfThreads: threads), true)
    }
}
