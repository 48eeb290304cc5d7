import Foundation
import XCTest
import TestSupport
@testable import FlameCommands

/// The program's outputs on committed text captures, run in-process through the commands and
/// compared with the snapshots in Snapshots/ (`FLAME_BLESS=1 make test` rewrites them). Text
/// inputs only: their names do not depend on this machine's binaries or kernel.
final class SnapshotTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let snapshots = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")

    private var out: URL!
    private var previousDirectory = ""

    override func setUpWithError() throws {
        // Inputs are named relative to the package, so that no machine's path reaches an output.
        previousDirectory = FileManager.default.currentDirectoryPath
        guard FileManager.default.changeCurrentDirectoryPath(Self.root.path) else {
            throw Live.skip("cannot change to the package directory \(Self.root.path)")
        }
        out = FileManager.default.temporaryDirectory.appendingPathComponent("flame-snap-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: out)
        _ = FileManager.default.changeCurrentDirectoryPath(previousDirectory)
    }

    /// Runs `flame ARGS` in-process, as `main` would parse them.
    private func flame(_ args: [String]) throws {
        var command = try Flame.parseAsRoot(Flame.rewriteFilterArguments(args + ["--no-symbol-cache"]))
        try command.run()
    }

    private func check(_ file: String, as name: String, file testFile: StaticString = #filePath, line: UInt = #line) throws {
        let bytes = try XCTUnwrap(FileManager.default.contents(atPath: out.appendingPathComponent(file).path), file: testFile, line: line)
        Snapshot.assertMatches([UInt8](bytes), named: name, in: Self.snapshots, file: testFile, line: line)
    }

    func testOnCPUAndOffCPUGraphs() throws {
        try flame(["oncpu", "testdata/threads.perf.txt", "-o", out.appendingPathComponent("oncpu.svg").path])
        try check("oncpu.svg", as: "threads.oncpu.svg")
        try flame(["offcpu", "testdata/offcpu/sleepy.timehist.txt", "-o", out.appendingPathComponent("offcpu.svg").path])
        try check("offcpu.svg", as: "sleepy.offcpu.svg")
        try flame(["diff", "testdata/golden/threads-ns.collapsed", "testdata/golden/cpuburn.collapsed",
                   "-o", out.appendingPathComponent("diff.svg").path])
        try check("diff.svg", as: "threads-vs-cpuburn.diff.svg")
    }

    func testExports() throws {
        for format in ["speedscope", "chrome", "folded"] {
            let file = "threads.\(format)"
            try flame(["export", "testdata/threads.perf.txt", "--format", format, "-o", out.appendingPathComponent(file).path])
            try check(file, as: file)
        }
    }

    func testReportSummaries() throws {
        // The summaries link PNG previews, which flame report makes with rsvg-convert.
        guard (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
            .contains(where: { FileManager.default.isExecutableFile(atPath: "\($0)/rsvg-convert") }) else {
            throw Live.skip("rsvg-convert is not installed (Debian: librsvg2-bin): the summaries link its PNG previews")
        }
        let one = out.appendingPathComponent("one")
        try flame(["report", "--oncpu", "testdata/threads.perf.txt", "--offcpu", "testdata/offcpu/sleepy.timehist.txt",
                   "-o", one.path])
        try check("one/summary.md", as: "threads-sleepy.summary.md")
        let two = out.appendingPathComponent("two")
        try flame(["report", "--before", "testdata/threads.perf.txt", "--after", "testdata/cpuburn.perf.txt", "-o", two.path])
        try check("two/summary.md", as: "threads-cpuburn.summary.md")
        // The same capture twice (once with nanosecond times): nothing moved, and the report says so.
        let same = out.appendingPathComponent("same")
        try flame(["report", "--before", "testdata/threads-ns.perf.txt", "--after", "testdata/threads.perf.txt", "-o", same.path])
        try check("same/summary.md", as: "threads-unchanged.summary.md")
    }
}
