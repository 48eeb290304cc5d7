/// Two profiles on one tree of their union stacks: per node the weight before (scaled to the
/// after total when normalized) and after, for differential flame graphs and difffolded output.
///
/// A node's drawn weight is before + after, so a frame keeps a width when it grew, shrank,
/// appeared or disappeared: widths from one side only would lose what the other side had.
public final class ProfileDiff {
    /// The union of both profiles' stacks; each node's self weight is `beforeSelf + afterSelf`.
    public let profile: Profile
    /// Self weight before (scaled when normalized) and after, by trie node.
    public private(set) var beforeSelf: [UInt64]
    /// Self weight after, by node of `profile.trie`; never scaled.
    public private(set) var afterSelf: [UInt64]
    /// Total weights of the inputs as read (before scaling).
    public let beforeTotal: UInt64
    /// Total weight of the after profile as read.
    public let afterTotal: UInt64
    /// What every before weight was multiplied by (1 without normalizing).
    public let scale: Double
    /// Whether the before profile was scaled to the after total (`--normalize`).
    public let normalized: Bool

    /// `normalize`: scale the first profile to the second's total (difffolded.pl -n), so a
    /// longer or shorter run does not show as growth everywhere.
    public init(before: Profile, after: Profile, normalize: Bool) {
        let union = Profile()
        union.unit = after.unit
        union.event = after.event
        profile = union
        beforeTotal = before.totalWeight
        afterTotal = after.totalWeight
        scale = normalize && beforeTotal > 0 ? Double(afterTotal) / Double(beforeTotal) : 1
        normalized = normalize
        beforeSelf = [0]
        afterSelf = [0]
        add(before, into: \.beforeSelf, scale: scale)
        add(after, into: \.afterSelf, scale: 1)
    }

    private func add(_ source: Profile, into side: ReferenceWritableKeyPath<ProfileDiff, [UInt64]>, scale: Double) {
        let trie = source.trie
        var nameMap = [Int32](repeating: -1, count: source.names.count)
        var mapped = [Int32](repeating: 0, count: trie.nodeCount)
        for node in 1..<max(trie.nodeCount, 1) {
            let f = Int(trie.frame[node])
            if nameMap[f] < 0 { nameMap[f] = profile.names.intern(source.names.bytes(Int32(f))) }
            let m = profile.trie.child(of: mapped[Int(trie.parent[node])], frame: nameMap[f])
            mapped[node] = m
            while beforeSelf.count < profile.trie.nodeCount {
                beforeSelf.append(0)
                afterSelf.append(0)
            }
            let w = trie.selfWeight[node]
            if w > 0 {
                let scaled = scale == 1 ? w : UInt64(saturating: Double(w) * scale)
                self[keyPath: side][Int(m)] &+= scaled
                profile.trie.add(node: m, weight: scaled, samples: trie.selfSamples[node])
            }
        }
    }

    /// Before and after totals of every node (its subtree), by trie node.
    public func totals() -> (before: [UInt64], after: [UInt64]) {
        var b = beforeSelf, a = afterSelf
        let trie = profile.trie
        var i = trie.nodeCount - 1
        while i > 0 {
            let p = Int(trie.parent[i])
            // Saturating: weights near 2^64 (scaled ones round up by Double's precision there)
            // must not wrap to a small total.
            b[p] = b[p].addingReportingOverflow(b[i]).overflow ? .max : b[p] + b[i]
            a[p] = a[p].addingReportingOverflow(a[i]).overflow ? .max : a[p] + a[i]
            i -= 1
        }
        return (b, a)
    }

    /// difffolded.pl's output: `stack before after` per stack, sorted bytewise.
    public func foldedBytes() -> [UInt8] {
        let trie = profile.trie
        var lines: [[UInt8]] = []
        for node in 1..<max(trie.nodeCount, 1) where beforeSelf[node] > 0 || afterSelf[node] > 0 {
            var line: [UInt8] = []
            for (k, f) in trie.path(to: Int32(node)).enumerated() {
                if k > 0 { line.append(0x3B) }
                line.append(contentsOf: profile.names.bytes(f))
            }
            line.append(0x20)
            line.append(contentsOf: String(beforeSelf[node]).utf8)
            line.append(0x20)
            line.append(contentsOf: String(afterSelf[node]).utf8)
            lines.append(line)
        }
        lines.sort { bytesPrecede($0, $1) }
        var out: [UInt8] = []
        for l in lines {
            out.append(contentsOf: l)
            out.append(0x0A)
        }
        return out
    }
}

extension UInt64 {
    /// `d` rounded to the nearest, held to 0...UInt64.max (NaN: 0): a scaled weight must not
    /// trap where rounding lands on 2^64.
    public init(saturating d: Double) {
        let r = d.rounded()
        if !(r > 0) { self = 0 } else if r >= 18_446_744_073_709_551_616.0 { self = .max } else { self = UInt64(r) }
    }
}
