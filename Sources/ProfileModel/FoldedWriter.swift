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

    /// The folded text as bytes, newline-terminated lines. `divisor` scales weights down, rounded
    /// to the nearest (1000: nanoseconds as microseconds, offcputime's unit); a stack whose weight
    /// rounds to 0 is left out.
    public static func bytes(_ profile: Profile, divisor: UInt64 = 1) -> [UInt8] {
        let trie = profile.trie
        // All stacks' text in one buffer; (start, end, weight) per stack.
        var text: [UInt8] = []
        var spans: [(start: Int, end: Int, weight: UInt64)] = []
        var frames: [Int32] = []
        for node in 1..<max(trie.nodeCount, 1) where trie.selfSamples[node] > 0 || trie.selfWeight[node] > 0 {
            trie.leafFirstPath(to: Int32(node), into: &frames)
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
                if divisor > 1 { weight = weight / divisor + (weight % divisor >= (divisor + 1) / 2 ? 1 : 0) }
                if weight > 0 || divisor == 1 {
                    out.append(contentsOf: stack(spans[i]))
                    out.append(0x20)
                    out.append(contentsOf: String(weight).utf8)
                    out.append(0x0A)
                }
                i += 1
            }
        }
        return out
    }
}
