import XCTest
import ProfileModel
import Fold
@testable import SVGRender

/// Documents of several panes, and the single graph as the one-pane case of the same renderer.
final class DocumentTests: XCTestCase {
    private func pane(_ p: Profile, title: String, unit: WeightUnit = .samples, palette: Palette = .hot,
                      summary: String? = nil) -> FlamePane {
        FlamePane(tree: FlameTree(p), unit: unit, title: title, summary: summary, palette: palette)
    }

    private func render(_ panes: [FlamePane], layout: PaneLayout = .sideBySide, headline: String? = nil,
                        _ configure: (inout FlameGraphOptions) -> Void = { _ in }) throws -> SVGDocument {
        var o = FlameGraphOptions()
        o.width = 1800
        o.title = "Both"
        configure(&o)
        let (svg, _) = FlameGraphRenderer.render(FlameDocument(options: o, layout: layout, headline: headline, panes: panes))
        return try SVGDocument(svg)
    }

    func testSingleGraphIsOnePaneWithTheSharedControls() throws {
        let (svg, _) = FlameGraphRenderer().render(FlameTree(profile([("app;main;work", 3)])))
        let doc = try SVGDocument(svg)
        let root = try XCTUnwrap(doc.elements.first)
        XCTAssertEqual(root.attributes["data-panes"], "1")
        XCTAssertEqual(doc.elements(class: "pane").map { $0.attributes["id"] }, ["pane0"])
        XCTAssertEqual(doc.elements(class: "pane").first?.attributes["data-width"], "1200")
        XCTAssertEqual(doc.frames(pane: 0).count, 4)
        XCTAssertEqual(doc.element(id: "unzoom")?.text, "Reset Zoom")
        XCTAssertTrue(doc.elements(class: "ptitle").isEmpty, "one pane: its title is the document's")
        XCTAssertEqual(doc.elements(class: "details").count, 1)
        XCTAssertEqual(doc.elements(class: "matched").count, 1)
        XCTAssertNil(doc.frames[0].rect["rx"], "corners come from the stylesheet")
        XCTAssertNotNil(doc.element(id: "bg"))
    }

    func testSideBySidePanesAreScaledOnTheirOwnAndShareABaseline() throws {
        let on = profile([("app;main;work", 30), ("app;main;idle", 10)])
        let off = profile([("app;read;schedule;a;b;c", 7000)])
        let doc = try render([pane(on, title: "On-CPU", summary: "40 samples"),
                              pane(off, title: "Off-CPU", unit: .offCPU, palette: .io, summary: "waiting")],
                             headline: "on-CPU 40 · off-CPU 7 µs")
        XCTAssertEqual(doc.elements.first?.attributes["data-panes"], "2")
        let panes = doc.elements(class: "pane")
        XCTAssertEqual(panes.map { $0.attributes["data-x"] }, ["0", "900"])
        XCTAssertEqual(panes.map { $0.attributes["data-width"] }, ["900", "900"])
        XCTAssertEqual(panes.map { $0.attributes["data-unit-ns"] }, ["0", "1"])
        let (a, b) = (doc.frames(pane: 0), doc.frames(pane: 1))
        XCTAssertEqual(a.count, 5)
        XCTAssertEqual(b.count, 7)
        XCTAssertEqual(a[0].rect["width"], "880", "each root spans its own pane")
        XCTAssertEqual(b[0].rect["width"], "880")
        XCTAssertEqual(b[0].rect["x"], "910")
        XCTAssertEqual(a[0].rect["y"], b[0].rect["y"], "roots on one baseline")
        XCTAssertEqual(b[2].title, "read\n7.00 µs off-CPU (100.00%), 7,000 intervals\nself: 0 ns (0.00%)", "% of the pane")
        XCTAssertEqual(doc.elements(class: "ptitle").map(\.text), ["On-CPU", "Off-CPU"])
        XCTAssertEqual(doc.elements(class: "psub").map(\.text), ["40 samples", "waiting"])
        XCTAssertEqual(doc.element(id: "title")?.text, "Both")
        XCTAssertEqual(doc.element(id: "subtitle")?.text, "on-CPU 40 · off-CPU 7 µs")
        XCTAssertEqual(doc.element(id: "unzoom")?.text, "Reset all zooms")
        XCTAssertEqual(doc.elements(class: "punzoom").count, 2, "a reset per pane")
        XCTAssertEqual(doc.elements(class: "sep").count, 1)
        // Colours: warm in the first pane, blues in the second.
        let rgb = { (s: String) -> [Int] in s.dropFirst(4).dropLast().split(separator: ",").map { Int($0)! } }
        XCTAssertTrue(a.dropFirst().allSatisfy { rgb($0.rect["fill"]!)[0] >= 205 })
        XCTAssertTrue(b.dropFirst().allSatisfy { let c = rgb($0.rect["fill"]!); return c[0] == c[1] && c[2] >= 190 })
    }

    func testStackedPanesAreAsWideAsTheImage() throws {
        let doc = try render([pane(profile([("a;b", 1)]), title: "One"), pane(profile([("c;d;e", 1)]), title: "Two")],
                             layout: .stacked) { $0.width = 1200 }
        let panes = doc.elements(class: "pane")
        XCTAssertEqual(panes.map { $0.attributes["data-x"] }, ["0", "0"])
        XCTAssertEqual(panes.map { $0.attributes["data-width"] }, ["1200", "1200"])
        let (a, b) = (doc.frames(pane: 0), doc.frames(pane: 1))
        XCTAssertEqual(a[0].rect["width"], "1180")
        XCTAssertLessThan(Double(a[0].rect["y"]!)!, Double(b.last!.rect["y"]!)!, "the second pane is below the first")
        let height = Double(doc.elements.first!.attributes["height"]!)!
        XCTAssertLessThan(Double(b[0].rect["y"]!)!, height)
    }

    func testHotColdFramesAreColouredByTheirOffCPUShare() throws {
        let on = profile([("app;main;spin", 3_000_000)])
        let off = profile([("app;main;read;schedule", 9_000_000), ("app;sleeper;nanosleep", 1_000_000)])
        let (tree, share) = hotCold(on: on, off: off)
        let doc = try render([FlamePane(tree: tree, unit: .nanoseconds("hot/cold"), title: "Hot/Cold", cold: share)]) {
            $0.width = 1200
        }
        let byName = Dictionary(uniqueKeysWithValues: doc.frames.map { (String($0.title.split(separator: "\n")[0]), $0) })
        let rgb = { (name: String) -> [Int] in byName[name]!.rect["fill"]!.dropFirst(4).dropLast().split(separator: ",").map { Int($0)! } }
        XCTAssertGreaterThanOrEqual(rgb("spin")[0], 205, "on-CPU frames are warm")
        XCTAssertEqual(rgb("read")[0], rgb("read")[1], "off-CPU frames are blue")
        XCTAssertEqual(rgb("main")[0], rgb("main")[1], "main is 9 of 12 ms off-CPU: blue")
        XCTAssertEqual(byName["main"]?.title, "main\n12.0 ms (92.31%): 3.00 ms on-CPU, 9.00 ms off-CPU\nself: 0 ns (0.00%)")
        XCTAssertEqual(byName["spin"]?.title, "spin\n3.00 ms (23.08%): 3.00 ms on-CPU, 0 ns off-CPU\nself: 3.00 ms (23.08%): 3.00 ms on-CPU, 0 ns off-CPU")
        XCTAssertEqual(share.total[0], 10_000_000)
    }

    func testPaneTextsAreEscaped() throws {
        let doc = try render([pane(profile([("a", 1)]), title: "<img src=x onerror=alert(1)>", summary: "\"];alert(1);//"),
                              pane(profile([("b", 1)]), title: "two")], headline: "<script>x</script>")
        XCTAssertEqual(doc.elements(class: "ptitle").first?.text, "<img src=x onerror=alert(1)>")
        XCTAssertEqual(doc.elements(class: "psub").first?.text, "\"];alert(1);//")
        XCTAssertEqual(doc.element(id: "subtitle")?.text, "<script>x</script>")
        XCTAssertEqual(doc.elements(class: "pane").first?.attributes["aria-label"], "<img src=x onerror=alert(1)>")
        XCTAssertFalse(doc.elements.contains { $0.name == "img" })
        XCTAssertEqual(doc.elements.filter { $0.name == "script" }.count, 1)
    }

    func testPruningNoteSaysWhenNothingIsDrawn() throws {
        var stacks: [(String, UInt64)] = [("app;big", 100_000_000)]
        stacks.append(("app;tiny", 1))
        let (svg, pruned) = FlameGraphRenderer().render(FlameTree(profile(stacks)))
        XCTAssertEqual(pruned.placeholders, 0)
        XCTAssertEqual(try SVGDocument(svg).element(id: "subtitle")?.text,
                       "1 frames narrower than 0.10 px (1 samples) are not drawn (each parent's share under 0.1 px)")
    }
}

/// Weights at the ends of UInt64 in a difference: a frame of weight 1 before and near 2^64 after
/// (found by the Render fuzzer, which trapped converting the change, 10^21 %, to an integer).
final class ExtremeDiffTests: XCTestCase {
    func testChangesPast2To64AreDrawnNotTrapped() throws {
        let before = profile([("main;a", 1), ("main;b", 1)])
        let after = profile([("main;a", UInt64.max / 2), ("main;b", UInt64.max / 2)])
        for normalize in [false, true] {
            let diff = ProfileDiff(before: before, after: after, normalize: normalize)
            let (totalsBefore, totalsAfter) = diff.totals()
            XCTAssertEqual(totalsAfter.max(), UInt64.max / 2 * 2)
            XCTAssertLessThanOrEqual(totalsBefore.max() ?? 0, UInt64.max)
            for view in [DiffView.single, .panes] {
                let (svg, _) = FlameGraphRenderer.render(view.document(diff, before: before, after: after, countName: "samples", options: FlameGraphOptions()))
                let doc = try SVGDocument(svg)
                let titles = doc.frames.map(\.title).joined(separator: "\n")
                // Raw, the change is 9.22e+20 %; normalized, each side is near 2^63 (Double's rounding
                // there is 2^11, so only no trap is asked of it).
                XCTAssertTrue(titles.contains(normalize ? "before 9,223,372,036,854,77" : "(+9.22e+20%)"),
                              "\(normalize) \(view): " + String(titles.prefix(1500)))
            }
        }
        XCTAssertEqual(ValueFormat.fixed(9.2e20, decimals: 1), "9.20e+20")
        XCTAssertEqual(ValueFormat.fixed(-1.25, decimals: 1), "-1.3")
        XCTAssertEqual(ValueFormat.fixed(.nan, decimals: 1), "?")
        XCTAssertEqual(UInt64(saturating: 18_446_744_073_709_551_615.0), .max)
        XCTAssertEqual(UInt64(saturating: -3), 0)
        XCTAssertEqual(UInt64(saturating: 2.5), 3)
    }

    /// Hot/cold with off-CPU weights of 2^63 (the Render fuzzer's minimized input is one such
    /// line): whether a frame is mostly off-CPU was asked as 2 * cold >= all, which overflowed.
    func testHotColdPast2To63() throws {
        let on = profile([("app;spin", 1)])
        let off = profile([("app;read", 1 << 63)])
        let (tree, share) = hotCold(on: on, off: off)
        let doc = FlameDocument(options: FlameGraphOptions(), layout: .sideBySide, headline: nil,
                                panes: [FlamePane(tree: tree, unit: .nanoseconds("hot/cold"), title: "Hot/Cold", cold: share)])
        let svg = try SVGDocument(FlameGraphRenderer.render(doc).svg)
        let fill = Dictionary(svg.frames.map { (String($0.title.split(separator: "\n")[0]), $0.rect["fill"] ?? "") }) { a, _ in a }
        let rgb = { (name: String) in fill[name, default: ""].dropFirst(4).dropLast().split(separator: ",").compactMap { Int($0) } }
        guard rgb("read").count == 3, rgb("app").count == 3 else { return XCTFail("\(fill)") }
        XCTAssertEqual(rgb("read")[0], rgb("read")[1], "off-CPU: blue")
        XCTAssertEqual(rgb("app")[0], rgb("app")[1], "app is all but 1 ns off-CPU: blue")
    }
}

/// The hot/cold tree of an on-CPU and an off-CPU profile, and its off-CPU share per node (what
/// `flame both --combined` builds).
func hotCold(on: Profile, off: Profile) -> (FlameTree, ColdShare) {
    let merged = Profile()
    merged.absorb(on)
    merged.absorb(off)
    let cold = Profile(names: merged.names)
    cold.absorb(off)
    let tree = FlameTree(merged)
    return (tree, ColdShare(merged: tree, cold: FlameTree(cold)))
}
