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
        var out: [[UInt8]] = []
        var start = 0
        let all = bytes(profile)
        for (i, b) in all.enumerated() where b == 0x0A {
            out.append(Array(all[start..<i]))
            start = i + 1
        }
        return out
    }

    /// The folded text as bytes, newline-terminated lines.
    public static func bytes(_ profile: Profile) -> [UInt8] {
        let trie = profile.trie
        // All stacks' text in one buffer; (start, end, weight) per stack.
        var text: [UInt8] = []
        var spans: [(start: Int, end: Int, weight: UInt64)] = []
        var frames: [Int32] = []
        for node in 1..<max(trie.nodeCount, 1) where trie.selfSamples[node] > 0 {
            frames.removeAll(keepingCapacity: true)
            var n = Int32(node)
            while n > 0 {
                frames.append(trie.frame[Int(n)])
                n = trie.parent[Int(n)]
            }
            let start = text.count
            for i in stride(from: frames.count - 1, through: 0, by: -1) {
                if i != frames.count - 1 { text.append(0x3B) }
                text.append(contentsOf: profile.names.bytes(frames[i]))
            }
            spans.append((start, text.count, trie.selfWeight[node]))
        }
        var out: [UInt8] = []
        out.reserveCapacity(text.count + spans.count * 12)
        text.withUnsafeBufferPointer { buf in
            func stack(_ s: (start: Int, end: Int, weight: UInt64)) -> UnsafeBufferPointer<UInt8> {
                UnsafeBufferPointer(rebasing: buf[s.start..<s.end])
            }
            if !trie.chartMode { spans.sort { bytesPrecede(stack($0), stack($1)) } }
            var i = 0
            while i < spans.count {
                var weight = spans[i].weight
                // Distinct frame sequences can join to the same text (a comm containing ';').
                while !trie.chartMode && i + 1 < spans.count && stack(spans[i + 1]).elementsEqual(stack(spans[i])) {
                    weight &+= spans[i + 1].weight
                    i += 1
                }
                out.append(contentsOf: stack(spans[i]))
                out.append(0x20)
                out.append(contentsOf: String(weight).utf8)
                out.append(0x0A)
                i += 1
            }
        }
        return out
    }
}
