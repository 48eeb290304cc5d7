import Foundation
import XCTest
@testable import FuzzBodies
import FuzzSupport

/// Runs every seed (Fuzz/corpus) and every input a fuzzer found a problem with (Fuzz/regressions)
/// through the fuzz targets' bodies, in this debug build (overflow and bounds traps on), so that
/// a regression shows up in `make test` and not only when someone fuzzes. A body returns for
/// every input; a crash, a broken rule (FuzzCheck) or a slow input is a failure.
final class FuzzReplayTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static var targets: [(String, FuzzBody)] { [
        ("PerfData", fuzzPerfData), ("PerfDataFold", fuzzPerfDataFold), ("PerfScript", fuzzPerfScript), ("Timehist", fuzzTimehist),
        ("BccOffCPU", fuzzBccOffCPU), ("Bpftrace", fuzzBpftrace), ("BpftraceJSON", fuzzBpftraceJSON),
        ("Folded", fuzzFolded), ("Demangle", fuzzDemangle), ("Render", fuzzRender),
    ] }

    func testSeedsAndRegressionsRunThroughEveryTarget() throws {
        var ran = 0
        for (name, body) in Self.targets {
            // The perf.data folding target starts from the reader's seeds (scripts/fuzz.sh does the same).
            let seeds = name == "PerfDataFold" ? "PerfData" : name
            let dirs = ["corpus/\(seeds)", "regressions/\(name)"].map { Self.root.appendingPathComponent("Fuzz/\($0)").path }
            let files = dirs.filter { FileManager.default.fileExists(atPath: $0) }.flatMap(FuzzMain.files(in:))
            XCTAssertFalse(files.isEmpty, "no seeds for \(name)")
            for file in files {
                let bytes = try XCTUnwrap(FuzzMain.readAll(file), file)
                let start = Date()
                bytes.withUnsafeBytes(body)
                // The fuzzers' limit is 1 s in an optimized build; a debug build is slower.
                XCTAssertLessThan(Date().timeIntervalSince(start), 10, "\(name): \(file) is slow")
                ran += 1
            }
        }
        XCTAssertGreaterThan(ran, 60)
    }

    /// The render target's oracle finds what it is there to find.
    func testSVGCheckCatchesInjectedMarkup() {
        let head = "<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"init(evt)\"><script>s</script>"
        func problem(_ body: String) -> String? { SVGCheck.problem(Array((head + body + "</svg>").utf8)) }
        XCTAssertNil(problem("<g class=\"f\"><title>a &lt;b&gt;</title><rect x=\"1\"/></g>"))
        XCTAssertNotNil(problem("<img src=\"x\"/>"), "an element of a name")
        XCTAssertNotNil(problem("<g onmouseover=\"alert(1)\"/>"), "an event handler")
        XCTAssertNotNil(problem("<script>alert(1)</script>"), "a second script")
        XCTAssertNotNil(problem("<text>a\u{202E}b</text>"), "a bidi override")
        XCTAssertNotNil(problem("<text>a\u{1B}b</text>"), "a control character")
        XCTAssertNotNil(problem("<title>a<b</title>"), "not well-formed")
        XCTAssertNotNil(SVGCheck.problem([0x3C, 0xFF]), "not UTF-8")
    }
}
