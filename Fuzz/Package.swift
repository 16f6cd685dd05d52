// swift-tools-version:6.0
// libFuzzer targets for Switchboard's parsers, kept out of the main package so that normal
// builds and tests never see `-sanitize=fuzzer`. Build and run with `make fuzz` at the root
// (see README.md here): each target is an executable whose `LLVMFuzzerTestOneInput` libFuzzer calls.
import Foundation
import PackageDescription

/// A path dependency's identity is its directory's name (`main` in a checkout called main), so
/// read it rather than hard-coding it: the package builds from any clone directory.
let root = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().lastPathComponent.lowercased()

let package = Package(
    name: "SwitchboardFuzz",
    dependencies: [.package(path: "..")],
    targets: [
        // CSVParser: any bytes, whole and in chunks (the two must agree), then the dataset rules.
        .executableTarget(name: "FuzzCSV", dependencies: [.product(name: "SwitchboardData", package: root)]),
        // ModelFile.decode: any bytes, and the same bytes with a valid checksum (to reach the header checks).
        .executableTarget(name: "FuzzModel", dependencies: [.product(name: "Switchboard", package: root)]),
        // FeatureExtractor and prediction: any UTF-8 (or not) text under any feature configuration.
        .executableTarget(name: "FuzzFeatures", dependencies: [.product(name: "Switchboard", package: root)]),
        // BPETokenizer and TokenPooler: any text, against a plain quadratic reference BPE.
        .executableTarget(name: "FuzzTokenizer", dependencies: [.product(name: "Switchboard", package: root)]),
    ]
)
