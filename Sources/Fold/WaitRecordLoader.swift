import ProfileModel
import TextInputs

/// Folds off-CPU time that a tool already measured (bcc, bpftrace, `perf sched timehist`) into a
/// profile in nanoseconds, with the same options as scheduler events where the input allows:
/// thread filters, `--state`, state frames, run-queue frames, and names by the same rules.
final class WaitRecordLoader: WaitRecordVisitor {
    let collapser: PerfScriptCollapser
    private let options: OffCPUOptions
    private let filter: ProcessFilter
    private var names: ByteTable { collapser.profile.names }
    private var frames: OffCPUFrameIDs
    private let separatorID: Int32
    private var frameIDs: [[UInt8]: Int32] = [:]
    private var anonymous: [[UInt8]: Int32] = [:]
    /// Per-thread totals for the summary (no interval bookkeeping: the tool kept none).
    private(set) var summary = OffCPUSummary()
    /// Records left out because a filter asks for a field the input does not carry.
    private(set) var missingField: String?
    private(set) var records = 0

    init(collapse: CollapseOptions, options: OffCPUOptions) {
        let collapser = PerfScriptCollapser(options: collapse)
        self.collapser = collapser
        self.options = options
        filter = collapse.filter
        let names = collapser.profile.names
        frames = OffCPUFrameIDs { frame in frame.withUnsafeBufferPointer { names.intern($0) } }
        separatorID = Array("--".utf8).withUnsafeBufferPointer { collapser.profile.names.intern($0) }
        summary.hasIntervals = false
    }

    func record(_ r: WaitRecord, line: Int) {
        records += 1
        let tid = r.tid ?? r.pid ?? -1
        if !options.states.isEmpty {
            guard let state = r.state else {
                missingField = "task states (--state)"
                return
            }
            guard state.withUnsafeBufferPointer({ options.admits(state: $0) }) else { return }
        }
        if !filter.isEmpty {
            if !filter.tids.isEmpty && r.tid == nil { missingField = "thread ids (--tid)"; return }
            if !filter.pids.isEmpty && r.pid == nil { missingField = "process ids (--pid)"; return }
            let admitted = r.comm.withUnsafeBufferPointer { filter.admits(pid: r.pid, tid: tid, comm: $0, processComm: nil) }
            guard admitted else { return }
        }
        let java = r.comm.starts(with: "java".utf8)
        let trie = collapser.profile.trie
        let root = r.comm.withUnsafeBufferPointer { collapser.rootName(comm: $0, pid: r.pid, tid: tid) }
        var node = trie.child(of: 0, frame: root)
        if options.stateFrames, let state = r.state {
            node = trie.child(of: node, frame: state.withUnsafeBufferPointer { frames.state($0) })
        }
        for f in r.frames { for id in folded(f, java: java) { node = trie.child(of: node, frame: id) } }
        if let wakerComm = r.waker.last {
            // Above a `--` frame, as offwaketime -f draws it: the waker's stack leaf first, so that
            // the waker's own name ends the tower.
            node = trie.child(of: node, frame: separatorID)
            for f in r.waker.dropLast().reversed() { for id in folded(f, java: java) { node = trie.child(of: node, frame: id) } }
            for id in folded(wakerComm, java: java) { node = trie.child(of: node, frame: id) }
        }
        var blocked = r.blockedMicroseconds &* 1000
        var runqueue = r.runqueueMicroseconds &* 1000
        if !options.splitWakeup {
            blocked &+= runqueue
            runqueue = 0
        }
        if blocked > 0 { trie.add(node: node, weight: blocked, samples: 0) }
        if runqueue > 0, let frame = frames.frame(.runqueue) { trie.add(node: trie.child(of: node, frame: frame), weight: runqueue, samples: 0) }
        // Records without a thread id are told apart by comm in the summary.
        let key = r.tid ?? r.pid ?? Int(anonymous[r.comm] ?? {
            let k = Int32(-2 - anonymous.count)
            anonymous[r.comm] = k
            return k
        }())
        let thread = summary.thread(tid: Int32(truncatingIfNeeded: key), pid: r.pid, comm: r.comm)
        summary.add(thread: thread, nanoseconds: blocked &+ runqueue, undated: 0)
    }

    /// A frame's names by the collapser's rules (parameter lists cut, `;` made safe), cached.
    private func folded(_ frame: [UInt8], java: Bool) -> ArraySlice<Int32> {
        if !java, let id = frameIDs[frame] { return [id] }
        let ids = frame.withUnsafeBufferPointer { collapser.foldedNames(bareSymbol: $0, java: java) }
        if !java, ids.count == 1 { frameIDs[frame] = ids.first! }
        return ids
    }
}
