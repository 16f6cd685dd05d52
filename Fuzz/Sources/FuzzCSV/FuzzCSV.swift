import Foundation
import SwitchboardData

/// One record copied out of the parser callback.
struct Record: Equatable {
    var line: Int
    var fields: [String]
}

/// Parses `bytes` fed in chunks of `chunk` bytes (all at once when `chunk` is 0). Returns the
/// records, or the error's description.
func parse(_ bytes: UnsafeRawBufferPointer, chunk: Int, limits: (bytes: Int, fields: Int)) -> Result<[Record], CSVError> {
    var parser = CSVParser(file: "fuzz.csv", maxFieldBytes: limits.bytes, maxFields: limits.fields)
    var records: [Record] = []
    let collect = { (record: CSVRecord) in records.append(Record(line: record.line, fields: record.strings)) }
    do {
        let size = chunk == 0 ? max(bytes.count, 1) : chunk
        var start = 0
        while start < bytes.count {
            try parser.parse(UnsafeRawBufferPointer(rebasing: bytes[start ..< min(start + size, bytes.count)]), collect)
            start += size
        }
        try parser.finish(collect)
        return .success(records)
    } catch let error as CSVError {
        return .failure(error)
    } catch {
        fatalError("CSVParser threw a non-CSVError: \(error)")
    }
}

/// Traps with `message` unless `condition` holds (`precondition` drops its message in release builds).
func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}

/// Where each input is written for the dataset loader, which reads files (one per process).
let datasetPath = NSTemporaryDirectory() + "/switchboard-fuzz-\(getpid()).csv"

/// libFuzzer entry point. Properties checked (a violation traps, which libFuzzer reports):
/// - parsing never crashes, and every error is a `CSVError` with a line ≥ 1;
/// - feeding the bytes in chunks of 1, 2, 3 or 7 bytes gives exactly the records, or exactly
///   the error, of one whole parse;
/// - every record has 1 ... maxFields fields, each at most maxFieldBytes bytes, valid UTF-8
///   (a Swift String round-trips its bytes);
/// - record lines increase.
/// Small limits (the first byte picks them) make the limit paths reachable with small inputs.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 0 else { return 0 }
    let control = data[0]
    let bytes = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    let limits = control & 0x80 != 0 ? (bytes: Int(control & 0x0F) + 1, fields: Int((control >> 4) & 0x07) + 1)
                                      : (bytes: 16 << 20, fields: 100_000)
    let whole = parse(bytes, chunk: 0, limits: limits)
    switch whole {
    case .failure(let error):
        check(error.line >= 1, "error at line \(error.line): \(error)")
    case .success(let records):
        var previous = 0
        for record in records {
            check(record.line > previous, "lines do not increase: \(record.line) after \(previous)")
            previous = record.line
            check((1 ... limits.fields).contains(record.fields.count), "\(record.fields.count) fields")
            for field in record.fields { check(field.utf8.count <= limits.bytes, "field of \(field.utf8.count) bytes") }
        }
    }
    let chunk = [1, 2, 3, 7][Int(control & 0x03)]
    let chunked = parse(bytes, chunk: chunk, limits: limits)
    check(chunked == whole, "chunks of \(chunk) give \(chunked), whole input \(whole)")
    // The dataset rules on top (header, columns, empty fields, ragged rows): must not crash.
    if case .success = whole, size < 1 << 16 {
        FileManager.default.createFile(atPath: datasetPath, contents: Data(bytes))
        _ = try? LabeledDataset.load(path: datasetPath)
    }
    return 0
}
