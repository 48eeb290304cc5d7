import XCTest
@testable import Fold
@testable import ProfileModel
import TextInputs

/// Function tables and before/after differences on hand-made folded profiles.
final class FunctionTotalsTests: XCTestCase {
    func profile(_ text: String) throws -> Profile {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ft-\(UUID().uuidString).folded").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { unlink(path) }
        return try ProfileLoader.load(path: path).0
    }

    func testSelfTotalRecursionAndProcesses() throws {
        let t = FunctionTotals(try profile("p;a;b;a 10\np;a;c 5\nq;a 2\nq 1\n"))
        let byName = Dictionary(uniqueKeysWithValues: t.functions.map { ($0.name, $0) })
        XCTAssertEqual(byName["a"]?.selfWeight, 12)
        XCTAssertEqual(byName["a"]?.totalWeight, 17, "a recursive stack counts once")
        XCTAssertEqual(byName["b"]?.totalWeight, 10)
        XCTAssertEqual(byName["c"]?.selfWeight, 5)
        XCTAssertNil(byName["p"], "process frames are not functions")
        XCTAssertEqual(t.processes.map(\.name), ["p", "q"])
        XCTAssertEqual(t.processes.map(\.totalWeight), [15, 3])
        XCTAssertEqual(t.processes.map(\.selfWeight), [0, 1])
        XCTAssertEqual(t.total, 18)
        XCTAssertEqual(t.topBySelf(1).map(\.name), ["a"])
        XCTAssertEqual(t.topByTotal(2).map(\.name), ["a", "b"])
    }

    func testOffCPUSelfSkipsTheScheduler() throws {
        let p = try profile("t;read;anon_pipe_read;schedule;__schedule 7\nt;nanosleep;do_nanosleep;schedule;__schedule 3\nt;busy;[runqueue] 2\n")
        let t = FunctionTotals(p, skipLeaf: FunctionTotals.isSchedulerFrame)
        let byName = Dictionary(uniqueKeysWithValues: t.functions.map { ($0.name, $0.selfWeight) })
        XCTAssertEqual(byName["anon_pipe_read"], 7)
        XCTAssertEqual(byName["do_nanosleep"], 3)
        XCTAssertEqual(byName["busy"], 2)
        XCTAssertEqual(byName["__schedule"], 0)
    }

    func testUnresolvedFramesAreCountedNotPseudoFrames() throws {
        let t = FunctionTotals(try profile("p;main;[unknown] 4\np;main;[libfoo.so] 1\np;main;[state D] 2\np;main 3\n"))
        XCTAssertEqual(t.unresolvedSelfWeight(), 5)
    }

    func testDiffKeepsBothSidesAndNormalizes() throws {
        let before = try profile("p;a 10\np;b 10\n")
        let after = try profile("p;a 30\np;c 10\n")
        let raw = ProfileDiff(before: before, after: after, normalize: false)
        XCTAssertEqual(String(decoding: raw.foldedBytes(), as: UTF8.self), "p;a 10 30\np;b 10 0\np;c 0 10\n")
        let scaled = ProfileDiff(before: before, after: after, normalize: true)
        XCTAssertEqual(scaled.scale, 2)
        XCTAssertEqual(String(decoding: scaled.foldedBytes(), as: UTF8.self), "p;a 20 30\np;b 20 0\np;c 0 10\n")
        // Drawn weight is both sides, so the frame that disappeared keeps its width.
        let (b, a) = scaled.totals()
        XCTAssertEqual(b[0], 40)
        XCTAssertEqual(a[0], 40)
        XCTAssertEqual(scaled.profile.totalWeight, 80)
    }
}
