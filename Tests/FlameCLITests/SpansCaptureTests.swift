import Foundation
import XCTest
import TestSupport

/// `--spans` on live `flame record` captures of testdata/src/phases.c, a program that writes its
/// own phase spans (Chrome trace JSON on CLOCK_MONOTONIC) and measures each phase's wall and CPU
/// time: `flame top --spans` gives each phase the wall the program measured and the CPU it
/// measured (within sampling), exactly what `--time` of the phase's window gives, the report
/// compares two runs' phases, the SVG draws them, and bad span files or captures on another
/// clock are refused with exit 2 and nothing written. Needs perf and root (else skipped).
final class SpansCaptureTests: XCTestCase {
    struct Row {
        var name: String
        var values: [String: String]
        func ms(_ column: String) -> Double { Double(values[column] ?? "") ?? .nan }
    }

    /// The rows of `flame top --spans --format csv`, and its header.
    func table(_ args: [String]) throws -> (header: [String], rows: [Row]) {
        let r = try CLITests.run(["top"] + args + ["--format", "csv"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = String(decoding: r.stdout, as: UTF8.self).split(separator: "\n").map(String.init)
        let header = try XCTUnwrap(lines.first).split(separator: ",").map(String.init)
        let rows = lines.dropFirst().map { line -> Row in
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return Row(name: cells[0], values: Dictionary(uniqueKeysWithValues: zip(header, cells)))
        }
        return (header, rows)
    }

    /// The program's truth: name (spaces as _) -> (wall ms, cpu ms).
    func truth(_ path: String) throws -> [String: (wall: Double, cpu: Double)] {
        var out: [String: (wall: Double, cpu: Double)] = [:]
        for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n") {
            let f = line.split(separator: " ")
            out[String(f[0])] = (Double(f[1])! / 1000, Double(f[2])! / 1000)
        }
        return out
    }

    /// The sum of a folded output's weights.
    /// A window without any off-CPU time exits 2, saying so: a total of 0.
    func sum(_ args: [String]) throws -> (total: Double, lines: Int) {
        let r = try CLITests.run(args)
        if r.status == 2 && r.stderr.contains("no off-CPU time was counted") { return (0, 0) }
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = String(decoding: r.stdout, as: UTF8.self).split(separator: "\n")
        return (lines.reduce(0.0) { $0 + (Double($1.split(separator: " ").last ?? "0") ?? 0) }, lines.count)
    }

    /// Records phases.c with `flame record --spans` into `name`; returns (folder, spans, truth).
    func record(_ dir: String, _ name: String) throws -> (String, String, String) {
        let (rec, spans, truth) = (dir + "/" + name, dir + "/" + name + ".json", dir + "/" + name + ".truth")
        let r = try CLITests.run(["record", "-o", rec, "--spans", spans, "--", dir + "/bin/phases", spans, truth])
        XCTAssertEqual(r.status, 0, r.stderr)
        return (rec, spans, truth)
    }

    func testEachPhaseGetsTheWallAndCPUTheProgramMeasured() throws {
        let dir = try CLITests.liveWorkloads(scheduler: true)
        let (rec, spans, truthFile) = try record(dir, "rec")
        let measured = try truth(truthFile)
        let (header, rows) = try table([rec, "--spans", spans])
        XCTAssertEqual(Array(header.prefix(4)), ["name", "wall_ms", "oncpu_ms", "offcpu_ms"])
        XCTAssertEqual(Array(header.dropFirst(4).prefix(4)), ["sleeping_ms", "disk_ms", "runnable_ms", "other_ms"])
        // Every span, in order of start (the two compile threads start in either order).
        XCTAssertEqual(rows.map(\.name).sorted(), ["cc 1", "cc 2", "compile", "download", "link", "link.lto", "parse"])
        let starts = rows.map { $0.ms("start") }
        XCTAssertEqual(starts, starts.sorted(), "\(rows.map(\.name))")
        for row in rows {
            let truth = try XCTUnwrap(measured[row.name.replacingOccurrences(of: " ", with: "_")], row.name)
            // Span times are µs: the wall is exact.
            XCTAssertEqual(row.ms("wall_ms"), truth.wall, accuracy: 0.002, row.name)
            // The off-CPU split adds up to the off-CPU total.
            let split = ["sleeping_ms", "disk_ms", "runnable_ms", "other_ms"].map(row.ms).reduce(0, +)
            XCTAssertEqual(split, row.ms("offcpu_ms"), accuracy: 0.005, row.name)
            // Exactly what --time of the span's window gives: on-CPU ns, off-CPU µs per line.
            let window = try XCTUnwrap(row.values["start"]) + "," + (try XCTUnwrap(row.values["stop"]))
            let on = try sum(["fold", rec, "--time", window])
            XCTAssertEqual(row.ms("oncpu_ms"), on.total / 1e6, accuracy: 0.001, "\(row.name): --time \(window)")
            let off = try sum(["offcpu", rec, "--folded", "-o", "-", "--time", window])
            XCTAssertEqual(row.ms("offcpu_ms"), off.total / 1000, accuracy: Double(off.lines) * 0.001 + 0.002,
                           "\(row.name): --time \(window)")
        }
        func row(_ name: String) throws -> Row { try XCTUnwrap(rows.first { $0.name == name }, name) }
        // CPU per phase as the program measured it (all its threads), within sampling (1 ms ticks).
        for name in ["parse", "compile", "link", "link.lto"] {
            let cpu = try XCTUnwrap(measured[name]).cpu
            XCTAssertEqual(try row(name).ms("oncpu_ms"), cpu, accuracy: cpu * 0.1 + 5, "\(name): CPU the program measured")
        }
        for name in ["parse", "link", "link.lto"] { XCTAssertLessThan(try row(name).ms("sleeping_ms"), 5, name) }
        // compile: main sleeps in pthread_join while the two threads compute.
        XCTAssertGreaterThan(try row("compile").ms("sleeping_ms"), 0.8 * (try row("compile").ms("wall_ms")))
        // download sleeps: off-CPU, sleeping, for its whole wall; no CPU.
        let download = try row("download")
        XCTAssertEqual(download.ms("offcpu_ms"), download.ms("wall_ms"), accuracy: download.ms("wall_ms") * 0.05)
        // Mostly asleep; a loaded machine may keep it runnable for a while after the wakeup.
        XCTAssertGreaterThan(download.ms("sleeping_ms"), download.ms("wall_ms") * 0.8)
        XCTAssertLessThan(download.ms("oncpu_ms"), 5)
        // The record folder's summary has the phase table.
        let summary = try String(contentsOfFile: rec + "/summary.md", encoding: .utf8)
        XCTAssertTrue(summary.contains("## Phases"), summary)
        XCTAssertTrue(summary.contains("| `download` |"), summary)
        // A headline of its own: before the graphs.
        XCTAssertLessThan(try XCTUnwrap(summary.range(of: "## Phases")).lowerBound, try XCTUnwrap(summary.range(of: "## On-CPU")).lowerBound)
        // The text table says what it sums over.
        let text = try CLITests.run(["top", rec, "--spans", spans])
        XCTAssertEqual(text.status, 0, text.stderr)
        let first = String(decoding: text.stdout, as: UTF8.self).split(separator: "\n").first ?? ""
        XCTAssertTrue(first.contains("7 spans of") && first.contains("summed over"), String(first))
        // The SVG draws them on the strip, each with its window.
        let svgPath = dir + "/both.svg"
        let both = try CLITests.run(["both", rec, "--spans", spans, "-o", svgPath])
        XCTAssertEqual(both.status, 0, both.stderr)
        let svg = try String(contentsOfFile: svgPath, encoding: .utf8)
        XCTAssertTrue(svg.contains("<g id=\"spans\""), "no spans on the strip")
        XCTAssertEqual(svg.components(separatedBy: "<g class=\"span\"").count - 1, 7)
        XCTAssertTrue(svg.contains("<title>download · "), "a span's tooltip names it")
        // The strip's rows per thread (behind the toggle): main and the two compile threads,
        // each of those with the CPU it measured.
        let threads = try XCTUnwrap(svg.range(of: "<g id=\"sthreads\" display=\"none\">"), "no thread rows")
        let block = svg[threads.upperBound...].prefix { _ in true }
        let rowsText = String(block[..<(block.range(of: "</g>")?.lowerBound ?? block.endIndex)])
        let labels = rowsText.components(separatedBy: "<title>").dropFirst().map { $0.components(separatedBy: "</title>")[0] }
        // perf-exec: the program's thread before its exec, when a sample fell there (the process
        // rows show it too).
        XCTAssertEqual(labels.map { String($0.split(separator: " ")[0]) }.filter { $0 != "perf-exec" }.sorted(),
                       ["cc", "cc", "phases"], "\(labels)")
        let cc = labels.filter { $0.hasPrefix("cc ") }
        XCTAssertEqual(cc.count, 2, "\(labels)")
        for label in cc {
            let ms = try XCTUnwrap(label.components(separatedBy: " ms CPU").first?.split(separator: " ").last.flatMap { Double($0) }, label)
            XCTAssertEqual(ms, try XCTUnwrap(measured["cc_1"]).cpu, accuracy: 20, label)
        }
        XCTAssertTrue(svg.contains("id=\"stoggle\""), "no toggle")
        // The record folder keeps its spans: read without --spans, with a note saying so.
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: rec + "/spans.json")), try Data(contentsOf: URL(fileURLWithPath: spans)))
        let kept = try CLITests.run(["both", rec, "-o", dir + "/kept.svg"])
        XCTAssertEqual(kept.status, 0, kept.stderr)
        XCTAssertTrue(kept.stderr.contains("spans.json: note: the spans flame record kept"), kept.stderr)
        let keptSVG = try String(contentsOfFile: dir + "/kept.svg", encoding: .utf8)
        XCTAssertEqual(keptSVG.components(separatedBy: "<g class=\"span\"").count - 1, 7)
    }

    func testTheReportComparesTwoRunsPhaseByPhase() throws {
        let dir = try CLITests.liveWorkloads(scheduler: true)
        let (a, aSpans, _) = try record(dir, "cold")
        let (b, bSpans, _) = try record(dir, "hot")
        let out = dir + "/report"
        let r = try CLITests.run(["report", "--before", a, "--after", b, "--spans", aSpans, "--spans", bSpans, "-o", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        let summary = try String(contentsOfFile: out + "/summary.md", encoding: .utf8)
        let section = try XCTUnwrap(summary.range(of: "### Phases, "), summary)
        let rest = summary[section.upperBound...].prefix(3000)
        for name in ["parse", "download", "compile", "cc 1", "link.lto"] {
            XCTAssertTrue(rest.contains("| `\(name)` |"), "\(name) missing from the phase comparison:\n\(rest)")
        }
        // One spans file for two runs is refused.
        let one = try CLITests.run(["report", "--before", a, "--after", b, "--spans", aSpans, "-o", dir + "/r2"])
        XCTAssertNotEqual(one.status, 0)
        XCTAssertTrue(one.stderr.contains("one file per run"), one.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/r2"))
    }

    func testBadSpanFilesAndOtherClocksAreRefused() throws {
        let dir = try CLITests.liveWorkloads(scheduler: true)
        let (rec, spans, _) = try record(dir, "rec")
        func refused(_ args: [String], _ expected: String, file: StaticString = #filePath, line: UInt = #line) throws {
            let out = dir + "/out.svg"
            let r = try CLITests.run(args + ["-o", out])
            XCTAssertEqual(r.status, 2, "\(args): \(r.stderr)", file: file, line: line)
            XCTAssertTrue(r.stderr.contains(expected), "\(args): expected \(expected) in \(r.stderr)", file: file, line: line)
            XCTAssertEqual(r.stderr.split(separator: "\n").filter { $0.contains(expected) }.count, 1, r.stderr, file: file, line: line)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out), "\(args) wrote its output", file: file, line: line)
        }
        let garbage = dir + "/garbage.json"
        try Data("[{\"name\": \"a\", \"ph\": \"X\", \"ts\": oops}]".utf8).write(to: URL(fileURLWithPath: garbage))
        try refused(["oncpu", rec, "--spans", garbage], "garbage.json: byte 32: ts is not a number")
        try refused(["oncpu", rec, "--spans", dir + "/missing.json"], "missing.json")
        // Spans 1000 s after the capture.
        let text = try String(contentsOfFile: spans, encoding: .utf8)
        let later = try NSRegularExpression(pattern: "\"ts\": ([0-9]+)").stringByReplacingMatches(
            in: text, range: NSRange(text.startIndex..., in: text), withTemplate: "\"ts\": 9$1")
        try later.write(toFile: dir + "/later.json", atomically: true, encoding: .utf8)
        try refused(["both", rec, "--spans", dir + "/later.json"], "falls inside the capture")
        try Data("[]".utf8).write(to: URL(fileURLWithPath: dir + "/empty.json"))
        try refused(["oncpu", rec, "--spans", dir + "/empty.json"], "no span in it")
        // Text has no clock to place spans on.
        let script = CLITests.testdata.appendingPathComponent("cpuburn.perf.txt").path
        try refused(["oncpu", script, "--spans", spans], "spans need a perf.data capture")
        // A plain perf record is on perf's own clock: refused, saying what is needed.
        let (status, log) = try CLITests.shell("cd '\(dir)' && perf record -q -g -o plain.data -- bin/phases p.json p.truth 2>&1")
        XCTAssertEqual(status, 0, log)
        try refused(["oncpu", dir + "/plain.data", "--spans", dir + "/p.json"], "CLOCK_MONOTONIC")
        // --spans-offset places spans that count from their own 0 (here: a span file of one
        // phase at 0.1 s..0.2 s after the capture's first sample).
        let first = try XCTUnwrap(try table([rec, "--spans", spans]).rows.first?.values["start"].flatMap(Double.init))
        try Data("[{\"name\": \"rel\", \"ph\": \"X\", \"ts\": 100000, \"dur\": 100000}]".utf8)
            .write(to: URL(fileURLWithPath: dir + "/rel.json"))
        let rel = try table([rec, "--spans", dir + "/rel.json", "--spans-offset", String(first)])
        XCTAssertEqual(rel.rows.map(\.name), ["rel"])
        XCTAssertEqual(Double(rel.rows[0].values["start"] ?? "") ?? 0, first + 0.1, accuracy: 2e-6)
        XCTAssertEqual(rel.rows[0].ms("wall_ms"), 100, accuracy: 0.001)
        // flame record with a span file the program did not write: a warning, drawn without spans.
        let unread = try CLITests.run(["record", "-o", dir + "/r2", "--spans", dir + "/never.json", "--",
                                       dir + "/bin/phases", dir + "/other.json", dir + "/other.truth"])
        XCTAssertEqual(unread.status, 0, unread.stderr)
        XCTAssertTrue(unread.stderr.contains("never.json"), unread.stderr)
        let drawn = try String(contentsOfFile: dir + "/r2/summary.md", encoding: .utf8)
        XCTAssertFalse(drawn.contains("## Phases"), drawn)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/r2/both.svg"))
        // Misuse.
        let noSpans = try CLITests.run(["top", rec, "--spans-offset", "1"])
        XCTAssertNotEqual(noSpans.status, 0)
        XCTAssertTrue(noSpans.stderr.contains("--spans-offset needs --spans"), noSpans.stderr)
        let two = try CLITests.run(["top", rec, "--spans", spans, "--spans", spans])
        XCTAssertNotEqual(two.status, 0)
        XCTAssertTrue(two.stderr.contains("--spans takes one file here"), two.stderr)
    }
}
