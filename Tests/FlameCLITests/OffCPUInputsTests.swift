import XCTest

/// `flame offcpu` on the committed inputs of testdata/offcpu (no perf needed): every format gives
/// the times the file holds, checked by hand against the raw text, with the options that apply.
final class OffCPUInputsTests: XCTestCase {
    let dir = CLITests.testdata.appendingPathComponent("offcpu")

    /// `stack → µs` of `flame offcpu FILE ARGS --folded`.
    func folded(_ file: String, _ args: [String] = []) throws -> ([String: Int], String) {
        let r = try CLITests.run(["offcpu", dir.appendingPathComponent(file).path] + args + ["--folded", "-o", "-"])
        XCTAssertEqual(r.status, 0, r.stderr)
        var out: [String: Int] = [:]
        for line in String(decoding: r.stdout, as: UTF8.self).split(separator: "\n") {
            let space = line.lastIndex(of: " ")!
            out[String(line[..<space]), default: 0] += Int(line[line.index(after: space)...])!
        }
        return (out, r.stderr)
    }

    func total(_ lines: [String: Int], root: String) -> Int {
        lines.filter { $0.key.hasPrefix(root + ";") || $0.key == root }.reduce(0) { $0 + $1.value }
    }

    /// The committed captures of waiter.c against the truth recorded with them.
    func testCommittedSchedulerCapturesAgreeWithTheirTruth() throws {
        for (capture, undatedAllowed) in [("waiter.sched", false), ("waiter.switch", true)] {
            let truth = try String(contentsOf: dir.appendingPathComponent("\(capture).truth.txt"), encoding: .utf8)
            let (lines, stderr) = try folded("\(capture).data", ["--tid"])
            XCTAssertTrue(stderr.contains("off-CPU: "), stderr)
            for t in truth.split(separator: "\n") {
                let f = Dictionary(uniqueKeysWithValues: t.split(separator: " ").dropFirst().map {
                    ($0.split(separator: "=")[0], $0.split(separator: "=")[1])
                })
                let tid = String(f["tid"]!), us = Int(f["offcpu_us"]!)!
                let mine = lines.filter { $0.key.split(separator: ";")[0].hasSuffix("/" + tid) }
                let undated = mine.filter { $0.key.hasSuffix(";[switch-in not recorded]") }.reduce(0) { $0 + $1.value }
                let dated = mine.reduce(0) { $0 + $1.value } - undated
                let tolerance = max(us / 20, 1500)
                let what = "\(capture) \(f["comm"]!): flame \(dated) µs (+\(undated) undated), truth \(us) µs"
                if undatedAllowed {
                    XCTAssertLessThanOrEqual(dated, us + tolerance, what)
                    XCTAssertGreaterThanOrEqual(dated + undated, us - tolerance, what)
                } else {
                    XCTAssertLessThanOrEqual(abs(dated - us), tolerance, what)
                }
            }
        }
    }

    /// timehist: a wait belongs to the chain of the thread's previous line. slow sleeper's ten
    /// lines (sleepy.timehist.txt) hold waits 0.000, 2.125, 2.067, … summing to 18.650 ms after
    /// the first; all of it under do_nanosleep.
    func testTimehistWaitsGoToThePreviousChain() throws {
        let (lines, stderr) = try folded("sleepy.timehist.txt", ["--tid"])
        XCTAssertEqual(lines["slow_sleeper-12117/12121;do_syscall_64;__x64_sys_clock_nanosleep;common_nsleep;hrtimer_nanosleep;do_nanosleep"], 18650)
        XCTAssertEqual(total(lines, root: "slow_sleeper-12117/12121"), 18650)
        XCTAssertTrue(stderr.contains("12 wait(s) of 2783 us in total ended on a thread's first line"), stderr)
        // --split-wakeup moves timehist's sch delay onto [runqueue]; the sum stays.
        let (split, _) = try folded("sleepy.timehist.txt", ["--tid", "--split-wakeup"])
        XCTAssertEqual(total(split, root: "slow_sleeper-12117/12121"), 18650)
        XCTAssertTrue(split.keys.contains { $0.hasPrefix("slow_sleeper-12117/12121;") && $0.hasSuffix(";[runqueue]") })
        // Every variant of the same recording gives the same times (summary tables, -V, -w, -M, -n skipped).
        let (all, _) = try folded("sleepy.timehist-V-state-w-M-n.txt", ["--tid"])
        XCTAssertEqual(total(all, root: "slow_sleeper-12117/12121"), 18650)
        let (summary, _) = try folded("sleepy.timehist-S.txt", ["--tid"])
        XCTAssertEqual(summary, lines)
    }

    /// bcc default output and its -f form hold the same keys: same totals per thread.
    func testBccDefaultAndFoldedAgree() throws {
        let (multi, stderr) = try folded("offcputime.bcc-format.txt")
        XCTAssertTrue(stderr.contains("off-CPU: 47.6 ms"), stderr)
        let (flat, _) = try folded("offcputime-f.bcc-format.txt")
        for comm in ["slow_sleeper", "pong", "sleepy", "busy"] {
            XCTAssertEqual(total(multi, root: comm), total(flat, root: comm.replacingOccurrences(of: "_", with: " ")), comm)
        }
        XCTAssertEqual(total(multi, root: "slow_sleeper"), 20768)
        XCTAssertTrue(multi.keys.contains { $0.hasPrefix("slow_sleeper;start_thread;sleeper_main;clock_nanosleep;") && $0.contains(";do_nanosleep;") })
        // offwaketime: the waker's stack stands above `--`, ending in the waker's name (bcc drops the
        // waker's leaf frame itself).
        let (wake, _) = try folded("offwaketime.bcc-format.txt")
        XCTAssertTrue(wake.keys.contains { $0.hasPrefix("pong;") && $0.contains(";anon_pipe_read;") && $0.hasSuffix(";--;autoremove_wake_function;__wake_up_common;__wake_up_sync_key;anon_pipe_write;vfs_write;ksys_write;do_syscall_64;entry_SYSCALL_64_after_hwframe;start_thread;ping") }, "\(wake.keys)")
    }

    /// bpftrace: text and -f json of one script read the same map; --map picks another; thread
    /// filters and --state work where the key carries tid and state.
    func testBpftraceTextJSONAndOptions() throws {
        let (first, stderr) = try folded("sleepy.bpftrace-offcpu.txt")
        XCTAssertTrue(stderr.contains("bpftrace map @shape_k: skipped"), stderr)
        XCTAssertTrue(first.keys.contains { $0.hasPrefix("slow_sleeper;") && $0.contains(";do_nanosleep;") })
        let (text, _) = try folded("sleepy.bpftrace-offcpu.txt", ["--map", "@waits"])
        let (json, _) = try folded("sleepy.bpftrace-offcpu.json", ["--map", "@waits"])
        XCTAssertEqual(text, json)
        XCTAssertFalse(text.isEmpty)
        let (states, _) = try folded("sleepy.bpftrace-offcpu.txt", ["--state-frames", "--state", "S"])
        XCTAssertFalse(states.isEmpty)
        XCTAssertTrue(states.keys.allSatisfy { $0.split(separator: ";")[1] == "[state S]" }, "\(states.keys)")
        let (wake, _) = try folded("sleepy.bpftrace-offwake.txt")
        XCTAssertTrue(wake.keys.contains { $0.hasPrefix("slow_sleeper;") && $0.contains(";do_nanosleep;") && $0.contains(";--;") })
    }
}

/// perf script text made with --show-mmap-events / --show-task-events: the side-band lines are
/// neither samples nor garbage.
final class SideBandLinesTests: XCTestCase {
    func testSideBandLinesAreSkippedQuietly() throws {
        let text = CLITests.testdata.appendingPathComponent("perfdata/buildid-mmap.perf.txt").path
        let r = try CLITests.run(["fold", text])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "")
        XCTAssertFalse(String(decoding: r.stdout, as: UTF8.self).contains("PERF_RECORD"))
        // The same off-CPU reading from the text as from the file it was printed from (the text
        // has µs timestamps: each interval may differ by 1 µs).
        func summary(_ path: String) throws -> [Substring] {
            let r = try CLITests.run(["offcpu", CLITests.testdata.appendingPathComponent(path).path, "--tid", "--folded", "-o", "-"])
            XCTAssertEqual(r.status, 0, r.stderr)
            return r.stderr.split(separator: "\n").filter { $0.contains("intervals: ") }
        }
        XCTAssertEqual(try summary("perfdata/switch-a.perf.txt"), try summary("perfdata/switch-a.data"))
    }
}
