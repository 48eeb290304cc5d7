/// A profile as a tree ready to draw: totals per node and children in display order
/// (by name, or in time order for a flame chart). Node 0 is the root, "all".
public struct FlameTree {
    /// Frame names by id (shared with the profile).
    public let names: ByteTable
    /// Frame id of each node (-1 for the root).
    public private(set) var frame: [Int32]
    /// Weight of each node including its descendants.
    public private(set) var total: [UInt64]
    /// Weight of samples ending at each node.
    public private(set) var selfWeight: [UInt64]
    /// Samples of each node including its descendants.
    public private(set) var totalSamples: [UInt64]
    /// Samples ending at each node.
    public private(set) var selfSamples: [UInt64]
    /// Number of nodes in the subtree of each node, itself included.
    public private(set) var subtreeSize: [Int32]
    /// Children of node `n` are `childList[childStart[n] ..< childStart[n + 1]]`.
    public private(set) var childStart: [Int32]
    /// Child node ids of every node, grouped by parent in display order (slice it with `childStart`).
    public private(set) var childList: [Int32]
    /// With `collapseRuns`: how many identical frames in a row each node stands for, the fewest
    /// and the most over the stacks through it (nil when no run was collapsed).
    public private(set) var runMin: [UInt32]?
    /// The most identical frames in a row each node stands for (see `runMin`); nil when no run was collapsed.
    public private(set) var runMax: [UInt32]?
    /// The tree node that holds the self weight of each node of the profile's trie (as given,
    /// before `reverse` and collapsing): what a per-node figure of the profile (a diff's before
    /// and after, another view's weights) is drawn on. Nil when they are the same nodes.
    private var trieNodeMap: [Int32]?

    /// The tree node holding the self weight of node `n` of the profile's trie (see `init`).
    @inline(__always)
    public func node(ofTrieNode n: Int) -> Int {
        trieNodeMap.map { Int($0[n]) } ?? n
    }

    /// Each tree node's share of per-node weights of the profile's trie (`selfWeights`, indexed by
    /// trie node): the self weight of the stacks ending at each tree node, and the subtree sums
    /// (saturating at `UInt64.max`). How every per-node figure of a profile lands on its tree.
    public func share(selfWeights: [UInt64]) -> (total: [UInt64], selfWeight: [UInt64]) {
        var own = [UInt64](repeating: 0, count: count)
        let nodes = min(selfWeights.count, trieNodeMap?.count ?? selfWeights.count)
        for n in 1..<max(nodes, 1) where selfWeights[n] > 0 {
            let m = node(ofTrieNode: n)
            own[m] = own[m].addingReportingOverflow(selfWeights[n]).overflow ? .max : own[m] + selfWeights[n]
        }
        var sum = own
        var parents = [Int32](repeating: -1, count: count)
        for p in 0..<count { for c in children(p) { parents[Int(c)] = Int32(p) } }
        // Children are made after their parents: one backward pass sums the subtrees.
        var i = count - 1
        while i > 0 {
            let p = Int(parents[i])
            if p >= 0 { sum[p] = sum[p].addingReportingOverflow(sum[i]).overflow ? .max : sum[p] + sum[i] }
            i -= 1
        }
        return (sum, own)
    }

    /// Number of nodes, the root included.
    public var count: Int { frame.count }

    /// How many nodes of the profile's trie `node(ofTrieNode:)` maps.
    public var trieNodeCount: Int { trieNodeMap?.count ?? count }
    /// Whether every stack was flipped (`reverse`): leaf frames at the root.
    public let isReversed: Bool

    /// The children of `node` in display order.
    @inline(__always)
    public func children(_ node: Int) -> ArraySlice<Int32> {
        childList[Int(childStart[node])..<Int(childStart[node + 1])]
    }

    /// Builds the tree of `profile`. With `reverse`, every stack is flipped first (leaf at the
    /// root), as flamegraph.pl's `--reverse` does. With `collapseRuns`, a run of identical
    /// frames in a stack (`[unknown]` ×120 of a broken unwind, a recursion) is one node, and
    /// `runMin`/`runMax` say how many frames it stands for.
    public init(_ profile: Profile, reverse: Bool = false, collapseRuns: Bool = false) {
        isReversed = reverse
        var trie = profile.trie
        if reverse {
            let flipped = trie.reversedWithMap()
            trie = flipped.trie
            trieNodeMap = flipped.map
        }
        if collapseRuns, let collapsed = FlameTree.collapsingRuns(trie) {
            trie = collapsed.trie
            runMin = collapsed.runMin
            runMax = collapsed.runMax
            trieNodeMap = trieNodeMap.map { $0.map { collapsed.map[Int($0)] } } ?? collapsed.map
        }
        names = profile.names
        let n = trie.nodeCount
        frame = trie.frame
        selfWeight = trie.selfWeight
        selfSamples = trie.selfSamples
        total = trie.selfWeight
        totalSamples = trie.selfSamples
        subtreeSize = [Int32](repeating: 1, count: n)
        // Children are always created after their parent, so one backward pass sums totals.
        var i = n - 1
        while i > 0 {
            let p = Int(trie.parent[i])
            total[p] &+= total[i]
            totalSamples[p] &+= totalSamples[i]
            subtreeSize[p] += subtreeSize[i]
            i -= 1
        }
        // Group children by parent (counting sort keeps creation order, i.e. time order).
        var counts = [Int32](repeating: 0, count: n + 1)
        for c in 1..<max(n, 1) { counts[Int(trie.parent[c]) + 1] += 1 }
        for k in 0..<n { counts[k + 1] += counts[k] }
        childStart = counts
        var fill = counts
        childList = [Int32](repeating: 0, count: max(n - 1, 0))
        for c in 1..<max(n, 1) {
            let p = Int(trie.parent[c])
            childList[Int(fill[p])] = Int32(c)
            fill[p] += 1
        }
        if !trie.chartMode {
            let names = self.names
            let frame = self.frame
            for p in 0..<n {
                let lo = Int(childStart[p]), hi = Int(childStart[p + 1])
                if hi - lo > 1 {
                    childList[lo..<hi].sort { a, b in
                        bytesPrecede(names.bytes(frame[Int(a)]), names.bytes(frame[Int(b)]))
                    }
                }
            }
        }
    }

    /// The trie with every run of a frame repeated under itself merged into its first node, the
    /// run lengths per new node and the new node of every old one; nil when there is no run.
    static func collapsingRuns(_ trie: StackTrie) -> (trie: StackTrie, runMin: [UInt32], runMax: [UInt32], map: [Int32])? {
        let n = trie.nodeCount
        var hasRun = false
        for c in 1..<max(n, 1) where trie.parent[c] > 0 && trie.frame[c] == trie.frame[Int(trie.parent[c])] {
            hasRun = true
            break
        }
        guard hasRun else { return nil }
        // A node ends a run when a stack stops there or goes on with another frame.
        var continues = [Bool](repeating: false, count: n), leavesRun = [Bool](repeating: false, count: n)
        for c in 1..<n {
            let p = Int(trie.parent[c])
            if p > 0 && trie.frame[c] == trie.frame[p] { continues[p] = true } else { leavesRun[p] = true }
        }
        let out = StackTrie(chartMode: trie.chartMode)
        var map = [Int32](repeating: 0, count: n)
        var run = [UInt32](repeating: 0, count: n)
        var runMin: [UInt32] = [0], runMax: [UInt32] = [0]
        for c in 1..<n {
            let p = Int(trie.parent[c])
            let m: Int32
            if p > 0 && trie.frame[c] == trie.frame[p] {
                m = map[p]
                run[c] = run[p] &+ 1
            } else {
                m = out.child(of: map[p], frame: trie.frame[c])
                run[c] = 1
            }
            map[c] = m
            while runMin.count < out.nodeCount {
                runMin.append(.max)
                runMax.append(0)
            }
            let ends = trie.selfSamples[c] > 0 || trie.selfWeight[c] > 0 || leavesRun[c] || !continues[c]
            if ends { runMin[Int(m)] = min(runMin[Int(m)], run[c]) }
            runMax[Int(m)] = max(runMax[Int(m)], run[c])
            if trie.selfSamples[c] > 0 || trie.selfWeight[c] > 0 {
                out.add(node: m, weight: trie.selfWeight[c], samples: trie.selfSamples[c])
            }
        }
        for i in runMin.indices where runMin[i] == .max { runMin[i] = runMax[i] }
        return (out, runMin, runMax, map)
    }

    /// " ×120" (or " ×2–25" when stacks through it differ) for a node that stands for a run of
    /// identical frames; nil for a single frame.
    public func runSuffix(_ node: Int) -> String? {
        guard let runMax, let runMin, runMax[node] > 1 else { return nil }
        return runMin[node] == runMax[node] ? " ×\(runMax[node])" : " ×\(runMin[node])–\(runMax[node])"
    }

    /// The display name of `node` ("all" for the root).
    public func nameBytes(_ node: Int) -> UnsafeBufferPointer<UInt8> {
        node == 0 ? FlameTree.allName : names.bytes(frame[node])
    }

    nonisolated(unsafe) private static let allName: UnsafeBufferPointer<UInt8> = {
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 3)
        p.initialize(from: Array("all".utf8), count: 3)
        return UnsafeBufferPointer(start: p, count: 3)
    }()
}
