// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Recurrent",
    // The first releases with the Synchronization module (Mutex, Atomic), which
    // the thread pool and the weight caches use. Linux (x86-64 and arm64, Glibc
    // or Musl) needs no declaration.
    platforms: [.macOS(.v15), .iOS(.v18), .tvOS(.v18), .watchOS(.v11), .visionOS(.v2)],
    products: [
        .library(name: "Recurrent", targets: ["Recurrent"]),
        .library(name: "RecurrentCore", targets: ["RecurrentCore"]),
        .library(name: "RecurrentData", targets: ["RecurrentData"]),
        .library(name: "RecurrentReports", targets: ["RecurrentReports"]),
        .executable(name: "recurrent", targets: ["recurrent"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // `swift package generate-documentation --target Recurrent` (DocC).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // Hot loops: GEMM micro-kernels and packing, vectorised exp/tanh/sigmoid.
        // One set per ISA, selected at run time; no compiler flags needed.
        .target(name: "CRecurrentKernels"),
        // Tensors, kernels, layers, cells, training and the model file: all a
        // Swift app needs to build, train and run recurrent models.
        .target(name: "RecurrentCore", dependencies: ["CRecurrentKernels"]),
        // Data sets (CSV tables, series windows, labelled sequences, text
        // corpora) and the task model files that record how they were made.
        .target(name: "RecurrentData", dependencies: ["RecurrentCore"]),
        // SVG line plots, bar charts and heat maps for training reports;
        // TensorBoard event files.
        .target(name: "RecurrentReports", dependencies: ["RecurrentCore"]),
        // The umbrella: `import Recurrent` brings all three.
        .target(name: "Recurrent", dependencies: ["RecurrentCore", "RecurrentData", "RecurrentReports"]),
        .executableTarget(
            name: "recurrent",
            dependencies: [
                "Recurrent", "CRecurrentKernels",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(name: "RecurrentBench", dependencies: ["Recurrent", "CRecurrentKernels"]),
        // The README's library quick start, compiled by every build so it cannot rot.
        .executableTarget(name: "ForecastSeries", dependencies: ["Recurrent"], path: "Examples/ForecastSeries"),
        // Every Swift snippet of the README and the DocC articles, word for
        // word: compiled by every build, run by the CLI tests.
        .executableTarget(
            name: "DocumentationSnippets", dependencies: ["Recurrent"], path: "Examples/DocumentationSnippets"),
        // What both test targets share: the one approximate equality and the
        // fixture folder. Not a product; only the test targets depend on it.
        .target(name: "RecurrentTestSupport", dependencies: ["RecurrentCore"], path: "Tests/RecurrentTestSupport"),
        .testTarget(
            name: "RecurrentTests", dependencies: ["Recurrent", "CRecurrentKernels", "RecurrentTestSupport"],
            exclude: ["Fixtures"]),
        // End-to-end tests of the command line: they run the built `recurrent` binary.
        .testTarget(
            name: "recurrentCLITests",
            dependencies: ["recurrent", "DocumentationSnippets", "Recurrent", "RecurrentTestSupport"]),
    ]
)
