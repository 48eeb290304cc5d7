import XCTest
@testable import PerfData

/// perf's ordered delivery (FINISHED_ROUND windows) versus file order.
final class OrderingTests: XCTestCase {
    private func times(_ name: String, ordered: Bool) throws -> [UInt64] {
        let f = try PerfDataFile(path: Fixtures.path(name))
        var out: [UInt64] = []
        try f.forEachRecord(ordered: ordered) { r in
            if case .sample(let s) = r { out.append(s.time) }
        }
        return out
    }

    func testOrderedDiffersFromFileOrderAndIsSorted() throws {
        for name in ["sched.data", "perfdata/switch-a.data", "threads.data"] {
            let ordered = try times(name, ordered: true)
            let raw = try times(name, ordered: false)
            XCTAssertEqual(ordered.sorted(), raw.sorted(), "\(name): same samples")
            XCTAssertEqual(ordered, ordered.sorted(), "\(name): ordered delivery is sorted by time")
            print("\(name): file order differs at \(zip(ordered, raw).filter { $0 != $1 }.count) samples")
        }
    }

    /// File order does not reproduce perf script on the multi-CPU capture; ordered delivery does (ScriptComparisonTests).
    func testFileOrderDoesNotMatchPerfScript() throws {
        let f = try PerfDataFile(path: Fixtures.path("sched.data"))
        let (unordered, _) = try Replay.samples(f, ordered: false)
        let theirs = ScriptParser.parse(try Fixtures.text("sched.perf.txt"))
        XCTAssertNotEqual(unordered.map { $0.seconds * 1_000_000 + $0.micros }, theirs.map { $0.seconds * 1_000_000 + $0.micros })
    }
}
