import XCTest
import PerfData
@testable import TextInputs

/// bpftrace dumps of testdata/src/sleepy (testdata/offcpu/README.md, scripts in testdata/offcpu/bt).
/// Text and JSON come from two bpftrace instances watching the same run.
final class BpftraceParserTests: XCTestCase {
    let sleeper = ["start_thread", "linger_thread", "sleeper_main", "clock_nanosleep", "entry_SYSCALL_64_after_hwframe",
                   "do_syscall_64", "__x64_sys_clock_nanosleep", "common_nsleep", "hrtimer_nanosleep", "do_nanosleep",
                   "schedule", "__schedule"]

    func parse(_ name: String, map: String? = nil, chunk: Int = 1 << 20) throws -> (WaitCollector, ParseReport) {
        try waits(OffCPUData.path(name), { try BpftraceParser(map: map).parse($0, into: $1) }, chunk: chunk)
    }

    func testTextDumpOfTheOffCPUScript() throws {
        let (got, report) = try parse("sleepy.bpftrace-offcpu.txt", chunk: 256)
        XCTAssertEqual(got.records.count, 17)
        XCTAssertEqual(report.unrecognizedLines, 0, "Attaching... and the RLIMIT_MEMLOCK error are skipped")
        // `, slow sleeper, 22027, 1]: 20697` at line 364: the 10 naps, user frames then kernel frames.
        let nap = try XCTUnwrap(got.records.first { $0.name == "slow sleeper" && $0.stateName == "S" })
        XCTAssertEqual(got.lines[try XCTUnwrap(got.records.firstIndex(of: nap))], 350)
        XCTAssertEqual(nap.frameNames, sleeper)
        XCTAssertEqual(nap.tid, 22027)
        XCTAssertNil(nap.pid)
        XCTAssertEqual(nap.blockedMicroseconds, 20697)
        // prev_state 2 (mmap lock at thread start) and 256 (preempted, `R+`).
        let mmap = try XCTUnwrap(got.records.first { $0.name == "slow sleeper" && $0.stateName == "D" })
        XCTAssertEqual(mmap.frameNames, ["__mmap64", "entry_SYSCALL_64_after_hwframe", "do_syscall_64", "vm_mmap_pgoff",
                                         "down_write_killable", "rwsem_down_write_slowpath", "schedule_preempt_disabled",
                                         "schedule", "__schedule"])
        XCTAssertEqual(mmap.blockedMicroseconds, 52)
        XCTAssertEqual(got.records.first { $0.name == "sh" }?.stateName, "R+")
        // Raw addresses (frames of exited processes, garbage frame pointers) are [unknown].
        XCTAssertFalse(got.records.contains { $0.frameNames.contains { $0.hasPrefix("0x") || $0.contains("+") } })
        XCTAssertEqual(got.records.first { $0.name == "sh" }?.frameNames.prefix(3), ["[unknown]", "[unknown]", "[unknown]"])
        XCTAssertEqual(got.records.map(\.blockedMicroseconds).reduce(0, +), 22914)
        XCTAssertEqual(report.skippedMaps, [
            "@by_comm: skipped: no stack in its key, so it is not an off-CPU map",
            "@shape_k: skipped: only one off-CPU map is read, @offcpu (another can be asked for by name)",
            "@shape_mixed: skipped: only one off-CPU map is read, @offcpu (another can be asked for by name)",
            "@shape_uk: skipped: only one off-CPU map is read, @offcpu (another can be asked for by name)",
            "@waits: skipped: only one off-CPU map is read, @offcpu (another can be asked for by name)",
        ])
    }

    func testJSONAndTextOfTheSameRunAgree() throws {
        // @waits counts gaps: both instances saw the same ones, so the records are equal.
        let (textWaits, _) = try parse("sleepy.bpftrace-offcpu.txt", map: "waits")
        let (jsonWaits, jsonReport) = try parse("sleepy.bpftrace-offcpu.json", map: "@waits")
        let sorted: (WaitCollector) -> [String] = { $0.records.map { "\($0.key)=\($0.blockedMicroseconds)" }.sorted() }
        XCTAssertEqual(jsonWaits.records.count, 17)
        XCTAssertEqual(sorted(jsonWaits), sorted(textWaits))
        XCTAssertEqual(textWaits.records.map(\.blockedMicroseconds).reduce(0, +), 65)
        XCTAssertTrue(jsonReport.skippedMaps.isEmpty, "maps not asked for are not reported")
        XCTAssertEqual(jsonReport.unrecognizedLines, 0)
        // @offcpu sums each gap as each instance timed it: same keys, totals within a few µs a gap.
        let (text, _) = try parse("sleepy.bpftrace-offcpu.txt")
        let (json, report) = try parse("sleepy.bpftrace-offcpu.json")
        XCTAssertEqual(json.records.map(\.key).sorted(), text.records.map(\.key).sorted())
        let jsonTotal = json.records.map(\.blockedMicroseconds).reduce(0, +)
        XCTAssertEqual(jsonTotal, 23063)
        XCTAssertLessThanOrEqual(jsonTotal - 22914, 65 * 5)
        XCTAssertEqual(report.skippedMaps.count, 5)
        // Duplicate JSON keys (bpftrace keys user stacks by thread) are separate records.
        let (uk, _) = try parse("sleepy.bpftrace-offcpu.json", map: "shape_uk")
        XCTAssertEqual(uk.records.count, 17)
        XCTAssertLessThan(Set(uk.records.map(\.key)).count, 17)
    }

    func testKeyShapes() throws {
        let (full, _) = try parse("sleepy.bpftrace-offcpu.txt")
        // Kernel stack only: same total, kernel frames only.
        let (k, _) = try parse("sleepy.bpftrace-offcpu.txt", map: "shape_k")
        XCTAssertEqual(k.records.map(\.blockedMicroseconds).reduce(0, +), 22914)
        XCTAssertTrue(k.records.contains { $0.frameNames == Array(sleeper.dropFirst(4)) && $0.name.isEmpty && $0.tid == nil })
        // [ustack, kstack]: still user frames first, then kernel frames.
        let (uk, _) = try parse("sleepy.bpftrace-offcpu.txt", map: "shape_uk")
        XCTAssertEqual(uk.records.map(\.frameNames).sorted { $0.lexicographicallyPrecedes($1) },
                       full.records.map(\.frameNames).sorted { $0.lexicographicallyPrecedes($1) })
        // [state, kstack, comm, pid, tid]: scalars before the stack, pid and tid told apart.
        let (mixed, _) = try parse("sleepy.bpftrace-offcpu.txt", map: "shape_mixed")
        XCTAssertEqual(mixed.records.count, 15)
        XCTAssertTrue(mixed.records.allSatisfy { $0.pid == 22005 && $0.stateName != nil })
        let nap = try XCTUnwrap(mixed.records.last)
        XCTAssertEqual(nap.name, "slow sleeper")
        XCTAssertEqual(nap.tid, 22027)
        XCTAssertEqual(nap.stateName, "S")
        XCTAssertEqual(nap.frameNames, Array(sleeper.dropFirst(4)))
        XCTAssertEqual(mixed.records.first?.tid, 22028)  // `@shape_mixed[2, ..., sleepy, 22005, 22028]: 15`
        XCTAssertEqual(mixed.records.first?.stateName, "D")
    }

    func testOffWakeDump() throws {
        let (got, report) = try parse("sleepy.bpftrace-offwake.txt")
        XCTAssertEqual(got.records.count, 9)
        XCTAssertEqual(report.unrecognizedLines, 0, "`failed to look up stack id` errors are skipped")
        // Preempted (no wakeup): empty waker part `, busy, , , ]`.
        XCTAssertEqual(got.records[0].name, "busy")
        XCTAssertEqual(got.records[0].waker, [])
        // The naps were ended by the timer interrupt, on the idle CPU or while busy ran.
        let naps = got.records.filter { $0.name == "slow sleeper" }
        XCTAssertEqual(naps.map(\.blockedMicroseconds), [2081, 18643])
        XCTAssertTrue(naps.allSatisfy { $0.frameNames == sleeper })
        XCTAssertEqual(naps[0].wakerNames, ["start_thread", "linger_thread", "busy_main", "busy_loop.constprop.0",
                                            "asm_sysvec_apic_timer_interrupt", "sysvec_apic_timer_interrupt",
                                            "__sysvec_apic_timer_interrupt", "hrtimer_interrupt", "__hrtimer_run_queues",
                                            "hrtimer_wakeup", "try_to_wake_up", "busy"])
        XCTAssertEqual(naps[1].wakerNames.first, "common_startup_64")
        XCTAssertEqual(naps[1].wakerNames.suffix(3), ["hrtimer_wakeup", "try_to_wake_up", "swapper/1"])
        // ping and pong wake each other through the pipe.
        let pong = try XCTUnwrap(got.records.first { $0.name == "pong" && !$0.waker.isEmpty })
        XCTAssertEqual(pong.wakerNames.last, "ping")
        XCTAssertEqual(pong.wakerNames.first, "start_thread")
        XCTAssertTrue(pong.wakerNames.contains("anon_pipe_write"))
        let (json, _) = try parse("sleepy.bpftrace-offwake.json")
        XCTAssertEqual(json.records.map(\.key).sorted(), got.records.map(\.key).sorted())
    }

    func testEmptyStacksDoNotHideAnOffCPUMap() throws {
        // An entry with only an empty stack comes first (values ascend): the map is decided by the
        // next entry, and a map that never shows a stack is skipped.
        let text = "@u[, kworker/0:1]: 5\n@u[\n    f+1\n    main+2\n, app]: 9\n@x[]: 3\n@y: 4\n"
        let (got, report) = try waits(text: text, bpftraceParse)
        XCTAssertEqual(got.records.map(\.frameNames), [[], ["main", "f"]])
        XCTAssertEqual(got.records.map(\.name), ["kworker/0:1", "app"])
        XCTAssertEqual(got.lines, [1, 2])
        XCTAssertEqual(report.skippedMaps.count, 2)
        XCTAssertEqual(report.skippedMaps.first, "@x: skipped: no stack in its key, so it is not an off-CPU map")
    }

    func testScalarsBetweenStacks() throws {
        // `kstack, comm, ustack, tid`: one comm, so both stacks are the task's, user frames first.
        let (own, _) = try waits(text: "@[\n    __schedule+1\n    do_sys+2\n, app, \n    read+3\n    main+4\n, 77]: 5\n",
                                 bpftraceParse)
        XCTAssertEqual(own.records.first?.frameNames, ["main", "read", "do_sys", "__schedule"])
        XCTAssertEqual(own.records.first?.tid, 77)
        XCTAssertEqual(own.records.first?.waker, [])
        // A second comm makes the later stacks the waker's; a waker's tid is not the task's.
        let (woken, _) = try waits(text: "@[\n    __schedule+1\n, app, 77, irq/9, \n    try_to_wake_up+5\n    do_idle+6\n, 0]: 5\n",
                                   bpftraceParse)
        XCTAssertEqual(woken.records.first?.frameNames, ["__schedule"])
        XCTAssertEqual(woken.records.first?.tid, 77)
        XCTAssertEqual(woken.records.first?.wakerNames, ["do_idle", "try_to_wake_up", "irq/9"])
    }

    func testHostileInput() throws {
        let entry = "@m[\n    __schedule+12\n    schedule+3\n, \n    main+9\n, app, 42, 1]: 100\n"
        let cases: [(String, String, Int)] = [
            // (input, what the one warning says, its line)
            (entry + "@m[\n    __schedule+12\n", "ends inside", 7),                       // cut at the end
            (entry + "@m[\n    f+1\n\n" + entry, "cut off", 7),                           // cut, then more
            (entry + "some garbage here\n", "not understood", 7),
            (entry + "@m[\n    f+1\n, app, 1]: 18446744073709551616\n", "not a whole number", 7),
            (entry + "@m[\n    f+1\n, app, 1]: -4\n", "not a whole number", 7),
            (entry + "{\"type\": \"map\", \"data\": {\"@m\": {\"\\n    f+1\\n,app,1\": 99999999999999999999}}}\n",
             "not a whole number", 7),
            (entry + "{\"type\": \"map\", \"data\": {\"@m\": {\"\\n    f+1\\n,a", "not understood", 7),
        ]
        for (input, says, line) in cases {
            let (got, report) = try waits(text: input, bpftraceParse)
            XCTAssertEqual(got.records.first?.frameNames, ["main", "schedule", "__schedule"], input)
            let warnings = report.warnings(file: "in")
            XCTAssertEqual(warnings.count, 1, "\(input): \(warnings)")
            XCTAssertTrue(warnings.first.map { $0.contains(says) && ($0.contains(":\(line):") || $0.contains("line \(line)")) } ?? false,
                          "\(warnings)")
        }
        // CRLF, empty maps (text: a blank line; JSON: {}), an empty input.
        let (crlf, crlfReport) = try waits(text: entry.replacingOccurrences(of: "\n", with: "\r\n"), bpftraceParse)
        XCTAssertEqual(crlf.records.first?.name, "app")
        XCTAssertEqual(crlf.records.first?.tid, 42)
        XCTAssertEqual(crlf.records.first?.stateName, "S")
        XCTAssertEqual(crlfReport.warnings(file: "in"), [])
        for empty in ["Attaching 2 probes...\n\n\n", "{\"type\": \"map\", \"data\": {\"@m\": {}}}\n", ""] {
            let (got, report) = try waits(text: empty, bpftraceParse)
            XCTAssertTrue(got.records.isEmpty)
            XCTAssertEqual(report.unrecognizedLines, 0)
        }
    }

    func testStateLetters() {
        let cases: [(UInt64, String)] = [(0, "R"), (0x100, "R+"), (1, "S"), (2, "D"), (0x80, "I"), (0x10, "X"),
                                         (0x20, "Z"), (0x3, "S|D"), (0x101, "S+"),
                                         // Bits above preemption's are masked off, as the kernel's format does.
                                         (0x402, "D")]
        for (value, letters) in cases {
            XCTAssertEqual(String(decoding: SchedStateLetters.kernel.letters(value), as: UTF8.self), letters)
        }
    }
}
