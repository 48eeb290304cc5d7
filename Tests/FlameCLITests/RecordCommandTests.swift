import XCTest
import TestSupport

/// `flame record` end to end (needs perf and root, else skipped), and its refusals, simulated.
final class RecordCommandTests: XCTestCase {
    func prepare() throws -> String { try CLITests.liveWorkloads(scheduler: true) }

    /// The root frame's total (`data-v` of the first frame) of each pane of an SVG.
    func rootTotals(_ svg: String) -> [UInt64] {
        var out: [UInt64] = []
        var rest = Substring(svg)
        while let r = rest.range(of: "<g class=\"f\" data-d=\"0\" data-v=\"") {
            rest = rest[r.upperBound...]
            out.append(UInt64(rest.prefix { $0.isNumber })!)
        }
        return out
    }

    func testRecordsAProgramAndDrawsBothViewsOfItsProcessesOnly() throws {
        let dir = try prepare()
        let out = dir + "/run"
        let r = try CLITests.run(["record", "-o", out, "--", dir + "/bin/waiter", dir])
        XCTAssertEqual(r.status, 0, r.stderr)
        for f in ["perf.data", "oncpu.svg", "offcpu.svg", "both.svg", "summary.md"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/" + f), f)
        }
        let oncpu = try String(contentsOfFile: out + "/oncpu.svg", encoding: .utf8)
        let offcpu = try String(contentsOfFile: out + "/offcpu.svg", encoding: .utf8)
        let summary = try String(contentsOfFile: out + "/summary.md", encoding: .utf8)
        XCTAssertTrue(oncpu.contains("<title>crunch\n"), "the compute function is on-CPU")
        XCTAssertTrue(offcpu.contains("<title>do_nanosleep\n"), "the sleep is off-CPU")
        XCTAssertTrue(offcpu.contains("<title>do_fsync\n"), "the fsync is off-CPU")
        // Only the program's threads: none of perf's, no kernel threads.
        let threads = Set(offcpu.components(separatedBy: "<g class=\"f\" data-d=\"1\"").dropFirst().compactMap {
            $0.components(separatedBy: "<title>").dropFirst().first?.components(separatedBy: "\n").first
        })
        // The cruncher only waits when it is preempted, which may not happen in a short run.
        XCTAssertTrue(threads.isSubset(of: ["waiter", "cruncher", "napper", "syncer", "reader", "condwait"]), "\(threads)")
        XCTAssertTrue(threads.isSuperset(of: ["waiter", "napper", "syncer", "reader", "condwait"]), "\(threads)")
        // The summary's totals are the graphs'.
        let on = try XCTUnwrap(rootTotals(oncpu).first), off = try XCTUnwrap(rootTotals(offcpu).first)
        func formatted(_ ns: UInt64) -> String {
            let v = Double(ns)
            let (x, unit) = v >= 1e9 ? (v / 1e9, "s") : (v / 1e6, "ms")
            return (x >= 100 ? String(format: "%.0f", x) : x >= 10 ? String(format: "%.1f", x) : String(format: "%.2f", x)) + " " + unit
        }
        XCTAssertTrue(summary.contains("CPU time: **\(formatted(on))**"), "\(formatted(on)) in\n\(summary)")
        XCTAssertTrue(summary.contains("off-CPU time: **\(formatted(off))**"), "\(formatted(off)) in\n\(summary)")
        XCTAssertEqual(rootTotals(try String(contentsOfFile: out + "/both.svg", encoding: .utf8)), [on, off])
    }

    func testExitStatusAndInterruptedRecordings() throws {
        let dir = try prepare()
        let failing = try CLITests.run(["record", "-o", dir + "/fail", "--", "sh", "-c", "sleep 0.2; exit 3"])
        XCTAssertEqual(failing.status, 3, "the program's status passes through")
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/fail/summary.md"), failing.stderr)
        // Also when there is nothing to draw (a program that ends before a sample), on-CPU only too.
        for extra in [[], ["--oncpu-only"]] {
            let quick = try CLITests.run(["record"] + extra + ["-o", dir + "/quick\(extra.count)", "--", "sh", "-c", "exit 5"])
            XCTAssertEqual(quick.status, 5, "\(extra): \(quick.stderr)")
        }
        // A signal that ends the program is 128 + N, as a shell says.
        let killed = try CLITests.run(["record", "-o", dir + "/killed", "--", "sh", "-c", "kill -TERM $$"])
        XCTAssertEqual(killed.status, 128 + 15, killed.stderr)
        // SIGINT to flame while the program runs: perf stops, flame still draws what was recorded,
        // and the wait still open then (the sleep) is cut at the end and counted, not dropped.
        let flame = CLITests.binary.path
        let (status, log) = try CLITests.shell("'\(flame)' record -o '\(dir)/int' -- sleep 30 & pid=$!; sleep 2.5; kill -INT $pid; wait $pid; echo \"status=$?\"")
        XCTAssertTrue(log.contains("interrupted: drawing what was recorded"), log)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/int/summary.md"), log)
        XCTAssertFalse(log.contains("status=0"), log)
        XCTAssertEqual(status, 0)
        let folded = try String(contentsOfFile: dir + "/int/offcpu.folded", encoding: .utf8)
        let sleep = folded.split(separator: "\n").filter { $0.hasPrefix("sleep;") && $0.contains(";[still waiting at capture end] ") }
        let us = sleep.reduce(0.0) { $0 + Double($1.split(separator: " ").last!)! }
        XCTAssertGreaterThan(us, 1_000_000, "the sleep's open wait is counted: \(folded)")
        let summary = try String(contentsOfFile: dir + "/int/summary.md", encoding: .utf8)
        XCTAssertTrue(summary.contains("The recording was interrupted (Ctrl-C)"), summary)
    }

    /// On a terminal, the status line is cleared before any other line: no `drawing…flame: note:`.
    /// Two recordings at once, both system-wide: each capture may hold the other's program as
    /// it starts (`perf-exec`), and each finds its own, the child of its own perf.
    func testTwoRecordingsAtOnceEachFindTheirProgram() throws {
        let dir = try prepare()
        let flame = CLITests.binary.path
        let (status, log) = try CLITests.shell("'\(flame)' record -o '\(dir)/a' -- sleep 1 2>'\(dir)/a.log' & "
            + "'\(flame)' record -o '\(dir)/b' -- timeout 5 sleep 1 2>'\(dir)/b.log' & wait")
        XCTAssertEqual(status, 0, log)
        for (name, commands) in [("a", ["sleep"]), ("b", ["timeout", "sleep"])] {
            let top = try CLITests.run(["top", dir + "/" + name])
            XCTAssertEqual(top.status, 0, top.stderr)
            let text = String(decoding: top.stdout, as: UTF8.self)
            let table = text.components(separatedBy: "Processes by command\n").dropFirst().first?
                .components(separatedBy: "\n\n").first ?? ""
            let listed = table.split(separator: "\n").dropFirst(2).compactMap { $0.split(separator: " ").first.map(String.init) }
            XCTAssertEqual(Set(listed), Set(commands), "\(name): \(text)")
        }
    }

    /// --force writes into a folder of an earlier recording, and first deletes what that one
    /// wrote: nothing of it is left beside a recording that draws less. Other files stay.
    func testForceReplacesAnEarlierRecording() throws {
        let dir = try prepare()
        let out = dir + "/again"
        let first = try CLITests.run(["record", "-o", out, "--", dir + "/bin/waiter", dir])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/offcpu.svg"))
        try "mine".write(toFile: out + "/notes.txt", atomically: true, encoding: .utf8)
        let second = try CLITests.run(["record", "--force", "--oncpu-only", "-o", out, "--", dir + "/bin/waiter", dir])
        XCTAssertEqual(second.status, 0, second.stderr)
        for gone in ["offcpu.svg", "offcpu.png", "offcpu.folded", "both.svg", "both.png", "perf.data.old"] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/" + gone), gone)
        }
        for kept in ["perf.data", "oncpu.svg", "oncpu.folded", "summary.md", "flame-record.json", "notes.txt"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/" + kept), kept)
        }
        let summary = try String(contentsOfFile: out + "/summary.md", encoding: .utf8)
        XCTAssertFalse(summary.contains("offcpu.svg"), summary)
    }

    func testStatusLinesNeverRunTogether() throws {
        let dir = try prepare()
        guard (try CLITests.shell("command -v script")).0 == 0 else { throw Live.skip("util-linux script is not installed") }
        let flame = CLITests.binary.path
        let (status, log) = try CLITests.shell("script -q -c \"'\(flame)' record -o '\(dir)/tty' -- sleep 0.5\" /dev/null")
        XCTAssertEqual(status, 0, log)
        let shown = log.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n").map { line in
            // What a terminal shows of a line: the text after its last carriage return.
            String(line.split(separator: "\r", omittingEmptySubsequences: false).last ?? "").replacingOccurrences(of: "\u{1B}[K", with: "")
        }.filter { !$0.isEmpty }
        XCTAssertTrue(shown.contains { $0.hasPrefix("flame: wrote ") }, log)
        for line in shown {
            XCTAssertTrue(line.hasPrefix("flame: "), line)
            XCTAssertEqual(line.components(separatedBy: "flame: ").count, 2, "one message per line: \(line)")
        }
    }

    /// Arguments and refusals of `flame record` that need no recording.
    func testArgumentsAndRefusals() throws {
        let dir = try CLITests.makeTemporaryDirectory()
        let cwd = dir.appendingPathComponent("cwd")
        try FileManager.default.createDirectory(at: cwd, withIntermediateDirectories: true)
        for help in ["--help", "-h"] {
            let r = try CLITests.run(["record", help], cwd: cwd)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(String(decoding: r.stdout, as: UTF8.self).contains("OVERVIEW: Run a program under perf"))
        }
        let bogus = try CLITests.run(["record", "--bogus", "--", "true"], cwd: cwd)
        XCTAssertEqual(bogus.status, 2, "a misspelt option is bad input")
        XCTAssertTrue(bogus.stderr.contains("Unknown option '--bogus'"), bogus.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cwd.path), [], "nothing written")
        // Both inputs of a difference are checked before either is read.
        let data = CLITests.testdata.appendingPathComponent("threads.data").path
        let diff = try CLITests.run(["diff", data, dir.path + "/missing.data", "-o", dir.path + "/d.svg"])
        XCTAssertEqual(diff.status, 2)
        XCTAssertEqual(diff.stderr, "flame: \(dir.path)/missing.data: cannot read: No such file or directory\n")
        guard (try CLITests.shell("command -v perf")).0 == 0 else { throw Live.skip("perf is not installed: the program checks come after it") }
        // A program that is not there is 127, one that cannot run 126: before perf starts.
        let missing = try CLITests.run(["record", "-o", dir.path + "/m", "--", "no-such-program-flame"])
        XCTAssertEqual(missing.status, 127)
        XCTAssertEqual(missing.stderr.split(separator: "\n").last, "flame: no-such-program-flame: command not found")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path + "/m"))
        try "#!/bin/sh\n".write(toFile: dir.path + "/notexec", atomically: true, encoding: .utf8)
        let notExecutable = try CLITests.run(["record", "-o", dir.path + "/n", "--", dir.path + "/notexec"])
        XCTAssertEqual(notExecutable.status, 126, notExecutable.stderr)
        // An existing folder is never mixed with a new recording, unless --force.
        let existing = try CLITests.run(["record", "-o", cwd.path, "--", "true"])
        XCTAssertEqual(existing.status, 1, existing.stderr)
        XCTAssertTrue(existing.stderr.contains("\(cwd.path): cannot write: already exists; choose another -o, or --force"), existing.stderr)
    }

    func testRefusalsSayWhatToDo() throws {
        let flame = CLITests.binary.path
        let dir = try CLITests.makeTemporaryDirectory().path
        let (noPerf, log1) = try CLITests.shell("PATH=/nonexistent '\(flame)' record -o '\(dir)/x' -- true")
        XCTAssertEqual(noPerf, 1)
        XCTAssertTrue(log1.contains("perf is not installed") && log1.contains("apt-get install linux-perf"), log1)
        try "2\n".write(toFile: dir + "/paranoid", atomically: true, encoding: .utf8)
        let (paranoid, log2) = try CLITests.shell("FLAME_ASSUME_UNPRIVILEGED=1 FLAME_PARANOID_FILE='\(dir)/paranoid' '\(flame)' record -o '\(dir)/y' -- true")
        XCTAssertEqual(paranoid, 1)
        XCTAssertTrue(log2.contains("kernel.perf_event_paranoid is 2") && log2.contains("sysctl kernel.perf_event_paranoid=-1"), log2)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/y/perf.data"))
        let (usage, log3) = try CLITests.shell("'\(flame)' record")
        XCTAssertNotEqual(usage, 0)
        XCTAssertTrue(log3.contains("give a program to run after `--`, or --attach a running process"), log3)
    }
}
