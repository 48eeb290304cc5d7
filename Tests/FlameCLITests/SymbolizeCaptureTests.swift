import XCTest
import TestSupport

/// Real captures of stripped binaries, recorded during the test run: flame must name their
/// `[unknown]` frames exactly as perf names the same samples when it can see the symbols.
///
/// Oracle: one `perf record --no-buildid-cache` of `NAME.stripped`, printed twice by perf:
/// with an empty build-id cache (frames stay `[unknown]`), and with the unstripped twin (same
/// build-id) added to a private build-id cache (perf resolves them). Folding the first with
/// `--binary NAME` must give exactly the folding of the second.
final class SymbolizeCaptureTests: XCTestCase {
    static let fixtures = CLITests.root.appendingPathComponent("Tests/SymbolizeTests/Fixtures")

    func shell(_ command: String) throws -> (Int32, String) { try CLITests.shell(command) }

    func testStrippedCapturesFoldLikePerfWithSymbols() throws {
        let dir = try CLITests.makeTemporaryDirectory().path
        let (built, log) = try shell("bash '\(Self.fixtures.path)/build.sh' '\(dir)/bin' 2>&1")
        guard built == 0 else { throw Live.skip("Fixtures/build.sh failed (compilers missing?):\n\(log)") }
        let (probe, probeLog) = try shell("perf record -q -o '\(dir)/probe.data' -- true 2>&1")
        guard probe == 0 else { throw Live.skip("perf cannot record here (not installed, or not root): \(probeLog)") }

        // Rust and Swift are built only where their compilers are (build.sh says "skip: ...").
        let optional = ["rust-legacy", "rust-v0", "swift"].filter {
            FileManager.default.fileExists(atPath: "\(dir)/bin/\($0).stripped")
        }
        XCTAssertTrue(log.contains("skip:") || optional.count == 3, log)
        for name in ["c-pie", "c-nopie", "cpp-pie"] + optional {
            let bin = "\(dir)/bin/\(name)"
            // perf demangles C++ and both Rust manglings but leaves Swift names mangled.
            let demangle = name == "swift" ? ["--no-demangle"] : []
            let script = """
            set -e
            cd '\(dir)'
            mkdir -p empty-\(name) cache-\(name)
            perf record -q --no-buildid-cache -F 999 -g -o \(name).data -- '\(bin).stripped' 0.3 >/dev/null
            perf --buildid-dir "$PWD/empty-\(name)" script -i \(name).data > \(name).stripped.txt
            perf --buildid-dir "$PWD/cache-\(name)" buildid-cache --add '\(bin)'
            perf --buildid-dir "$PWD/cache-\(name)" script -i \(name).data > \(name).reference.txt
            """
            let (status, output) = try shell(script + " 2>&1")
            XCTAssertEqual(status, 0, output)
            let stripped = try String(contentsOfFile: "\(dir)/\(name).stripped.txt", encoding: .utf8)
            XCTAssertTrue(stripped.contains("[unknown] (\(bin).stripped)"), "\(name): perf must not have resolved the stripped binary")

            let empty = "\(dir)/empty-\(name)"
            let reference = try flame(["fold", "\(dir)/\(name).reference.txt", "--buildid-dir", empty] + demangle)
            let symbolized = try flame(["fold", "\(dir)/\(name).stripped.txt", "--binary", bin, "--buildid-dir", empty] + demangle)
            XCTAssertEqual(reference.status, 0, reference.stderr)
            XCTAssertEqual(symbolized.status, 0, symbolized.stderr)
            XCTAssertFalse(reference.stdout.isEmpty)
            XCTAssertEqual(String(decoding: symbolized.stdout, as: UTF8.self), String(decoding: reference.stdout, as: UTF8.self), name)
            XCTAssertEqual(symbolized.stderr, "", name)

            // Without a symbol source the frames stay as perf left them.
            let bare = try flame(["fold", "\(dir)/\(name).stripped.txt", "--buildid-dir", empty])
            XCTAssertTrue(String(decoding: bare.stdout, as: UTF8.self).contains("[\(name).stripped]"), name)
        }

        if optional.contains("swift") {
            // Demangled (the default), Swift names perf printed and names flame found agree too.
            let empty = "\(dir)/empty-swift"
            let demangled = try flame(["fold", "\(dir)/swift.stripped.txt", "--binary", "\(dir)/bin/swift", "--buildid-dir", empty])
            let reference = try flame(["fold", "\(dir)/swift.reference.txt", "--buildid-dir", empty])
            let text = String(decoding: demangled.stdout, as: UTF8.self)
            XCTAssertEqual(text, String(decoding: reference.stdout, as: UTF8.self))
            XCTAssertTrue(text.contains(";main;swprog.drive;swprog.Worker.spin "), text)
        }

        // --inline adds the always-inline helpers of leaf as _[i] frames; --srcline adds lines.
        let inline = try flame(["fold", "\(dir)/c-pie.stripped.txt", "--binary", "\(dir)/bin/c-pie",
                                "--buildid-dir", "\(dir)/empty-c-pie", "--inline", "--srcline"])
        let text = String(decoding: inline.stdout, as: UTF8.self)
        XCTAssertTrue(text.contains(";leaf:prog.c:"), text)
        XCTAssertTrue(text.contains("middle:prog.c:") && text.contains("_[i]"), text)
    }

    private func flame(_ args: [String]) throws -> CLITests.Result {
        try CLITests.run(args)
    }
}
