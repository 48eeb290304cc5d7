import PerfScript

/// Loads folded stacks (`a;b;c COUNT`) into a `Profile`.
///
/// Folded files are usually sorted, so a line shares a long prefix with the one before it: the
/// frames inside that shared prefix reuse the previous line's trie path instead of being
/// looked up again.
public final class FoldedLoader: FoldedVisitor {
    public let profile: Profile
    private var previous: [UInt8] = []
    private var previousEnds: [Int] = []      // byte offset where each frame of `previous` ends
    private var previousNodes: [Int32] = []   // trie node reached after each frame

    private let weightScale: UInt64

    /// `weightScale` multiplies every count (1000 turns microseconds into nanoseconds); counts
    /// so scaled are totals, not samples, so no sample count is kept for them.
    public init(chartMode: Bool = false, weightScale: UInt64 = 1) {
        profile = Profile(trie: StackTrie(chartMode: chartMode))
        self.weightScale = weightScale
    }

    public func stack(_ frames: UnsafeBufferPointer<UInt8>, count: UInt64, line: Int) {
        let n = frames.count
        // Length of the byte prefix shared with the previous line.
        var common = 0
        previous.withUnsafeBufferPointer { prev in
            let limit = min(prev.count, n)
            while common < limit && prev[common] == frames[common] { common += 1 }
        }
        // Frames of the previous line that end inside the shared prefix, at a boundary in both.
        var reused = 0
        while reused < previousEnds.count {
            let end = previousEnds[reused]
            let boundaryHere = end < common || (end == common && (end == n || frames[end] == 0x3B))
            if !boundaryHere { break }
            reused += 1
        }
        previousEnds.removeSubrange(reused...)
        previousNodes.removeSubrange(reused...)
        var node: Int32 = reused > 0 ? previousNodes[reused - 1] : 0
        var start = reused > 0 ? previousEnds[reused - 1] + 1 : 0
        if reused == 0 || previousEnds[reused - 1] < n {
            var i = start
            while i <= n {
                if i == n || frames[i] == 0x3B {
                    let id = profile.names.intern(UnsafeBufferPointer(rebasing: frames[start..<i]))
                    node = profile.trie.child(of: node, frame: id)
                    previousEnds.append(i)
                    previousNodes.append(node)
                    start = i + 1
                }
                i += 1
            }
        }
        if weightScale == 1 {
            profile.trie.add(node: node, weight: count, samples: count)
        } else {
            profile.trie.add(node: node, weight: count &* weightScale, samples: 0)
        }
        previous.removeAll(keepingCapacity: true)
        previous.append(contentsOf: frames)
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
