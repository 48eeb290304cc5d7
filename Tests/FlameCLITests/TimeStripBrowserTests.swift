import Foundation
import XCTest
import TestSupport

/// The time strip of `flame both` on a live `flame record` capture of testdata/src/critpath.c,
/// in headless Chromium (`browser/range.py`): a range dragged with the mouse re-aggregates both
/// panes, and their totals equal what `--time` of the same range gives on the command line, to
/// within the weight of the two buckets the range's ends cut (the viewer counts those pro rata).
/// The range survives in the URL and a double-click clears it. A click on a span (`--spans`,
/// on a capture of testdata/src/phases.c) selects the span's window, with the same totals as
/// `--time` of it. Needs perf, root and Chromium.
final class TimeStripBrowserTests: XCTestCase {
    func perfTime(_ ns: Double) -> String {
        let t = UInt64(ns.rounded())
        let frac = String(t % 1_000_000_000)
        return "\(t / 1_000_000_000)." + String(repeating: "0", count: 9 - frac.count) + frac
    }

    /// The weight `flame fold` (on-CPU, ns) or `flame offcpu --folded` (µs, made ns) gives for `--time`
    /// (0 where the range has no off-CPU time, which exits 2 saying so).
    func weight(_ args: [String], time: String) throws -> (total: Double, lines: Int) {
        let r = try CLITests.run(args + ["--time", time])
        if r.status == 2 && r.stderr.contains("no off-CPU time was counted") { return (0, 0) }
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = String(decoding: r.stdout, as: UTF8.self).split(separator: "\n")
        let sum = lines.reduce(0.0) { $0 + (Double($1.split(separator: " ").last ?? "0") ?? 0) }
        return args.contains("--folded") ? (sum * 1000, lines.count) : (sum, lines.count)
    }

    /// Checks that pane `k`'s total in `range` (ns, the viewer's) is what `args` gives for `--time`
    /// of `time`, within the weight of the two buckets of `grid` (first bucket's start, width,
    /// quantum, cells) the range's ends fall in, the rounding of the SVG's per-bucket values to
    /// their quantum (half a quantum per cell: cpu-clock periods are not whole µs) and the µs
    /// rounding of folded off-CPU lines.
    func checkPane(_ k: Int, shown: Double, args: [String], time: String, range: [Double], grid: [Double], _ label: String) throws {
        let expected = try weight(args, time: time)
        let (t0, width) = (grid[0], grid[1])
        var slack = 0.0
        for end in range {
            let b = ((end - t0) / width).rounded(.down)
            let start = t0 + b * width
            slack += try weight(args, time: perfTime(start) + "," + perfTime(start + width - 1)).total
        }
        slack += args.contains("--folded") ? Double(expected.lines) * 1000 + 500_000 : 0
        if grid.count >= 4 { slack += grid[2] / 2 * grid[3] }
        XCTAssertEqual(shown, expected.total, accuracy: slack + 1, "\(label), pane \(k): the viewer shows \(shown), --time \(time) "
            + "gives \(expected.total), boundary buckets \(slack)")
    }

    func testADraggedRangeReaggregatesThePanesAsTimeDoes() throws {
        let python = try BrowserTests.python()
        let dir = try CLITests.liveWorkloads(scheduler: true)
        let rec = dir + "/rec"
        let r = try CLITests.run(["record", "-o", rec, "--", dir + "/bin/critpath", dir + "/truth"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let svg = dir + "/both.svg"
        let both = try CLITests.run(["both", rec, "-o", svg])
        XCTAssertEqual(both.status, 0, both.stderr)
        try FileManager.default.createDirectory(at: BrowserTests.output, withIntermediateDirectories: true)
        let driver = CLITests.root.appendingPathComponent("Tests/FlameCLITests/browser/range.py").path
        let shot = BrowserTests.output.appendingPathComponent("time-range.png").path
        let run = try BrowserTests.run(python, [driver, svg, "0.2", "0.6", shot], timeout: 180)
        XCTAssertEqual(run.status, 0, run.stderr)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: run.stdout) as? [String: Any], run.stderr)
        if let reason = report["skip"] as? String { throw Live.skip(reason) }
        let range = try XCTUnwrap(report["range"] as? [Double], "\(report)")
        let time = perfTime(range[0]) + "," + perfTime(range[1])
        let strip = try XCTUnwrap(report["strip"] as? [Double])
        // The drag covered 20% to 60% of the strip.
        XCTAssertEqual((range[1] - range[0]) / (strip[1] - strip[0]), 0.4, accuracy: 0.02, "\(report)")
        let grids = try XCTUnwrap(report["buckets"] as? [[Double]])
        for (k, args) in [["fold", rec], ["offcpu", rec, "--folded", "-o", "-"]].enumerated() {
            let shown = try XCTUnwrap(report["total\(k)"] as? Double, "\(report)")
            XCTAssertGreaterThan(try weight(args, time: time).total, 0, "pane \(k): --time \(time) kept nothing")
            try checkPane(k, shown: shown, args: args, time: time, range: range, grid: grids[k], "the dragged range")
        }
        XCTAssertTrue((report["url"] as? String ?? "").contains("t=" + perfTime(range[0]).prefix(10)), "\(report)")
        XCTAssertTrue((report["text"] as? String ?? "").contains("--time "), "\(report)")
        XCTAssertGreaterThanOrEqual(report["zoomed"] as? Int ?? -1, 0, "a zoom inside the range: \(report)")
        let reopened = try XCTUnwrap(report["reopened"] as? [Any])
        let again = try XCTUnwrap(reopened[0] as? [Double], "the URL did not bring the range back: \(report)")
        XCTAssertEqual(again[0], range[0], accuracy: 2)
        XCTAssertEqual(again[1], range[1], accuracy: 2)
        XCTAssertEqual(reopened[1] as? Double ?? -1, report["total0"] as? Double ?? -2, accuracy: 1)
        let cleared = try XCTUnwrap(report["cleared"] as? [Any])
        XCTAssertTrue(cleared[0] is NSNull, "a double-click did not clear the range: \(report)")
        XCTAssertFalse((report["clearedURL"] as? String ?? "t=").contains("t="), "\(report)")
        XCTAssertEqual((report["console"] as? [String])?.isEmpty, true, "console errors: \(report)")
    }

    func testClickingASpanSelectsItsWindowAsTimeDoes() throws {
        let python = try BrowserTests.python()
        let dir = try CLITests.liveWorkloads(scheduler: true)
        let (rec, spans) = (dir + "/rec", dir + "/spans.json")
        let r = try CLITests.run(["record", "-o", rec, "--spans", spans, "--", dir + "/bin/phases", spans, dir + "/truth"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let svg = dir + "/both.svg"
        let both = try CLITests.run(["both", rec, "--spans", spans, "-o", svg])
        XCTAssertEqual(both.status, 0, both.stderr)
        try FileManager.default.createDirectory(at: BrowserTests.output, withIntermediateDirectories: true)
        let driver = CLITests.root.appendingPathComponent("Tests/FlameCLITests/browser/spans.py").path
        let shot = BrowserTests.output.appendingPathComponent("time-spans.png").path
        let run = try BrowserTests.run(python, [driver, svg, shot], timeout: 180)
        XCTAssertEqual(run.status, 0, run.stderr)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: run.stdout) as? [String: Any], run.stderr)
        if let reason = report["skip"] as? String { throw Live.skip(reason) }
        let clicks = try XCTUnwrap(report["clicks"] as? [[String: Any]])
        XCTAssertEqual(clicks.count, 7, "every span is drawn and clickable: \(report)")
        let grids = try XCTUnwrap(report["buckets"] as? [[Double]])
        for click in clicks {
            let span = try XCTUnwrap(click["span"] as? [Double]), name = click["name"] as? String ?? "?"
            let range = try XCTUnwrap(click["range"] as? [Double], "\(name): the click selected nothing: \(click)")
            XCTAssertEqual(range[0], span[0], accuracy: 1, name)
            XCTAssertEqual(range[1], span[1], accuracy: 1, name)
            let time = perfTime(span[0]) + "," + perfTime(span[1])
            for (k, args) in [["fold", rec], ["offcpu", rec, "--folded", "-o", "-"]].enumerated() {
                let shown = try XCTUnwrap(click["total\(k)"] as? Double, "\(click)")
                try checkPane(k, shown: shown, args: args, time: time, range: range, grid: grids[k], name)
            }
        }
        XCTAssertEqual(report["rows"] as? [String], ["process", "thread", "process"], "the rows toggle: \(report)")
        XCTAssertEqual((report["console"] as? [String])?.isEmpty, true, "console errors: \(report)")
    }
}
