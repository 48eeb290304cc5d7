import PerfScript

/// Loads folded stacks (`a;b;c COUNT`) into a `Profile`.
public final class FoldedLoader: FoldedVisitor {
    public let profile: Profile
    private var path: [Int32] = []

    public init(chartMode: Bool = false) {
        profile = Profile(trie: StackTrie(chartMode: chartMode))
    }

    public func stack(_ frames: UnsafeBufferPointer<UInt8>, count: UInt64, line: Int) {
        path.removeAll(keepingCapacity: true)
        var start = 0
        let n = frames.count
        for i in 0...n where i == n || frames[i] == 0x3B {
            path.append(profile.names.intern(UnsafeBufferPointer(rebasing: frames[start..<i])))
            start = i + 1
        }
        profile.trie.add(stack: path, weight: count, samples: count)
    }
}

/// Writes a profile as folded stacks, sorted bytewise like stackcollapse-perf.pl's output.
public enum FoldedWriter {
    /// One line per distinct stack: frames root first joined by `;`, a space, the weight.
    public static func lines(_ profile: Profile) -> [[UInt8]] {
        let trie = profile.trie
        var stacks: [([UInt8], UInt64)] = []
        var frames: [Int32] = []
        for node in 1..<max(trie.nodeCount, 1) where trie.selfSamples[node] > 0 {
            frames.removeAll(keepingCapacity: true)
            var n = Int32(node)
            while n > 0 {
                frames.append(trie.frame[Int(n)])
                n = trie.parent[Int(n)]
            }
            var joined: [UInt8] = []
            for (i, f) in frames.reversed().enumerated() {
                if i > 0 { joined.append(0x3B) }
                joined.append(contentsOf: profile.names.bytes(f))
            }
            stacks.append((joined, trie.selfWeight[node]))
        }
        if !trie.chartMode { stacks.sort { $0.0.lexicographicallyPrecedes($1.0) } }
        var lines: [[UInt8]] = []
        lines.reserveCapacity(stacks.count)
        var i = 0
        while i < stacks.count {
            var (stack, weight) = stacks[i]
            // Distinct frame sequences can join to the same text (a comm containing ';').
            while !trie.chartMode && i + 1 < stacks.count && stacks[i + 1].0 == stack {
                weight &+= stacks[i + 1].1
                i += 1
            }
            stack.append(0x20)
            stack.append(contentsOf: String(weight).utf8)
            lines.append(stack)
            i += 1
        }
        return lines
    }

    /// The folded text as bytes, newline-terminated lines.
    public static func bytes(_ profile: Profile) -> [UInt8] {
        var out: [UInt8] = []
        for line in lines(profile) {
            out.append(contentsOf: line)
            out.append(0x0A)
        }
        return out
    }
}
