import XCTest
@testable import TextInputs

/// bcc's default output. bcc cannot run on the machines these were made on (no kernel headers, no
/// kprobes: testdata/offcpu/bcc-attempt.txt), so the fixtures are written by
/// testdata/offcpu/bcc-format.py from bcc 0.26's print statements, with `-f` twins.
final class BccOffCPUParserTests: XCTestCase {
    let nanosleep = ["start_thread", "sleeper_main", "clock_nanosleep", "entry_SYSCALL_64_after_hwframe", "do_syscall_64",
                     "__x64_sys_clock_nanosleep", "common_nsleep", "hrtimer_nanosleep", "do_nanosleep", "schedule",
                     "__schedule", "finish_task_switch.isra.0"]

    /// The `-f` lines of a fixture: comm, frames (`;`-separated, root first), microseconds.
    func folded(_ name: String) throws -> [(String, [String], UInt64)] {
        let text = try String(contentsOfFile: OffCPUData.path(name), encoding: .utf8)
        return text.split(separator: "\n").map { line in
            let space = line.lastIndex(of: " ")!
            let frames = line[..<space].split(separator: ";", omittingEmptySubsequences: false).map(String.init)
            return (frames[0], Array(frames.dropFirst()), UInt64(line[line.index(after: space)...])!)
        }
    }

    func testOffcputimeMatchesItsFoldedOutput() throws {
        for (name, twin) in [("offcputime.bcc-format.txt", "offcputime-f.bcc-format.txt"),
                             ("offcputime-d.bcc-format.txt", "offcputime-f-d.bcc-format.txt")] {
            let (got, report) = try waits(OffCPUData.path(name), bccParse, chunk: 64)
            XCTAssertEqual(report.warnings(file: name), [])
            let expected = try folded(twin)
            XCTAssertEqual(got.records.count, expected.count, name)
            for (record, (comm, frames, micros)) in zip(got.records, expected) {
                XCTAssertEqual(record.name, comm, name)
                XCTAssertEqual(record.frameNames, frames, name)
                XCTAssertEqual(record.blockedMicroseconds, micros, name)
                XCTAssertNil(record.pid)
                XCTAssertEqual(record.waker, [])
            }
        }
    }

    func testOffcputimeRecords() throws {
        let (got, report) = try waits(OffCPUData.path("offcputime.bcc-format.txt"), bccParse)
        XCTAssertEqual(report.records, 6)
        XCTAssertEqual(got.lines, [3, 15, 26, 38, 51, 66])
        // `    -                slow sleeper (12121)`: a comm with a space; bcc's "pid" is the tid.
        let nap = got.records[4]
        XCTAssertEqual(nap.name, "slow sleeper")
        XCTAssertEqual(nap.tid, 12121)
        XCTAssertEqual(nap.frameNames, nanosleep)
        XCTAssertEqual(nap.blockedMicroseconds, 20768)
        XCTAssertEqual(nap.runqueueMicroseconds, 0)
        XCTAssertNil(nap.state)
        // A comm in parentheses, a kernel thread without user stack, the placeholders.
        XCTAssertEqual(got.records[2].name, "(sd-pam)")
        XCTAssertEqual(got.records[2].tid, 812)
        XCTAssertEqual(got.records[2].frameNames.first, "[Missed User Stack]")
        XCTAssertEqual(got.records[0].frameNames.first, "ret_from_fork_asm")
        XCTAssertEqual(got.records[5].frameNames.last, "[Missed Kernel Stack]")
        // -d: the `--` between kernel and user frames becomes `-`, where `-f -d` puts it.
        let (delimited, _) = try waits(OffCPUData.path("offcputime-d.bcc-format.txt"), bccParse)
        XCTAssertEqual(delimited.records[4].frameNames, Array(nanosleep[..<3]) + ["-"] + Array(nanosleep[3...]))
    }

    func testOffwaketime() throws {
        let (got, report) = try waits(OffCPUData.path("offwaketime.bcc-format.txt"), bccParse)
        XCTAssertEqual(report.warnings(file: "w"), [])
        XCTAssertEqual(got.records.map(\.name), ["busy", "pong", "ping", "slow sleeper"])
        XCTAssertEqual(got.records.map(\.tid), [12122, 12120, 12119, 12121])
        // Preempted, no wakeup: `    waker:            0`.
        XCTAssertEqual(got.records[0].waker, [])
        // The waker part is printed root first (user, then kernel) without its leaf; its comm last.
        XCTAssertEqual(got.records[1].wakerNames, ["start_thread", "entry_SYSCALL_64_after_hwframe", "do_syscall_64",
                                                   "ksys_write", "vfs_write", "anon_pipe_write", "__wake_up_sync_key",
                                                   "__wake_up_common", "autoremove_wake_function", "ping"])
        XCTAssertEqual(got.records[1].frameNames, ["start_thread", "__libc_read", "entry_SYSCALL_64_after_hwframe",
                                                   "do_syscall_64", "ksys_read", "vfs_read", "anon_pipe_read", "schedule",
                                                   "__schedule", "finish_task_switch.isra.0"])
        XCTAssertEqual(got.records[2].wakerNames.first, "[Missed User Stack] -17")
        XCTAssertEqual(got.records[3].wakerNames.first, "common_startup_64")
        XCTAssertEqual(got.records[3].wakerNames.last, "swapper/1")
        XCTAssertEqual(got.records[3].frameNames, nanosleep)
        // offwaketime -d prints `-` between the stacks of both parts.
        let (delimited, _) = try waits(OffCPUData.path("offwaketime-d.bcc-format.txt"), bccParse)
        XCTAssertEqual(delimited.records[1].wakerNames.prefix(2), ["start_thread", "-"])
        XCTAssertEqual(delimited.records[1].frameNames[2], "-")
        // The -f twin drops each blocked stack's leaf and prints the waker leaf first after `--`:
        // the same frames otherwise.
        for (record, (comm, frames, micros)) in zip(got.records, try folded("offwaketime-f.bcc-format.txt")) {
            let separator = try XCTUnwrap(frames.firstIndex(of: "--"))
            XCTAssertEqual(comm, record.name)
            XCTAssertEqual(micros, record.blockedMicroseconds)
            XCTAssertEqual(Array(frames[..<separator]), record.frameNames.filter { $0 != "busy_loop.constprop.0"
                && $0 != "clock_nanosleep" && $0 != "__libc_read" && $0 != "finish_task_switch.isra.0" })
            // -f prints no stack id after the waker's `[Missed User Stack]`.
            let names = record.wakerNames.map { $0.hasPrefix("[Missed User Stack]") ? "[Missed User Stack]" : $0 }
            let waker = names.isEmpty ? [""] : names.dropLast().reversed() + [names.last!]
            XCTAssertEqual(Array(frames[(separator + 1)...]), waker)
        }
    }

    func testHostileInput() throws {
        let record = "    f1\n    f0\n    -                app (7)\n        100\n\n"
        let cases: [(String, String, Int)] = [
            (record + "    g1\n    g0\n", "ends inside", 6),                                   // cut at the end
            (record + "    g1\n\n" + record, "blank line", 6),                                // cut, then more
            (record + "    g1\n    -                app (7)\n    g2\n", "after the record's comm", 6),
            (record + "    g1\n    -                app (7)\n        99999999999999999999999\n", "64 bits", 6),
            (record + "garbage\n", "not understood", 6),
        ]
        for (input, says, line) in cases {
            let (got, report) = try waits(text: input, bccParse)
            XCTAssertEqual(got.records.first?.frameNames, ["f0", "f1"], input)
            let warnings = report.warnings(file: "in")
            XCTAssertEqual(warnings.count, 1, "\(input): \(warnings)")
            XCTAssertTrue(warnings.first.map { $0.contains(says) && ($0.contains(":\(line):") || $0.contains("line \(line)")) } ?? false,
                          "\(warnings)")
        }
        // A garbage line inside a record (stderr mixed in) does not end it; CRLF; bcc's warnings.
        let (mixed, mixedReport) = try waits(text: "    f1\nWARN: Skipped an event\nnoise\n    f0\n    -                app (7)\r\n        5\r\n",
                                             bccParse)
        XCTAssertEqual(mixed.records.first?.frameNames, ["f0", "f1"])
        XCTAssertEqual(mixed.records.first?.blockedMicroseconds, 5)
        XCTAssertEqual(mixedReport.unrecognizedLines, 1)
        XCTAssertEqual(mixedReport.firstUnrecognized?.line, 3)
        let (empty, emptyReport) = try waits(text: "", bccParse)
        XCTAssertTrue(empty.records.isEmpty)
        XCTAssertEqual(emptyReport.warnings(file: "in"), [])
    }
}
