/// Unique stacks merged by common prefix: node 0 is the root ("all"); every other node is a
/// frame id under a parent, with the weight of the samples whose stack ends exactly there.
///
/// Memory grows with the number of distinct (parent, frame) pairs, never with input size.
/// In chart mode a frame merges only with the most recent child of its parent, which keeps
/// samples in time order (a flame chart) instead of merging them all.
public final class StackTrie {
    /// Parent node of each node (-1 for the root).
    public private(set) var parent: [Int32] = [-1]
    /// Frame id of each node (-1 for the root).
    public private(set) var frame: [Int32] = [-1]
    /// Weight of the samples that end at each node (period sum, or count).
    public private(set) var selfWeight: [UInt64] = [0]
    /// Number of samples that end at each node.
    public private(set) var selfSamples: [UInt64] = [0]
    private var lastChild: [Int32] = [-1]
    private var children: PairTable
    /// Whether siblings merge only with the most recent child (flame chart).
    public let chartMode: Bool

    /// A trie holding only the root; `chartMode` keeps samples in time order (see the type).
    public init(chartMode: Bool = false) {
        self.chartMode = chartMode
        children = PairTable(expected: chartMode ? 16 : 4096)
    }

    /// Number of nodes, the root included.
    public var nodeCount: Int { parent.count }

    /// The child of `node` for `frameID`, created when missing.
    @inline(__always)
    public func child(of node: Int32, frame frameID: Int32) -> Int32 {
        if chartMode {
            let last = lastChild[Int(node)]
            if last >= 0 && frame[Int(last)] == frameID { return last }
            let created = append(parent: node, frame: frameID)
            lastChild[Int(node)] = created
            return created
        }
        let key = UInt64(UInt32(bitPattern: node)) << 32 | UInt64(UInt32(bitPattern: frameID))
        return children.findOrInsert(key) { append(parent: node, frame: frameID) }
    }

    /// Adds weight to the stack ending at `node`; a weight that would take the total past
    /// 2^64 - 1 (hostile periods) is not added but counted in `overflowDrops`, so that every
    /// sum of weights the renderer makes still fits.
    @inline(__always)
    public func add(node: Int32, weight: UInt64, samples: UInt64) {
        let (sum, overflow) = totalWeight.addingReportingOverflow(weight)
        if overflow {
            overflowDrops += 1
            return
        }
        totalWeight = sum
        selfWeight[Int(node)] += weight
        selfSamples[Int(node)] &+= samples
    }

    /// Sum of all self weights (never past 2^64 - 1: see `add`).
    public private(set) var totalWeight: UInt64 = 0
    /// Additions refused because their weight would take `totalWeight` past 2^64 - 1.
    public private(set) var overflowDrops = 0

    /// The warning for `overflowDrops`, if any.
    public var overflowNote: Diagnostic? {
        overflowDrops == 0 ? nil
            : .warning(.weights, "\(overflowDrops) sample(s) skipped: their weights would take the total past 18446744073709551615")
    }

    /// Adds a stack given root first.
    public func add<C: Collection>(stack: C, weight: UInt64, samples: UInt64) where C.Element == Int32 {
        var node: Int32 = 0
        for f in stack { node = child(of: node, frame: f) }
        add(node: node, weight: weight, samples: samples)
    }

    /// The frames from the root's child down to `node`, root first.
    public func path(to node: Int32) -> [Int32] {
        var out: [Int32] = []
        leafFirstPath(to: node, into: &out)
        return out.reversed()
    }

    /// The frames from `node` up to the root, leaf first, into `out` (emptied first, its
    /// capacity kept: callers walking every stack reuse one buffer).
    public func leafFirstPath(to node: Int32, into out: inout [Int32]) {
        out.removeAll(keepingCapacity: true)
        var n = node
        while n > 0 {
            out.append(frame[Int(n)])
            n = parent[Int(n)]
        }
    }

    /// Every stack flipped (leaf first), as flamegraph.pl's `--reverse` draws them.
    public func reversed() -> StackTrie { reversedWithMap().trie }

    /// `reversed()`, and for every node of this trie the node of the flipped trie its stack ends
    /// in (0 for nodes that end no stack), to carry per-sample data over.
    public func reversedWithMap() -> (trie: StackTrie, map: [Int32]) {
        let flipped = StackTrie(chartMode: chartMode)
        var map = [Int32](repeating: 0, count: max(nodeCount, 1))
        for node in 1..<max(nodeCount, 1) where selfSamples[node] > 0 || selfWeight[node] > 0 {
            var leaf: Int32 = 0
            for f in path(to: Int32(node)).reversed() { leaf = flipped.child(of: leaf, frame: f) }
            flipped.add(node: leaf, weight: selfWeight[node], samples: selfSamples[node])
            map[node] = leaf
        }
        return (flipped, map)
    }

    /// Sum of all self sample counts.
    public var totalSamples: UInt64 { selfSamples.reduce(0, &+) }

    private func append(parent p: Int32, frame f: Int32) -> Int32 {
        let id = Int32(parent.count)
        parent.append(p)
        frame.append(f)
        selfWeight.append(0)
        selfSamples.append(0)
        lastChild.append(-1)
        return id
    }
}

/// Open-addressing map from a 64-bit key to an Int32 value (UInt64.max marks empty slots).
struct PairTable {
    private var keys: [UInt64]
    private var values: [Int32]
    private var mask: Int
    private var used = 0

    init(expected: Int) {
        var cap = 16
        while cap < expected * 2 { cap <<= 1 }
        keys = Array(repeating: .max, count: cap)
        values = Array(repeating: -1, count: cap)
        mask = cap - 1
    }

    @inline(__always)
    mutating func findOrInsert(_ key: UInt64, _ make: () -> Int32) -> Int32 {
        var i = PairTable.slot(key, mask)
        while true {
            let k = keys[i]
            if k == key { return values[i] }
            if k == .max { break }
            i = (i + 1) & mask
        }
        let value = make()
        keys[i] = key
        values[i] = value
        used += 1
        if used * 2 > mask { grow() }
        return value
    }

    @inline(__always)
    private static func slot(_ key: UInt64, _ mask: Int) -> Int {
        var h = key &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 31
        return Int(truncatingIfNeeded: h) & mask
    }

    private mutating func grow() {
        let oldKeys = keys
        let oldValues = values
        let cap = (mask + 1) * 2
        keys = Array(repeating: .max, count: cap)
        values = Array(repeating: -1, count: cap)
        mask = cap - 1
        for (i, k) in oldKeys.enumerated() where k != .max {
            var j = PairTable.slot(k, mask)
            while keys[j] != .max { j = (j + 1) & mask }
            keys[j] = k
            values[j] = oldValues[i]
        }
    }
}
