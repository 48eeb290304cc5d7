import XCTest
import TestSupport

/// End-to-end runs of the built `flame` binary.
final class CLITests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let testdata = root.appendingPathComponent("testdata")

    /// The flame executable next to the test bundle.
    static var binary: URL {
        var dir = Bundle.main.bundleURL
        if dir.pathExtension == "xctest" { dir = dir.deletingLastPathComponent() }
        for candidate in [dir, Bundle(for: CLITests.self).bundleURL.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("flame")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return dir.appendingPathComponent("flame")
    }

    struct Result {
        var status: Int32
        var stdout: Data
        var stderr: String
    }

    @discardableResult
    func flame(_ args: [String], stdin: Data? = nil, cwd: URL? = nil) throws -> Result {
        try CLITests.run(args, stdin: stdin, cwd: cwd)
    }

    /// Runs the flame binary with `args`; stdout and stderr are collected.
    static func run(_ args: [String], stdin: Data? = nil, cwd: URL? = nil, environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = CLITests.binary
        process.arguments = args
        if let cwd { process.currentDirectoryURL = cwd }
        // Keep flame's symbol cache out of the user's home, one per test run.
        var env = ProcessInfo.processInfo.environment
        env["XDG_CACHE_HOME"] = FileManager.default.temporaryDirectory.appendingPathComponent("flame-cli-cache-\(getpid())").path
        env.merge(environment) { _, new in new }
        process.environment = env
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        // Read both pipes while the process runs so neither fills up.
        final class Box: @unchecked Sendable { var data = Data() }
        let outBox = Box()
        let group = DispatchGroup()
        group.enter()
        let reader = out.fileHandleForReading
        DispatchQueue.global().async { outBox.data = reader.readDataToEndOfFile(); group.leave() }
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        let outData = outBox.data
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: outData, stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Runs a bash command line; status and combined output.
    static func shell(_ command: String) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = ["-c", command]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func temporaryDirectory() throws -> URL { try CLITests.makeTemporaryDirectory() }

    static func makeTemporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flame-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A temporary directory with testdata/src's workloads built into `bin/`, once perf has shown
    /// it can record here (scheduler events too, with `scheduler`); else the test is skipped,
    /// saying why.
    static func liveWorkloads(scheduler: Bool) throws -> String {
        let dir = try makeTemporaryDirectory().path
        let probe = scheduler ? "perf sched record -o probe.data -- true" : "perf record -q -o probe.data -- true"
        let (status, log) = try shell("cd '\(dir)' && \(probe) 2>&1")
        guard status == 0 else {
            throw Live.skip("perf cannot record \(scheduler ? "scheduler events " : "")here (not installed, or not root): \(log)")
        }
        let src = root.appendingPathComponent("testdata/src").path
        let (built, buildLog) = try shell("cd '\(dir)' && OUT='\(dir)/bin' sh '\(src)/build.sh' 2>&1")
        guard built == 0 else { throw Live.skip("testdata/src/build.sh failed: \(buildLog)") }
        return dir
    }

    /// `-o /dev/null` writes to the device: a temporary file renamed over it would turn the
    /// device into a regular file for the whole machine.
    func testOutputToADeviceWritesTheDevice() throws {
        let r = try flame(["oncpu", CLITests.testdata.appendingPathComponent("cpuburn.perf.txt").path, "-o", "/dev/null"])
        XCTAssertEqual(r.status, 0, r.stderr)
        var st = stat()
        XCTAssertEqual(stat("/dev/null", &st), 0)
        XCTAssertEqual(st.st_mode & S_IFMT, S_IFCHR, "/dev/null must stay a character device")
    }

    func testFoldFromFileAndStandardInputAgree() throws {
        let compat = CLITests.root.deletingLastPathComponent().appendingPathComponent("shared/compat/flamegraph")
        let input = compat.appendingPathComponent("perf-numa-stacks-01.txt")
        guard FileManager.default.fileExists(atPath: input.path) else { throw Live.skip("\(compat.path) is absent") }
        let fromFile = try flame(["fold", "--tid", input.path])
        XCTAssertEqual(fromFile.status, 0, fromFile.stderr)
        XCTAssertEqual(fromFile.stdout, try Data(contentsOf: compat.appendingPathComponent("results/perf-numa-stacks-01-collapsed-tid.txt")))
        let fromStdin = try flame(["fold", "--tid", "-"], stdin: try Data(contentsOf: input))
        XCTAssertEqual(fromStdin.stdout, fromFile.stdout)
    }

    func testFoldedInputRendersAnSVG() throws {
        let dir = try temporaryDirectory()
        let folded = dir.appendingPathComponent("in.folded")
        try Data("app;main;work 30\napp;main;idle 10\n".utf8).write(to: folded)
        let out = dir.appendingPathComponent("out.svg")
        let r = try flame(["oncpu", folded.path, "-o", out.path, "--title", "T", "--colors", "blue"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let svg = try String(contentsOf: out, encoding: .utf8)
        XCTAssertTrue(svg.hasPrefix("<?xml"))
        XCTAssertTrue(svg.contains("<title>work\n30 samples (75.00%)"))
        XCTAssertTrue(svg.contains(">T</text>"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path + ".tmp"), "no temporary file left")
    }

    func testStandardOutputWhenNotATerminal() throws {
        let r = try flame(["oncpu", "-"], stdin: Data("a;b 1\n".utf8))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(String(decoding: r.stdout, as: UTF8.self).hasSuffix("</svg>\n"))
    }

    func testBadInputIsOneLineWithExitStatusTwo() throws {
        let dir = try temporaryDirectory()
        let garbage = dir.appendingPathComponent("garbage.bin")
        try Data([0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00, 0x0A, 0x00, 0xFF]).write(to: garbage)
        var r = try flame(["oncpu", garbage.path, "-o", dir.appendingPathComponent("x.svg").path])
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertTrue(r.stderr.hasPrefix("flame: \(garbage.path):1: unknown input format"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("x.svg").path))

        r = try flame(["fold", dir.appendingPathComponent("missing.txt").path])
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(r.stderr, "flame: \(dir.appendingPathComponent("missing.txt").path): cannot read: No such file or directory\n")

        let empty = dir.appendingPathComponent("empty.txt")
        try Data().write(to: empty)
        r = try flame(["fold", empty.path])
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(r.stderr, "flame: \(empty.path): empty input: expected perf.data, `perf script` text, folded stacks or off-CPU text\n")
    }

    func testOutputMayNotOverwriteTheInput() throws {
        let dir = try temporaryDirectory()
        let folded = dir.appendingPathComponent("in.folded")
        try Data("a;b 1\n".utf8).write(to: folded)
        let r = try flame(["oncpu", folded.path, "-o", folded.path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("it is the input"), r.stderr)
        XCTAssertEqual(try String(contentsOf: folded, encoding: .utf8), "a;b 1\n")
    }

    func testBadOptionValuesAreRejected() throws {
        let r = try flame(["oncpu", "-", "--colors", "rainbow"], stdin: Data("a 1\n".utf8))
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("--colors takes one of"), r.stderr)
    }
}
