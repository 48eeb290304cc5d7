import Foundation
import XCTest

/// `flame both`: which events feed which pane, the inputs it accepts and refuses.
final class BothCommandTests: XCTestCase {
    let testdata = CLITests.testdata
    var mixed: String { testdata.appendingPathComponent("offcpu/waiter.mixed.data").path }

    private func both(_ args: [String]) throws -> (CLITests.Result, String) {
        let out = try CLITests.makeTemporaryDirectory().appendingPathComponent("both.svg")
        let r = try CLITests.run(["both"] + args + ["-o", out.path])
        return (r, (try? String(contentsOf: out, encoding: .utf8)) ?? "")
    }

    /// Text of every element with this class, in order.
    private func texts(_ svg: String, class name: String) -> [String] {
        svg.components(separatedBy: "class=\"\(name)\"").dropFirst().compactMap { part in
            guard let gt = part.firstIndex(of: ">"), let lt = part[gt...].firstIndex(of: "<") else { return nil }
            return String(part[part.index(after: gt)..<lt])
        }
    }

    /// data-v of the first frame (the root) after each pane's start.
    private func rootTotals(_ svg: String) -> [UInt64] {
        svg.components(separatedBy: "<g class=\"graph\">").dropFirst().compactMap { part in
            guard let v = part.range(of: "data-v=\""), let end = part[v.upperBound...].firstIndex(of: "\"") else { return nil }
            return UInt64(part[v.upperBound..<end])
        }
    }

    func testOneMixedCaptureFeedsBothPanes() throws {
        let (r, svg) = try both([mixed])
        XCTAssertEqual(r.status, 0, r.stderr)
        let titles = texts(svg, class: "ptitle")
        XCTAssertEqual(titles, ["On-CPU (cpu-clock/period=1000000/)", "Off-CPU"], "the sampling event, then the scheduler's")
        // The on-CPU pane is the capture's cpu-clock samples, weighted 1 ms each (the fixed period,
        // which perf fills in: `flame fold` of the file, which picks the same event, says so too).
        let oncpu = try CLITests.run(["fold", mixed])
        XCTAssertTrue(oncpu.stderr.contains("showing cpu-clock/period=1000000/ (the sampling event among tracepoints"), oncpu.stderr)
        let weight = String(decoding: oncpu.stdout, as: UTF8.self).split(separator: "\n")
            .compactMap { $0.split(separator: " ").last.flatMap { UInt64($0) } }.reduce(0, +)
        let samples = weight / 1_000_000
        XCTAssertGreaterThan(samples, 100)
        XCTAssertEqual(weight % 1_000_000, 0)
        let totals = rootTotals(svg)
        XCTAssertEqual(totals.first, weight)
        XCTAssertEqual(texts(svg, class: "psub").first, "CPU time: \(samples) ms in \(samples) samples")
        // The off-CPU pane is what `flame offcpu` measures in the same file.
        let off = try CLITests.run(["offcpu", mixed, "--folded"])
        let offMicros = String(decoding: off.stdout, as: UTF8.self).split(separator: "\n")
            .compactMap { $0.split(separator: " ").last.flatMap { UInt64($0) } }.reduce(0, +)
        XCTAssertEqual(Double(totals.last ?? 0) / 1000, Double(offMicros), accuracy: Double(offMicros) * 0.001)
        XCTAssertTrue(r.stderr.contains("flame: off-CPU: "), "the off-CPU summary goes to stderr: \(r.stderr)")
        // The headline first: the capture's wall time, then the totals and what they sum over.
        let headline = try XCTUnwrap(svg.components(separatedBy: "id=\"subtitle\" x=\"900\" y=\"48\">").dropFirst().first?
            .components(separatedBy: "</text>").first)
        XCTAssertTrue(headline.hasPrefix("wall 197 ms · on-CPU \(samples) ms in 3 processes · off-CPU "), headline)
        XCTAssertTrue(headline.contains(" of thread time over 15 threads"), headline)
        XCTAssertTrue(svg.contains("data-panes=\"2\""))
    }

    func testTwoInputsByPositionOrByOption() throws {
        let on = testdata.appendingPathComponent("threads.data").path
        let off = testdata.appendingPathComponent("offcpu/waiter.sched.data").path
        let (r1, a) = try both([on, off])
        let (r2, b) = try both(["--offcpu", off, "--oncpu", on])
        let (r3, c) = try both(["--offcpu", off, on, "--layout", "stacked"])
        for r in [r1, r2, r3] { XCTAssertEqual(r.status, 0, r.stderr) }
        XCTAssertEqual(a, b)
        XCTAssertEqual(rootTotals(a), rootTotals(c))
        XCTAssertTrue(a.contains("width=\"1800\""), "side by side defaults to 1800 px")
        XCTAssertTrue(c.contains("width=\"1200\""), "stacked to 1200 px")
        XCTAssertTrue(a.contains("data-x=\"900\" data-width=\"900\""))
    }

    func testCombinedNeedsOnCPUTime() throws {
        let dir = try CLITests.makeTemporaryDirectory()
        let folded = dir.appendingPathComponent("on.folded")
        try Data("app;main;work 30\n".utf8).write(to: folded)
        let off = testdata.appendingPathComponent("offcpu/waiter.sched.data").path
        let (r, svg) = try both([folded.path, off, "--combined"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(svg.isEmpty, "no output")
        let last = r.stderr.split(separator: "\n").last.map(String.init) ?? ""
        XCTAssertEqual(last, "flame: \(folded.path): --combined needs on-CPU time, but the weights are sample counts "
            + "(no period: folded stacks or text without one), which cannot be added to off-CPU nanoseconds; sample "
            + "with cpu-clock or task-clock (perf.data or perf script text), or drop --combined")

        let (ok, hotCold) = try both([mixed, "--combined"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertTrue(hotCold.contains("data-panes=\"1\""))
        XCTAssertTrue(hotCold.contains(" on-CPU, "), "tooltips split the time")
    }

    func testRefusals() throws {
        let (sched, _) = try both([testdata.appendingPathComponent("sched.data").path])
        XCTAssertEqual(sched.status, 2)
        XCTAssertTrue(sched.stderr.hasSuffix("no on-CPU samples: the capture holds only tracepoints; record a sampling "
            + "event next to them (perf record -a -g -e cpu-clock/period=1000000/ -e sched:sched_switch -- CMD) or name "
            + "the on-CPU input with --oncpu\n"), sched.stderr)
        let stdin = try CLITests.run(["both", "-"], stdin: Data("a;b 1\n".utf8))
        XCTAssertEqual(stdin.status, 2)
        XCTAssertEqual(stdin.stderr, "flame: <stdin>: text input for both views must be a file, not standard input (each view "
            + "reads it once; perf.data may come from a pipe)\n")
        // perf.data is read once for both panes, so it may come from a pipe, and draws what the file draws.
        let piped = try CLITests.run(["both", "-", "-o", "-"], stdin: try Data(contentsOf: URL(fileURLWithPath: mixed)))
        XCTAssertEqual(piped.status, 0, piped.stderr)
        let file = try CLITests.run(["both", mixed, "-o", "-"])
        XCTAssertEqual(piped.stdout, file.stdout)
        XCTAssertGreaterThan(piped.stdout.count, 10_000)
        let folded = try CLITests.run(["both", mixed, "--folded"])
        XCTAssertNotEqual(folded.status, 0)
        XCTAssertTrue(folded.stderr.contains("Unknown option '--folded'"), folded.stderr)
        let three = try CLITests.run(["both", "a", "b", "c"])
        XCTAssertTrue(three.stderr.contains("at most two inputs"), three.stderr)
        let twoStdin = try CLITests.run(["both", "-", "-"])
        XCTAssertTrue(twoStdin.stderr.contains("only one input can be standard input"), twoStdin.stderr)
    }
}
