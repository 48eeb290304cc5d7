import XCTest
@testable import PerfData

/// `ProcessTree` on hand-made task records (times in ms × 1e6; 0 marks perf's synthesized
/// records of what existed when recording began), and on a real capture.
final class ProcessTreeTests: XCTestCase {
    func id(_ t: UInt64) -> SampleID {
        var s = SampleID()
        s.time = t
        return s
    }

    func fork(_ tree: ProcessTree, _ ms: UInt64, pid: Int32, ppid: Int32, tid: Int32? = nil) {
        tree.apply(.fork(TaskRecord(offset: 0, pid: pid, ppid: ppid, tid: tid ?? pid, ptid: ppid, time: ms * 1_000_000, sampleID: id(ms * 1_000_000))))
    }

    func exit(_ tree: ProcessTree, _ ms: UInt64, pid: Int32, tid: Int32? = nil) {
        tree.apply(.exit(TaskRecord(offset: 0, pid: pid, ppid: 0, tid: tid ?? pid, ptid: 0, time: ms * 1_000_000, sampleID: id(ms * 1_000_000))))
    }

    func comm(_ tree: ProcessTree, _ ms: UInt64, pid: Int32, _ name: String, exec: Bool = true) {
        tree.apply(.comm(CommRecord(offset: 0, misc: exec ? PerfRecordMisc.commExec : 0, pid: pid, tid: pid, comm: name,
                                    sampleID: id(ms * 1_000_000))))
    }

    func mmap(_ tree: ProcessTree, _ ms: UInt64, pid: Int32, _ file: String, exec: Bool = true) {
        tree.apply(.mmap(MmapRecord(offset: 0, misc: 2, isMmap2: true, pid: pid, tid: pid, start: 0x1000, length: 0x1000, pgoff: 0,
                                    prot: exec ? 5 : 1, flags: 2, filename: file, sampleID: id(ms * 1_000_000))))
    }

    /// A daemon (20) running when recording began, the recorded program (30, forked by perf
    /// before and exec'd during the capture), their children, and an unrelated process.
    func build(roots: Set<Int32>) -> ProcessTree {
        let t = ProcessTree(roots: roots)
        fork(t, 0, pid: 20, ppid: 1)
        comm(t, 0, pid: 20, "daemon", exec: false)
        mmap(t, 0, pid: 20, "/usr/bin/daemon")
        fork(t, 0, pid: 20, ppid: 20, tid: 21)          // a thread of the daemon
        fork(t, 0, pid: 30, ppid: 10)
        comm(t, 0, pid: 30, "perf-exec", exec: false)
        comm(t, 5, pid: 30, "make")
        mmap(t, 5, pid: 30, "/usr/bin/make")
        mmap(t, 5, pid: 30, "/usr/lib/libc.so.6")
        fork(t, 10, pid: 31, ppid: 30)                   // make -> cc (the CLI)
        comm(t, 11, pid: 31, "cc")
        fork(t, 12, pid: 40, ppid: 20)                   // daemon -> cc1
        comm(t, 13, pid: 40, "cc1")
        mmap(t, 13, pid: 40, "/usr/lib/gcc/cc1")
        fork(t, 12, pid: 50, ppid: 1)                    // unrelated
        exit(t, 60, pid: 40)
        exit(t, 70, pid: 31)
        exit(t, 80, pid: 50)
        exit(t, 90, pid: 30)
        return t
    }

    func testTreesFollowForksFromTheRootsAndKeepTheirLives() {
        let t = build(roots: [30, 20])
        let kept = Dictionary(uniqueKeysWithValues: t.selected.map { ($0.pid, $0) })
        XCTAssertEqual(Set(kept.keys), [20, 30, 31, 40], "the roots and what they started, not process 50")
        XCTAssertTrue(t.isInTree(pid: 20))
        XCTAssertFalse(t.isInTree(pid: 1))
        XCTAssertEqual(kept[20]?.threads, 2)
        XCTAssertNil(kept[20]?.start, "existed when recording began")
        XCTAssertNil(kept[20]?.end, "still running at the end")
        XCTAssertEqual(kept[20]?.executable, "/usr/bin/daemon")
        // The program perf started begins with its exec, and its executable is the new one.
        XCTAssertEqual(kept[30]?.start, 5_000_000)
        XCTAssertEqual(kept[30]?.end, 90_000_000)
        XCTAssertEqual(kept[30]?.comm, "make")
        XCTAssertEqual(kept[30]?.executable, "/usr/bin/make")
        XCTAssertEqual(kept[40]?.ppid, 20)
        XCTAssertEqual(kept[40]?.comm, "cc1")
        XCTAssertEqual(kept[40]?.root, 20, "cc1 belongs to the daemon's tree")
        XCTAssertEqual(kept[31]?.root, 30)
        XCTAssertEqual(kept[40]?.start, 12_000_000)
        XCTAssertEqual(kept[40]?.end, 60_000_000)
        XCTAssertEqual(t.rootsSeen, [20, 30])
        // Exited processes that were not selected are forgotten.
        XCTAssertFalse(t.kept.contains { $0.pid == 50 })
    }

    func testWithoutRootsEveryProcessIsSelected() {
        let t = build(roots: [])
        XCTAssertEqual(Set(t.selected.map(\.pid)), [20, 30, 31, 40, 50])
        XCTAssertFalse(t.selectsProcesses)
    }

    func testAReusedPidIsAnotherProcess() {
        let t = ProcessTree(roots: [7])
        fork(t, 1, pid: 7, ppid: 1)
        fork(t, 2, pid: 8, ppid: 7)
        exit(t, 3, pid: 8)
        // pid 8 again, started by an unrelated process: not in 7's tree.
        fork(t, 4, pid: 8, ppid: 1)
        XCTAssertFalse(t.isInTree(pid: 8))
        let eights = t.kept.filter { $0.pid == 8 }
        XCTAssertEqual(eights.map(\.selected), [true, false], "the selected one kept with its end, the new one live")
        XCTAssertEqual(t.selected.filter { $0.pid == 8 }.map(\.end), [3_000_000])
    }

    func testARootThatNeverAppearsIsNotSeen() {
        let t = build(roots: [999])
        XCTAssertEqual(t.rootsSeen, [])
        XCTAssertTrue(t.selected.isEmpty)
    }

    func testCaptureHoldsWhatPerfStartedAndItsChildren() throws {
        // threads.data: perf record -- ./threads; perf-exec becomes threads, with four threads.
        let file = try PerfDataFile(path: Fixtures.path("threads.data"))
        var program: Int32?
        _ = try file.forEachRecord(ordered: false, sample: { _ in }, other: { r in
            if case .comm(let c) = r, c.comm == "perf-exec", program == nil { program = c.pid }
        })
        let root = try XCTUnwrap(program)
        let t = ProcessTree(roots: [root])
        _ = try file.forEachRecord(ordered: true, sample: { s in t.noteTime(s.time) }, other: t.apply)
        let p = try XCTUnwrap(t.selected.first)
        XCTAssertEqual(t.selected.count, 1)
        XCTAssertEqual(p.comm, "threads")
        XCTAssertEqual(p.threads, 5, "the main thread and its four")
        XCTAssertEqual(p.executable, "/tmp/flametd/threads")
        XCTAssertNotNil(p.start)
        XCTAssertNotNil(p.end)
        XCTAssertGreaterThan(t.lastTime, t.firstTime)
    }

    /// perf lists what existed when recording began in /proc order: after a pid wrap, a child
    /// (5) before its parent (900) before the daemon's root (1000 → 900 → 5).
    func testProcessesListedBeforeTheirParentsStillJoinTheirTree() {
        let t = ProcessTree(roots: [1000])
        fork(t, 0, pid: 5, ppid: 900)
        fork(t, 0, pid: 6, ppid: 5)
        fork(t, 0, pid: 900, ppid: 1000)
        fork(t, 0, pid: 1000, ppid: 1)
        fork(t, 0, pid: 7, ppid: 1)
        fork(t, 10, pid: 8, ppid: 6)                     // the first timed record
        XCTAssertEqual(Set(t.selected.map(\.pid)), [1000, 900, 5, 6, 8])
        XCTAssertEqual(t.selected.first { $0.pid == 5 }?.root, 1000)
        XCTAssertTrue(t.isInTree(pid: 8), "and what they start meanwhile")
    }

    /// A leader's EXIT comes before its last switch-out and the samples of its exit: they still
    /// belong to it, not to a made-up process.
    func testAProcessIsFoundBetweenItsExitAndThePidsNextUse() {
        let t = ProcessTree(roots: [7])
        fork(t, 1, pid: 7, ppid: 1)
        fork(t, 2, pid: 8, ppid: 7)
        let id = t.process(pid: 8)
        exit(t, 3, pid: 8)
        XCTAssertEqual(t.process(pid: 8), id)
        XCTAssertTrue(t.isInTree(pid: 8))
        XCTAssertEqual(t.selected.map(\.pid), [7, 8], "no process \":8\" made up")
        fork(t, 4, pid: 8, ppid: 1)                      // the pid used again
        XCTAssertNotEqual(t.process(pid: 8), id)
        XCTAssertEqual(t.process(pid: -1), ProcessTree.nobody, "a sample without a process is nobody's")
    }
}
