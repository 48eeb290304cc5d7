import XCTest
import TestSupport
import ProfileModel
import Fold
@testable import SVGRender

final class RendererTests: XCTestCase {
    func render(_ p: Profile, _ configure: (inout FlameGraphOptions) -> Void = { _ in },
                unit: WeightUnit = .samples, reverse: Bool = false) throws -> (SVGDocument, PruneSummary, [UInt8]) {
        var options = FlameGraphOptions()
        configure(&options)
        let (svg, pruned) = FlameGraphRenderer(options: options, unit: unit).render(FlameTree(p, reverse: reverse))
        return (try SVGDocument(svg), pruned, svg)
    }

    func testTreeTotalsSelfAndAlphabeticalSiblings() throws {
        let (doc, pruned, _) = try render(profile([("app;main;b", 30), ("app;main;a", 10), ("app;main", 5), ("app;other", 55)]))
        let frames = doc.frames
        XCTAssertEqual(pruned.hiddenFrames, 0)
        XCTAssertEqual(frames.map { $0.title.split(separator: "\n").first.map(String.init) ?? "" },
                       ["all", "app", "main", "a", "b", "other"], "pre-order, siblings by name")
        XCTAssertEqual(frames.map(\.depth), [0, 1, 2, 3, 3, 2])
        XCTAssertEqual(frames.map(\.total), [100, 100, 45, 10, 30, 55])
        XCTAssertEqual(frames.map(\.selfWeight), [0, 0, 5, 10, 30, 55])
        XCTAssertEqual(frames[2].title, "main\n45 samples (45.00%)\nself: 5 samples (5.00%)")
        // Widths are proportional to weight over 1180 px; children start at the parent's edge.
        XCTAssertEqual(frames[0].rect["width"], "1180")
        XCTAssertEqual(frames[2].rect["width"], "531")
        XCTAssertEqual(frames[3].rect["x"], frames[2].rect["x"])
        XCTAssertEqual(frames[4].rect["x"], "128")
    }

    func testTimeTooltipForClockEvents() throws {
        let (doc, _, _) = try render(profile([("app;spin", 2_000_000_000)]), unit: .nanoseconds("cpu-clock:ppp"))
        XCTAssertEqual(doc.frames[2].title, "spin\n2.00 s (100.00%), 2,000,000,000 samples\nself: 2.00 s (100.00%), 2,000,000,000 samples")
    }

    func testHostileNamesStayText() throws {
        let hostile = [
            "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "a & b \"quoted\" 'single'",
            "]]></script><script>alert(2)</script>", "\"];alert(1);//", "bidi\u{202E}gnp.exe", "line\u{2028}sep",
        ]
        let (doc, _, svg) = try render(profile(hostile.map { ("app;\($0)", 10) }))
        let names = Set(doc.frames.map { String($0.title.split(separator: "\n", omittingEmptySubsequences: false)[0]) })
        XCTAssertTrue(names.contains("<script>alert(1)</script>"))
        XCTAssertTrue(names.contains("<img src=x onerror=alert(1)>"))
        XCTAssertTrue(names.contains("a & b \"quoted\" 'single'"))
        XCTAssertTrue(names.contains("]]></script><script>alert(2)</script>"))
        XCTAssertTrue(names.contains("bidi\u{FFFD}gnp.exe"), "bidi overrides are neutralised")
        XCTAssertTrue(names.contains("line\u{FFFD}sep"))
        // Only the renderer's own script element exists, and no element from the names.
        XCTAssertEqual(doc.elements.filter { $0.name == "script" }.count, 1)
        XCTAssertFalse(doc.elements.contains { $0.name == "img" })
        let text = String(decoding: svg, as: UTF8.self)
        XCTAssertFalse(text.contains("<img"))
        XCTAssertEqual(text.components(separatedBy: "]]>").count, 2, "only the script's own CDATA end")
    }

    func testInvalidUTF8AndControlBytesKeepTheDocumentWellFormed() throws {
        let bad: [UInt8] = [0x66, 0xFF, 0xC0, 0xAF, 0x00, 0x01, 0x1B, 0xED, 0xA0, 0x80, 0x67]
        let (doc, _, _) = try render(profile(rawFrames: [Array("app".utf8), bad], count: 3))
        let name = doc.frames[2].title.split(separator: "\n")[0]
        XCTAssertTrue(name.hasPrefix("f\u{FFFD}"))
        XCTAssertTrue(name.hasSuffix("g"))
        XCTAssertFalse(name.unicodeScalars.contains { $0.value < 0x20 })
    }

    func testNarrowFramesBecomeOnePlaceholderPerParentAndAreReported() throws {
        var stacks: [(String, UInt64)] = [("app;big", 1_000_000)]
        for i in 0..<500 { stacks.append(("app;tiny\(i);deeper", 10)) }
        let (doc, pruned, _) = try render(profile(stacks))
        XCTAssertEqual(pruned.hiddenFrames, 1000, "500 tiny frames and their children")
        XCTAssertEqual(pruned.hiddenWeight, 5000)
        XCTAssertEqual(pruned.placeholders, 1)
        let placeholder = try XCTUnwrap(doc.frames.first { $0.pruned })
        XCTAssertEqual(placeholder.total, 5000)
        XCTAssertEqual(placeholder.depth, 2)
        XCTAssertTrue(placeholder.title.hasPrefix("[1000 narrow frames]\n5,000 samples (0.50%)"))
        XCTAssertEqual(doc.element(id: "subtitle")?.text,
                       "1,000 frames narrower than 0.10 px (5,000 samples) are merged into 1 grey placeholders")
        // Nothing is lost: the children of "app" still add up to its total.
        let app = doc.frames[1]
        XCTAssertEqual(doc.frames.filter { $0.depth == 2 }.map(\.total).reduce(0, +), app.total)
    }

    func testMinWidthInPercent() throws {
        let (_, pruned, _) = try render(profile([("app;a", 98), ("app;b", 2)])) { $0.minWidth = .percent(5) }
        XCTAssertEqual(pruned.hiddenFrames, 1)
        XCTAssertEqual(pruned.hiddenWeight, 2)
    }

    func testLabelsFitTheirFrames() {
        let name = Array("abcdefghijklmnopqrstuvwxyz".utf8)
        let cw = 12 * 0.59
        XCTAssertEqual(FlameGraphRenderer.label(name, fitting: 1000, charWidth: cw), name)
        XCTAssertEqual(String(decoding: FlameGraphRenderer.label(name, fitting: 10 * cw + 1, charWidth: cw), as: UTF8.self), "abcdefgh..")
        XCTAssertEqual(FlameGraphRenderer.label(name, fitting: 2 * cw, charWidth: cw), [])
        let wide = Array("ééééééééé".utf8)
        XCTAssertEqual(String(decoding: FlameGraphRenderer.label(wide, fitting: 5 * cw + 1, charWidth: cw), as: UTF8.self), "ééé..")
    }

    func testInvertedReverseAndTitles() throws {
        let p = profile([("app;main;leaf", 10)])
        let (flame, _, _) = try render(p)
        XCTAssertEqual(flame.element(id: "title")?.text, "Flame Graph")
        let (icicle, _, _) = try render(p) { $0.inverted = true }
        XCTAssertEqual(icicle.element(id: "title")?.text, "Icicle Graph")
        let rootY = Double(icicle.frames[0].rect["y"]!)!, leafY = Double(icicle.frames[3].rect["y"]!)!
        XCTAssertLessThan(rootY, leafY, "icicle: root at the top")
        let flameRootY = Double(flame.frames[0].rect["y"]!)!, flameLeafY = Double(flame.frames[3].rect["y"]!)!
        XCTAssertGreaterThan(flameRootY, flameLeafY, "flame: root at the bottom")
        let (reversed, _, _) = try render(p, reverse: true)
        XCTAssertEqual(reversed.frames.map { String($0.title.split(separator: "\n")[0]) }, ["all", "leaf", "main", "app"])
        let (titled, _, _) = try render(p) { $0.title = "<b>cold & hot</b>"; $0.subtitle = "run 2" }
        XCTAssertEqual(titled.element(id: "title")?.text, "<b>cold & hot</b>")
        XCTAssertEqual(titled.element(id: "subtitle")?.text, "run 2")
    }

    func testPalettesAndAnnotations() throws {
        let (doc, _, _) = try render(profile([("java;Ljava/lang/Thread:.run_[j];do_syscall_64_[k]", 1)])) {
            $0.palette = .java
        }
        let byName = Dictionary(uniqueKeysWithValues: doc.frames.map { (String($0.title.split(separator: "\n")[0]), $0) })
        // Annotations pick the hue and are not drawn.
        let jit = try XCTUnwrap(byName["Ljava/lang/Thread:.run"])
        let kernel = try XCTUnwrap(byName["do_syscall_64"])
        XCTAssertTrue(jit.rect["fill"]!.hasPrefix("rgb("))
        let rgb = { (s: String) -> [Int] in s.dropFirst(4).dropLast().split(separator: ",").map { Int($0)! } }
        let j = rgb(jit.rect["fill"]!), k = rgb(kernel.rect["fill"]!)
        XCTAssertGreaterThan(j[1], j[0], "JIT frames are green")
        XCTAssertEqual(k[2], 0, "kernel frames are orange")
        // Same name, same colour across renders.
        let (again, _, _) = try render(profile([("java;Ljava/lang/Thread:.run_[j]", 5)])) { $0.palette = .java }
        XCTAssertEqual(again.frames[2].rect["fill"], jit.rect["fill"])
    }

    func testEveryPaletteAndBackground() throws {
        for palette in Palette.allCases {
            let (doc, _, _) = try render(profile([("app;f", 1)])) { $0.palette = palette }
            XCTAssertNotEqual(doc.frames[2].rect["fill"], "rgb(0,0,0)", "\(palette)")
        }
        XCTAssertEqual(Background("#12ab9F"), .custom("#12ab9F"))
        XCTAssertNil(Background("#12ab9"))
        XCTAssertNil(Background("\"><script>"))
        XCTAssertEqual(MinWidth("0.5%"), .percent(0.5))
        XCTAssertNil(MinWidth("abc"))
    }

    func testDeepStacksRenderWithoutRecursion() throws {
        let deep = (0..<10_000).map { "f\($0)" }.joined(separator: ";")
        let (doc, _, _) = try render(profile([(deep, 1)])) { $0.minWidth = .pixels(0) }
        XCTAssertEqual(doc.frames.count, 10_001)
        XCTAssertEqual(doc.frames.last?.depth, 10_000)
    }
}

final class EmbeddedScriptTests: XCTestCase {
    /// The script sits in a CDATA section: it must not end it early, and it must parse.
    func testScriptIsValidJavaScriptAndCDATASafe() throws {
        XCTAssertFalse(ViewerScript.javascript.contains("]]>"))
        XCTAssertFalse(ViewerScript.css.contains("</style"))
        let node = ["/usr/bin/node", "/usr/local/bin/node"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let node else { throw Live.skip("node is not installed: the JavaScript syntax check needs it") }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("flame-\(UUID().uuidString).js")
        try Data(ViewerScript.javascript.utf8).write(to: file)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: node)
        process.arguments = ["--check", file.path]
        let err = Pipe()
        process.standardError = err
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }
}

/// The byte writers the renderer uses for tooltips of sample counts print what `ValueFormat`
/// prints (the SVG of the bench corpus is byte-identical with either).
final class SVGBufferNumberTests: XCTestCase {
    func testGroupedAndPercentMatchValueFormat() {
        var values: [UInt64] = [0, 1, 9, 10, 99, 100, 999, 1000, 1001, 999_999, 1_000_000, 12_345_678, UInt64.max, UInt64.max - 1, 1 << 63]
        var rng = SeededGenerator(seed: 0x5EED_5C0DE)
        for _ in 0..<2000 { values.append(UInt64.random(in: 0...UInt64.max, using: &rng) >> UInt64.random(in: 0...63, using: &rng)) }
        for v in values {
            var out = SVGBuffer(capacity: 32)
            out.grouped(v)
            XCTAssertEqual(String(decoding: out.bytes, as: UTF8.self), ValueFormat.grouped(v))
        }
        let extremes: [(UInt64, UInt64)] = [(1, 3), (2, 3), (1, 0), (0, 0), (5, 1), (UInt64.max, 1), (1, UInt64.max), (12_345, 100_000)]
        for (part, whole) in Array(zip(values, values.reversed())) + extremes {
            var out = SVGBuffer(capacity: 32)
            out.percent(part, of: whole)
            XCTAssertEqual(String(decoding: out.bytes, as: UTF8.self), ValueFormat.percent(part, of: whole), "\(part) of \(whole)")
        }
    }
}
