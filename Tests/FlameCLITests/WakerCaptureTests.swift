import XCTest

/// `flame offcpu --wakers` on live recordings made by `flame record` (which records
/// sched_waking with callchains): each wait of testdata/src/waiter.c and of the jobcli/jobd pair
/// is drawn with what ended it, and the waker view redistributes the off-CPU time without
/// changing it. Needs perf and root (else skipped, saying why).
final class WakerCaptureTests: XCTestCase {
    var daemon: JobDaemon?

    override func tearDown() {
        daemon?.stop()
        daemon = nil
    }

    struct Line {
        var blocked: [Substring]
        /// The waker links above each `--`, each innermost frame first, thread (and process) last.
        var wakers: [[Substring]]
        var us: Int
    }

    /// Folded µs lines of `flame offcpu ARGS --folded`, split at their `--` frames.
    func lines(_ args: [String]) throws -> [Line] {
        let r = try CLITests.run(["offcpu"] + args + ["--folded", "-o", "-"])
        XCTAssertEqual(r.status, 0, r.stderr)
        return String(decoding: r.stdout, as: UTF8.self).split(separator: "\n").map { line in
            let space = line.lastIndex(of: " ")!
            var parts: [[Substring]] = [[]]
            for f in line[..<space].split(separator: ";") {
                if f == "--" { parts.append([]) } else { parts[parts.count - 1].append(f) }
            }
            return Line(blocked: parts[0], wakers: Array(parts.dropFirst()), us: Int(line[line.index(after: space)...])!)
        }
    }

    /// Off-CPU µs per root frame (thread).
    func perThread(_ lines: [Line]) -> [Substring: Int] {
        lines.reduce(into: [:]) { $0[$1.blocked[0], default: 0] += $1.us }
    }

    func testWaitsOfThreadsAreDrawnWithWhatEndedThem() throws {
        let dir = try CLITests.liveWorkloads(scheduler: true)
        let rec = dir + "/rec"
        let r = try CLITests.run(["record", "-o", rec, "--", dir + "/bin/waiter", dir])
        XCTAssertEqual(r.status, 0, r.stderr)
        let plan = try String(contentsOfFile: rec + "/flame-record.json", encoding: .utf8)
        XCTAssertTrue(plan.contains("sched:sched_waking"), plan)

        let woken = try lines(["--wakers", rec]), plain = try lines([rec])
        // The waker view moves time under the wakers; per thread it is the off-CPU time as before,
        // up to the rounding of each folded line to whole µs (at most 1 µs per line of either view).
        let (a, b) = (perThread(woken), perThread(plain))
        XCTAssertEqual(Set(a.keys), Set(b.keys))
        for (thread, us) in a {
            let lines = woken.filter { $0.blocked[0] == thread }.count + plain.filter { $0.blocked[0] == thread }.count
            XCTAssertLessThanOrEqual(abs(us - (b[thread] ?? 0)), lines, "\(thread): \(us) µs with wakers, \(b[thread] ?? 0) without")
        }
        func share(_ thread: Substring, _ keep: (Line) -> Bool) -> Double {
            let all = woken.filter { $0.blocked[0] == thread }
            let total = all.reduce(0) { $0 + $1.us }
            return Double(all.filter(keep).reduce(0) { $0 + $1.us }) / Double(max(total, 1))
        }
        // The condition variable is signalled by the main thread (comm "waiter"), in pthread_cond_signal.
        XCTAssertGreaterThan(share("condwait") { l in
            l.wakers.first?.last == "waiter" && l.wakers[0].contains { $0.hasPrefix("pthread_cond_signal") }
                && l.wakers[0].first == "try_to_wake_up"
        }, 0.9)
        // The pipe is written by the main thread.
        XCTAssertGreaterThan(share("reader") { l in
            l.wakers.first?.last == "waiter" && l.wakers[0].contains("anon_pipe_write")
        }, 0.9)
        // nanosleep ends by its timer: [timer], whether the timer's wakeup was recorded or lost.
        XCTAssertGreaterThan(share("napper") { $0.wakers.first == ["[timer]"] }, 0.9)
        // Every wait has exactly one waker link (depth 1), and no waker link is empty. Idle
        // threads' waits, and the parts of a wait that are not blocked time (its undated end, a
        // wait still open at the end), are drawn without one.
        let apart: Set<Substring> = ["[switch-in not recorded]", "[still waiting at capture end]", "[runqueue]"]
        for l in woken where !l.blocked.contains(where: { $0.hasPrefix("[idle") || apart.contains($0) }) {
            XCTAssertEqual(l.wakers.count, 1, "\(l)")
            XCTAssertFalse(l.wakers.first?.isEmpty ?? true, "\(l)")
        }
    }

    func testTheCLIWaitsOnTheDaemonWhichWaitsOnItsWorker() throws {
        let dir = try CLITests.liveWorkloads(scheduler: true)
        let jobd = try JobDaemon(dir: dir)
        daemon = jobd
        let rec = dir + "/rec"
        let r = try CLITests.run(["record", "--attach", String(jobd.pid), "-o", rec, "--",
                                  dir + "/bin/jobcli", dir + "/sock", "5", "40"])
        XCTAssertEqual(r.status, 0, r.stderr)

        // jobcli's main thread waits for 5 jobs of 40 ms of CPU each, then lingers 100 ms in
        // nanosleep; it measures its own off-CPU time (wall minus CPU).
        let truth = String(decoding: r.stdout, as: UTF8.self).split(separator: " ").first { $0.hasPrefix("cli_offcpu_us=") }
        let cliOff = try XCTUnwrap(truth.flatMap { Int($0.dropFirst("cli_offcpu_us=".count)) }, r.stderr)
        let woken = try lines(["--wakers", "--depth", "2", rec])
        let cli = woken.filter { $0.blocked[0] == "jobcli" && !$0.blocked.contains { $0.hasPrefix("[idle") } && !$0.wakers.isEmpty }
        let byDaemon = cli.filter { $0.wakers.first?.last == "jobd" }.reduce(0) { $0 + $1.us }
        // The waits on the daemon: the CLI's off-CPU time less its linger, within 20% (the rest: its
        // start, connecting, short waits on other threads).
        XCTAssertGreaterThan(byDaemon, (cliOff - 100_000) * 8 / 10, "\(cli.map { "\($0.wakers.map { $0.last ?? "" }) \($0.us)" })")
        XCTAssertLessThanOrEqual(byDaemon, cliOff)
        // The daemon's reply follows its wait for the worker: the second link is the worker's exit.
        let viaWorker = cli.filter { $0.wakers.count == 2 && $0.wakers[0].last == "jobd" && $0.wakers[1].last == "jobd-worker" }
        XCTAssertGreaterThan(viaWorker.reduce(0) { $0 + $1.us }, byDaemon * 8 / 10)
        // jobcli's final 100 ms linger in nanosleep ends by its timer.
        XCTAssertGreaterThan(cli.filter { $0.wakers.first == ["[timer]"] }.reduce(0) { $0 + $1.us }, 90_000)
        XCTAssertTrue(cli.allSatisfy { $0.wakers.count <= 2 })
    }

    func testWakersRefuseInputsThatCannotSayWhoWoke() throws {
        let dir = try CLITests.liveWorkloads(scheduler: true)
        // Switches without wakeups.
        let (s, log) = try CLITests.shell("cd '\(dir)' && perf record -q -a -g -e sched:sched_switch -o sw.data -- sleep 0.05 2>&1")
        XCTAssertEqual(s, 0, log)
        let noWakeups = try CLITests.run(["offcpu", "--wakers", dir + "/sw.data", "-o", dir + "/out.svg"])
        XCTAssertEqual(noWakeups.status, 2)
        XCTAssertTrue(noWakeups.stderr.contains("sw.data") && noWakeups.stderr.contains("sched_waking"), noWakeups.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/out.svg"))
        // Text.
        let folded = dir + "/w.folded"
        try "a;b 10\n".write(toFile: folded, atomically: true, encoding: .utf8)
        let text = try CLITests.run(["offcpu", "--wakers", folded, "-o", dir + "/out.svg"])
        XCTAssertEqual(text.status, 2)
        XCTAssertTrue(text.stderr.contains("w.folded") && text.stderr.contains("perf.data"), text.stderr)
        // --depth without --wakers, and out of bounds.
        for args in [["--depth", "2"], ["--wakers", "--depth", "0"], ["--wakers", "--depth", "9"]] {
            let r = try CLITests.run(["offcpu"] + args + [dir + "/sw.data", "-o", dir + "/out.svg"])
            XCTAssertEqual(r.status, 2, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("--depth"), r.stderr)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/out.svg"))
    }
}
