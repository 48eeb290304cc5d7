import XCTest
@testable import TextInputs

/// Header and frame lines as perf 6.1 prints them on these machines (taken from real captures,
/// see ../shared/notes/offcpu-formats.md and testdata/README.md) and as older perfs printed them
/// (FlameGraph's test inputs).
final class ScriptLineTests: XCTestCase {
    private func header(_ s: String) -> (comm: String, pid: Int?, tid: Int, cpu: Int?, time: UInt64?, period: UInt64?, event: String?, payload: String)? {
        var bytes = Array(s.utf8)
        return bytes.withUnsafeMutableBufferPointer { buf in
            guard let h = ScriptHeader.parse(UnsafeBufferPointer(buf)) else { return nil }
            return (String(decoding: h.comm, as: UTF8.self), h.pid, h.tid, h.cpu, h.timeNanos, h.period,
                    h.event.map { String(decoding: $0, as: UTF8.self) }, String(decoding: h.payload, as: UTF8.self))
        }
    }

    private func frame(_ s: String) -> (address: String, symbol: String, offset: UInt64?, dso: String)? {
        var bytes = Array(s.utf8)
        return bytes.withUnsafeMutableBufferPointer { buf in
            guard let f = FrameLine.parse(UnsafeBufferPointer(buf)) else { return nil }
            return (String(decoding: f.address, as: UTF8.self), String(decoding: f.symbol, as: UTF8.self),
                    f.offset, String(decoding: f.dso, as: UTF8.self))
        }
    }

    func testOnCPUHeaderWithPeriodAndTrailingSpace() throws {
        let h = try XCTUnwrap(header("compute 10091   520.951648:    2004008 cpu-clock:ppp: "))
        XCTAssertEqual(h.comm, "compute")
        XCTAssertNil(h.pid)
        XCTAssertEqual(h.tid, 10091)
        XCTAssertNil(h.cpu)
        XCTAssertEqual(h.time, 520_951_648_000)
        XCTAssertEqual(h.period, 2_004_008)
        XCTAssertEqual(h.event, "cpu-clock:ppp")
        XCTAssertEqual(h.payload, "")
    }

    func testCommWithSpacesCPUAndTracepointPayload() throws {
        let h = try XCTUnwrap(header("io worker  9575 [001]   487.137257: sched:sched_switch: prev_comm=io worker prev_pid=9575 prev_prio=120 prev_state=D ==> next_comm=ocd next_pid=9578 next_prio=120"))
        XCTAssertEqual(h.comm, "io worker")
        XCTAssertEqual(h.tid, 9575)
        XCTAssertEqual(h.cpu, 1)
        XCTAssertEqual(h.time, 487_137_257_000)
        XCTAssertNil(h.period)
        XCTAssertEqual(h.event, "sched:sched_switch")
        XCTAssertTrue(h.payload.hasPrefix("prev_comm=io worker prev_pid=9575"))
    }

    func testPidSlashTidAndNanosecondTime() throws {
        let h = try XCTUnwrap(header("pipe-writer  9654/9658  [000]   488.940179123: sched:sched_switch: prev_comm=pipe-writer"))
        XCTAssertEqual(h.pid, 9654)
        XCTAssertEqual(h.tid, 9658)
        XCTAssertEqual(h.cpu, 0)
        XCTAssertEqual(h.time, 488_940_179_123)
    }

    func testRightPaddedEventNameOfPerfSchedScript() throws {
        let h = try XCTUnwrap(header("perf 9695 [000]   491.832245:       sched:sched_switch: prev_comm=perf prev_pid=9695"))
        XCTAssertEqual(h.event, "sched:sched_switch")
        XCTAssertNil(h.period)
    }

    func testCommThatContainsANumberWord() throws {
        let h = try XCTUnwrap(header("V8 WorkerThread 2 25607 [000] 4794564.109216: 104345 cycles: "))
        XCTAssertEqual(h.comm, "V8 WorkerThread 2")
        XCTAssertEqual(h.tid, 25607)
        XCTAssertEqual(h.period, 104_345)
        XCTAssertEqual(h.event, "cycles")
    }

    func testHeaderWithoutTimeAsOldPerfPrintedIt() throws {
        let h = try XCTUnwrap(header("java  3244 cpu-clock: "))
        XCTAssertEqual(h.comm, "java")
        XCTAssertEqual(h.tid, 3244)
        XCTAssertEqual(h.event, "cpu-clock")
    }

    func testExitedThreadWithMinusOne() throws {
        let h = try XCTUnwrap(header(":-1    -1 [001]   487.140677: sched:sched_switch: prev_comm=io worker prev_pid=9575"))
        XCTAssertEqual(h.comm, ":-1")
        XCTAssertEqual(h.tid, -1)
    }

    func testFrameLines() throws {
        var f = try XCTUnwrap(frame("\tffffffff821f8b58 __schedule+0x618 ([kernel.kallsyms])"))
        XCTAssertEqual(f.address, "ffffffff821f8b58")
        XCTAssertEqual(f.symbol, "__schedule")
        XCTAssertEqual(f.offset, 0x618)
        XCTAssertEqual(f.dso, "[kernel.kallsyms]")

        f = try XCTUnwrap(frame("\t            1550 [unknown] (/tmp/flametd/bin/ocd_stripped)"))
        XCTAssertEqual(f.symbol, "[unknown]")
        XCTAssertNil(f.offset)
        XCTAssertEqual(f.dso, "/tmp/flametd/bin/ocd_stripped")

        f = try XCTUnwrap(frame("\t           fec4a sched_setaffinity@@GLIBC_2.3.4+0x7 (/usr/lib/x86_64-linux-gnu/libc.so.6)"))
        XCTAssertEqual(f.symbol, "sched_setaffinity@@GLIBC_2.3.4")

        // C++ names keep their spaces and parentheses; the dso is the last parenthesised group.
        f = try XCTUnwrap(frame("\t    55d0c1a2b3c4 std::function<int (int, int)>::operator()(int, int) const+0x1f (/tmp/flametd/templates)"))
        XCTAssertEqual(f.symbol, "std::function<int (int, int)>::operator()(int, int) const")
        XCTAssertEqual(f.dso, "/tmp/flametd/templates")

        // An empty symbol borrows a space, as stackcollapse-perf.pl's regex does.
        f = try XCTUnwrap(frame("\t    7f1e2215d058  (/lib/x86_64-linux-gnu/libc-2.15.so)"))
        XCTAssertEqual(f.symbol, " ")
    }

    func testLinesThatAreNotFrames() {
        XCTAssertNil(frame("  ocd.c:37"))
        XCTAssertNil(frame("  libc-2.33.so[27b25]"))
        XCTAssertNil(frame(""))
        XCTAssertNil(header("\tffffffff821f8b58 __schedule+0x618 ([kernel.kallsyms])"))
        XCTAssertNil(header("ffffffff8103d0ca native_write_msr_safe ([kernel.kallsyms])"))
    }
}
