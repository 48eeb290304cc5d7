import XCTest

/// `--time` on live captures recorded during the test: flame keeps exactly the samples that
/// `perf script --time` keeps (absolute ranges, at sample times exactly, percent slices, several
/// ranges), clips off-CPU waits and the critical path to the ranges (complementary ranges add up
/// to the whole), and refuses what cannot be placed. Needs perf and root (else skipped).
final class TimeRangeCaptureTests: XCTestCase {
    /// Folded lines as (stack, count).
    func folded(_ bytes: Data) -> [(String, Int)] {
        String(decoding: bytes, as: UTF8.self).split(separator: "\n").map { line in
            let space = line.lastIndex(of: " ")!
            return (String(line[..<space]), Int(line[line.index(after: space)...])!)
        }
    }

    func testFoldTimeKeepsWhatPerfScriptTimeKeeps() throws {
        let dir = try CLITests.liveWorkloads(scheduler: false)
        let (status, log) = try CLITests.shell("cd '\(dir)' && perf record -q -g -F 999 -o cpu.data -- bin/threads >/dev/null 2>&1"
            + " && perf script -i cpu.data --ns -F time > times.txt 2>&1")
        XCTAssertEqual(status, 0, log)
        let times = try String(contentsOfFile: dir + "/times.txt", encoding: .utf8).split(separator: "\n")
            .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " :")) }
        XCTAssertGreaterThan(times.count, 200, "too few samples to slice")
        let whole = try CLITests.run(["fold", dir + "/cpu.data"])
        XCTAssertEqual(whole.status, 0, whole.stderr)
        let wholeTotal = folded(whole.stdout).reduce(0) { $0 + $1.1 }
        let n = times.count
        // Ranges that start and end exactly at sample times (kept: both ends are inclusive), one
        // sample alone, open ends, several ranges, and perf's percent slices.
        let windows = [
            "\(times[n / 4]),\(times[n / 2])",
            "\(times[n / 3]),\(times[n / 3])",
            ",\(times[n / 5])",
            "\(times[4 * n / 5]),",
            "\(times[n / 10]),\(times[n / 5]) \(times[n / 2]),\(times[3 * n / 5])",
            "10%-20%", "25%/2", "50%", "0%-10%,60%-70%",
        ]
        for w in windows {
            let (ok, perfLog) = try CLITests.shell("cd '\(dir)' && perf script -i cpu.data --time '\(w)' > window.txt 2>perf.err; "
                + "cat perf.err")
            XCTAssertEqual(ok, 0, perfLog)
            let viaText = try CLITests.run(["fold", dir + "/window.txt"])
            let direct = try CLITests.run(["fold", dir + "/cpu.data", "--time", w])
            XCTAssertEqual(direct.status, 0, direct.stderr)
            XCTAssertEqual(String(decoding: direct.stdout, as: UTF8.self), String(decoding: viaText.stdout, as: UTF8.self),
                           "--time \(w): flame fold differs from perf script --time through the folder")
            let total = folded(direct.stdout).reduce(0) { $0 + $1.1 }
            XCTAssertGreaterThan(total, 0, "--time \(w) kept nothing")
            XCTAssertLessThan(total, wholeTotal, "--time \(w) kept everything")
        }
        // One sample time alone keeps that one sample.
        let one = try CLITests.run(["fold", dir + "/cpu.data", "--time", "\(times[n / 3]),\(times[n / 3])"])
        XCTAssertEqual(folded(one.stdout).count, 1, String(decoding: one.stdout, as: UTF8.self))
        // The same selection reads perf script text too (absolute times, as perf printed them).
        let (ok, textLog) = try CLITests.shell("cd '\(dir)' && perf script -i cpu.data > all.txt 2>&1 "
            + "&& perf script -i cpu.data --time '\(times[n / 4]),\(times[n / 2])' > part.txt 2>&1")
        XCTAssertEqual(ok, 0, textLog)
        // Text times are µs (perf script's default): the window is given as perf printed them.
        func us(_ t: String) -> String { String(t.dropLast(3)) }
        let fromText = try CLITests.run(["fold", dir + "/all.txt", "--time", "\(us(times[n / 4])),\(us(times[n / 2]))"])
        let part = try CLITests.run(["fold", dir + "/part.txt"])
        XCTAssertEqual(fromText.status, 0, fromText.stderr)
        let a = folded(fromText.stdout).reduce(0) { $0 + $1.1 }, b = folded(part.stdout).reduce(0) { $0 + $1.1 }
        // A window cut to µs may take in a sample or two at its ends.
        XCTAssertEqual(Double(a), Double(b), accuracy: 2.0 * Double(b) / Double(max(n / 4, 1)) + 1, "text --time")
    }

    func testOffCPUAndCriticalPathAreClippedToTheRanges() throws {
        let dir = try CLITests.liveWorkloads(scheduler: true)
        let rec = dir + "/rec"
        let r = try CLITests.run(["record", "-o", rec, "--", dir + "/bin/critpath", dir + "/truth"])
        XCTAssertEqual(r.status, 0, r.stderr)
        func total(_ args: [String]) throws -> (Int, Int) {
            let out = try CLITests.run(args + ["--folded", "-o", "-"])
            XCTAssertEqual(out.status, 0, out.stderr)
            let lines = folded(out.stdout)
            return (lines.reduce(0) { $0 + $1.1 }, lines.count)
        }
        for command in ["offcpu", "critical"] {
            let (whole, _) = try total([command, rec])
            let (first, l1) = try total([command, rec, "--time", "0%-40%"])
            let (second, l2) = try total([command, rec, "--time", "40%-100%"])
            // Complementary slices add up to the whole (µs rounding of each line aside), and each
            // is a real part of it.
            XCTAssertEqual(Double(first + second), Double(whole), accuracy: Double(l1 + l2 + 2), "\(command): \(first) + \(second) vs \(whole)")
            XCTAssertGreaterThan(first, whole / 20, command)
            XCTAssertGreaterThan(second, whole / 20, command)
        }
        // The path of a window is the window's wall time, as the stderr headline says.
        let half = try CLITests.run(["critical", rec, "--time", "0%-50%", "--folded", "-o", "-"])
        XCTAssertTrue(half.stderr.contains("critical path: wall"), half.stderr)
    }

    func testTimesThatCannotBePlacedAreRefused() throws {
        let dir = try CLITests.makeTemporaryDirectory().path
        try "a;b 3\n".write(toFile: dir + "/in.folded", atomically: true, encoding: .utf8)
        let text = "prog 1234 [000] 100.000100: 1 cpu-clock:\n\t    aaaa main (/bin/prog)\n\n"
        try text.write(toFile: dir + "/in.txt", atomically: true, encoding: .utf8)
        let cases: [([String], String)] = [
            (["fold", dir + "/in.folded", "--time", "1,2"], "in.folded"),
            (["offcpu", dir + "/in.folded", "--time", "1,2"], "in.folded"),
            (["fold", dir + "/in.txt", "--time", "10%-20%"], "in.txt"),
            (["fold", dir + "/in.txt", "--time", "5,3"], "ends before it starts"),
            (["fold", dir + "/in.txt", "--time", "1.5"], "START,STOP"),
            (["fold", dir + "/in.txt", "--time", "1,2,3"], "separated by spaces"),
            (["fold", dir + "/in.txt", "--time", "120%"], "within 0% and 100%"),
            (["fold", dir + "/in.txt", "--time", "1.0123456789,2"], "at most 9 decimals"),
            (["oncpu", dir + "/in.txt", "--time", "2,3 1,4"], "must not overlap"),
        ]
        for (args, says) in cases {
            let r = try CLITests.run(args)
            XCTAssertEqual(r.status, 2, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(says), "\(args): \(r.stderr)")
            XCTAssertTrue(r.stdout.isEmpty, "\(args) wrote output")
        }
        // A window of text keeps what lies in it, and nothing when it lies elsewhere.
        let kept = try CLITests.run(["fold", dir + "/in.txt", "--time", "100.0001,100.0001"])
        XCTAssertEqual(String(decoding: kept.stdout, as: UTF8.self), "prog;main 1\n", kept.stderr)
        let none = try CLITests.run(["fold", dir + "/in.txt", "--time", "200,300"])
        XCTAssertEqual(none.status, 0, none.stderr)
        XCTAssertTrue(none.stdout.isEmpty)
    }

    func testPercentOfAPipeCaptureAndSeveralRangesOfAPathAreRefused() throws {
        let dir = try CLITests.liveWorkloads(scheduler: true)
        let (status, log) = try CLITests.shell("cd '\(dir)' && perf record -q -g -o - -- bin/threads 2>/dev/null > pipe.data")
        XCTAssertEqual(status, 0, log)
        let pipe = try CLITests.run(["fold", dir + "/pipe.data", "--time", "10%-20%"])
        XCTAssertEqual(pipe.status, 2, pipe.stderr)
        XCTAssertTrue(pipe.stderr.contains("pipe.data") && pipe.stderr.contains("HEADER_SAMPLE_TIME"), pipe.stderr)
        let rec = dir + "/rec"
        let r = try CLITests.run(["record", "-o", rec, "--", dir + "/bin/critpath", dir + "/truth"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let two = try CLITests.run(["critical", rec, "--time", "0%-10%,20%-30%", "-o", dir + "/c.svg"])
        XCTAssertEqual(two.status, 2, two.stderr)
        XCTAssertTrue(two.stderr.contains("one range"), two.stderr)
        let outside = try CLITests.run(["critical", rec, "--time", "1,2", "-o", dir + "/c.svg"])
        XCTAssertEqual(outside.status, 2, outside.stderr)
        XCTAssertTrue(outside.stderr.contains("outside this range"), outside.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/c.svg"))
    }
}
