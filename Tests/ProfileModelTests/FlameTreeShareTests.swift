import XCTest
import ProfileModel

/// A per-node figure of a profile (a diff's two sides, another view's weights) lands on the tree's
/// nodes through the tree's own map of the profile's trie, however the tree was built: as is,
/// reversed, with runs collapsed, or both.
final class FlameTreeShareTests: XCTestCase {
    private func profile() -> (Profile, [String: Int32]) {
        let p = Profile()
        var ids: [String: Int32] = [:]
        for n in ["main", "work", "spin", "[unknown]", "io"] { ids[n] = Array(n.utf8).withUnsafeBufferPointer { p.names.intern($0) } }
        let stacks: [([String], UInt64)] = [(["main", "work", "spin"], 10), (["main", "work"], 5),
                                            (["main", "[unknown]", "[unknown]", "[unknown]", "spin"], 7),
                                            (["main", "[unknown]", "[unknown]", "io"], 3), (["main", "io"], 2)]
        for (stack, weight) in stacks {
            var node: Int32 = 0
            for f in stack { node = p.trie.child(of: node, frame: ids[f]!) }
            p.trie.add(node: node, weight: weight, samples: 1)
        }
        return (p, ids)
    }

    /// The folded stacks of a tree, with the weights `share` put on its nodes.
    private func folded(_ tree: FlameTree, selfWeight: [UInt64]) -> [String: UInt64] {
        var out: [String: UInt64] = [:]
        func walk(_ n: Int, _ path: [String]) {
            let here = n == 0 ? path : path + [String(decoding: tree.names.bytes(tree.frame[n]), as: UTF8.self)]
            if selfWeight[n] > 0 { out[here.joined(separator: ";"), default: 0] += selfWeight[n] }
            for c in tree.children(n) { walk(Int(c), here) }
        }
        walk(0, [])
        return out
    }

    func testSharesLandWhereTheTreeDrawsEachStack() {
        let (p, _) = profile()
        // A second figure per trie node: twice the weight, as a diff's other side would be.
        let doubled = p.trie.selfWeight.map { $0 * 2 }
        for (reverse, collapse) in [(false, false), (true, false), (false, true), (true, true)] {
            let tree = FlameTree(p, reverse: reverse, collapseRuns: collapse)
            let own = tree.share(selfWeights: p.trie.selfWeight)
            let label = "reverse \(reverse), collapsed runs \(collapse)"
            XCTAssertEqual(own.selfWeight, tree.selfWeight, label)
            XCTAssertEqual(own.total, tree.total, label)
            let twice = tree.share(selfWeights: doubled)
            XCTAssertEqual(twice.total, tree.total.map { $0 * 2 }, label)
            XCTAssertEqual(folded(tree, selfWeight: twice.selfWeight), folded(tree, selfWeight: tree.selfWeight).mapValues { $0 * 2 }, label)
        }
        // Reversed, the spin stacks end at the root's `spin` child: 10 + 7, doubled.
        let reversed = FlameTree(p, reverse: true)
        let twice = reversed.share(selfWeights: doubled)
        let spin = reversed.children(0).first { String(decoding: reversed.names.bytes(reversed.frame[Int($0)]), as: UTF8.self) == "spin" }
        XCTAssertEqual(spin.map { twice.total[Int($0)] }, 34)
    }
}
