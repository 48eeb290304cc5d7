import XCTest
@testable import Fold
@testable import ProfileModel

/// `PathCell` chains as `CriticalPathView` builds them, made by hand: folding what no other path
/// holds keeps a path of many hops short without changing what any path adds up to, and a long
/// chain is freed without recursion.
final class PathCellTests: XCTestCase {
    /// A cell of thread `tid` from `start` to `end` with `samples` CPU samples at node `tid`.
    func cell(_ tid: Int32, _ start: UInt64, _ end: UInt64, samples: UInt32 = 1, next: PathCell?) -> PathCell {
        let c = PathCell(tid: tid, pid: tid, comm: 0, root: 1000 + tid, start: start, next: next)
        c.end = end
        if samples > 0 { c.samples[tid] = samples }
        return c
    }

    /// The totals of the path that `head` ends, walked as `draw` walks it.
    func totals(_ head: PathCell, from: UInt64 = 0) -> PathTotals {
        var t = PathTotals()
        var c: PathCell? = head
        while let x = c {
            t.append(earlier: PathTotals(x, from: from))
            t.append(earlier: x.behind)
            c = x.next
        }
        return t
    }

    func length(_ head: PathCell) -> Int {
        var n = 0
        var c: PathCell? = head
        while let x = c { n += 1; c = x.next }
        return n
    }

    /// Two threads handing work back and forth: one cell per hop unless folded.
    func testAPingPongPathStaysShortAndAddsUp() {
        var head = cell(1, 0, 10, next: nil)
        for i in 1..<20_000 {
            let t = UInt64(i) * 10
            head = cell(Int32(1 + i % 2), t, t + 10, next: head)
            head.compact(from: 0)
        }
        XCTAssertLessThanOrEqual(length(head), 3)
        let t = totals(head)
        XCTAssertEqual(t.onCPU, 200_000)
        XCTAssertEqual(t.weights[1, default: 0] + t.weights[2, default: 0], 200_000)
        XCTAssertEqual(t.hops, 19_999)
        XCTAssertEqual(t.threads, [1, 2])
        XCTAssertEqual(t.processes[1]?.nanoseconds, 100_000)
    }

    /// A cell another path still holds is not folded: that path is the same before and after.
    func testACellAnotherPathHoldsKeepsItsPath() {
        var head = cell(1, 0, 10, next: nil)
        var held: PathCell?
        for i in 1..<100 {
            let t = UInt64(i) * 10
            head = cell(Int32(1 + i % 3), t, t + 10, next: head)
            if i == 50 { held = head }
            head.compact(from: 0)
        }
        let heldPath = held.map { totals($0) }
        XCTAssertEqual(heldPath?.onCPU, 510)
        XCTAssertEqual(heldPath?.hops, 50)
        XCTAssertEqual(totals(head).onCPU, 1000)
        XCTAssertEqual(totals(head).hops, 99)
        held = nil
        head.compact(from: 0)
        XCTAssertLessThanOrEqual(length(head), 3)
        XCTAssertEqual(totals(head).onCPU, 1000)
    }

    /// The same thread's stretches join as they are: their samples share their running time.
    func testTheSameThreadsStretchesJoin() {
        var earlier: PathCell? = cell(7, 0, 100, samples: 1, next: nil)
        earlier?.addWait(99, nanoseconds: 40, state: .sleeping)
        let head = cell(7, 100, 200, samples: 3, next: earlier)
        earlier = nil
        head.compact(from: 0)
        XCTAssertNil(head.next)
        XCTAssertEqual(head.start, 0)
        let t = totals(head)
        XCTAssertEqual(t.waiting, 40)
        XCTAssertEqual(t.states[.sleeping], 40)
        XCTAssertEqual(t.weights[7], 160)
        XCTAssertEqual(t.hops, 0)
        // Counted from 100 on: half of the stretch, pro rata.
        XCTAssertEqual(totals(head, from: 100).onCPU, 80)
    }

    /// Nothing is folded before the program's start is known.
    func testNothingIsFoldedBeforeTheStartIsKnown() {
        var head = cell(1, 0, 10, next: nil)
        for i in 1..<50 { head = cell(Int32(1 + i % 2), UInt64(i) * 10, UInt64(i) * 10 + 10, next: head); head.compact(from: nil) }
        XCTAssertEqual(length(head), 50)
    }

    /// A million cells are freed one by one, not by a million nested releases.
    func testALongChainIsFreedWithoutRecursion() {
        var head: PathCell? = cell(1, 0, 1, next: nil)
        for i in 1..<1_000_000 { head = cell(Int32(1 + i % 2), UInt64(i), UInt64(i) + 1, samples: 0, next: head) }
        head = nil
        XCTAssertNil(head)
    }
}
