import ProfileModel

/// A pane's weights over time as the SVG carries them: for every drawn frame (and placeholder),
/// the weight of the stacks that end at it per time bucket, so that the viewer can re-aggregate
/// the pane to a range of the time strip. Frames not drawn (narrower than the minimum width,
/// below the depth limit) give theirs to the placeholder that stands for them, or to their
/// drawn parent; so the frames' data always adds up to the pane's total.
struct PaneTimeData {
    let buckets: TimeBuckets
    /// Per layout item: (bucket, weight) pairs, buckets ascending.
    private(set) var items: [[(Int, UInt64)]]
    /// Weights are written divided by this (their greatest common divisor, or 1000 for ns
    /// weights that have none: µs are exact enough for a range).
    let quantum: UInt64

    init?(buckets: TimeBuckets?, tree: FlameTree, items laid: [LayoutItem], unit: WeightUnit) {
        guard let buckets, buckets.origin != nil, !buckets.cells.isEmpty, tree.count > 1 else { return nil }
        self.buckets = buckets
        // The item that holds each tree node's weight.
        var itemOf = [Int32](repeating: -1, count: tree.count)
        var placeholderOf: [Int: Int] = [:]
        for (i, item) in laid.enumerated() {
            if item.node >= 0 { itemOf[item.node] = Int32(i) } else if item.parentNode >= 0 { placeholderOf[item.parentNode] = i }
        }
        var parent = [Int32](repeating: -1, count: tree.count)
        for p in 0..<tree.count { for c in tree.children(p) { parent[Int(c)] = Int32(p) } }
        var owner = [Int32](repeating: 0, count: tree.count)
        // Children come after their parents: one forward pass.
        for n in 0..<tree.count {
            if itemOf[n] >= 0 { owner[n] = itemOf[n]; continue }
            let p = Int(parent[n])
            guard p >= 0 else { continue }
            owner[n] = itemOf[p] >= 0 ? Int32(placeholderOf[p] ?? Int(itemOf[p])) : owner[p]
        }
        var perItem = [[Int: UInt64]](repeating: [:], count: laid.count)
        var divisor: UInt64 = 0
        func gcd(_ a: UInt64, _ b: UInt64) -> UInt64 { b == 0 ? a : gcd(b, a % b) }
        let trieNodes = tree.trieNodeCount
        for (key, w) in buckets.cells {
            let (node, _, b) = TimeBuckets.parts(key)
            guard node > 0, Int(node) < trieNodes else { continue }
            let item = Int(owner[tree.node(ofTrieNode: Int(node))])
            perItem[item][b, default: 0] &+= w
        }
        for d in perItem { for w in d.values { divisor = gcd(w, divisor) } }
        if case .offCPU = unit, divisor < 1000 { divisor = 1000 }
        if case .nanoseconds = unit, divisor < 1000 { divisor = 1000 }
        quantum = max(divisor, 1)
        items = perItem.map { $0.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
    }

    /// The `data-b` attribute of item `i` (without the attribute name): `bucket:value` pairs
    /// separated by spaces, each bucket as its distance from the previous one, values divided by
    /// `quantum` and rounded; empty when the item has no weight of its own.
    func attribute(_ i: Int, _ out: inout SVGBuffer) {
        var previous = 0
        var first = true
        for (b, w) in items[i] {
            let v = (w + quantum / 2) / quantum
            guard v > 0 else { continue }
            if !first { out.raw(" ") }
            first = false
            out.int(b - previous)
            out.raw(":")
            out.int(v)
            previous = b
        }
    }

    /// The pane's attributes: the bucket grid and the quantum.
    func paneAttributes(_ out: inout SVGBuffer) {
        out.raw(" data-t0=\""); out.trusted(String(buckets.origin ?? 0))
        out.raw("\" data-bw=\""); out.trusted(String(buckets.width))
        out.raw("\" data-bn=\""); out.int(buckets.count)
        out.raw("\" data-q=\""); out.trusted(String(quantum))
        out.raw("\"")
    }
}
