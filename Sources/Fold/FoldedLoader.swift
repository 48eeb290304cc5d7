import ProfileModel
import TextInputs

/// Loads folded stacks (`a;b;c COUNT`) into a `Profile`.
///
/// Folded files are usually sorted, so a line shares a long prefix with the one before it: the
/// frames inside that shared prefix reuse the previous line's trie path instead of being
/// looked up again.
package final class FoldedLoader: FoldedVisitor {
    /// The profile the lines are folded into; its unit stays `.samples` for the caller to set.
    package let profile: Profile
    private var previous: [UInt8] = []
    private var previousEnds: [Int] = []      // byte offset where each frame of `previous` ends
    private var previousNodes: [Int32] = []   // trie node reached after each frame

    private let weightScale: UInt64

    /// `weightScale` multiplies every count (1000 turns microseconds into nanoseconds); counts
    /// so scaled are totals, not samples, so no sample count is kept for them.
    package init(chartMode: Bool = false, weightScale: UInt64 = 1) {
        profile = Profile(trie: StackTrie(chartMode: chartMode))
        self.weightScale = weightScale
    }

    /// Adds one line: `count` as weight and samples, or times `weightScale` as weight only.
    package func stack(_ frames: UnsafeBufferPointer<UInt8>, count: UInt64, line: Int) {
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
