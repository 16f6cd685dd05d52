import ArgumentParser
import Foundation
import Switchboard

/// A size in bytes on the command line: a number with an optional unit, e.g. `2MB`, `1.5MB`,
/// `500KB`, `2MiB`, `1000000`. Decimal units (kB/KB/K = 1e3, MB/M = 1e6, GB/G = 1e9, the way
/// `Output.bytes` prints sizes) and binary ones (KiB = 1024, MiB = 1024², GiB = 1024³); units
/// are case-insensitive and may follow a space.
struct ByteSize: ExpressibleByArgument, CustomStringConvertible, Equatable {
    /// The size in whole bytes (fractions rounded down), ≥ 1.
    let bytes: Int
    /// As given on the command line.
    let description: String

    /// Unit suffixes (lowercased) and their sizes in bytes.
    static let units: [String: Double] = [
        "": 1, "b": 1, "k": 1e3, "kb": 1e3, "m": 1e6, "mb": 1e6, "g": 1e9, "gb": 1e9,
        "kib": 1024, "mib": 1_048_576, "gib": 1_073_741_824,
    ]

    init?(argument: String) {
        let text = argument.trimmingCharacters(in: .whitespaces)
        let split = text.firstIndex { !($0.isASCII && ($0.isNumber || $0 == ".")) } ?? text.endIndex
        let unit = text[split...].trimmingCharacters(in: .whitespaces).lowercased()
        guard let number = Double(text[..<split]), number.isFinite, let multiplier = Self.units[unit] else { return nil }
        let bytes = (number * multiplier).rounded(.down)
        // Below 2^62: any real budget, and far from Int's limit so sums with it cannot overflow.
        guard bytes >= 1, bytes < 0x1p62 else { return nil }
        self.bytes = Int(bytes)
        self.description = text
    }

    /// The units, for help and error text.
    static let unitList = "B, KB, MB, GB (powers of 1000) or KiB, MiB, GiB (powers of 1024)"

    /// Parses a `--max-size` value, or says which units are valid.
    static func parse(_ argument: String) throws -> ByteSize {
        guard let size = ByteSize(argument: argument) else {
            throw ValidationError("a size is a positive number with a unit: \(unitList); e.g. 2MB, 500KB, 2MiB")
        }
        return size
    }

    init(bytes: Int) {
        self.bytes = bytes
        self.description = "\(bytes)"
    }
}

/// Fitting an int8 model into a size budget, shared by `train --max-size` and `compress --max-size`.
enum CompactBudget {
    /// Metadata bytes assumed before training, when the real metadata is not known yet. A trained
    /// model's metadata is ~250 bytes and calibration adds ~150, so 4 KB leaves a wide margin
    /// while costing nothing but a 4 KB smaller budget for the weights.
    static let metadataAllowance = 4096

    /// The largest bucket bits, at most `maximumBits`, whose int8 model fits in `budget`.
    static func bucketBits(fitting budget: ByteSize, labels: [String], metadataLength: Int,
                           features: FeatureConfiguration, maximumBits: Int) -> Int? {
        ModelFile.largestBucketBits(fitting: budget.bytes, labels: labels, metadataLength: metadataLength,
                                    features: features, encoding: .int8, maximumBits: maximumBits)
    }

    /// The int8 model size with `bits` bucket bits and `features` otherwise unchanged.
    static func int8Bytes(bits: Int, labels: [String], metadataLength: Int, features: FeatureConfiguration) -> Int {
        var f = features
        f.bucketBits = bits
        return ModelFile.encodedByteCount(labels: labels, metadataLength: metadataLength, features: f, encoding: .int8)
    }

    /// What would fit `budget`: `train --bucket-bits N --compact` with its size, or that nothing does.
    static func advice(budget: ByteSize, labels: [String], metadataLength: Int, features: FeatureConfiguration) -> String {
        let smallest = FeatureConfiguration.bucketBitsRange.lowerBound
        guard let bits = bucketBits(fitting: budget, labels: labels, metadataLength: metadataLength,
                                    features: features, maximumBits: features.bucketBits) else {
            let size = int8Bytes(bits: smallest, labels: labels, metadataLength: metadataLength, features: features)
            return "no bucket count fits: even 2^\(smallest) buckets make an int8 model of \(Output.bytes(size))"
        }
        let size = int8Bytes(bits: bits, labels: labels, metadataLength: metadataLength, features: features)
        return "retrain with `switchboard train ... --bucket-bits \(bits) --compact` (or `--max-size \(budget)`), "
            + "whose int8 model is \(Output.bytes(size))"
    }
}

extension SwitchboardCommand.Train {
    /// Whether `train` writes int8 weights (`--compact`, implied by `--max-size`).
    var isCompact: Bool { compact || maxSize != nil }

    /// The bucket bits to train with under `--max-size`, chosen before training from the labels
    /// in the data: the requested bits (explicit `--bucket-bits`, else the default) when that int8
    /// model fits, else the largest smaller number that fits. An explicit `--bucket-bits` that does
    /// not fit is a usage error (exit 64); a budget nothing fits is a failure (exit 1).
    func bucketBits(fitting budget: ByteSize, labels: [String], features: FeatureConfiguration) throws -> Int {
        let allowance = CompactBudget.metadataAllowance
        let fitting = CompactBudget.bucketBits(fitting: budget, labels: labels, metadataLength: allowance,
                                               features: features, maximumBits: features.bucketBits)
        guard let fitting else {
            throw CLIError("--max-size \(budget): " + CompactBudget.advice(budget: budget, labels: labels,
                                                                           metadataLength: allowance, features: features))
        }
        if let explicit = hyperparameters.bucketBits, explicit > fitting {
            let size = CompactBudget.int8Bytes(bits: explicit, labels: labels, metadataLength: allowance, features: features)
            throw ValidationError("--bucket-bits \(explicit) makes an int8 model of about \(Output.bytes(size)), over "
                + "--max-size \(budget); use --bucket-bits \(fitting) or less, or leave --bucket-bits out")
        }
        return fitting
    }

    /// `contents` with int8 weights when compact, checked against `--max-size`.
    func compacted(_ contents: ModelContents) throws -> ModelContents {
        guard isCompact else { return contents }
        let compact = contents.quantizedInt8()
        if let maxSize, compact.modelByteEstimate > maxSize.bytes { // only with metadata over the allowance
            throw CLIError("the int8 model would be \(Output.bytes(compact.modelByteEstimate)), over --max-size "
                + "\(maxSize); nothing written")
        }
        return compact
    }
}
