import PerfData

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
    static func warnings(raw: StackTrie, keys: FrameKeyTable, name: (Int32) -> String?, binary: (Int32) -> String) -> [String] {
        var total: [Int32: UInt64] = [:], broken: [Int32: UInt64] = [:], samples: [Int32: UInt64] = [:]
        var all: UInt64 = 0
        var path: [Int32] = []
        for n in 1..<max(raw.nodeCount, 1) where raw.selfWeight[n] > 0 {
            let w = raw.selfWeight[n]
            all &+= w
            raw.leafFirstPath(to: Int32(n), into: &path)
            // The last entry is the root frame (a name, not a key).
            var leafBinary: Int32?
            var userFrames = 0
            var garbage = false
            var outermost: Int32?
            var unwound = false
            for key in path.dropLast() {
                let k = Int(key)
                switch keys.kinds[k] {
                case .user:
                    if leafBinary == nil { leafBinary = keys.dsos[k] }
                    userFrames += 1
                    outermost = key
                case .unmapped:
                    if leafBinary != nil { garbage = true }
                    userFrames += 1
                case .unwound, .unwoundStack:
                    unwound = true
                case .kernel, .literal:
                    break
                }
            }
            guard !unwound, let dso = leafBinary else { continue }
            total[dso, default: 0] &+= w
            samples[dso, default: 0] &+= raw.selfSamples[n]
            let complete = outermost.flatMap(name).map { entries.contains($0) } ?? false
            if garbage || (!complete && userFrames <= 2) { broken[dso, default: 0] &+= w }
        }
        guard all > 0 else { return [] }
        let flagged = broken.filter { dso, b in
            let t = total[dso] ?? 0
            return t > 0 && (samples[dso] ?? 0) >= minimumSamples && Double(b) >= brokenShare * Double(t)
                && Double(t) >= binaryShare * Double(all)
        }.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        return flagged.prefix(3).map { dso, b in
            let t = total[dso] ?? 1
            return "warning: \(binary(dso)): \(percent(b, t)) of its samples (\(percent(t, all)) of all) have call stacks cut after "
                + "one or two frames or lost in [unknown] frames: it was built without frame pointers; record with "
                + "--call-graph dwarf (flame record --call-graph dwarf -- …) for whole stacks"
        }
    }

    private static func percent(_ part: UInt64, _ whole: UInt64) -> String {
        "\(Int((Double(part) / Double(max(whole, 1)) * 100).rounded()))%"
    }
}
