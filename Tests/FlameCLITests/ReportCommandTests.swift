import XCTest
import TestSupport

/// `flame report` and `flame top` on committed captures: the folder holds what summary.md links
/// to, and its tables, read back, agree with the totals flame prints elsewhere.
final class ReportCommandTests: XCTestCase {
    let mixed = CLITests.testdata.appendingPathComponent("offcpu/waiter.mixed.data").path

    /// Rows of the Markdown tables (cells unescaped, code spans opened).
    static func tables(_ md: String) -> [[[String]]] { MarkdownTables.parse(md) }

    func foldedTotal(_ args: [String]) throws -> Double {
        let r = try CLITests.run(args)
        XCTAssertEqual(r.status, 0, r.stderr)
        return String(decoding: r.stdout, as: UTF8.self).split(separator: "\n").reduce(0.0) { $0 + Double($1.split(separator: " ").last!)! }
    }

    func testReportFolderAndSummaryAgreeWithFlame() throws {
        let dir = try CLITests.makeTemporaryDirectory().appendingPathComponent("report").path
        let r = try CLITests.run(["report", "--oncpu", mixed, "--offcpu", mixed, "-o", dir, "--limit", "50"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let md = try String(contentsOfFile: dir + "/summary.md", encoding: .utf8)
        for file in ["oncpu.svg", "offcpu.svg", "both.svg"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/" + file), file)
            XCTAssertTrue(md.contains("(\(file))"), "summary.md links \(file)")
        }
        let rsvg = (try CLITests.shell("command -v rsvg-convert")).0 == 0
        for png in ["oncpu.png", "offcpu.png", "both.png"] {
            XCTAssertEqual(FileManager.default.fileExists(atPath: dir + "/" + png), rsvg, png)
            XCTAssertEqual(md.contains("(\(png))"), rsvg, png)
        }
        if !rsvg { XCTAssertTrue(md.contains("rsvg-convert is not installed"), md) }

        // On-CPU: 155 samples of 1 ms; off-CPU: what `flame offcpu --folded` measures (µs).
        XCTAssertTrue(md.contains("CPU time: **155 ms** · samples: 155"), md)
        let offMicroseconds = try foldedTotal(["offcpu", mixed, "--folded", "-o", "-"])
        let tables = ReportCommandTests.tables(md)
        // Processes by command; per graph: by thread name, by self, by total; the critical path's
        // top frames by self and by total and its processes (the capture has its wakeups); every process.
        XCTAssertEqual(tables.count, 11, md)
        XCTAssertTrue(md.contains("## Critical path\n\nwall ") && md.contains("(critical.svg)"), md)
        func ms(_ s: String) -> Double {
            let parts = s.split(separator: " ")
            let v = Double(parts[0])!
            switch parts[1] { case "s": return v * 1000; case "ms": return v; case "µs": return v / 1000; default: return v / 1e6 }
        }
        // Each process table adds up to its graph's total; shares to 100%.
        for (k, total) in [(1, 155.0), (4, offMicroseconds / 1000)] {
            let rows = tables[k].dropFirst()
            XCTAssertEqual(rows.reduce(0.0) { $0 + ms($1[0]) }, total, accuracy: total * 0.01 + Double(rows.count) * 0.05, "table \(k)")
            XCTAssertEqual(rows.reduce(0.0) { $0 + Double($1[1].dropLast())! }, 100, accuracy: 0.05 * Double(rows.count))
        }
        // Off-CPU self is where threads blocked: the napper's nanosleep is there (in the kernel's
        // do_nanosleep, or where kernel symbols of the capture's kernel are not to be had here,
        // in libc's wrapper, not in an unnamed kernel frame).
        let where_ = r.stderr.contains("kernel frames stay [unknown]") ? "clock_nanosleep@GLIBC_2.2.5" : "do_nanosleep"
        XCTAssertTrue(tables[5].contains { $0[4] == where_ }, "\(tables[5])")
    }

    /// A capture of scheduler tracepoints alone (waiter.sched.data: `perf sched record -g`) has no
    /// on-CPU samples: a comparison draws its off-CPU difference only, and one report of it as
    /// both views is refused, rather than drawing switch counts as CPU time.
    func testTracepointOnlyCapturesHaveNoOnCPUView() throws {
        let sched = CLITests.testdata.appendingPathComponent("offcpu/waiter.sched.data").path
        let dir = try CLITests.makeTemporaryDirectory().path
        let r = try CLITests.run(["report", "--before", sched, "--after", sched, "-o", dir + "/cmp"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("\(sched): warning: no on-CPU samples: the on-CPU difference is not drawn"), r.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/cmp/diff-offcpu.svg"))
        for file in ["diff-oncpu.svg", "before-oncpu.svg", "after-oncpu.svg"] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/cmp/" + file), file)
        }
        let md = try String(contentsOfFile: dir + "/cmp/summary.md", encoding: .utf8)
        XCTAssertFalse(md.contains("On-CPU difference"), md)
        XCTAssertTrue(md.contains("Numbers are as measured (not normalized)"), md)
        let both = try CLITests.run(["report", "--oncpu", sched, "--offcpu", sched, "-o", dir + "/one"])
        XCTAssertEqual(both.status, 2, both.stderr)
        XCTAssertTrue(both.stderr.split(separator: "\n").last?.hasPrefix("flame: \(sched): no on-CPU samples: the capture holds only tracepoints") ?? false,
                      both.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/one/summary.md"))
    }

    func testTopFormats() throws {
        let text = try CLITests.run(["top", mixed, "--limit", "5"])
        XCTAssertEqual(text.status, 0, text.stderr)
        let out = String(decoding: text.stdout, as: UTF8.self)
        XCTAssertTrue(out.contains("155 ms CPU time (cpu-clock/period=1000000/)"), out)
        XCTAssertTrue(out.contains("Top 5 functions by self CPU time"), out)
        let csv = try CLITests.run(["top", mixed, "--format", "csv"])
        let rows = String(decoding: csv.stdout, as: UTF8.self).split(separator: "\n")
        XCTAssertEqual(rows.first, "kind,name,self_ns,total_ns")
        // Process totals add up to the profile: 155 samples of 1 ms.
        let processes = rows.filter { $0.hasPrefix("process,") }.map { UInt64($0.split(separator: ",")[3])! }
        XCTAssertEqual(processes.reduce(0, +), 155_000_000)
        let md = try CLITests.run(["top", mixed, "--offcpu", "--format", "md", "--limit", "3"])
        // Processes by command (perf.data has them), thread names, functions by self and by total.
        let mdTables = ReportCommandTests.tables(String(decoding: md.stdout, as: UTF8.self))
        XCTAssertEqual(mdTables.count, 4)
        XCTAssertEqual(mdTables.first?.first?.first, "Command")
    }

    /// One side of a comparison may be text on standard input: it is read whole (its start, which
    /// the format detection read, included), so it compares equal to the same text as a file.
    func testComparisonSideOnStandardInput() throws {
        let text = CLITests.testdata.appendingPathComponent("cpuburn.perf.txt").path
        let dir = try CLITests.makeTemporaryDirectory().appendingPathComponent("report").path
        let r = try CLITests.run(["report", "--before", "-", "--after", text, "-o", dir], stdin: try Data(contentsOf: URL(fileURLWithPath: text)))
        XCTAssertEqual(r.status, 0, r.stderr)
        let md = try String(contentsOfFile: dir + "/summary.md", encoding: .utf8)
        let onCPU = try XCTUnwrap(ReportCommandTests.tables(md).first?.first { $0.first == "On-CPU" }, md)
        XCTAssertEqual(onCPU.count, 4, md)
        XCTAssertEqual(onCPU[1], onCPU[2], "the same capture on both sides: \(onCPU)")
        XCTAssertNotEqual(onCPU[1], "0", md)
    }
}
