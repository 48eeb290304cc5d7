import XCTest

/// `flame critical` on live recordings made by `flame record` of testdata/src/critpath.c, a
/// program that measures each piece of its own critical path (compute, a joined thread, a child
/// that sleeps then computes, compute again) beside a shorter parallel thread and an idle pool.
/// Needs perf and root (else skipped, saying why).
final class CriticalPathCaptureTests: XCTestCase {
    /// Folded µs lines of `flame critical ARGS --folded`: frames and µs.
    func path(_ args: [String]) throws -> (lines: [(frames: [Substring], us: Int)], stderr: String) {
        let r = try CLITests.run(["critical"] + args + ["--folded", "-o", "-"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = String(decoding: r.stdout, as: UTF8.self).split(separator: "\n").map { line in
            let space = line.lastIndex(of: " ")!
            return (line[..<space].split(separator: ";"), Int(line[line.index(after: space)...])!)
        }
        return (lines, r.stderr)
    }

    /// What critpath measured: each piece's wall time, and its own, in µs.
    func truth(_ file: String) throws -> [String: Int] {
        var out: [String: Int] = [:]
        for line in try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n") {
            let p = line.split(separator: " ")
            if p.count == 2, let ns = Int(p[1]) { out[String(p[0])] = ns / 1000 }
        }
        return out
    }

    /// Records critpath with `flame record` (with `extra` arguments) and checks its path against
    /// what it measured; returns flame record's folder.
    @discardableResult
    func checkPath(_ extra: [String], label: String) throws -> String {
        let dir = try CLITests.liveWorkloads(scheduler: true)
        let rec = dir + "/rec"
        let r = try CLITests.run(["record", "-o", rec, "--", dir + "/bin/critpath", dir + "/truth"] + extra)
        XCTAssertEqual(r.status, 0, r.stderr)
        let t = try truth(dir + "/truth")
        let (lines, stderr) = try path([rec])
        let total = lines.reduce(0) { $0 + $1.us }
        func piece(_ keep: ([Substring]) -> Bool) -> Int { lines.filter { keep($0.frames) }.reduce(0) { $0 + $1.us } }
        let pieces: [(String, Int)] = [
            ("compute_first", piece { $0.contains("compute_first") }),
            ("long_work", piece { $0.first == "long" }),
            // (libc's nanosleep keeps no frame pointer, so child_sleep itself is not on the blocked stack.)
            ("child_sleep", piece { $0.first == "child" && $0.contains("do_nanosleep") }),
            ("child_work", piece { $0.first == "child" && $0.contains("child_work") }),
            ("compute_last", piece { $0.contains("compute_last") }),
        ]
        let report = "\(label): \(pieces) of \(total) µs; measured \(t); \(stderr)"
        for (name, us) in pieces {
            let measured = try XCTUnwrap(t[name], name)
            XCTAssertEqual(Double(us), Double(measured), accuracy: 0.15 * Double(measured), "\(name): \(report)")
        }
        // Work that overlapped the path is not on it.
        XCTAssertLessThanOrEqual(piece { $0.first == "short" }, total * 3 / 100, report)
        XCTAssertLessThanOrEqual(piece { $0.first == "pool" }, total * 3 / 100, report)
        // The widths add up to the wall time: the program's own, from main's start to its return,
        // is a little shorter than its process's (exec, the loader, exit).
        let wall = try XCTUnwrap(t["wall"])
        XCTAssertEqual(Double(total), Double(wall), accuracy: 0.05 * Double(wall), report)
        XCTAssertTrue(stderr.contains("critical path: wall "), stderr)
        return rec
    }

    func testPathThroughThreadsAChildAndAroundAPool() throws {
        let rec = try checkPath([], label: "two CPUs")
        // The SVG says what the path adds up to, and the child's sleep is drawn with its state.
        let svg = try CLITests.run(["critical", rec, "-o", "-"])
        XCTAssertEqual(svg.status, 0, svg.stderr)
        let text = String(decoding: svg.stdout, as: UTF8.self)
        XCTAssertTrue(text.contains("Critical Path Flame Graph"), String(text.prefix(400)))
        XCTAssertTrue(text.contains("on the path of critpath (pid "), String(text.prefix(2000)))
        // Waits are drawn in the io palette (blue), running time in the hot one.
        let fill = #"<title>\[state S\]\n[^<]*</title><rect [^>]*fill="rgb\((\d+),(\d+),(\d+)\)""#
        let wait = try XCTUnwrap(text.range(of: fill, options: .regularExpression), "no [state S] frame")
        let rgb = text[wait].split(separator: "(").last!.dropLast(2).split(separator: ",").compactMap { Int($0) }
        XCTAssertEqual(rgb.count, 3, "\(text[wait])")
        if rgb.count == 3 { XCTAssertGreaterThan(rgb[2], rgb[0], "\(text[wait])") }
        // flame record put the path in its folder and in summary.md; flame report compares two paths.
        let summary = try String(contentsOfFile: rec + "/summary.md", encoding: .utf8)
        XCTAssertTrue(summary.contains("## Critical path\n\nwall "), summary)
        XCTAssertTrue(summary.contains("### Processes on the path") && summary.contains("| `child` |"), summary)
        XCTAssertTrue(FileManager.default.fileExists(atPath: rec + "/critical.svg"))
        let folded = try String(contentsOfFile: rec + "/critical.folded", encoding: .utf8)
        XCTAssertEqual(folded, String(decoding: try CLITests.run(["critical", rec, "--folded", "-o", "-"]).stdout, as: UTF8.self))
        let report = rec + "-report"
        let r = try CLITests.run(["report", "--before", rec, "--after", rec, "-o", report])
        XCTAssertEqual(r.status, 0, r.stderr)
        let compared = try String(contentsOfFile: report + "/summary.md", encoding: .utf8)
        XCTAssertTrue(compared.contains("## Critical path, before and after"), compared)
        XCTAssertTrue(FileManager.default.fileExists(atPath: report + "/before-critical.svg"))
    }

    /// critpath's main thread alone on CPU 1, the rest on CPU 0: CPU 1 idles whenever main waits,
    /// and on these VMs a thread woken on an idle CPU is switched in without a sched_switch (the
    /// idle trap). Main's waits for the joined thread and the child then end unseen right before it
    /// forks or starts threads: each must be settled (by sched_stat_runtime, the wakeup, or main's
    /// own next event) before the path goes on, or the path follows the wrong thread (the shorter
    /// one) and this test fails.
    func testPathWhenSwitchInsOnAnIdleCPUAreMissing() throws {
        let cpus = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        guard cpus >= 2 else { throw XCTSkip("one CPU: critpath cannot pin its threads apart") }
        let rec = try checkPath(["pinned"], label: "main alone on CPU 1")
        // Whether the trap was there: CPU 1 went idle, and its switches back from idle are missing
        // (the kernel decides; where they are recorded, this is the test above on one CPU).
        let (s, text) = try CLITests.shell("perf script -i '\(rec)/perf.data' -F cpu,event,trace 2>/dev/null | grep sched_switch")
        XCTAssertEqual(s, 0)
        let cpu1 = text.split(separator: "\n").filter { $0.hasPrefix("[001]") }
        let toIdle = cpu1.filter { $0.contains("next_comm=swapper") }.count, fromIdle = cpu1.filter { $0.contains("prev_comm=swapper") }.count
        // Another load on the machine can keep CPU 1 busy throughout: then there was no trap to fall into.
        if toIdle == 0 {
            throw XCTSkip("CPU 1 never idled (something else kept it busy): the path was checked, the idle trap was not exercised")
        }
        print("critical path on CPU 1: \(toIdle) switches to idle, \(fromIdle) back from idle recorded")
        if fromIdle >= toIdle {
            throw XCTSkip("this kernel records CPU 1's switch-ins from idle: the path was checked, the idle trap was not exercised")
        }
    }

    func testCriticalRefusesInputsWithoutAPath() throws {
        let dir = try CLITests.liveWorkloads(scheduler: true)
        // Switches without wakeups.
        let (s, log) = try CLITests.shell("cd '\(dir)' && perf record -q -a -g -e sched:sched_switch -o sw.data -- sleep 0.05 2>&1")
        XCTAssertEqual(s, 0, log)
        let out = dir + "/out.svg"
        let noWakeups = try CLITests.run(["critical", dir + "/sw.data", "-o", out])
        XCTAssertEqual(noWakeups.status, 2)
        XCTAssertTrue(noWakeups.stderr.contains("sw.data") && noWakeups.stderr.contains("sched_waking"), noWakeups.stderr)
        // Text, a process that is not in the capture, and filters that choose no one program.
        let folded = dir + "/w.folded"
        try "a;b 10\n".write(toFile: folded, atomically: true, encoding: .utf8)
        let text = try CLITests.run(["critical", folded, "-o", out])
        XCTAssertEqual(text.status, 2)
        XCTAssertTrue(text.stderr.contains("w.folded") && text.stderr.contains("perf.data"), text.stderr)
        let (w, wlog) = try CLITests.shell("cd '\(dir)' && perf record -q -a -g -e sched:sched_switch -e sched:sched_waking -o w.data -- sleep 0.05 2>&1")
        XCTAssertEqual(w, 0, wlog)
        let absent = try CLITests.run(["critical", dir + "/w.data", "--pid", "999999999", "-o", out])
        XCTAssertEqual(absent.status, 2)
        XCTAssertTrue(absent.stderr.contains("999999999"), absent.stderr)
        for args in [["--tid", "1"], ["--comm", "sleep"], ["--pid", "1,2"]] {
            let r = try CLITests.run(["critical", dir + "/w.data", "-o", out] + args)
            XCTAssertEqual(r.status, 2, "\(args): \(r.stderr)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        // Without a program named, the one the capture started is walked: sleep.
        let (lines, stderr) = try path([dir + "/w.data"])
        XCTAssertTrue(stderr.contains("on the path of sleep (pid "), stderr)
        XCTAssertGreaterThan(lines.reduce(0) { $0 + $1.us }, 45_000, stderr)
    }
}
