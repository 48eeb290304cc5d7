import XCTest
import ProfileModel

/// `--reverse` flips every stack; what belongs to the samples (their times and threads, where the
/// frames came from) stays with them.
final class ReversedProfileTests: XCTestCase {
    private func id(_ names: ByteTable, _ s: String) -> Int32 {
        Array(s.utf8).withUnsafeBufferPointer { names.intern($0) }
    }

    func testReversingKeepsEverySampleOnItsFlippedStack() throws {
        let p = Profile()
        let (a, b, c) = (id(p.names, "main"), id(p.names, "work"), id(p.names, "spin"))
        var timeline = SampleTimeline()
        var leaves: [Int32] = []
        for (i, stack) in [[a, b, c], [a, b], [a, b, c]].enumerated() {
            var node: Int32 = 0
            for f in stack { node = p.trie.child(of: node, frame: f) }
            p.trie.add(node: node, weight: 10 * UInt64(i + 1), samples: 1)
            timeline.append(time: UInt64(100 + i), pid: 7, tid: Int32(70 + i), node: node, weight: 10 * UInt64(i + 1))
            leaves.append(node)
        }
        p.timeline = timeline
        let flipped = p.reversed()
        let t = try XCTUnwrap(flipped.timeline, "the timeline is kept")
        XCTAssertEqual(t.count, 3)
        XCTAssertEqual(t.time, [100, 101, 102])
        XCTAssertEqual(t.tid, [70, 71, 72])
        // Each sample's node is now the flipped stack's end: leaf frame first.
        let paths = t.node.map { flipped.trie.path(to: $0) }
        XCTAssertEqual(paths, [[c, b, a], [b, a], [c, b, a]])
        XCTAssertEqual(flipped.totalWeight, p.totalWeight)
        XCTAssertEqual(flipped.totalSamples, 3)
    }
}
