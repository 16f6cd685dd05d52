// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Switchboard",
    products: [
        // The on-device runtime: features, model file, predictions. Pure Swift.
        .library(name: "Switchboard", targets: ["Switchboard"]),
        // Datasets, the BLAS-backed trainer, evaluation.
        .library(name: "SwitchboardTraining", targets: ["SwitchboardTraining"]),
        // The HTML evaluation report.
        .library(name: "SwitchboardReport", targets: ["SwitchboardReport"]),
        .executable(name: "switchboard", targets: ["switchboard"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", providers: [.apt(["libblas-dev"])]),
        .systemLibrary(name: "CLAPACKE", path: "Sources/CLAPACKE", providers: [.apt(["liblapacke-dev"])]),
        .target(name: "Switchboard"),
        .target(name: "SwitchboardTraining", dependencies: ["Switchboard", "CBLAS", "CLAPACKE"]),
        .target(name: "SwitchboardReport", dependencies: ["Switchboard", "SwitchboardTraining"]),
        .executableTarget(name: "switchboard", dependencies: [
            "Switchboard", "SwitchboardTraining", "SwitchboardReport",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "SwitchboardTests", dependencies: ["Switchboard"]),
        .testTarget(name: "SwitchboardTrainingTests", dependencies: ["Switchboard", "SwitchboardTraining"]),
        .testTarget(name: "SwitchboardReportTests",
                    dependencies: ["Switchboard", "SwitchboardTraining", "SwitchboardReport"]),
        .testTarget(name: "CLITests", dependencies: ["Switchboard"]),
    ]
)
