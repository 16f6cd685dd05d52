import SwitchboardSupport
import SwitchboardData
import ArgumentParser
import Foundation
import Switchboard
import SwitchboardTraining

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failure of the command itself (reading stdin, writing output, a bad input file), reported
/// with exit status 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Exit statuses of `switchboard`, and how errors map to them.
///
/// - 0: success (also `--help` and `--version`).
/// - 1: failure: bad data (`CSVError`), unreadable or corrupt model (`ModelFileError`), training
///   impossible (`TrainingError`), I/O (`CLIError`, Foundation errors).
/// - 64 (`EX_USAGE`): invalid command line, including every `validate()` error.
enum ExitStatus {
    static let success: Int32 = 0
    static let failure: Int32 = 1
    static let usage: Int32 = ExitCode.validationFailure.rawValue

    /// The exit status for `error`.
    static func code(for error: Error) -> Int32 {
        if isOperational(error) { return failure }
        if let code = error as? ExitCode { return code.rawValue }
        return SwitchboardCommand.exitCode(for: error).rawValue
    }

    /// Errors raised while doing the work (not while parsing the command line).
    static func isOperational(_ error: Error) -> Bool {
        error is CSVError || error is ModelFileError || error is TrainingError || error is CLIError
            || error is CocoaError || error is POSIXError || error is EmbeddingError || error is IOError
    }

    /// The one-line description of `error` printed after `switchboard: error: `.
    static func message(for error: Error) -> String {
        let text: String
        switch error {
        case let e as CSVError: text = e.description
        case let e as ModelFileError: text = e.description
        case let e as TrainingError: text = e.description
        case let e as CLIError: text = e.description
        case let e as EmbeddingError: text = e.description
        case let e as IOError: text = e.description
        case let e as CocoaError: text = e.localizedDescription
        case let e as POSIXError: text = e.localizedDescription
        default: text = SwitchboardCommand.message(for: error)
        }
        return oneLine(text)
    }

    /// Reports `error` and ends the process with its status. Help and version requests are
    /// printed by ArgumentParser as usual (exit 0).
    static func exit(with error: Error) -> Never {
        let code = code(for: error)
        if let exitCode = error as? ExitCode { Foundation.exit(exitCode.rawValue) }
        if code == success && !isOperational(error) { SwitchboardCommand.exit(withError: error) }
        Output.standardError("switchboard: error: \(message(for: error))")
        Foundation.exit(code)
    }

    /// `text` with its lines joined, so an error is always exactly one line.
    private static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
            .joined(separator: " ")
    }
}
