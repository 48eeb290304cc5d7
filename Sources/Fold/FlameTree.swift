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
    public private(set) var childList: [Int32]

    /// Number of nodes, the root included.
    public var count: Int { frame.count }

    /// The children of `node` in display order.
    @inline(__always)
    public func children(_ node: Int) -> ArraySlice<Int32> {
        childList[Int(childStart[node])..<Int(childStart[node + 1])]
    }

    /// Builds the tree of `profile`. With `reverse`, every stack is flipped first (leaf at the
    /// root), as flamegraph.pl's `--reverse` does.
    public init(_ profile: Profile, reverse: Bool = false) {
        let trie = reverse ? profile.trie.reversed() : profile.trie
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
