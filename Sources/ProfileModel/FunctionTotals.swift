/// Self and total weight per function and per process of a profile: what `flame top` and the
/// reports list. The first frame of every stack is the process (comm) and is counted apart.
public struct FunctionTotals: Sendable {
    /// One function's (or process's) weights, in the profile's unit.
    public struct Row: Sendable, Equatable {
        /// The frame name as drawn (the root frame, usually the comm, for a process row).
        public var name: String
        /// Weight of samples whose innermost frame is this function (or, with `skipLeaf`, whose
        /// innermost frame that is not skipped).
        public var selfWeight: UInt64
        /// Weight of samples with this function anywhere on the stack, each sample once
        /// (recursion does not count twice).
        public var totalWeight: UInt64
    }

    /// Functions, in no particular order.
    public private(set) var functions: [Row] = []
    /// Processes (the root frames): their total; self is what had no frame under the comm.
    public private(set) var processes: [Row] = []
    /// Total weight of the profile.
    public let total: UInt64

    /// `skipLeaf`: innermost frames that say nothing about the cause (the scheduler's own
    /// functions in an off-CPU stack); self weight goes to the first frame above them.
    public init(_ profile: Profile, skipLeaf: ((UnsafeBufferPointer<UInt8>) -> Bool)? = nil) {
        self.init(FlameTree(profile), skipLeaf: skipLeaf)
    }

    /// The totals of a tree already built from a profile (its first level taken as the processes);
    /// `skipLeaf` as above.
    public init(_ tree: FlameTree, skipLeaf: ((UnsafeBufferPointer<UInt8>) -> Bool)? = nil) {
        let names = tree.names
        total = tree.total[0]
        var selfBy = [UInt64](repeating: 0, count: names.count)
        var totalBy = [UInt64](repeating: 0, count: names.count)
        var isFunction = [Bool](repeating: false, count: names.count)
        // A node adds its subtree to its function's total only when no ancestor is the same
        // function: depth-first with a count of each function on the current path.
        var onPath = [Int32](repeating: 0, count: names.count)
        var skippable = [Bool](repeating: false, count: names.count)
        if let skipLeaf { for f in 0..<names.count { skippable[f] = skipLeaf(names.bytes(Int32(f))) } }
        var path: [Int32] = []
        var stack: [(node: Int32, leaving: Bool)] = []
        for p in tree.children(0) {
            let f = tree.frame[Int(p)]
            processes.append(Row(name: names.string(f), selfWeight: tree.selfWeight[Int(p)], totalWeight: tree.total[Int(p)]))
            for c in tree.children(Int(p)).reversed() { stack.append((c, false)) }
            while let (node, leaving) = stack.popLast() {
                let f = Int(tree.frame[Int(node)])
                if leaving {
                    onPath[f] -= 1
                    path.removeLast()
                    continue
                }
                isFunction[f] = true
                path.append(Int32(f))
                let own = tree.selfWeight[Int(node)]
                if own > 0 {
                    var k = path.count - 1
                    while k > 0 && skippable[Int(path[k])] { k -= 1 }
                    selfBy[Int(path[k])] &+= own
                }
                if onPath[f] == 0 { totalBy[f] &+= tree.total[Int(node)] }
                onPath[f] += 1
                stack.append((node, true))
                for c in tree.children(Int(node)).reversed() { stack.append((c, false)) }
            }
        }
        for f in 0..<names.count where isFunction[f] {
            functions.append(Row(name: names.string(Int32(f)), selfWeight: selfBy[f], totalWeight: totalBy[f]))
        }
        // Processes of the same name (several roots only with --pid/--tid) stay apart.
        processes.sort { $0.totalWeight != $1.totalWeight ? $0.totalWeight > $1.totalWeight : $0.name < $1.name }
    }

    /// The `limit` functions with the most self weight (ties by name).
    public func topBySelf(_ limit: Int) -> [Row] {
        Array(functions.filter { $0.selfWeight > 0 }
            .sorted { $0.selfWeight != $1.selfWeight ? $0.selfWeight > $1.selfWeight : $0.name < $1.name }.prefix(limit))
    }

    /// The `limit` functions with the most total weight (ties by name).
    public func topByTotal(_ limit: Int) -> [Row] {
        Array(functions.sorted { $0.totalWeight != $1.totalWeight ? $0.totalWeight > $1.totalWeight : $0.name < $1.name }
            .prefix(limit))
    }

    /// Weight of samples whose innermost frame is unresolved (`[unknown]`, or a `[file]` frame
    /// that perf and flame could not name), for the line that keeps readers honest.
    public func unresolvedSelfWeight() -> UInt64 {
        functions.filter { FunctionTotals.isUnresolved($0.name) }.reduce(0) { $0 &+ $1.selfWeight }
    }

    /// The same as `FunctionTotals(profile).unresolvedSelfWeight()`, from the trie alone (no
    /// tree to build and sort): for headlines.
    public static func unresolvedSelfWeight(_ profile: Profile) -> UInt64 {
        let trie = profile.trie
        var unresolved = [UInt8](repeating: 0, count: profile.names.count)   // 0 unknown, 1 yes, 2 no
        var sum: UInt64 = 0
        for n in 1..<max(trie.nodeCount, 1) where trie.selfWeight[n] > 0 && trie.parent[n] > 0 {
            let f = Int(trie.frame[n])
            if unresolved[f] == 0 { unresolved[f] = isUnresolved(profile.names.string(Int32(f))) ? 1 : 2 }
            if unresolved[f] == 1 { sum &+= trie.selfWeight[n] }
        }
        return sum
    }

    /// The scheduler's own frames and flame's off-CPU pseudo-frames: an off-CPU stack ends in them
    /// whatever the thread waited for.
    public static func isSchedulerFrame(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        for prefix in ["__schedule", "schedule", "io_schedule", "preempt_schedule", "finish_task_switch",
                       "[runqueue]", "[switch-in not recorded]", "[still waiting at capture end]"] where name.starts(with: prefix.utf8) {
            return true
        }
        return false
    }

    /// `[unknown]` and the `[file]` names of frames without a symbol; not flame's own pseudo-frames.
    static func isUnresolved(_ name: String) -> Bool {
        guard name.hasPrefix("["), name.hasSuffix("]") else { return false }
        if name.hasPrefix("[state ") || name.hasPrefix("[idle: ") || name == "[runqueue]" || name == "[switch-in not recorded]"
            || name == "[still waiting at capture end]" { return false }
        if name.contains(" narrow frame") { return false }
        return true
    }
}
