import XCTest
@testable import Fold
@testable import ProfileModel

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

    /// The interval rules; idle threads (tested on their own) are not told apart here.
    func make(_ options: OffCPUOptions = OffCPUOptions(), filter: ProcessFilter = ProcessFilter(), idle: Bool = false) {
        accountant = OffCPUAccountant(options: options, filter: filter, charges: ledger)
        accountant.separatesIdleThreads = idle
    }

    /// prev leaves `cpu` at `us` in `state`, next takes it; prev's stack node is `node`.
    func sw(_ us: UInt64, cpu: Int = 0, prev: Int32, _ state: String = "S", next: Int32, node: Int32 = 7, pid: Int? = 100) {
        Array(state.utf8).withUnsafeBufferPointer { st in
            accountant.switched(time: us * 1000, cpu: cpu, prev: prev, prevState: st, next: next,
                                thread: { OffCPUThread(pid: pid, comm: Array("t\(prev)".utf8)) }, outgoing: { node })
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

    func testOpenAtTheEndIsCutThereAndCountedAndExitsAreNot() {
        make()
        sw(100, prev: 5, next: 0, node: 3)
        sw(200, prev: 6, "X", next: 0)
        sw(300, prev: 0, next: 7)
        accountant.finish()
        // The wait of 5 is cut at the last event and drawn under its own frame; 6 never comes back.
        XCTAssertEqual(ledger.charges.map(\.node), [3])
        XCTAssertEqual(ledger.charges.map(\.part), [.openAtEnd])
        XCTAssertEqual(ledger.charges.map(\.ns), [200_000])
        XCTAssertEqual(accountant.summary.openAtEnd, 1)
        XCTAssertEqual(accountant.summary.openAtEndNanoseconds, 200_000)
        XCTAssertEqual(accountant.summary.threads.first { $0.tid == 5 }?.nanoseconds, 200_000)
        XCTAssertEqual(accountant.summary.threads.first { $0.tid == 5 }?.openAtEndNanoseconds, 200_000)
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
        XCTAssertEqual(lines[0], "off-CPU: 2100 us of thread time in 2 intervals, summed over 2 threads of 1 processes (not wall time), "
                       + "over 1150 us of capture")
        XCTAssertEqual(lines[1], "  t5 (pid 5): 2100 us = t6 6 1100 us, t5 5 1000 us")
        XCTAssertEqual(lines[2], "intervals: 2 closed at their switch-in")
    }

    // MARK: idle threads

    final class IdleLedger: OffCPUCharges {
        var charges: [(node: Int32, ns: UInt64, part: OffCPUPart, tid: Int32)] = []
        var idleCalls: [(node: Int32, comm: String, threads: Int)] = []
        func charge(_ node: Int32, nanoseconds: UInt64, part: OffCPUPart) {}
        func charge(_ node: Int32, nanoseconds: UInt64, part: OffCPUPart, start: UInt64, tid: Int32, pid: Int32?) {
            charges.append((node, nanoseconds, part, tid))
        }
        func idleNode(for node: Int32, processComm: [UInt8], pid: Int32?, threads: Int) -> Int32 {
            idleCalls.append((node, String(decoding: processComm, as: UTF8.self), threads))
            return 1000 + node
        }
    }

    /// A process 100 with its main thread 100 and pool threads: each switch-out of tid `t` uses
    /// node `t`, so the charges say whose they are.
    func idleCase(_ events: (OffCPUAccountant) -> Void) -> (IdleLedger, OffCPUAccountant) {
        let ledger = IdleLedger()
        let a = OffCPUAccountant(options: OffCPUOptions(), filter: ProcessFilter(), charges: ledger)
        events(a)
        a.finish()
        return (ledger, a)
    }

    func sw(_ a: OffCPUAccountant, _ us: UInt64, prev: Int32, _ state: String = "S", next: Int32) {
        Array(state.utf8).withUnsafeBufferPointer { st in
            a.switched(time: us * 1000, cpu: 0, prev: prev, prevState: st, next: next,
                       thread: { OffCPUThread(pid: 100, comm: Array((prev == 100 ? "main" : "pool").utf8),
                                              processComm: Array("main".utf8)) }, outgoing: { prev })
        }
    }

    func testPoolThreadsParkedUntilTheirProcessExitsAreIdle() {
        let (ledger, a) = idleCase { a in
            sw(a, 0, prev: 100, next: 0)             // main waits...
            sw(a, 10, prev: 0, next: 100)
            sw(a, 20, prev: 101, next: 0)            // two pool threads park at once
            sw(a, 30, prev: 102, next: 0)
            sw(a, 1000, prev: 100, next: 0)          // main waits on its own work
            sw(a, 5000, prev: 0, next: 100)
            sw(a, 5010, prev: 0, next: 101)          // woken by the exit, and gone at once
            sw(a, 5020, prev: 101, "X", next: 102)
            sw(a, 5030, prev: 102, "X", next: 100)
            sw(a, 5100, prev: 100, "X", next: 0)
        }
        let idle = ledger.charges.filter { $0.part == .idle }
        XCTAssertEqual(idle.map(\.tid).sorted(), [101, 102])
        XCTAssertEqual(idle.map(\.node).sorted(), [1101, 1102], "charged at the node idleNode made")
        XCTAssertEqual(idle.map(\.ns).reduce(0, +), 4_990_000 + 4_990_000)
        XCTAssertEqual(ledger.idleCalls.map(\.threads), [2, 2], "one [idle: 2 threads] frame for the process")
        XCTAssertEqual(ledger.idleCalls.map(\.comm), ["main", "main"])
        // The main thread's waits are its own, and the headline leaves the idle ones out.
        XCTAssertEqual(ledger.charges.filter { $0.part == .blocked }.map(\.tid), [100, 100])
        XCTAssertEqual(a.summary.totalNanoseconds, 10_000 + 4_000_000)
        XCTAssertEqual(a.summary.idleNanoseconds, 9_980_000)
        XCTAssertEqual(a.summary.idleThreads, 2)
        XCTAssertTrue(a.summary.report { "\($0 / 1000) us" }[0].contains("9980 us more of 2 idle threads"))
    }

    func testAPoolShuttingDownWaitsBrieflyAgainAndIsStillIdle() {
        // tokio's workers in sccache's client: parked for the client's whole life, then woken by
        // the runtime's shutdown, a wait of 0.3 ms more, and gone.
        let (ledger, a) = idleCase { a in
            sw(a, 10, prev: 101, next: 0)
            sw(a, 1_700_000, prev: 0, next: 101)
            sw(a, 1_700_020, prev: 101, next: 0)
            sw(a, 1_700_300, prev: 0, next: 101)
            sw(a, 1_700_380, prev: 101, "X", next: 0)
        }
        XCTAssertEqual(ledger.charges.map(\.part), [.idle, .idle])
        XCTAssertEqual(a.summary.idleNanoseconds, 1_699_990_000 + 280_000)
        XCTAssertEqual(a.summary.totalNanoseconds, 0)
    }

    func testAThreadThatWorksAfterItsOneWaitOrWaitsAgainIsNotIdle() {
        let (ledger, a) = idleCase { a in
            sw(a, 10, prev: 101, next: 0)            // waits, then works 2 ms before exiting
            sw(a, 5000, prev: 0, next: 101)
            sw(a, 7000, prev: 101, "X", next: 0)
            sw(a, 20, prev: 102, next: 0)            // waits twice, neither most of its life
            sw(a, 3000, prev: 0, next: 102)
            sw(a, 3010, prev: 102, next: 0)
            sw(a, 7500, prev: 0, next: 102)
            sw(a, 7510, prev: 102, "X", next: 0)
        }
        XCTAssertTrue(ledger.charges.allSatisfy { $0.part != .idle }, "\(ledger.charges)")
        XCTAssertEqual(ledger.charges.filter { $0.tid == 101 }.map(\.ns), [4_990_000])
        XCTAssertEqual(ledger.charges.filter { $0.tid == 102 }.map(\.ns), [2_980_000, 4_490_000])
        XCTAssertEqual(a.summary.idleThreads, 0)
    }

    func testAPoolThreadStillParkedAtTheEndIsIdleAndTheMainThreadNever() {
        let (ledger, a) = idleCase { a in
            sw(a, 0, prev: 100, next: 0)
            sw(a, 5, prev: 101, next: 0)
            sw(a, 9000, prev: 0, next: 100)
            sw(a, 9001, prev: 100, next: 0)
            sw(a, 10000, prev: 0, next: 7)
        }
        XCTAssertEqual(ledger.charges.filter { $0.part == .idle }.map(\.tid), [101])
        XCTAssertEqual(ledger.charges.filter { $0.part == .idle }.map(\.ns), [9_995_000])
        // The main thread's last wait is open at the end: cut there, counted, not idle.
        XCTAssertEqual(ledger.charges.filter { $0.tid == 100 }.map(\.part), [.blocked, .openAtEnd])
        XCTAssertEqual(a.summary.openAtEnd, 1, "the idle thread's wait is not among the open ones counted")
        XCTAssertEqual(a.summary.openAtEndNanoseconds, 999_000)
    }

    func testADiskWaitIsNeverIdleAndEarlierWaitsStayOrdinary() {
        let (ledger, a) = idleCase { a in
            sw(a, 10, prev: 101, "D", next: 0)       // one long disk wait, its whole life
            sw(a, 9000, prev: 0, next: 101)
            sw(a, 9001, prev: 101, "X", next: 0)
            sw(a, 20, prev: 102, next: 0)            // a real wait first, then parked for good
            sw(a, 500, prev: 0, next: 102)
            sw(a, 510, prev: 102, next: 0)
            sw(a, 9500, prev: 0, next: 7)
        }
        XCTAssertEqual(ledger.charges.filter { $0.tid == 101 }.map(\.part), [.blocked])
        XCTAssertEqual(ledger.charges.filter { $0.tid == 102 }.map(\.part), [.blocked, .idle])
        XCTAssertEqual(ledger.charges.filter { $0.tid == 102 && $0.part == .blocked }.map(\.ns), [480_000])
        XCTAssertEqual(a.summary.idleThreads, 1)
    }

    func testAReusedTidIsAnotherThreadAfterTheLastSwitchOut() {
        make()
        sw(100, prev: 5, "S", next: 0, node: 3)
        sw(200, prev: 0, next: 5)
        sw(300, prev: 5, "X", next: 0, node: 4)     // 5 dies
        sw(900, prev: 0, next: 5, node: 9)          // a new thread 5 runs for the first time
        sw(950, prev: 5, "S", next: 0, node: 6)
        sw(1000, prev: 0, next: 5)
        accountant.finish()
        // Nothing from the dead thread's end to the new one's first run.
        XCTAssertEqual(ledger.charges.map(\.node), [3, 6])
        XCTAssertEqual(ledger.charges.map(\.ns), [100_000, 50_000])
        XCTAssertEqual(accountant.summary.exited, 1)
    }

    func testAShortWaitLeftOutByMinBlockDoesNotDecideIdleness() {
        var o = OffCPUOptions()
        o.minBlockMicroseconds = 50
        let ledger = IdleLedger()
        let a = OffCPUAccountant(options: o, filter: ProcessFilter(), charges: ledger)
        sw(a, 0, prev: 100, next: 0)
        sw(a, 10, prev: 101, next: 0)              // 20 µs: too short to count
        sw(a, 30, prev: 0, next: 101)
        sw(a, 40, prev: 101, next: 0)              // then parked until the end
        sw(a, 9000, prev: 0, next: 7)
        a.finish()
        XCTAssertEqual(ledger.charges.filter { $0.tid == 101 }.map(\.part), [.idle])
        XCTAssertEqual(a.summary.tooShort, 1)
    }

    func testWaitsBegunBeforeTheCaptureAreCountedApartOnlyWhenTheInputCanTell() {
        for knows in [false, true] {
            let (ledger, a) = idleCase { a in
                if knows { a.existedAtStart = { $0 == 101 } }
                sw(a, 0, prev: 100, next: 0)
                sw(a, 4000, prev: 0, next: 101)      // its first event: the end of a wait begun earlier
                sw(a, 4100, prev: 101, next: 100)
                sw(a, 6000, prev: 100, next: 101)
            }
            XCTAssertEqual(a.summary.waitsBeforeCapture, knows ? 1 : 0)
            XCTAssertEqual(a.summary.waitsBeforeCaptureNanoseconds, knows ? 4_000_000 : 0)
            XCTAssertFalse(ledger.charges.contains { $0.tid == 101 && $0.ns == 4_000_000 }, "not drawn: no stack")
        }
    }
}
