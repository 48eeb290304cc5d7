import XCTest
@testable import Fold

/// The interval rules of `OffCPUAccountant` on hand-made event sequences (times in µs × 1000),
/// one rule per test: what is charged, to which stack, as which part, and what is counted.
final class OffCPUAccountantTests: XCTestCase {
    final class Ledger: OffCPUCharges {
        var charges: [(node: Int32, ns: UInt64, part: OffCPUPart)] = []
        func charge(_ node: Int32, nanoseconds: UInt64, part: OffCPUPart) { charges.append((node, nanoseconds, part)) }
        func total(_ part: OffCPUPart) -> UInt64 { charges.filter { $0.part == part }.reduce(0) { $0 + $1.ns } }
    }

    let ledger = Ledger()
    var accountant: OffCPUAccountant!

    func make(_ options: OffCPUOptions = OffCPUOptions(), filter: ProcessFilter = ProcessFilter()) {
        accountant = OffCPUAccountant(options: options, filter: filter, charges: ledger)
    }

    /// prev leaves `cpu` at `us` in `state`, next takes it; prev's stack node is `node`.
    func sw(_ us: UInt64, cpu: Int = 0, prev: Int32, _ state: String = "S", next: Int32, node: Int32 = 7, pid: Int? = 100) {
        Array(state.utf8).withUnsafeBufferPointer { st in
            accountant.switched(time: us * 1000, cpu: cpu, prev: prev, prevState: st, next: next,
                                thread: { (pid, Array("t\(prev)".utf8), nil) }, outgoing: { node })
        }
    }

    func testIntervalRunsFromSwitchOutToSwitchInOnAnyCPU() {
        make()
        sw(100, cpu: 0, prev: 5, next: 0, node: 3)
        sw(350, cpu: 1, prev: 0, next: 5)
        accountant.finish()
        XCTAssertEqual(ledger.charges.count, 1)
        XCTAssertEqual(ledger.charges[0].node, 3)
        XCTAssertEqual(ledger.charges[0].ns, 250_000)
        XCTAssertEqual(accountant.summary.switchInsMatched, 1)
        XCTAssertEqual(accountant.summary.threads.first?.nanoseconds, 250_000)
    }

    func testIdleTaskIsNeverCharged() {
        make()
        sw(100, prev: 0, "R", next: 5)
        sw(200, prev: 5, next: 0)
        sw(300, prev: 0, "R", next: 5)
        accountant.finish()
        XCTAssertEqual(ledger.charges.map(\.ns), [100_000])
        XCTAssertEqual(accountant.summary.threads.map(\.tid), [5])
    }

    func testMissingSwitchInIsDatedBySchedStatRuntime() {
        make()
        sw(100, cpu: 1, prev: 5, next: 0)
        // Switched in from idle on CPU 1 at 400 (not recorded); accounted at 450 after 50 µs of run.
        accountant.ran(time: 450_000, tid: 5, runtime: 50_000)
        sw(500, cpu: 1, prev: 5, next: 0)
        accountant.finish()
        XCTAssertEqual(ledger.total(.blocked), 300_000)
        XCTAssertEqual(ledger.total(.undated), 0)
        XCTAssertEqual(accountant.summary.recoveredByRuntime, 1)
        XCTAssertEqual(accountant.summary.openAtEnd, 1)
    }

    func testSecondSwitchOutWithoutEvidenceIsUndatedNotOverwritten() {
        make()
        sw(100, cpu: 1, prev: 5, next: 0, node: 3)
        sw(600, cpu: 1, prev: 5, next: 0, node: 4)
        sw(900, cpu: 0, prev: 0, next: 5)
        accountant.finish()
        // The first interval's end is unknown: all of it up to the next switch-out is undated.
        XCTAssertEqual(ledger.charges.filter { $0.node == 3 }.map(\.part), [.undated])
        XCTAssertEqual(ledger.charges.filter { $0.node == 3 }.map(\.ns), [500_000])
        // The second interval is intact.
        XCTAssertEqual(ledger.charges.filter { $0.node == 4 }.map(\.ns), [300_000])
        XCTAssertEqual(accountant.summary.unmatched, 1)
        XCTAssertEqual(accountant.summary.threads[0].undatedNanoseconds, 500_000)
    }

    func testSecondSwitchOutClosesAtTheWakeupAtMostAtTheThreadsFirstEvent() {
        make()
        sw(100, cpu: 1, prev: 5, next: 0, node: 3)
        accountant.woken(time: 300_000, tid: 5)
        accountant.seen(time: 320_000, tid: 5)
        sw(600, cpu: 1, prev: 5, next: 0, node: 4)
        accountant.finish()
        XCTAssertEqual(ledger.charges.filter { $0.node == 3 && $0.part == .blocked }.map(\.ns), [200_000])
        XCTAssertEqual(ledger.charges.filter { $0.node == 3 && $0.part == .undated }.map(\.ns), [20_000])
        XCTAssertEqual(accountant.summary.recoveredByEstimate, 1)
    }

    func testPreviousSwitchOnTheCPUBoundsTheSwitchIn() {
        make()
        sw(100, cpu: 1, prev: 5, next: 0, node: 3)
        sw(250, cpu: 1, prev: 9, "S", next: 0)   // CPU 1 ran another task until 250
        sw(600, cpu: 1, prev: 5, next: 0, node: 4)
        accountant.finish()
        XCTAssertEqual(ledger.charges.filter { $0.node == 3 && $0.part == .blocked }.map(\.ns), [150_000])
        XCTAssertEqual(ledger.charges.filter { $0.node == 3 && $0.part == .undated }.map(\.ns), [350_000])
    }

    func testOpenAtTheEndIsDroppedAndExitsAreNotCountedAsDropped() {
        make()
        sw(100, prev: 5, next: 0)
        sw(200, prev: 6, "X", next: 0)
        sw(300, prev: 0, next: 7)
        accountant.finish()
        XCTAssertTrue(ledger.charges.isEmpty)
        XCTAssertEqual(accountant.summary.openAtEnd, 1)
        XCTAssertEqual(accountant.summary.openAtEndNanoseconds, 200_000)
        XCTAssertEqual(accountant.summary.exited, 1)
    }

    func testSplitWakeupSeparatesRunQueueTime() {
        var o = OffCPUOptions()
        o.splitWakeup = true
        make(o)
        sw(100, prev: 5, "S", next: 0)
        accountant.woken(time: 400_000, tid: 5)
        sw(450, prev: 0, next: 5)
        // Preempted: all of it is run-queue time.
        sw(500, prev: 5, "R+", next: 6)
        sw(530, prev: 6, next: 5)
        accountant.finish()
        XCTAssertEqual(ledger.total(.blocked), 300_000)
        XCTAssertEqual(ledger.total(.runqueue), 50_000 + 30_000)
    }

    func testStateAndThreadFiltersAndMinimumBlock() {
        var o = OffCPUOptions()
        o.states = [UInt8(ascii: "D")]
        o.minBlockMicroseconds = 100
        make(o, filter: ProcessFilter(pids: [100]))
        sw(100, prev: 5, "S", next: 0)          // state S: left out
        sw(110, prev: 6, "D", next: 0)          // kept
        sw(120, prev: 7, "D", next: 0, pid: 200) // other process: left out
        sw(150, prev: 8, "D", next: 0)          // kept, but only 50 µs
        sw(200, prev: 0, next: 8)
        sw(400, prev: 0, next: 6)
        sw(500, prev: 0, next: 5)
        sw(500, prev: 0, next: 7)
        accountant.finish()
        XCTAssertEqual(ledger.charges.map(\.ns), [290_000])
        XCTAssertEqual(accountant.summary.filtered, 2)
        XCTAssertEqual(accountant.summary.tooShort, 1)
    }

    func testSummaryReportNamesProcessesThreadsAndEnds() {
        make()
        sw(100, prev: 5, next: 0, pid: 5)
        sw(150, prev: 6, next: 0, pid: 5)
        sw(1100, prev: 0, next: 5)
        sw(1250, prev: 0, next: 6)
        accountant.finish()
        let lines = accountant.summary.report { "\($0 / 1000) us" }
        XCTAssertEqual(lines[0], "off-CPU: 2100 us in 2 intervals of 2 threads in 1 processes, over 1150 us of capture")
        XCTAssertEqual(lines[1], "  t5 (pid 5): 2100 us = t6 6 1100 us, t5 5 1000 us")
        XCTAssertEqual(lines[2], "intervals: 2 closed at their switch-in")
    }
}
