import ProfileModel
import PerfData
import Capture

/// Tells, per binary, when frame-pointer call stacks are broken: most of a binary's samples
/// stop after one or two user frames without reaching a thread's entry (`_start`,
/// `start_thread`, `clone3`), or run into frames that no map covers (a frame pointer used as a
/// general register gives garbage addresses). Such binaries were built without frame pointers,
/// and `--call-graph dwarf` unwinds them. Looked at once per distinct stack, after the walk.
enum StackQuality {
    /// Outermost functions of a complete user stack.
    static let entries: Set<String> = ["_start", "__libc_start_main", "__libc_start_call_main", "start_thread", "clone", "clone3",
                                       "__clone", "__clone3", "__GI___clone", "__GI___clone3", "thread_start", "main"]

    /// The share of a binary's weight in broken stacks from which it is said, and the least share
    /// of the whole profile the binary must hold.
    static let brokenShare = 0.5
    static let binaryShare = 0.02
    /// The least samples a binary must have for its stacks to be judged.
    static let minimumSamples: UInt64 = 20

    /// One line per binary whose stacks are mostly broken, the most weight first (at most 3).
    /// `name`: the outermost function name of a frame key; `binary`: the path of a file id.
    /// `stopAt`: a frame key above which a stack is another thread's (the `--` of an off-wake
    /// stack): the path is judged up to it.
    static func warnings(raw: StackTrie, keys: FrameKeyTable, name: (Int32) -> String?, binary: (Int32) -> String,
                         stopAt: Int32? = nil) -> [Diagnostic] {
        // One pass from the roots: per node, what its stack from the root down holds. The root's
        // children are root frames (names, not keys).
        let n = raw.nodeCount
        /// What a node's stack from the root down holds: its innermost and outermost user keys,
        /// user (and unmapped) frames, and flags.
        struct Path {
            var innermost: Int32 = -1
            var outermost: Int32 = -1
            var userFrames: Int32 = 0
            var unmapped = false   // an unmapped frame on the path
            var garbage = false    // a user frame inner to an unmapped one
            var unwound = false
            var ended = false      // above `stopAt`: another thread's frames
        }
        var paths = [Path](repeating: Path(), count: n)
        // Per key: 0 not looked at, 1 a thread's entry, 2 not. Per file id: weights and samples.
        var entry = [UInt8](repeating: 0, count: keys.count)
        let files = Int(keys.dsos.max() ?? 0) + 1
        var total = [UInt64](repeating: 0, count: files), broken = total, samples = total
        var all: UInt64 = 0
        for c in 1..<max(n, 1) {
            let p = Int(raw.parent[c])
            guard p > 0 else { continue }
            var path = paths[p]
            let key = raw.frame[c]
            if path.ended || key == stopAt {
                path.ended = true
                paths[c] = path
                continue
            }
            switch keys.kinds[Int(key)] {
            case .user:
                path.innermost = key
                if path.outermost < 0 { path.outermost = key }
                path.userFrames += 1
                if path.unmapped { path.garbage = true }
            case .unmapped:
                path.unmapped = true
                path.userFrames += 1
            case .unwound, .unwoundStack:
                path.unwound = true
            case .kernel, .literal, .truncated:
                break
            }
            paths[c] = path
        }
        for c in 1..<max(n, 1) where raw.selfWeight[c] > 0 {
            let w = raw.selfWeight[c]
            all &+= w
            let path = paths[c]
            guard !path.unwound, path.innermost >= 0 else { continue }
            let dso = Int(keys.dsos[Int(path.innermost)])
            total[dso] &+= w
            samples[dso] &+= raw.selfSamples[c]
            // Only stacks of one or two user frames need to know where they end.
            if path.garbage {
                broken[dso] &+= w
            } else if path.userFrames <= 2 {
                let out = Int(path.outermost)
                if entry[out] == 0 { entry[out] = name(Int32(out)).map { entries.contains($0) } ?? false ? 1 : 2 }
                if entry[out] == 2 { broken[dso] &+= w }
            }
        }
        guard all > 0 else { return [] }
        let flagged = broken.indices.filter { dso in
            let t = total[dso]
            return t > 0 && samples[dso] >= minimumSamples && Double(broken[dso]) >= brokenShare * Double(t)
                && Double(t) >= binaryShare * Double(all)
        }.sorted { broken[$0] != broken[$1] ? broken[$0] > broken[$1] : $0 < $1 }
        return flagged.prefix(3).map { dso in
            let t = total[dso], b = broken[dso]
            return .warning(.callStacks, subject: binary(Int32(dso)), "\(percent(b, t)) of its samples (\(percent(t, all)) of all) have "
                + "call stacks cut after one or two frames or lost in [unknown] frames: it was built without frame pointers; record "
                + "with --call-graph dwarf (flame record --call-graph dwarf -- …) for whole stacks")
        }
    }

    private static func percent(_ part: UInt64, _ whole: UInt64) -> String {
        "\(Int((Double(part) / Double(max(whole, 1)) * 100).rounded()))%"
    }
}
