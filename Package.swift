// swift-tools-version:6.0
import PackageDescription

// Data flows one way (README, "Layout"): inputs (PerfData reader, TextInputs parsers) -> the capture
// model (Capture: one time-ordered walk of a perf.data capture, its shared state and stacks,
// symbolized and unwound with Symbolize) -> the views folded from it or from text (Fold) into the
// profile model (ProfileModel, which depends on nothing) -> render (SVGRender), report (Report) and
// export (Export) -> the commands (FlameCommands, and `flame`, its one-line main). The renderer, the
// reports and the exporters know ProfileModel alone: no reader, libdw or zstd.
// Linux only: perf.data, libdw and the tracepoints it reads are Linux's.
// The parser and folder keep their hot state in one object per input; dynamic exclusivity
// checks on it cost a fifth of the run time (measured with perf), and nothing shares it.
let hotPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"])]

let package = Package(
    name: "flame",
    products: [
        .executable(name: "flame", targets: ["flame"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // The profile and its derived views (stack trie, flame tree, totals, diff, process and
        // off-CPU tables): what the renderer and the exporters know. Depends on nothing.
        .target(name: "ProfileModel", swiftSettings: hotPath),
        // Text inputs (perf script, perf sched, timehist, bcc, bpftrace, folded), parsed as bytes.
        .target(name: "TextInputs", dependencies: ["ProfileModel", "PerfData"], swiftSettings: hotPath),
        // elfutils through pkg-config (Debian: libdw-dev, libelf-dev); no DWARF/ELF code of our own.
        .systemLibrary(name: "CLibDW", pkgConfig: "libdw", providers: [.apt(["libdw-dev", "libelf-dev"])]),
        // Entry points of libstdc++ and the Swift runtime that no importable header declares.
        .target(name: "CDemangle", linkerSettings: [.linkedLibrary("stdc++")]),
        .target(name: "Symbolize", dependencies: ["CLibDW", "CDemangle"]),
        // System libzstd through pkg-config (Debian: libzstd-dev), for `perf record -z` files.
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        // Native perf.data reader; depends on no other flame module.
        .target(name: "PerfData", dependencies: ["CZstd"], swiftSettings: hotPath),
        // The capture model: one time-ordered walk of a perf.data capture for every view, with the
        // machine state, stacks (DWARF unwound), symbols and scheduler events they share.
        .target(name: "Capture", dependencies: ["PerfData", "TextInputs", "Symbolize"], swiftSettings: hotPath),
        // The views (on-CPU profile, off-CPU time) folded from a capture walk or from text.
        .target(name: "Fold", dependencies: ["ProfileModel", "TextInputs", "PerfData", "Symbolize", "Capture"], swiftSettings: hotPath),
        // The viewer's CSS and JavaScript are real files, embedded into the binary at build time.
        .target(
            name: "SVGRender", dependencies: ["ProfileModel"],
            resources: [
                .embedInCode("Viewer/viewer.css"), .embedInCode("Viewer/viewer-core.js"),
                .embedInCode("Viewer/viewer-search.js"), .embedInCode("Viewer/viewer-range.js"), .embedInCode("Viewer/viewer-input.js"),
            ]
        ),
        // Markdown summaries, tables and PNG previews of what SVGRender draws.
        .target(name: "Report", dependencies: ["ProfileModel", "SVGRender"]),
        // System zlib through pkg-config (Debian: zlib1g-dev), to gzip pprof files.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // speedscope, pprof and Chrome trace files from a folded profile. A module of its own so that
        // swift-protobuf (and the generated pprof types, see pprof/README.md) stays away from the
        // readers and the renderer: only this module and the command line link it.
        .target(
            name: "Export",
            dependencies: ["ProfileModel", "CZlib", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            exclude: ["pprof/profile.proto", "pprof/README.md"]
        ),
        // Makes captures: `flame record` runs perf itself (preflight checks, the command line, the
        // child process and its signals). Apart from the readers so that they never run programs.
        .target(name: "Record", dependencies: ["PerfData"]),
        // The commands: argument parsing, and the workflows (record, report) that call the modules
        // above. `flame` is its one-line main, so that the commands are tested in-process.
        .target(
            name: "FlameCommands",
            dependencies: [
                "ProfileModel", "PerfData", "TextInputs", "Symbolize", "Capture", "Fold", "SVGRender", "Report", "Record", "Export",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "flame", dependencies: ["FlameCommands"]),
        // What the tests share: seeded random numbers, and skips that FLAME_REQUIRE_LIVE=1 makes failures.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "ProfileModelTests", dependencies: ["TestSupport", "ProfileModel"]),
        .testTarget(name: "TextInputsTests", dependencies: ["TestSupport", "TextInputs", "PerfData"]),
        .testTarget(name: "SymbolizeTests", dependencies: ["TestSupport", "Symbolize"], exclude: ["Fixtures"]),
        .testTarget(name: "CaptureTests", dependencies: ["TestSupport", "Capture", "PerfData", "Symbolize"]),
        .testTarget(name: "FoldTests", dependencies: ["TestSupport", "ProfileModel", "Fold", "TextInputs"]),
        .testTarget(name: "SVGRenderTests", dependencies: ["TestSupport", "SVGRender", "Report", "ProfileModel", "Fold"]),
        .testTarget(name: "ReportTests", dependencies: ["TestSupport", "Report", "SVGRender", "ProfileModel", "Fold"]),
        .testTarget(name: "ExportTests", dependencies: ["TestSupport", "Export", "ProfileModel", "Fold", "TextInputs", "Symbolize"], exclude: ["Fixtures"]),
        .testTarget(name: "FlameCommandsTests", dependencies: ["TestSupport", "FlameCommands"], exclude: ["Snapshots"]),
        .testTarget(name: "FlameCLITests", dependencies: ["TestSupport", "flame"], exclude: ["browser"]),
        .testTarget(name: "PerfDataTests", dependencies: ["TestSupport", "PerfData"]),
        .testTarget(name: "RecordTests", dependencies: ["TestSupport", "Record", "PerfData"]),
        // Fuzz targets (issue 9; scripts/fuzz.sh builds and runs them, `make fuzz`). The bodies live in
        // one library so that FuzzReplayTests run the corpora and regressions through them; each
        // executable is one line. Built with -D FUZZING they call libFuzzer's driver (CLibFuzzer);
        // ordinary builds make them replay tools over files, and keep them compiling.
        .systemLibrary(name: "CLibFuzzer", path: "Fuzz/CLibFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer"], path: "Fuzz/Support"),
        .target(name: "FuzzBodies", dependencies: ["FuzzSupport", "ProfileModel", "PerfData", "TextInputs", "Symbolize", "Fold", "SVGRender"],
                path: "Fuzz/Bodies"),
        .testTarget(name: "FuzzReplayTests", dependencies: ["TestSupport", "FuzzBodies", "FuzzSupport"]),
        .executableTarget(name: "FuzzPerfData", dependencies: ["FuzzBodies", "FuzzSupport"], path: "Fuzz/PerfData"),
        .executableTarget(name: "FuzzPerfDataFold", dependencies: ["FuzzBodies", "FuzzSupport"], path: "Fuzz/PerfDataFold"),
        .executableTarget(name: "FuzzPerfScript", dependencies: ["FuzzBodies", "FuzzSupport"], path: "Fuzz/PerfScript"),
        .executableTarget(name: "FuzzTimehist", dependencies: ["FuzzBodies", "FuzzSupport"], path: "Fuzz/Timehist"),
        .executableTarget(name: "FuzzBccOffCPU", dependencies: ["FuzzBodies", "FuzzSupport"], path: "Fuzz/BccOffCPU"),
        .executableTarget(name: "FuzzBpftrace", dependencies: ["FuzzBodies", "FuzzSupport"], path: "Fuzz/Bpftrace"),
        .executableTarget(name: "FuzzBpftraceJSON", dependencies: ["FuzzBodies", "FuzzSupport"], path: "Fuzz/BpftraceJSON"),
        .executableTarget(name: "FuzzFolded", dependencies: ["FuzzBodies", "FuzzSupport"], path: "Fuzz/Folded"),
        .executableTarget(name: "FuzzDemangle", dependencies: ["FuzzBodies", "FuzzSupport"], path: "Fuzz/Demangle"),
        .executableTarget(name: "FuzzRender", dependencies: ["FuzzBodies", "FuzzSupport"], path: "Fuzz/Render"),
    ]
)
