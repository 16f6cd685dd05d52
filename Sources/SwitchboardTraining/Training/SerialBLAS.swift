import Foundation

/// One lock around every call into the system BLAS and LAPACK.
///
/// Debian's serial OpenBLAS (`libopenblas0-serial`, the default `libblas.so.3` here) shares its
/// scratch buffers between callers: two threads calling `sgemm` at once got wrong sums.
/// Measured: 5-fold cross-validation of the default CLINC150 model (folds training on two
/// threads) gave accuracy 0.9580 against 0.9592 on one thread until these calls were serialized.
/// Trainings that run concurrently (cross-validation folds, searches) take turns only for the
/// BLAS call itself; the sparse SGD, featurizing and pooling stay parallel.
enum SerialBLAS {
    private static let lock = NSLock()

    /// Runs `body`, which calls BLAS or LAPACK, while no other thread does.
    @inline(__always)
    static func call<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
