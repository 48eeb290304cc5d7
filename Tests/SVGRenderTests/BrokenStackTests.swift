import XCTest
import ProfileModel
import Fold
@testable import SVGRender
@testable import Report

/// What keeps broken stacks readable: runs of identical frames drawn as one frame with a count,
/// thin towers cut at a placeholder, subtitles wrapped, and the words of a command line.
final class BrokenStackTests: XCTestCase {
    func doc(_ p: Profile, _ configure: (inout FlameGraphOptions) -> Void = { _ in }) throws -> (SVGDocument, PruneSummary) {
        var options = FlameGraphOptions()
        configure(&options)
        let (svg, pruned) = FlameGraphRenderer(options: options).render(FlameTree(p, collapseRuns: options.collapseRuns))
        return (try SVGDocument(svg), pruned)
    }

    func names(_ d: SVGDocument) -> [String] { d.frames.map { String($0.title.prefix { $0 != "\n" }) } }

    func testRunsOfIdenticalFramesAreOneFrameWithTheirCount() throws {
        let unknowns = { (n: Int) in Array(repeating: "[unknown]", count: n).joined(separator: ";") }
        let p = profile([("app;" + unknowns(120) + ";poll", 40), ("app;" + unknowns(3) + ";poll", 20),
                         ("app;fib;fib;fib", 30), ("app;fib;fib;fib;fib;fib", 10)])
        let (d, _) = try doc(p)
        XCTAssertEqual(names(d), ["all", "app", "[unknown] ×3–120", "poll", "fib ×3–5"])
        XCTAssertEqual(d.frames.map(\.total), [100, 100, 60, 60, 40], "merged runs keep every sample")
        XCTAssertEqual(d.frames.map(\.depth), [0, 1, 2, 3, 2])
        // As one frame in a stack, the count is exact.
        let (single, _) = try doc(profile([("app;" + unknowns(120) + ";poll", 5)]))
        XCTAssertTrue(names(single).contains("[unknown] ×120"))
        // Drawn whole on request; folded output is never collapsed.
        let (whole, _) = try doc(p) { $0.collapseRuns = false }
        XCTAssertEqual(names(whole).filter { $0 == "[unknown]" }.count, 120)
        XCTAssertEqual(String(decoding: FoldedWriter.bytes(p), as: UTF8.self).split(separator: "\n").first?.split(separator: ";").count, 122)
    }

    func testTheDifferenceOfCollapsedRunsKeepsBothSides() throws {
        let before = profile([("app;f;f;f;leaf", 10), ("app;g", 10)])
        let after = profile([("app;f;f;leaf", 30), ("app;g", 10)])
        let diff = ProfileDiff(before: before, after: after, normalize: false)
        let document = DiffView.single.document(diff, before: before, after: after, countName: "samples", options: FlameGraphOptions())
        let d = try SVGDocument(FlameGraphRenderer.render(document).svg)
        let f = try XCTUnwrap(d.frames.first { $0.title.hasPrefix("f ×2–3\n") })
        XCTAssertTrue(f.title.contains("before 10 samples"), f.title)
        XCTAssertTrue(f.title.contains("after 30 samples"), f.title)
        let leaf = try XCTUnwrap(d.frames.first { $0.title.hasPrefix("leaf\n") })
        XCTAssertEqual(leaf.total, 40, "one leaf: before 10 and after 30 under the one merged frame")
    }

    func testAThinTowerIsCutAndSaidSo() throws {
        let tower = "app;deep;" + (0..<100).map { "g\($0)" }.joined(separator: ";")
        let p = profile([("app;main;work", 9_980), (tower, 20)])
        let (d, pruned) = try doc(p)
        XCTAssertEqual(pruned.depthLimit, DepthLimit.firstScreen)
        XCTAssertEqual(pruned.deepWeight, 20)
        XCTAssertEqual(pruned.deepFrames, 102 - DepthLimit.firstScreen)
        XCTAssertEqual(d.frames.map(\.depth).max(), DepthLimit.firstScreen + 1)
        let cut = try XCTUnwrap(d.frames.last { $0.title.contains("deeper frame") })
        XCTAssertTrue(cut.title.hasPrefix("[\(102 - DepthLimit.firstScreen) deeper frames]\n20 samples (0.20%) in stacks deeper than 40 frames"),
                      cut.title)
        XCTAssertTrue(d.element(id: "subtitle")?.text.contains("--max-depth 0 draws them") ?? false)
        // A deep stack that holds the weight is drawn whole; so is everything with --max-depth 0.
        XCTAssertNil(try doc(profile([(tower, 50), ("app;main", 50)])).1.depthLimit)
        let (whole, wholePruned) = try doc(p) { $0.maxDepth = .none }
        XCTAssertEqual(wholePruned.deepFrames, 0)
        XCTAssertEqual(whole.frames.map(\.depth).max(), 102)
        XCTAssertEqual(try doc(p) { $0.maxDepth = .frames(5) }.1.depthLimit, 5)
    }

    func testLongSubtitlesWrapAtTheirSeparators() throws {
        let parts = (1...12).map { "part \($0) of the headline" }
        let (d, _) = try doc(profile([("app;main", 1)])) { $0.subtitle = parts.joined(separator: " · "); $0.width = 600 }
        let lines = [d.element(id: "subtitle")?.text] + d.elements(class: "subline").map(\.text)
        XCTAssertGreaterThan(lines.count, 2)
        let limit = Int((600 - 20) / (12 * 0.59))
        for case let line? in lines { XCTAssertLessThanOrEqual(line.count, limit, line) }
        XCTAssertEqual(lines.compactMap { $0 }.joined(separator: " · "), parts.joined(separator: " · "), "nothing lost at the breaks")
        XCTAssertEqual(DocumentGeometry.wrap("a · b", maxCharacters: 80), ["a · b"])
        XCTAssertEqual(DocumentGeometry.wrap(String(repeating: "x", count: 30), maxCharacters: 12),
                       [String(repeating: "x", count: 12), String(repeating: "x", count: 12), String(repeating: "x", count: 6)])
    }

    func testCommandLinesAreQuotedAsAShellTakesThemBack() {
        XCTAssertEqual(ShellWords.join(["make", "-j2", "CC=sccache gcc"]), "make -j2 CC=\"sccache gcc\"")
        XCTAssertEqual(ShellWords.join(["sh", "-c", "kill -TERM $$"]), "sh -c 'kill -TERM $$'")
        XCTAssertEqual(ShellWords.join(["echo", "it's", ""]), "echo 'it'\\''s' ''")
        XCTAssertEqual(ShellWords.join(["./a", "/b/c.txt", "x=1,y=2"]), "./a /b/c.txt x=1,y=2")
        XCTAssertEqual(ShellWords.join(["X=$HOME"]), "'X=$HOME'", "no expansion by the quotes")
    }
}
