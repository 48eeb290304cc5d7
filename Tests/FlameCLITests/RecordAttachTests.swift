import XCTest

/// `flame record --attach`: a daemon started outside the recording (testdata/src/jobd.c) forks a
/// CPU-burning worker per request of a CLI (jobcli.c) that waits for its replies, as a build
/// tool's daemon and client do. Both measure their own truth; the recording must agree with it,
/// and the record folder must read back with the same selection. Needs perf and root (else
/// skipped, saying why).
final class RecordAttachTests: XCTestCase {
    var daemon: JobDaemon?

    override func tearDown() {
        daemon?.stop()
        daemon = nil
    }

    func prepare() throws -> String { try CLITests.liveWorkloads(scheduler: true) }

    /// Starts jobd on `dir/sock`, outside any recording; its pid.
    func startDaemon(_ dir: String) throws -> Int32 {
        let d = try JobDaemon(dir: dir)
        daemon = d
        return d.pid
    }

    /// `key=value` numbers of the `truth` lines a program printed.
    func truth(_ stdout: Data) -> [String: Double] {
        var out: [String: Double] = [:]
        for line in String(decoding: stdout, as: UTF8.self).split(separator: "\n") where line.hasPrefix("truth ") {
            for field in line.dropFirst(6).split(separator: " ") {
                let kv = field.split(separator: "=")
                if kv.count == 2, let v = Double(kv[1]) { out[String(kv[0])] = v }
            }
        }
        return out
    }

    /// Weight per stack of a folded file, for stacks whose line passes `keep`.
    func total(_ folded: String, _ keep: (Substring) -> Bool) -> Double {
        folded.split(separator: "\n").filter(keep).reduce(0.0) { $0 + Double($1.split(separator: " ").last!)! }
    }

    func testAttachedDaemonsChildrenCountAndTheCLIWaitsOnIt() throws {
        let dir = try prepare()
        let pid = try startDaemon(dir)
        let out = dir + "/rec"
        let r = try CLITests.run(["record", "--attach", String(pid), "-o", out, "--", dir + "/bin/jobcli", dir + "/sock", "4", "150"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let t = truth(r.stdout)
        let children = try XCTUnwrap(t["children_cpu_us"], r.stderr), cliOff = try XCTUnwrap(t["cli_offcpu_us"], r.stderr)
        XCTAssertGreaterThan(children, 500_000)

        // The daemon's workers are in the on-CPU graph: their time is what the daemon measured.
        let oncpu = try String(contentsOfFile: out + "/oncpu.folded", encoding: .utf8)
        let workers = total(oncpu) { $0.hasPrefix("jobd-worker;") } / 1000
        XCTAssertEqual(workers, children, accuracy: children * 0.07, "workers' on-CPU µs against getrusage(RUSAGE_CHILDREN)")
        // The CLI waits: its main thread's off-CPU time (idle pool threads apart) is its wall minus its CPU.
        let offcpu = try String(contentsOfFile: out + "/offcpu.folded", encoding: .utf8)
        let waited = total(offcpu) { $0.hasPrefix("jobcli;") && !$0.hasPrefix("jobcli;[idle: ") }
        XCTAssertEqual(waited, cliOff, accuracy: cliOff * 0.05, "the CLI's off-CPU µs against its wall minus CPU time")
        // Its three pool threads never worked: under one idle frame, left out of the headline.
        XCTAssertTrue(offcpu.contains("jobcli;[idle: 3 threads];"), offcpu)
        let idle = total(offcpu) { $0.hasPrefix("jobcli;[idle: 3 threads];") }
        XCTAssertEqual(idle, 3 * cliOff, accuracy: cliOff * 0.3, "each pool thread parked for the CLI's life")
        // The daemon went back to accept() before the recording ended: cut there and counted.
        XCTAssertTrue(offcpu.split(separator: "\n").contains { $0.hasPrefix("jobd;") && $0.contains("accept")
            && $0.contains(";[still waiting at capture end] ") }, offcpu)

        let summary = try String(contentsOfFile: out + "/summary.md", encoding: .utf8)
        XCTAssertTrue(summary.hasPrefix("# `\(dir)/bin/jobcli \(dir)/sock 4 150`\n"), summary)
        XCTAssertTrue(summary.contains("| `jobd-worker` | ×4 | 4 |"), "the workers by command, with their count: \(summary)")
        XCTAssertTrue(summary.contains("3 idle threads"), summary)
        XCTAssertTrue(summary.contains("1 wait still open at the end cut there and counted"), summary)
        XCTAssertTrue(summary.contains("Recorded: the program (jobcli, pid "), summary)
        XCTAssertTrue(summary.contains("jobd (pid \(pid), --attach \(pid))"), summary)
        let wall = try XCTUnwrap(t["wall_us"])
        let headline = try XCTUnwrap(summary.split(separator: "\n").first { $0.hasPrefix("**Wall time: ") })
        // "1.22 s" past a second, "987 ms" below it.
        let figure = headline.dropFirst(13).split(separator: " ")
        let unit = figure.count > 1 && figure[1].hasPrefix("s") ? 1000.0 : 1
        let shown = try XCTUnwrap(Double(figure.first ?? "")) * unit
        XCTAssertEqual(shown, wall / 1000, accuracy: wall / 1000 * 0.1 + 5, "the program's wall time, in ms: \(headline)")

        // The folder is an input: the same processes, whichever way it is named.
        let selection = try String(contentsOfFile: out + "/flame-record.json", encoding: .utf8)
        XCTAssertTrue(selection.contains("\"trees\" : [\n"), selection)
        for input in [out, out + "/perf.data"] {
            let fold = try CLITests.run(["fold", input])
            XCTAssertEqual(fold.status, 0, fold.stderr)
            XCTAssertEqual(String(decoding: fold.stdout, as: UTF8.self), oncpu, "\(input): the recording's selection")
            XCTAssertTrue(fold.stderr.contains("as flame record selected"), fold.stderr)
        }
        let everything = try CLITests.run(["fold", out, "--all-processes"])
        XCTAssertTrue(String(decoding: everything.stdout, as: UTF8.self).split(separator: "\n").contains { $0.hasPrefix("perf") },
                      "--all-processes reads perf's own threads too")
        // --tree on the raw capture: the daemon and its workers, not the CLI.
        let tree = try CLITests.run(["fold", out + "/perf.data", "--all-processes", "--tree", String(pid)])
        let roots = Set(String(decoding: tree.stdout, as: UTF8.self).split(separator: "\n").map { $0.prefix { $0 != ";" } })
        XCTAssertTrue(roots.isSubset(of: ["jobd", "jobd-worker"]) && roots.contains("jobd-worker"), "\(roots)")
        let top = try CLITests.run(["top", out, "--offcpu"])
        XCTAssertEqual(top.status, 0, top.stderr)
        XCTAssertTrue(String(decoding: top.stdout, as: UTF8.self).contains("jobcli"), top.stderr)
        // A comparison of record folders (or their perf.data) keeps their selections: the CLI,
        // the daemon and its four workers on each side, not the whole machine.
        let report = try CLITests.run(["report", "--before", out, "--after", out + "/perf.data", "-o", dir + "/report"])
        XCTAssertEqual(report.status, 0, report.stderr)
        let compared = try String(contentsOfFile: dir + "/report/summary.md", encoding: .utf8)
        XCTAssertTrue(compared.contains("| Processes | 6 | 6 | 0 |"), compared)
        XCTAssertTrue(compared.contains("| Wall time (the program) |"), compared)
        // The side-by-side view has the off-CPU pane's thread time, as flame offcpu counts it.
        let both = try String(contentsOfFile: out + "/both.svg", encoding: .utf8)
        XCTAssertTrue(both.contains("of thread time in ") && both.contains("idle threads under [idle: …]"), "both.svg's off-CPU summary")
    }

    /// Attached processes alone: for a while, or until Ctrl-C.
    func testAttachWithoutAProgram() throws {
        let dir = try prepare()
        let pid = try startDaemon(dir)
        // Jobs asked for while the daemon is recorded on its own.
        let client = Process()
        client.executableURL = URL(fileURLWithPath: dir + "/bin/jobcli")
        client.arguments = [dir + "/sock", "6", "150"]
        client.standardOutput = FileHandle.nullDevice
        let timed = dir + "/timed"
        let flame = Process()
        flame.executableURL = CLITests.binary
        flame.arguments = ["record", "--attach", String(pid), "--duration", "2s", "-o", timed]
        flame.standardError = FileHandle.nullDevice
        try flame.run()
        usleep(1_200_000)  // perf's start
        try client.run()
        flame.waitUntilExit()
        client.waitUntilExit()
        XCTAssertEqual(flame.terminationStatus, 0)
        let summary = try String(contentsOfFile: timed + "/summary.md", encoding: .utf8)
        XCTAssertTrue(summary.hasPrefix("# jobd (pid \(pid), --attach \(pid)) and every process it started during the capture\n"), summary)
        XCTAssertTrue(summary.contains("| `jobd-worker` |"), summary)
        let selection = try String(contentsOfFile: timed + "/flame-record.json", encoding: .utf8)
        XCTAssertFalse(selection.contains("program_pid"), selection)
        // Until Ctrl-C: flame draws what was recorded, and exits 0 (there is no program's status);
        // a daemon that did nothing meanwhile is said to have been idle, not an error.
        let (status, log) = try CLITests.shell("'\(CLITests.binary.path)' record --attach \(pid) -o '\(dir)/until' & p=$!; sleep 2; "
            + "kill -INT $p; wait $p; echo \"status=$?\"")
        XCTAssertEqual(status, 0)
        XCTAssertTrue(log.contains("until Ctrl-C") && log.contains("interrupted: drawing what was recorded"), log)
        XCTAssertTrue(log.contains("status=0"), log)
        let idle = try String(contentsOfFile: dir + "/until/summary.md", encoding: .utf8)
        XCTAssertTrue(idle.contains("Nothing to draw: the recorded processes had no on-CPU sample and no scheduler event"), idle)
    }

    func testAttachAndTreeRefusals() throws {
        let dir = try CLITests.makeTemporaryDirectory().path
        // A pid that does not exist, a name nothing runs under: one line, exit 2, nothing written.
        for (option, spec) in [("--attach", "999999999"), ("--attach", "no-such-daemon-name"), ("--pid", "999999999")] {
            let r = try CLITests.run(["record", option, spec, "-o", dir + "/x", "--", "true"])
            XCTAssertEqual(r.status, 2, r.stderr)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertTrue(r.stderr.hasPrefix("flame: --attach \(spec): "), r.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/x"))
        }
        // --tree of a pid the capture does not hold; --tree on text, which has no FORK records.
        let data = CLITests.testdata.appendingPathComponent("threads.data").path
        let missing = try CLITests.run(["fold", data, "--tree", "999999"])
        XCTAssertEqual(missing.status, 2)
        XCTAssertEqual(missing.stderr, "flame: \(data): --tree 999999: no such process in the capture; its pid is one of the "
                       + "processes perf saw (flame top lists them)\n")
        let text = CLITests.testdata.appendingPathComponent("threads.perf.txt").path
        let onText = try CLITests.run(["oncpu", text, "--tree", "1", "-o", dir + "/t.svg"])
        XCTAssertEqual(onText.status, 2)
        XCTAssertTrue(onText.stderr.hasPrefix("flame: \(text): --tree 1 follows the processes it starts"), onText.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/t.svg"))
        // A folder flame record did not write, or whose selection is damaged.
        try FileManager.default.createDirectory(atPath: dir + "/bad", withIntermediateDirectories: true)
        try "{\"flame_record\": 7}".write(toFile: dir + "/bad/flame-record.json", atomically: true, encoding: .utf8)
        let bad = try CLITests.run(["top", dir + "/bad"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertEqual(bad.stderr, "flame: \(dir)/bad/flame-record.json: version 7 of flame record's selection; this flame reads version 1\n")
    }
}
