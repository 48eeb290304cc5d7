import Foundation
import XCTest
import TestSupport

/// Opens SVGs made by the flame binary from the committed captures in headless Chromium, acts on
/// them with real input events (Selenium: clicks, key presses, the search prompt) through
/// `browser/drive.py`, and checks what the DOM shows against values computed here from the folded
/// stacks of the same captures. Screenshots go to `.test-output/browser/`. Skipped, saying why,
/// when Chromium, chromedriver or Selenium are missing (`scripts/install-deps.sh` installs them).
final class BrowserTests: XCTestCase {
    static let output = CLITests.root.appendingPathComponent(".test-output/browser")
    static let driver = CLITests.root.appendingPathComponent("Tests/FlameCLITests/browser/drive.py")

    // The hostile names, as frames of folded stacks (";" separates frames, so the second name
    // arrives as three frames, each of which must stay text).
    static let hostileStacks = [
        ("app;<img src=x onerror=alert(1)>", 30), ("app;\"];alert(1);//", 20),
        ("app;<script>alert(2)</script>;]]><script>alert(3)</script>", 10),
        ("app;x' onmouseover='alert(4)", 5), ("app;main", 35),
    ]

    func testSideBySideStackedAndSingleViewsInChromium() throws {
        let python = try BrowserTests.python()
        let dir = try CLITests.makeTemporaryDirectory()
        let testdata = CLITests.testdata
        let onInput = testdata.appendingPathComponent("threads.data").path
        let offInput = testdata.appendingPathComponent("offcpu/waiter.sched.data").path
        let mixed = testdata.appendingPathComponent("offcpu/waiter.mixed.data").path
        func svg(_ name: String, _ args: [String]) throws {
            let r = try CLITests.run(args + ["-o", dir.appendingPathComponent(name).path])
            XCTAssertEqual(r.status, 0, "\(args): \(r.stderr)")
        }
        // No pruning in the graph searched, so every matching frame is drawn and counted.
        try svg("both.svg", ["both", onInput, offInput, "--minwidth", "0"])
        try svg("stacked.svg", ["both", onInput, offInput, "--layout", "stacked"])
        try svg("mixed.svg", ["both", mixed])
        try svg("combined.svg", ["both", mixed, "--combined"])
        try svg("single.svg", ["oncpu", onInput])
        let hostile = dir.appendingPathComponent("hostile.folded")
        try Data(BrowserTests.hostileStacks.map { "\($0.0) \($0.1)\n" }.joined().utf8).write(to: hostile)
        try svg("hostile.svg", ["both", hostile.path, hostile.path])

        let on = try Folded(CLITests.run(["fold", onInput]).stdout)
        let off = try Folded(CLITests.run(["offcpu", offInput, "--folded"]).stdout)
        let search = "start_thread|main|^run$"
        let clicks = [on.widestProcess, off.widestProcess]
        let plan: [String: Any] = [
            "dir": dir.path, "outdir": BrowserTests.output.path,
            "both": "both.svg", "stacked": "stacked.svg", "mixed": "mixed.svg", "combined": "combined.svg",
            "single": "single.svg", "singleClick": on.widestProcess, "click": clicks, "search": search,
            "steps": ["n", "n", "N"], "hostile": "hostile.svg",
            "hostileNames": ["<img src=x onerror=alert(1)>", "<script>alert(2)</script>"], "hostileSearch": "onerror",
        ]
        let planFile = dir.appendingPathComponent("plan.json")
        try JSONSerialization.data(withJSONObject: plan).write(to: planFile)
        let r = try BrowserTests.run(python, [BrowserTests.driver.path, planFile.path], timeout: 300)
        XCTAssertEqual(r.status, 0, r.stderr)
        try? r.stdout.write(to: BrowserTests.output.appendingPathComponent("report.json"))
        let report = try JSONDecoder().decode(Report.self, from: r.stdout)
        if let reason = report.skip { throw Live.skip(reason) }

        XCTAssertEqual(report.errors ?? ["no report"], [], "steps that failed in the browser")
        let severe = (report.console ?? []).filter { $0.level == "SEVERE" || $0.message.contains("Uncaught") }
        XCTAssertEqual(severe.map { "\($0.page): \($0.message)" }, [], "JavaScript errors in the console")

        let re = try NSRegularExpression(pattern: search)
        checkLoadAndZoom(report, clicks: clicks)
        checkSearch(report, re: re, panes: [on, off])
        checkKeyboard(report, re: re, clicks: clicks, firstProcesses: Array(on.processes.prefix(2)))
        checkOtherViews(report, clickedSingle: on.widestProcess)
        checkHostile(report)
        for shot in report.screenshots ?? [] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: shot), shot)
        }
        XCTAssertEqual(report.screenshots?.count ?? 0, 8, "screenshots of every view")
    }

    // MARK: - hostile names in every view

    /// Names that try to become markup, script, attributes or misleading text, in frames, process
    /// names, titles, notes and labels (`;` and newlines cannot be in a folded frame's name).
    static let hostileNames = [
        "<script>alert('s1')</script>", "<img src=x onerror=alert('i1')>", "<svg onload=alert('v1')>",
        "\"><g onmouseover=\"alert('g1')\">", "' onfocus='alert(\"f1\")' x='",
        "]]><script>alert('c1')</script><![CDATA[", "</script><script>alert('e1')</script>",
        "</title><script>alert('t1')</script>", "&ltscript&gtalert('a1')&amp&#60b&#x3e %26lt",
        "`tick` ${alert('b1')} {{constructor.constructor('alert(1)')()}}", "“smart” ‘quotes’ « » ＜wide＞",
        "javascript:alert('j1')", "line\u{2028}sep\u{2029}para", "bidi\u{202E}txt.exe\u{2066}iso\u{2069}",
        "ctl\u{01}\u{1B}[31mred\u{7F}\u{85}", "%3Cscript%3Ealert('p1')%3C/script%3E", "\\u003cscript\\u003e \\x3cimg\\x3e",
    ]
    static let hostileComm = "<img src=x onerror=alert('comm')>"
    static let hostileTitle = "<script>alert('title')</script> \"T\" 'q' ]]> &lt;b&gt; &amp;amp; \u{202E}x"
    static let hostileSubtitle = "</text><script>alert('sub')</script>"
    static let hostileNotes = "]]></desc><script>alert('notes')</script>\u{2028}"
    static let hostileCount = "<b onmouseover=alert('count')>samples</b>"
    static let hostileNameType = "<i>Fn:</i>\"'"
    static let hostileFont = "Verdana\"; } svg { display: none } <x"

    /// What the SVG shows for a name: characters that could hide or reorder text become U+FFFD
    /// (tab and newline a space), everything else stays as it is, as text.
    static func shown(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            let v = u.value
            if v == 0x09 || v == 0x0A || v == 0x0D { out.append(" "); continue }
            let hidden = v < 0x20 || (v >= 0x7F && v <= 0x9F) || (v >= 0x202A && v <= 0x202E) || (v >= 0x2066 && v <= 0x2069)
                || v == 0x200E || v == 0x200F || v == 0x2028 || v == 0x2029
            out.append(hidden ? "\u{FFFD}" : u)
        }
        return String(out)
    }

    /// Every view (oncpu, icicle, offcpu, both side by side, stacked and combined, diff single and
    /// panes, a report's SVGs for one run and for a before/after pair, a 10,000-frame stack) drawn
    /// from hostile inputs and opened in Chromium: hovered, searched, zoomed, walked with the
    /// keyboard, reopened from its URL and from a URL with a hostile search. No dialog may open, no
    /// element or event handler may appear that flame did not write, no JavaScript error, and every
    /// name, title and note is shown as the text it is.
    func testHostileNamesInEveryViewInChromium() throws {
        let python = try BrowserTests.python()
        let dir = try CLITests.makeTemporaryDirectory()
        let names = BrowserTests.hostileNames
        var stacks: [String] = []
        for (i, n) in names.enumerated() {
            stacks.append("app;main;\(n);leaf \(10 + i)")
            stacks.append("\(BrowserTests.hostileComm);\(n) \(5 + i)")
        }
        // Invalid UTF-8 too.
        func folded(_ lines: [String]) -> Data {
            Data(Array((lines.joined(separator: "\n") + "\napp;bad").utf8) + [0xFF, 0xC0, 0xAF] + Array("utf8 7\n".utf8))
        }
        // A file name that is itself hostile (it reaches messages and summary.md, never the SVGs).
        let on = dir.appendingPathComponent("in <img src=x onerror=alert('file')> \"q\" 'a'.folded")
        try folded(stacks).write(to: on)
        let after = dir.appendingPathComponent("after.folded")
        try folded(stacks.enumerated().map { $0.offset % 3 == 0 ? $0.element + "0" : $0.element }).write(to: after)
        let off = dir.appendingPathComponent("off.folded")
        try folded(stacks).write(to: off)
        // perf script text with a hostile process name, event name, symbol and binary (cpu-clock,
        // so that it can also be the on-CPU half of a hot/cold graph).
        var script = ""
        for (i, event) in ["<img/src=x/onerror=alert('ev')>:", "cpu-clock:"].enumerated() {
            for k in 0..<4 {
                script += "\(BrowserTests.hostileComm) 1234 [000] \(i).00000\(k):    1000000 \(event) \n"
                    + "\t401000 <script>alert('sym')</script>+0x1 (/bin/<img src=x onerror=alert('dso')>)\n"
                    + "\t401000 main+0x1 (/bin/app)\n\n"
            }
        }
        let perfText = dir.appendingPathComponent("events.perf.txt")
        try Data(script.utf8).write(to: perfText)
        let clockText = dir.appendingPathComponent("clock.perf.txt")
        let clockRecords = script.components(separatedBy: "\n\n").filter { $0.contains("cpu-clock:") }
        try Data((clockRecords.joined(separator: "\n\n") + "\n\n").utf8).write(to: clockText)
        let deep = dir.appendingPathComponent("deep.folded")
        try Data(("app;" + (0..<10_000).map { "f\($0 % 5)" }.joined(separator: ";") + " 3\napp;other 1\n").utf8).write(to: deep)

        let labels = ["--title", BrowserTests.hostileTitle, "--subtitle", BrowserTests.hostileSubtitle,
                      "--notes", BrowserTests.hostileNotes, "--countname", BrowserTests.hostileCount,
                      "--nametype", BrowserTests.hostileNameType, "--fonttype", BrowserTests.hostileFont, "--minwidth", "0"]
        func make(_ args: [String], _ output: String) throws {
            let r = try CLITests.run(args + ["-o", dir.appendingPathComponent(output).path])
            XCTAssertEqual(r.status, 0, "\(args): \(r.stderr)")
        }
        try make(["oncpu", on.path] + labels, "oncpu.svg")
        try make(["oncpu", on.path, "--inverted", "--reverse", "--hash", "--colors", "java"] + labels, "icicle.svg")
        try make(["offcpu", off.path] + labels, "offcpu.svg")
        try make(["both", perfText.path, off.path] + labels, "both.svg")
        try make(["both", on.path, off.path, "--layout", "stacked"] + labels, "stacked.svg")
        try make(["both", clockText.path, off.path, "--combined"] + labels, "combined.svg")
        try make(["diff", on.path, after.path] + labels, "diff.svg")
        try make(["diff", on.path, after.path, "--view", "panes"] + labels, "diff-panes.svg")
        try make(["oncpu", deep.path, "--minwidth", "0"], "deep.svg")
        for (args, folder) in [(["--oncpu", on.path, "--offcpu", off.path], "report"), (["--before", on.path, "--after", after.path], "compare")] {
            let r = try CLITests.run(["report"] + args + labels + ["-o", dir.appendingPathComponent(folder).path])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertFalse(r.stderr.contains("\u{1B}") || r.stderr.contains("\u{202E}"), "messages are escaped: \(r.stderr)")
        }
        let summary = try String(contentsOf: dir.appendingPathComponent("compare/summary.md"), encoding: .utf8)
        let heading = String(summary.prefix { $0 != "\n" })
        XCTAssertTrue(heading.hasSuffix("/in \\<img src=x onerror=alert('file')\\> \"q\" 'a'.folded → \(after.path)"), heading)

        let views = ["oncpu.svg", "icicle.svg", "offcpu.svg", "both.svg", "stacked.svg", "combined.svg", "diff.svg",
                     "diff-panes.svg", "report/oncpu.svg", "report/offcpu.svg", "report/both.svg", "compare/before-oncpu.svg",
                     "compare/after-oncpu.svg", "compare/diff-oncpu.svg", "deep.svg"]
        let shownNames = names.map(BrowserTests.shown)
        let plan: [String: Any] = [
            "mode": "hostile-views", "dir": dir.path, "outdir": BrowserTests.output.path, "views": views,
            "hover": [shownNames[0], shownNames[1], shownNames[3], shownNames[13], BrowserTests.hostileComm],
            "search": "alert|onerror", "click": shownNames[1], "urlSearch": "<svg onload=alert(1)>|onerror=",
        ]
        let planFile = dir.appendingPathComponent("plan.json")
        try JSONSerialization.data(withJSONObject: plan).write(to: planFile)
        let r = try BrowserTests.run(python, [BrowserTests.driver.path, planFile.path], timeout: 600)
        XCTAssertEqual(r.status, 0, r.stderr)
        try? r.stdout.write(to: BrowserTests.output.appendingPathComponent("hostile-views.json"))
        let report = try JSONDecoder().decode(Report.self, from: r.stdout)
        if let reason = report.skip { throw Live.skip(reason) }
        XCTAssertEqual(report.errors ?? ["no report"], [], "steps that failed in the browser")
        let severe = (report.console ?? []).filter { $0.level == "SEVERE" || $0.message.contains("Uncaught") }
        XCTAssertEqual(severe.map { "\($0.page): \($0.message)" }, [], "JavaScript errors in the console")

        let elements: Set<String> = ["svg", "desc", "defs", "linearGradient", "stop", "style", "script", "rect", "text", "g",
                                     "title", "line", "path"]
        let checked = report.hostileViews ?? [:]
        XCTAssertEqual(Set(checked.keys), Set(views), "every view was opened")
        for (name, v) in checked.sorted(by: { $0.key < $1.key }) {
            XCTAssertNil(v.dialog, "\(name): a dialog opened on load")
            XCTAssertNil(v.dialogLater, "\(name): a dialog opened after hover, search, zoom, keys and reloads")
            for audit in [v.before, v.after] {
                XCTAssertTrue(Set(audit.tags.keys).isSubset(of: elements), "\(name): elements \(audit.tags.keys.sorted())")
                XCTAssertEqual(audit.tags["script"], 1, "\(name): only flame's script")
                XCTAssertEqual(audit.scripts, 1, name)
                XCTAssertEqual(audit.handlers, ["svg@onload"], "\(name): only flame's own handler")
            }
            let titles = Set(v.before.titles)
            XCTAssertEqual(Set(v.after.titles), titles, "\(name): the frames are the same after the interactions")
            XCTAssertFalse(v.searched.isEmpty, name)
            XCTAssertTrue(v.urlSearched.contains { $0.hasPrefix("Matched: ") && $0 != "Matched: 0.00%" } || name == "deep.svg",
                          "\(name): a search from the URL: \(v.urlSearched)")
            guard name != "deep.svg" else {
                XCTAssertEqual(v.before.titles.count, 10_003, "every frame of the deep stack is drawn")
                continue
            }
            if ["both.svg", "combined.svg"].contains(name) {
                // perf script text: folded by stackcollapse-perf.pl's rules (names cut at "(").
                XCTAssertTrue(titles.contains("<script>alert"), "\(name): \(titles.sorted())")
            } else {
                for n in shownNames { XCTAssertTrue(titles.contains(n), "\(name): \(n.debugDescription) is a frame's text") }
                XCTAssertTrue(titles.contains("bad\u{FFFD}\u{FFFD}\u{FFFD}utf8"), name)
                XCTAssertEqual(v.hovered.count, 5, "\(name): every hostile frame was hovered")
                XCTAssertEqual(v.zoomed.compactMap { $0 }.first, shownNames[1], "\(name): the hostile frame zooms")
                XCTAssertEqual(v.reopened, v.zoomed, "\(name): and reopens from the URL")
            }
            let nameType = BrowserTests.shown(BrowserTests.hostileNameType)
            for h in v.hovered { XCTAssertTrue(h.contains(nameType + " "), "\(name): \(h)") }
            XCTAssertFalse(v.before.texts.joined().unicodeScalars.contains { $0.value == 0x202E || $0.value == 0x1B }, name)
        }
        if let single = checked["oncpu.svg"] {
            XCTAssertTrue(single.before.texts.contains(BrowserTests.shown(BrowserTests.hostileTitle)), "\(single.before.texts.prefix(3))")
            XCTAssertTrue(single.before.texts.contains { $0.hasPrefix(BrowserTests.shown(BrowserTests.hostileSubtitle)) })
            XCTAssertEqual(single.before.notes, BrowserTests.shown(BrowserTests.hostileNotes))
            XCTAssertTrue(single.hovered.first?.contains(BrowserTests.hostileCount) ?? false, "\(single.hovered)")
        }
        if let both = checked["both.svg"] {
            XCTAssertTrue(both.before.labels.contains("On-CPU (<img/src=x/onerror=alert('ev')>)"), "\(both.before.labels)")
        }
    }

    // MARK: - checks

    private func checkLoadAndZoom(_ report: Report, clicks: [String]) {
        guard let load = report.load, let click = report.click, click.count == 2 else {
            return XCTFail("no load or click report")
        }
        XCTAssertEqual(load.panes.count, 2)
        XCTAssertEqual(load.panes.map(\.title).first?.hasPrefix("On-CPU"), true)
        XCTAssertEqual(load.panes.last?.title, "Off-CPU")
        for p in load.panes {
            XCTAssertEqual(p.rootWidth, p.graphWidth, accuracy: 0.01, "the root spans its pane")
            XCTAssertNil(p.zoomed)
        }
        for (k, snap) in click.enumerated() {
            let pane = snap.panes[k]
            XCTAssertEqual(pane.zoomed?.name, clicks[k], "the clicked frame is the zoomed one")
            XCTAssertEqual(pane.zoomed?.width ?? 0, pane.graphWidth, accuracy: 0.01, "its width becomes the pane's")
            XCTAssertEqual(pane.zoomed?.x ?? 0, pane.left, accuracy: 0.01)
            XCTAssertTrue(pane.graphZoomed)
            XCTAssertEqual(pane.punzoomHidden, false, "the pane's Reset Zoom shows")
            XCTAssertFalse(snap.globalUnzoomHidden)
            XCTAssertEqual(snap.focus?.name, clicks[k])
        }
        XCTAssertNil(click[0].panes[1].zoomed, "zoom is per pane")
        XCTAssertTrue(click[0].url.contains("?x=") && click[0].url.contains("&y="), click[0].url)
        XCTAssertTrue(click[1].url.contains("&x1=") && click[1].url.contains("&y1="), click[1].url)

        if let reset = report.resetPane {
            XCTAssertFalse(reset.panes[0].graphZoomed)
            XCTAssertEqual(reset.panes[0].shown, 0, "the clones are dropped")
            XCTAssertEqual(reset.panes[1].zoomed?.name, clicks[1], "the other pane keeps its zoom")
            XCTAssertFalse(reset.url.contains("?x=") || reset.url.contains("&x="), reset.url)
        } else { XCTFail("no per-pane reset report") }

        if let all = report.resetAll {
            XCTAssertTrue(all.before.panes.allSatisfy { $0.zoomed != nil })
            XCTAssertTrue(all.after.panes.allSatisfy { $0.zoomed == nil && !$0.graphZoomed && $0.punzoomHidden == true })
            XCTAssertTrue(all.after.globalUnzoomHidden)
            XCTAssertFalse(all.after.url.contains("?"), all.after.url)
            for (a, b) in zip(all.after.panes, load.panes) { XCTAssertEqual(a.rootWidth, b.rootWidth) }
        } else { XCTFail("no global reset report") }

        if let hover = report.hover {
            XCTAssertTrue(hover.panes[1].details.hasPrefix("Function: \(clicks[1]) ("), hover.panes[1].details)
            XCTAssertTrue(hover.panes[1].details.contains("off-CPU"), hover.panes[1].details)
        } else { XCTFail("no hover report") }
    }

    private func checkSearch(_ report: Report, re: NSRegularExpression, panes: [Folded]) {
        guard let search = report.search else { return XCTFail("no search report") }
        XCTAssertEqual(search.searchButton, "Reset Search")
        XCTAssertTrue(search.url.hasSuffix("?s=start_thread%7Cmain%7C%5Erun%24"), search.url)
        for (k, folded) in panes.enumerated() {
            let pane = search.panes[k]
            XCTAssertEqual(pane.highlighted.count, folded.matchingNodes(re), "pane \(k): every matching frame, only those")
            XCTAssertTrue(pane.highlighted.allSatisfy { Folded.matches(re, $0) }, "\(pane.highlighted)")
            let expected = 100 * Double(folded.matchedWeight(re)) / Double(folded.total)
            XCTAssertGreaterThan(expected, 0, "the search must match in pane \(k)")
            XCTAssertEqual(Folded.percent(pane.matched) ?? -1, expected, accuracy: 0.011,
                           "pane \(k): \(pane.matched), expected \(expected)")
        }
        guard let state = report.urlState else { return XCTFail("no URL state report") }
        XCTAssertNil(state.dialog)
        XCTAssertTrue(state.before.url.contains("x1=") && state.before.url.contains("&s=start_thread"), state.before.url)
        XCTAssertEqual(state.after.url, state.before.url)
        for (a, b) in zip(state.after.panes, state.before.panes) {
            XCTAssertEqual(a.zoomed?.name, b.zoomed?.name, "the URL reopens the same zoom")
            XCTAssertNotNil(a.zoomed)
            XCTAssertEqual(a.zoomed?.width ?? 0, b.zoomed?.width ?? 1, accuracy: 0.01)
            XCTAssertEqual(a.matched, b.matched, "and the same search")
            XCTAssertTrue(a.matched.hasSuffix("of zoom)"), a.matched)
            XCTAssertEqual(a.highlighted, b.highlighted)
            XCTAssertEqual(a.shownHighlighted, b.shownHighlighted)
        }
    }

    private func checkKeyboard(_ report: Report, re: NSRegularExpression, clicks: [String], firstProcesses: [String]) {
        if let esc = report.escape {
            XCTAssertTrue(esc.first.panes.allSatisfy { $0.zoomed == nil }, "Escape resets the zooms first")
            XCTAssertTrue(esc.first.panes.allSatisfy { $0.matched.hasPrefix("Matched: ") }, "and keeps the search")
            XCTAssertTrue(esc.second.panes.allSatisfy { $0.matched == " " && $0.highlighted.isEmpty }, "then clears it")
            XCTAssertFalse(esc.second.url.contains("?"), esc.second.url)
        } else { XCTFail("no Escape report") }

        if let steps = report.nextMatch, steps.count == 3 {
            // A match is told apart by its pane and its place in the original graph (the URL's x, y).
            func at(_ s: Snapshot) -> (Int, String, String)? {
                guard let f = s.focus, let z = s.panes[f.pane].zoomed else { return nil }
                return (f.pane, z.name, s.url)
            }
            for s in steps {
                XCTAssertEqual(s.focus?.name, at(s)?.1, "n/N focus the match they zoom to")
                XCTAssertTrue(Folded.matches(re, s.focus?.name ?? ""), "\(String(describing: s.focus))")
            }
            XCTAssertEqual(at(steps[0])?.0, 0, "the first match is in the first pane")
            XCTAssertTrue(at(steps[0]).map { a in at(steps[1]).map { $0 != a } ?? false } ?? false, "n moves on")
            XCTAssertTrue(at(steps[0]).map { a in at(steps[2]).map { $0 == a } ?? false } ?? false, "N moves back")
        } else { XCTFail("no n/N report") }

        if let arrows = report.arrows, arrows.count == 10, firstProcesses.count == 2 {
            let (p1, p2) = (firstProcesses[0], firstProcesses[1])
            XCTAssertEqual(arrows.map { $0.focus?.name ?? "-" }, ["all", p1, p2, p1, "all", p1, p1, "-", "all", "all"],
                           "up: child, right/left: siblings, down: parent, up: back to the child; Enter zooms, "
                           + "Escape resets, right from a root: the next pane")
            XCTAssertEqual(arrows.map { $0.focus?.pane ?? -1 }, [0, 0, 0, 0, 0, 0, 0, -1, 0, 1])
            XCTAssertTrue(arrows[7].panes.allSatisfy { $0.zoomed == nil })
            for s in arrows where s.focus != nil {
                XCTAssertEqual(s.focus?.role, "img")
                XCTAssertTrue(s.focus.map { $0.label?.hasPrefix("\($0.name), ") ?? false } ?? false, "\(String(describing: s.focus))")
            }
            XCTAssertEqual(arrows[6].panes[0].zoomed?.name, p1, "Enter zooms the focused frame")
            XCTAssertEqual(arrows[6].focus?.clone, true)
        } else { XCTFail("no arrow key report") }
    }

    private func checkOtherViews(_ report: Report, clickedSingle: String) {
        XCTAssertEqual(report.views?.darkBackground, "rgb(30, 31, 34)", "prefers-color-scheme: dark applies")
        if let other = report.other {
            XCTAssertEqual(other["stacked"]?.panes.count, 2)
            if let s = other["stacked"], s.panes.count == 2 {
                XCTAssertEqual(s.panes[0].graphWidth, s.panes[1].graphWidth, "stacked panes are as wide as the image")
                XCTAssertEqual(s.panes[0].left, s.panes[1].left)
            }
            XCTAssertEqual(other["mixed"]?.panes.count, 2)
            XCTAssertEqual(other["mixed"]?.panes.first?.title.contains("cpu-clock"), true,
                           "one capture: the on-CPU pane shows its sampling event")
            XCTAssertEqual(other["combined"]?.panes.count, 1)
        } else { XCTFail("no report of the other views") }
        if let single = report.single {
            XCTAssertEqual(single.zoomed.panes.count, 1)
            XCTAssertEqual(single.zoomed.panes[0].zoomed?.name, clickedSingle)
            XCTAssertTrue(single.zoomed.url.contains("?x=") && !single.zoomed.url.contains("x1="), "old URL keys")
            XCTAssertEqual(single.reopened.panes[0].zoomed?.name, clickedSingle)
            XCTAssertEqual(single.reopened.panes[0].zoomed?.width ?? 0, single.zoomed.panes[0].graphWidth, accuracy: 0.01)
        } else { XCTFail("no single view report") }
    }

    private func checkHostile(_ report: Report) {
        guard let h = report.hostile else { return XCTFail("no hostile-name report") }
        XCTAssertNil(h.dialog, "no dialog opened on load")
        XCTAssertNil(h.dialogLater, "nor after hover, search, click and reload")
        XCTAssertEqual(h.counts.img, 0)
        XCTAssertEqual(h.after.img, 0)
        XCTAssertEqual(h.counts.script, 1, "only flame's own script")
        XCTAssertEqual(h.after.script, 1)
        let pieces = ["<img src=x onerror=alert(1)>", "\"]", "alert(1)", "//", "<script>alert(2)</script>",
                      "]]><script>alert(3)</script>", "x' onmouseover='alert(4)"]
        for piece in pieces {
            XCTAssertEqual(h.titles.filter { $0 == piece }.count, 2, "\(piece) is a frame's text in both panes")
        }
        XCTAssertEqual(h.hovered.count, 2)
        XCTAssertTrue(h.hovered.first?.hasPrefix("Function: <img src=x onerror=alert(1)> (") ?? false, "\(h.hovered)")
        XCTAssertEqual(h.searched.panes.map(\.highlighted), [["<img src=x onerror=alert(1)>"], ["<img src=x onerror=alert(1)>"]])
        XCTAssertEqual(h.searched.panes.map(\.matched), ["Matched: 30.00%", "Matched: 30.00%"])
        XCTAssertEqual(h.reopened.panes[0].zoomed?.name, "<img src=x onerror=alert(1)>", "a hostile frame reopens from the URL")
    }

    /// Broken frame-pointer stacks (a run of 120 `[unknown]` frames, and a thin tower of 100
    /// distinct frames holding 0.2% of the samples) must not push the graph off the first screen
    /// of an 1800×1000 window nor out of the PNG preview; drawn whole on request, they do.
    func testCollapsedRunsAndTheFirstScreenInChromium() throws {
        let python = try BrowserTests.python()
        let dir = try CLITests.makeTemporaryDirectory()
        var lines = ["app;main;parse;tokenize 3000", "app;main;parse 1500", "app;main;render;blend;mix 4000", "app;main;render 500",
                     "app;worker;start_thread;run_job 900"]
        lines.append("app;sccache;" + Array(repeating: "[unknown]", count: 120).joined(separator: ";") + ";poll 1500")
        lines.append("app;main;deep;" + (0..<100).map { "g\($0)" }.joined(separator: ";") + " 20")
        let input = dir.appendingPathComponent("tower.folded")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: input)
        for (args, name) in [([String](), "fits.svg"), (["--no-collapse-runs", "--max-depth", "0"], "whole.svg")] {
            let r = try CLITests.run(["oncpu", input.path, "-o", dir.appendingPathComponent(name).path] + args)
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let fits = try String(contentsOf: dir.appendingPathComponent("fits.svg"), encoding: .utf8)
        XCTAssertTrue(fits.contains("<title>[unknown] ×120\n"), "the run is one frame with its count")
        XCTAssertTrue(fits.contains("deeper frames]\n"), "the thin tower ends in a placeholder")
        XCTAssertTrue(fits.contains("--max-depth 0 draws them"), "and the graph says how to draw it")
        let plan: [String: Any] = ["mode": "first-screen", "dir": dir.path, "outdir": BrowserTests.output.path,
                                   "views": ["fits.svg", "whole.svg"], "width": 1800, "height": 1000, "click": "[unknown] ×120"]
        let planFile = dir.appendingPathComponent("plan.json")
        try JSONSerialization.data(withJSONObject: plan).write(to: planFile)
        let r = try BrowserTests.run(python, [BrowserTests.driver.path, planFile.path], timeout: 300)
        XCTAssertEqual(r.status, 0, r.stderr)
        struct View: Decodable {
            var innerHeight: Double; var documentHeight: Double; var rootTop: Double; var rootBottom: Double
            var names: [String]; var labels: [String]; var zoomedLabels: [String]?
        }
        struct FirstScreen: Decodable { var skip: String?; var errors: [String]?; var views: [String: View]? }
        let report = try JSONDecoder().decode(FirstScreen.self, from: r.stdout)
        if let reason = report.skip { throw Live.skip(reason) }
        XCTAssertEqual(report.errors ?? ["no report"], [])
        let views = try XCTUnwrap(report.views)
        let fit = try XCTUnwrap(views["fits.svg"]), whole = try XCTUnwrap(views["whole.svg"])
        XCTAssertGreaterThan(fit.rootTop, 0)
        XCTAssertLessThanOrEqual(fit.rootBottom, fit.innerHeight, "the root, and the bulk above it, on the first screen")
        XCTAssertTrue(fit.labels.contains("[unknown] ×120"), "\(fit.labels)")
        XCTAssertTrue(fit.zoomedLabels?.contains("[unknown] ×120") ?? false, "zoomed, the frame keeps its count: \(fit.zoomedLabels ?? [])")
        // The same stacks drawn whole are three screens tall: the test can tell.
        XCTAssertGreaterThan(whole.rootBottom, whole.innerHeight * 2)
        XCTAssertEqual(whole.names.filter { $0 == "[unknown]" }.count, 120)
        // The PNG preview of a report is as tall as the SVG (rsvg-convert draws the document).
        if (try CLITests.shell("command -v rsvg-convert")).0 == 0 {
            let png = dir.appendingPathComponent("fits.png").path
            let (status, log) = try CLITests.shell("rsvg-convert -o '\(png)' '\(dir.appendingPathComponent("fits.svg").path)'")
            XCTAssertEqual(status, 0, log)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: png))
            let height = bytes[20..<24].reduce(0) { $0 << 8 | Int($1) }
            XCTAssertLessThanOrEqual(Double(height), fit.innerHeight, "the preview holds the graph, not sky")
            XCTAssertEqual(Double(height), fit.documentHeight, accuracy: 1)
        }
    }

    // MARK: - plumbing

    /// A Python that can import Selenium: $FLAME_BROWSER_PYTHON, the venv install-deps.sh makes,
    /// or the system's.
    static func python() throws -> String {
        let venv = CLITests.root.appendingPathComponent(".build/browser-venv/bin/python3").path
        let candidates = [ProcessInfo.processInfo.environment["FLAME_BROWSER_PYTHON"], venv, "/usr/bin/python3"]
        for case let c? in candidates where FileManager.default.isExecutableFile(atPath: c) {
            if (try? run(c, ["-c", "import selenium"], timeout: 60).status) == 0 { return c }
        }
        throw Live.skip("no Python with Selenium (looked at $FLAME_BROWSER_PYTHON, \(venv), /usr/bin/python3): "
            + "run scripts/install-deps.sh")
    }

    /// Runs a program, killing it after `timeout` seconds.
    static func run(_ program: String, _ args: [String], timeout: TimeInterval) throws -> (status: Int32, stdout: Data, stderr: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: program)
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let watchdog = DispatchWorkItem { if p.isRunning { p.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        final class Box: @unchecked Sendable { var data = Data() }
        let errBox = Box()
        let group = DispatchGroup()
        group.enter()
        let reader = err.fileHandleForReading
        DispatchQueue.global().async { errBox.data = reader.readDataToEndOfFile(); group.leave() }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        watchdog.cancel()
        return (p.terminationStatus, data, String(decoding: errBox.data, as: UTF8.self))
    }
}

/// Folded stacks read back for the expected values, independently of the SVG.
struct Folded {
    var stacks: [(frames: [String], weight: UInt64)] = []

    init(_ data: Data) {
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            guard let space = line.lastIndex(of: " "), let w = UInt64(line[line.index(after: space)...]) else { continue }
            stacks.append((line[..<space].split(separator: ";", omittingEmptySubsequences: false).map(String.init), w))
        }
    }

    var total: UInt64 { stacks.reduce(0) { $0 + $1.weight } }

    /// Root children in the order the graph draws them (by bytes).
    var processes: [String] {
        Set(stacks.compactMap(\.frames.first)).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    var widestProcess: String {
        var by: [String: UInt64] = [:]
        for s in stacks { by[s.frames[0], default: 0] += s.weight }
        return by.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key ?? ""
    }

    /// Weight of the stacks passing through a matching frame: each counted once however many match.
    func matchedWeight(_ re: NSRegularExpression) -> UInt64 {
        stacks.filter { $0.frames.contains { Folded.matches(re, $0) } }.reduce(0) { $0 + $1.weight }
    }

    /// Frames of the merged tree (distinct paths) whose name matches.
    func matchingNodes(_ re: NSRegularExpression) -> Int {
        var paths = Set<[String]>()
        for s in stacks {
            for (i, f) in s.frames.enumerated() where Folded.matches(re, f) { paths.insert(Array(s.frames[...i])) }
        }
        return paths.count
    }

    static func matches(_ re: NSRegularExpression, _ s: String) -> Bool {
        re.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
    }

    /// 12.34 from "Matched: 12.34%" (or "Matched: 12.34% (...)").
    static func percent(_ text: String) -> Double? {
        guard let start = text.range(of: "Matched: "), let end = text.range(of: "%", range: start.upperBound..<text.endIndex) else { return nil }
        return Double(text[start.upperBound..<end.lowerBound])
    }
}

/// What drive.py reports (see its SNAPSHOT for the fields).
struct Report: Decodable {
    struct Zoomed: Decodable { var name: String; var x: Double; var width: Double }
    struct Focus: Decodable { var name: String; var pane: Int; var role: String?; var label: String?; var tabindex: String?; var clone: Bool }
    struct Pane: Decodable {
        var title: String
        var frames: Int
        var graphZoomed: Bool
        var zoomed: Zoomed?
        var shown: Int
        var shownHighlighted: Int
        var matched: String
        var details: String
        var highlighted: [String]
        var punzoomHidden: Bool?
        var graphWidth: Double
        var left: Double
        var rootX: Double
        var rootWidth: Double
    }
    struct Snapshot: Decodable {
        var url: String
        var globalUnzoomHidden: Bool
        var searchButton: String
        var focus: Focus?
        var panes: [Pane]
    }
    struct Console: Decodable { var level: String; var message: String; var page: String }
    struct BeforeAfter: Decodable { var before: Snapshot; var after: Snapshot }
    struct URLState: Decodable { var before: Snapshot; var after: Snapshot; var dialog: String? }
    struct Escape: Decodable { var first: Snapshot; var second: Snapshot }
    struct Views: Decodable { var darkBackground: String }
    struct Single: Decodable { var zoomed: Snapshot; var reopened: Snapshot }
    struct Counts: Decodable { var img: Int; var script: Int }
    struct Hostile: Decodable {
        var dialog: String?
        var dialogLater: String?
        var titles: [String]
        var counts: Counts
        var after: Counts
        var hovered: [String]
        var searched: Snapshot
        var clicked: Snapshot
        var reopened: Snapshot
    }

    var skip: String?
    var errors: [String]?
    var console: [Console]?
    var screenshots: [String]?
    var load: Snapshot?
    var click: [Snapshot]?
    var resetPane: Snapshot?
    var resetAll: BeforeAfter?
    var search: Snapshot?
    var urlState: URLState?
    var escape: Escape?
    var nextMatch: [Snapshot]?
    var arrows: [Snapshot]?
    var hover: Snapshot?
    var views: Views?
    var other: [String: Snapshot]?
    var single: Single?
    var hostile: Hostile?
    var hostileViews: [String: HostileView]?

    struct Audit: Decodable {
        var tags: [String: Int]
        var handlers: [String]
        var titles: [String]
        var texts: [String]
        var notes: String?
        var labels: [String]
        var scripts: Int
    }
    struct HostileView: Decodable {
        var dialog: String?
        var dialogLater: String?
        var before: Audit
        var after: Audit
        var hovered: [String]
        var searched: [String]
        var zoomed: [String?]
        var reopened: [String?]
        var urlSearched: [String]
    }
}

private typealias Snapshot = Report.Snapshot
