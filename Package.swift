// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Switchboard",
    products: [
        // The on-device runtime: features, model file, predictions. Pure Swift.
        .library(name: "Switchboard", targets: ["Switchboard"]),
        // Labeled data: one CSV grammar, JSON Lines, column resolution, input errors.
        .library(name: "SwitchboardData", targets: ["SwitchboardData"]),
        // The BLAS-backed trainer, evaluation, calibration, embedding import.
        .library(name: "SwitchboardTraining", targets: ["SwitchboardTraining"]),
        // The streaming batch labeler (CSV, JSON Lines, text) that `switchboard label` runs.
        .library(name: "SwitchboardLabeling", targets: ["SwitchboardLabeling"]),
        // The HTTP service around the runtime (Hummingbird); the runtime and trainer never link it.
        .library(name: "SwitchboardServe", targets: ["SwitchboardServe"]),
        // The HTML evaluation report.
        .library(name: "SwitchboardReport", targets: ["SwitchboardReport"]),
        .executable(name: "switchboard", targets: ["SwitchboardCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", providers: [.apt(["libblas-dev"])]),
        .systemLibrary(name: "CLAPACKE", path: "Sources/CLAPACKE", providers: [.apt(["liblapacke-dev"])]),
        // Shared internals (package access only): threads, system calls, atomic files, RNG.
        .target(name: "SwitchboardSupport"),
        .target(name: "Switchboard", dependencies: ["SwitchboardSupport"]),
        .target(name: "SwitchboardData", dependencies: ["SwitchboardSupport"]),
        .target(name: "SwitchboardTraining",
                dependencies: ["Switchboard", "SwitchboardData", "SwitchboardSupport", "CBLAS", "CLAPACKE"]),
        .target(name: "SwitchboardLabeling", dependencies: ["Switchboard", "SwitchboardData", "SwitchboardSupport"]),
        // Latency benchmark, allocation counter, clock: what `switchboard bench` measures with.
        .target(name: "SwitchboardBench", dependencies: ["Switchboard", "SwitchboardData", "SwitchboardSupport"]),
        .target(name: "SwitchboardReport", dependencies: ["Switchboard", "SwitchboardData", "SwitchboardTraining", "SwitchboardSupport"]),
        .target(name: "SwitchboardServe", dependencies: [
            "Switchboard", "SwitchboardSupport",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
        ]),
        .executableTarget(name: "SwitchboardCLI", dependencies: [
            "Switchboard", "SwitchboardSupport", "SwitchboardData", "SwitchboardTraining", "SwitchboardLabeling",
            "SwitchboardBench", "SwitchboardServe", "SwitchboardReport",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "SwitchboardTests", dependencies: ["Switchboard", "SwitchboardSupport"]),
        .testTarget(name: "SwitchboardTrainingTests", dependencies: [
            "Switchboard", "SwitchboardSupport", "SwitchboardData", "SwitchboardTraining", "SwitchboardLabeling",
            "SwitchboardBench",
        ]),
        .testTarget(name: "SwitchboardReportTests",
                    dependencies: ["Switchboard", "SwitchboardTraining", "SwitchboardReport"]),
        .testTarget(name: "CLITests", dependencies: ["Switchboard"]),
        // Starts the built `switchboard serve` and talks HTTP to it over loopback.
        .testTarget(name: "ServeTests"),
        .testTarget(name: "SwitchboardServeTests", dependencies: ["SwitchboardServe", "SwitchboardSupport"]),
    ]
)
