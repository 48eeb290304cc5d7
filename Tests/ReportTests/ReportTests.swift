import XCTest
import TestSupport
@testable import SVGRender
@testable import Report
@testable import ProfileModel
@testable import Fold
import PerfData

/// Tables and Markdown reports, read back the way GitHub reads them.
final class ReportTests: XCTestCase {
    func profile(_ text: String, unit: WeightUnit = .nanoseconds("cpu-clock")) throws -> Profile {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rt-\(UUID().uuidString).folded").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { unlink(path) }
        let p = try ProfileLoader.load(path: path).0
        p.unit = unit
        return p
    }

    /// The tables of a GitHub Markdown document (see `MarkdownTables`).
    static func tables(_ md: String) -> [[[String]]] { MarkdownTables.parse(md) }

    func testTableFormatsKeepHostileNamesInert() {
        let evil = "<img src=x onerror=alert(1)>|`x`[link](http://e)\nnext"
        let t = TextTable(header: ["Self", "Function"], rows: [["1.00 ms", evil], ["2.00 ms", "a,\"b\""]],
                          rightAligned: [0], code: [1])
        let md = t.render(.md)
        XCTAssertEqual(md.split(separator: "\n").count, 4, md)
        // The name is one code span (no link, image or HTML is rendered from it), on one line.
        XCTAssertTrue(md.contains("``<img src=x onerror=alert(1)>\\|`x`[link](http://e)\\u{a}next``"), md)
        let back = ReportTests.tables(md)
        XCTAssertEqual(back.first?.count, 3)
        XCTAssertEqual(t.render(.csv), "Self,Function\n1.00 ms,<img src=x onerror=alert(1)>|`x`[link](http://e)\\u{a}next\n2.00 ms,\"a,\"\"b\"\"\"\n")
        XCTAssertEqual(t.render(.tsv).split(separator: "\n").count, 3)
        let text = t.render(.text).split(separator: "\n")
        XCTAssertEqual(text.count, 4)
        XCTAssertTrue(text[2].hasPrefix("1.00 ms  "))
    }

    /// A command line as the summary's title: one code span, outside a table (so a `|` stays as
    /// written, no backslash), whatever the command holds.
    func testCommandTitlesAreOneCodeSpan() throws {
        let p = try profile("app;main 1000000\n")
        let md = MarkdownReport.summary(title: "sh -c 'make | tee `log`'\n# x", command: true,
                                        graphs: [ReportGraph(title: "On-CPU", profile: p, svg: "oncpu.svg")], limit: 10)
        let title = String(md.prefix { $0 != "\n" })
        XCTAssertEqual(title, "# ``sh -c 'make | tee `log`'\\u{a}# x``")
        XCTAssertEqual(TextTable.codeSpan("a|b"), "`a\\|b`", "in a table cell")
        XCTAssertEqual(TextTable.codeSpan("a|b", inTable: false), "`a|b`")
    }

    func testSummaryTablesAddUpToTheTotal() throws {
        let p = try profile("app;main;parse 30000000\napp;main;render;blend 50000000\napp;main 5000000\ntool;run 15000000\n")
        let md = MarkdownReport.summary(title: "CPU", graphs: [ReportGraph(title: "On-CPU", profile: p, svg: "oncpu.svg")], limit: 10)
        XCTAssertTrue(md.contains("CPU time: **100 ms**"), md)
        let tables = ReportTests.tables(md)
        XCTAssertEqual(tables.count, 3, md)
        // Processes: totals add up to the profile's total, shares to 100%.
        let processes = tables[0].dropFirst()
        XCTAssertEqual(processes.map { $0[2] }, ["app", "tool"])
        XCTAssertEqual(processes.map { $0[0] }, ["85.0 ms", "15.0 ms"])
        XCTAssertEqual(processes.reduce(0.0) { $0 + Double($1[1].dropLast())! }, 100, accuracy: 0.01)
        // Functions by self: every sample ends in one function or its process.
        let selfRows = tables[1].dropFirst()
        XCTAssertEqual(selfRows.map { $0[4] }, ["blend", "parse", "run", "main"])
        XCTAssertEqual(selfRows.reduce(0.0) { $0 + Double($1[1].dropLast())! }, 100, accuracy: 0.01)
        XCTAssertEqual(tables[2].dropFirst().first?[4], "main")
        XCTAssertEqual(tables[2].dropFirst().first?[0], "85.0 ms")
        XCTAssertTrue(md.contains("every frame has a name and is drawn"), md)
    }

    /// Loss counts near the top of UInt64 (a damaged file) are shown as they are, events and
    /// samples apart, never added; a state other than R, S and D, and idle time, get columns.
    func testLossesAndOddStatesAreShownApart() throws {
        XCTAssertEqual(PerfReadReport.saturating(.max - 1, 5), .max)
        XCTAssertEqual(PerfReadReport.saturating(2, 3), 5)
        let p = try profile("app;main 1000000\n")
        var row = ProcessTable.Row(pid: 10, ppid: 1, comm: "app", executable: "app", start: nil, end: nil, threads: 2, key: 0)
        row.onCPU = 1_000_000
        var off = OffCPUStates()
        off[.sleeping] = 2_000_000
        off[.other] = 3_000_000
        row.offCPU = off
        row.idleThreads = 1
        row.idleNanoseconds = 4_000_000
        var table = ProcessTable(rows: [row], captureStart: 0, captureEnd: 10_000_000, selected: false)
        table.lostEvents = .max - 1
        table.lostSamples = 5
        p.processes = table
        let facts = CaptureFacts(on: p, off: nil, summary: nil)
        XCTAssertTrue(facts.parts.contains("lost: 18,446,744,073,709,551,614 events, 5 samples"), "\(facts.parts)")
        XCTAssertTrue(facts.markdown.contains("18,446,744,073,709,551,614 events (LOST), 5 samples (LOST_SAMPLES)"), facts.markdown)
        let processes = try XCTUnwrap(facts.processTable(limit: 5))
        XCTAssertEqual(Array(processes.header.suffix(6)), ["On-CPU", "Off-CPU R", "S", "D", "Other", "Idle"])
        XCTAssertEqual(Array(processes.rows[0].suffix(5)), ["0", "2.00 ms", "0", "3.00 ms", "4.00 ms"])
        let groups = try XCTUnwrap(facts.groupTable(limit: 5))
        XCTAssertEqual(Array(groups.header.suffix(6)), ["Off-CPU R", "S", "D", "Other", "Idle", "Lifetime (sum)"])
        let totals = MarkdownReport.totalsTable(facts, facts)
        XCTAssertTrue(totals.rows.contains(["Events lost (LOST)", "18,446,744,073,709,551,614", "18,446,744,073,709,551,614", ""]))
        XCTAssertTrue(totals.rows.contains(["Samples lost (LOST_SAMPLES)", "5", "5", ""]))
    }

    func testComparisonListsIncreasesAndDecreases() throws {
        let before = try profile("p;main;spin_a 100\np;main;spin_b 100\np;main;old_path 50\n", unit: .samples)
        let after = try profile("p;main;spin_a 200\np;main;spin_b 100\np;main;new_path 50\n", unit: .samples)
        let diff = ProfileDiff(before: before, after: after, normalize: false)
        let md = MarkdownReport.comparison(
            title: "before vs after",
            before: ComparisonSide(name: "before", on: ReportGraph(title: "before", profile: before, svg: "before.svg"), off: nil,
                                   facts: CaptureFacts(on: before, off: nil, summary: nil)),
            after: ComparisonSide(name: "after", on: ReportGraph(title: "after", profile: after, svg: "after.svg"), off: nil,
                                  facts: CaptureFacts(on: after, off: nil, summary: nil)),
            diffs: [ComparisonGraph(kind: "on-CPU", diff: diff, svg: "diff.svg", png: nil)], limit: 5)
        let tables = ReportTests.tables(md)
        // The totals as measured lead: 250 samples before, 350 after.
        XCTAssertEqual(tables[0].dropFirst().first { $0[0] == "On-CPU" }, ["On-CPU", "250 samples", "350 samples", "+100 samples (+40.0%)"])
        let increases = tables[1].dropFirst().map { [$0[4], $0[2], $0[3]] }
        XCTAssertEqual(increases, [["main", "+100", "+40.0%"], ["spin_a", "+100", "+100.0%"], ["new_path", "+50", "new"]])
        let decreases = tables[2].dropFirst().map { [$0[4], $0[2], $0[3]] }
        XCTAssertEqual(decreases, [["old_path", "-50", "gone"]])
    }
}
