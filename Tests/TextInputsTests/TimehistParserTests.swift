import XCTest
@testable import TextInputs

/// `perf sched timehist` captures of testdata/src/sleepy (testdata/offcpu/README.md). The numbers
/// were checked against the raw files by hand and with an independent script.
final class TimehistParserTests: XCTestCase {
    let nanosleep = ["do_syscall_64", "__x64_sys_clock_nanosleep", "common_nsleep", "hrtimer_nanosleep", "do_nanosleep"]

    func testPairsEachWaitWithTheThreadsPreviousChain() throws {
        let (got, report) = try waits(OffCPUData.path("sleepy.timehist.txt"), timehistParse)
        XCTAssertEqual(report.records, 113)
        XCTAssertEqual(got.records.count, 113)
        XCTAssertEqual(report.unrecognizedLines, 0)
        // Line 12 `pong[12120/12117] 0.164 0.020`: the wait ended by this run began when pong blocked
        // at line 8, so it gets line 8's chain; 0.164 ms of which 0.020 ms waiting for the CPU.
        let pong = try XCTUnwrap(got.lines.firstIndex(of: 12).map { got.records[$0] })
        XCTAssertEqual(pong.name, "pong")
        XCTAssertEqual(pong.tid, 12120)
        XCTAssertEqual(pong.pid, 12117)
        XCTAssertNil(pong.state)
        XCTAssertEqual(pong.frameNames, ["entry_SYSCALL_64_after_hwframe", "do_syscall_64", "ksys_read", "vfs_read", "anon_pipe_read"])
        XCTAssertEqual(pong.blockedMicroseconds, 144)
        XCTAssertEqual(pong.runqueueMicroseconds, 20)
        // Line 13 `ping 0.017 0.000` pairs with line 11 (ping preempted on return to user space).
        let ping = try XCTUnwrap(got.lines.firstIndex(of: 13).map { got.records[$0] })
        XCTAssertEqual(ping.name, "ping")
        XCTAssertEqual(ping.frameNames, ["[unknown]", "[unknown]", "entry_SYSCALL_64_after_hwframe", "do_syscall_64",
                                         "exit_to_user_mode_loop"])
        XCTAssertEqual(ping.blockedMicroseconds, 17)
        XCTAssertEqual(ping.runqueueMicroseconds, 0)
        // Line 175, the main thread's last line (chain: do_task_dead, as it exits): its 20.122 ms
        // wait is the pthread_join that began at its line 53, in futex_do_wait.
        let main = try XCTUnwrap(got.lines.firstIndex(of: 175).map { got.records[$0] })
        XCTAssertEqual(main.name, "sleepy")
        XCTAssertEqual(main.tid, 12117)
        XCTAssertEqual(main.pid, 12117)
        XCTAssertEqual(main.frameNames, ["__x64_sys_futex", "do_futex", "futex_wait", "__futex_wait", "futex_do_wait"])
        XCTAssertEqual(main.blockedMicroseconds, 20100)
        XCTAssertEqual(main.runqueueMicroseconds, 22)
    }

    func testSlowSleeperNapsAndThreadsFirstLines() throws {
        let (got, report) = try waits(OffCPUData.path("sleepy.timehist.txt"), timehistParse)
        // 10 lines: the first (line 9, wait 0.000, sch delay 0.137) has no stack before it; each
        // of the 9 others ends a ~2 ms nap that began in do_nanosleep.
        let naps = got.records.filter { $0.name == "slow sleeper" }
        XCTAssertEqual(naps.count, 9)
        XCTAssertTrue(naps.allSatisfy { $0.frameNames == nanosleep && $0.tid == 12121 })
        XCTAssertEqual(naps.first?.blockedMicroseconds, 2101)  // line 63: 2.125 - 0.024
        XCTAssertEqual(naps.first?.runqueueMicroseconds, 24)
        XCTAssertEqual(naps.map(\.blockedMicroseconds).reduce(0, +), 18501)
        XCTAssertEqual(naps.map(\.runqueueMicroseconds).reduce(0, +), 149)
        XCTAssertTrue(naps.allSatisfy { (2000...2200).contains($0.blockedMicroseconds + $0.runqueueMicroseconds) })
        // 12 threads' first lines carry waits (or sch delays) of unknown stack.
        XCTAssertEqual(report.waitsWithoutStack, 12)
        XCTAssertEqual(report.waitMicrosecondsWithoutStack, 2783)
        XCTAssertEqual(report.warnings(file: "t").count, 1)
        // <idle> and the shared `:-1` thread of exited tasks are never charged.
        XCTAssertFalse(got.records.contains { ($0.tid ?? 0) <= 0 || $0.name == "<idle>" || $0.name == ":-1" })
        XCTAssertEqual(got.records.map(\.blockedMicroseconds).reduce(0, +), 84344)
        XCTAssertEqual(got.records.map(\.runqueueMicroseconds).reduce(0, +), 2257)
    }

    func testColumnsWakeupsMigrationsAndSummaryChangeNothing() throws {
        let (plain, _) = try waits(OffCPUData.path("sleepy.timehist.txt"), timehistParse)
        let strip: (WaitRecord) -> WaitRecord = { var r = $0; r.state = nil; return r }
        for name in ["sleepy.timehist-V-state-w-M-n.txt", "sleepy.timehist-S.txt"] {
            let (got, report) = try waits(OffCPUData.path(name), timehistParse, chunk: 4096)
            XCTAssertEqual(got.records.map(strip), plain.records, name)
            XCTAssertEqual(report.unrecognizedLines, 0, name)
            XCTAssertEqual(report.waitsWithoutStack, 12, name)
        }
        // --state letters belong to the previous line, as the chain does, and are kept as perf 6.1
        // printed them: `K` is the kernel's `I` (rcu_preempt, line 92, then its 7.994 ms wait at 164).
        let (states, _) = try waits(OffCPUData.path("sleepy.timehist-V-state-w-M-n.txt"), timehistParse)
        XCTAssertTrue(states.records.filter { $0.name == "slow sleeper" }.allSatisfy { $0.stateName == "S" })
        let rcu = try XCTUnwrap(states.lines.firstIndex(of: 164).map { states.records[$0] })
        XCTAssertEqual(rcu.name, "rcu_preempt")
        XCTAssertEqual(rcu.stateName, "K")
        XCTAssertEqual(rcu.blockedMicroseconds + rcu.runqueueMicroseconds, 7994)
        XCTAssertEqual(Dictionary(grouping: states.records, by: { $0.stateName ?? "-" }).mapValues(\.count),
                       ["D": 45, "K": 3, "R": 34, "S": 31])
    }

    func testDeepChainsOfOneProcess() throws {
        let (got, report) = try waits(OffCPUData.path("sleepy.timehist-maxstack-p.txt"), timehistParse)
        XCTAssertEqual(got.records.count, 58)
        XCTAssertEqual(report.waitsWithoutStack, 5)
        XCTAssertEqual(report.waitMicrosecondsWithoutStack, 945)
        let nap = try XCTUnwrap(got.records.first { $0.name == "slow sleeper" })
        XCTAssertEqual(nap.frameNames, ["[unknown]", "[unknown]", "[unknown]", "entry_SYSCALL_64_after_hwframe"] + nanosleep)
    }

    func testCommsWithSpacesAndBracketsAndOddColumns() throws {
        let text = """
               time    cpu  task name                       wait time  sch delay   run time
                            [tid/pid]                          (msec)     (msec)     (msec)
        --------------- ------  ------------------------------  ---------  ---------  ---------
             10.000001 [0000]  a [b] c[7/5]                        0.000      0.000      0.010    f1 <- f0
             10.000002 [0001]  a [b] c[7/5]                       12.345      2.000      0.010    g1 <- g0
             10.000003 [0001]  x]y[8]                              1.500      0.000      0.010
             10.000004 [0001]  x]y[8]                             99.000      0.000      0.010    h0
        """
        let (got, report) = try waits(text: text, timehistParse)
        XCTAssertEqual(got.records.count, 2)
        XCTAssertEqual(got.records[0].name, "a [b] c")
        XCTAssertEqual(got.records[0].tid, 7)
        XCTAssertEqual(got.records[0].pid, 5)
        XCTAssertEqual(got.records[0].frameNames, ["f0", "f1"])
        XCTAssertEqual(got.records[0].blockedMicroseconds, 10345)
        XCTAssertEqual(got.records[0].runqueueMicroseconds, 2000)
        // Recorded without callchains: the record is known to have no frames.
        XCTAssertEqual(got.records[1].name, "x]y")
        XCTAssertEqual(got.records[1].pid, 8)
        XCTAssertEqual(got.records[1].frameNames, [])
        XCTAssertEqual(got.records[1].blockedMicroseconds, 99000)
        XCTAssertEqual(report.waitsWithoutStack, 1)
        XCTAssertEqual(report.waitMicrosecondsWithoutStack, 1500)
    }

    func testHostileInput() throws {
        let good = "     1.000001 [0000]  t[3]    0.000  0.000  0.001    do_nanosleep\n"
            + "     1.000002 [0000]  t[3]    2.000  0.500  0.001    pipe_read\n"
        // Garbage and a wait past 64 bits: each line is skipped and named once.
        for bad in ["!! not timehist !!", "     1.000003 [0000]  t[3]   99999999999999999999.000  0.000  0.001    c"] {
            let (got, report) = try waits(text: good + bad + "\n", timehistParse)
            XCTAssertEqual(got.records.count, 1)
            XCTAssertEqual(report.unrecognizedLines, 1)
            let warnings = report.warnings(file: "in")
            XCTAssertEqual(warnings.count, 1)
            XCTAssertTrue(warnings[0].contains("line 3"), warnings[0])
        }
        // A file cut inside its last line, CRLF line ends, an empty file.
        let (cut, cutReport) = try waits(text: good + "     1.000003 [0000]  t[3]    1.0", timehistParse)
        XCTAssertEqual(cut.records.count, 1)
        XCTAssertEqual(cutReport.firstUnrecognized?.line, 3)
        let (crlf, crlfReport) = try waits(text: good.replacingOccurrences(of: "\n", with: "\r\n"), timehistParse)
        XCTAssertEqual(crlf.records.first?.frameNames, ["do_nanosleep"])
        XCTAssertEqual(crlf.records.first?.blockedMicroseconds, 1500)
        XCTAssertEqual(crlfReport.unrecognizedLines, 0)
        let (empty, emptyReport) = try waits(text: "", timehistParse)
        XCTAssertTrue(empty.records.isEmpty)
        XCTAssertTrue(emptyReport.warnings(file: "in").isEmpty)
    }
}
