// swift-tools-version: 6.1
// libFuzzer targets for every reader of untrusted bytes. Not part of the
// main package's build or tests: scripts/fuzz.sh builds them with
// `swift build --sanitize=fuzzer --sanitize=address` (no flags here) and runs
// each over its seed corpus in Corpus/. Each target is one function,
// `@_cdecl("LLVMFuzzerTestOneInput")`; with the fuzzer sanitizer SwiftPM
// parses executables as libraries and libFuzzer supplies `main`.
import PackageDescription

let readers = [
    "FuzzSafetensors", "FuzzCheckpoint", "FuzzCheckpointLoop", "FuzzNumpy", "FuzzCSV", "FuzzTSV", "FuzzText",
    "FuzzModelFile",
]

let package = Package(
    name: "RecurrentFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "Recurrent", path: "..")],
    targets: [
        .target(name: "FuzzSupport"),
    ]
        + readers.map { name in
            .executableTarget(
                name: name,
                dependencies: ["FuzzSupport", .product(name: "Recurrent", package: "Recurrent")])
        }
)
