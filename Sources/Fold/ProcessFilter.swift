import ProfileModel

/// `--pid`, `--tree`, `--tid` and `--comm`: which threads a profile keeps, by the ids the sample
/// carries (its process, tgid, and thread), not by matching names of frames.
public struct ProcessFilter: Sendable, Equatable {
    /// Keep only these processes (tgids); empty keeps all (unless `trees` chooses).
    public var pids: Set<Int> = []
    /// Keep these processes and every process they start during the capture (followed through
    /// its FORK records, so only perf.data input can have them); with `pids`, either kind counts.
    public var trees: Set<Int> = []
    /// Keep only these threads; empty keeps all.
    public var tids: Set<Int> = []
    /// Keep only threads whose comm, or whose process's comm, is one of these; empty keeps all.
    public var comms: Set<[UInt8]> = []

    /// A filter keeping what the sets name; all empty keeps every thread.
    public init(pids: Set<Int> = [], trees: Set<Int> = [], tids: Set<Int> = [], comms: Set<[UInt8]> = []) {
        self.pids = pids
        self.trees = trees
        self.tids = tids
        self.comms = comms
    }

    /// Whether the filter keeps everything.
    public var isEmpty: Bool { pids.isEmpty && trees.isEmpty && tids.isEmpty && comms.isEmpty }

    /// Whether processes are chosen at all (by pid or by tree).
    public var choosesProcesses: Bool { !pids.isEmpty || !trees.isEmpty }

    /// Whether a thread passes. A pid the input does not carry cannot pass a filter on pids; a
    /// thread renamed by pthread_setname_np still passes on its process's comm when known.
    /// `inTree`: the thread's process is in one of `trees` (the caller follows the forks).
    public func admits(pid: Int?, tid: Int, comm: UnsafeBufferPointer<UInt8>, processComm: UnsafeBufferPointer<UInt8>?,
                       inTree: Bool = false) -> Bool {
        if !tids.isEmpty && !tids.contains(tid) { return false }
        if choosesProcesses && !inTree { guard let pid, pids.contains(pid) else { return false } }
        if !comms.isEmpty {
            let own = comms.contains(Array(comm))
            let process = processComm.map { comms.contains(Array($0)) } ?? false
            if !own && !process { return false }
        }
        return true
    }
}
