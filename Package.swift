// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Recurrent",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Recurrent", targets: ["Recurrent"]),
        .executable(name: "recurrent", targets: ["recurrent"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // Hot loops: GEMM micro-kernels and packing, vectorised exp/tanh/sigmoid.
        // One set per ISA, selected at run time; no compiler flags needed.
        .target(name: "CRecurrentKernels"),
        .target(name: "Recurrent", dependencies: ["CRecurrentKernels"]),
        .executableTarget(
            name: "recurrent",
            dependencies: [
                "Recurrent",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(name: "RecurrentBench", dependencies: ["Recurrent", "CRecurrentKernels"]),
        // The README's library quick start, compiled by every build so it cannot rot.
        .executableTarget(name: "ForecastSeries", dependencies: ["Recurrent"], path: "Examples/ForecastSeries"),
        .testTarget(
            name: "RecurrentTests", dependencies: ["Recurrent", "CRecurrentKernels"],
            exclude: ["Fixtures"]),
        // End-to-end tests of the command line: they run the built `recurrent` binary.
        .testTarget(name: "recurrentCLITests", dependencies: ["recurrent", "Recurrent"]),
    ]
)
