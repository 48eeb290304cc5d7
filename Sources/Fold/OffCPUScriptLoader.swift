import ProfileModel
import TextInputs

/// Off-CPU time from `perf script` text of scheduler tracepoints (`perf record -a -g -e
/// sched:sched_switch …` then `perf script`, or `perf sched record -g` then `perf sched script`).
///
/// Frames are named by the rules of on-CPU folding (the collapser's), so both views of one
/// program use the same names. Attribution uses the tracepoint payload (`prev_pid`, `prev_comm`,
/// `prev_state`), not the header: the header's comm is perf's idea of the thread (`:-1` for an
/// exited one) and its pid column is absent by default.
final class OffCPUScriptLoader: PerfScriptVisitor, OffCPUCharges {
    let collapser: PerfScriptCollapser
    private(set) var accountant: OffCPUAccountant!
    private let options: OffCPUOptions
    private var names: ByteTable { collapser.profile.names }
    private var frames: OffCPUFrameIDs!

    // The sched_switch record being read (its frames follow the header).
    private var inSwitch = false
    private var time: UInt64 = 0
    private var cpu = 0
    private var headerPid: Int?
    private var prevComm: [UInt8] = []
    private var prevState: [UInt8] = []
    private var prevPid: Int32 = 0
    /// The strip's threads, learnt at their switch-outs (with `keepBuckets`).
    private var bucketThreads = BucketThreads()
    private var nextPid: Int32 = 0
    private var java = false
    private var pending: [Int32] = []

    /// What the input held besides what was counted.
    private(set) var switches = 0
    private(set) var missingTime = false
    private(set) var missingPid = false
    /// A sched_switch printed with a period other than 1 (sampled, so switches are missing).
    private(set) var sampledPeriod: UInt64?

    init(collapse: CollapseOptions, options: OffCPUOptions) {
        collapser = PerfScriptCollapser(options: collapse, symbolizer: collapse.textSymbolizer())
        self.options = options
        accountant = OffCPUAccountant(options: options, filter: collapse.filter, charges: self)
        // A flame chart keeps waits in the order they ended: none is held back.
        accountant.separatesIdleThreads = !collapse.chartMode
        if collapse.keepBuckets {
            let profile = collapser.profile
            accountant.runqueue = { start, length in profile.buckets?.addRunqueue(start: start, length: length) }
        }
        let names = collapser.profile.names
        frames = OffCPUFrameIDs { frame in frame.withUnsafeBufferPointer { names.intern($0) } }
    }

    func record(_ header: ScriptHeader, line: Int) {
        inSwitch = false
        guard let event = header.event else { return }
        guard let t = header.timeNanos else {
            missingTime = true
            return
        }
        switch SchedEventKind.of(event) {
        case .switchTask:
            guard let p = SwitchPayload.parse(header.payload) else { return }
            switches += 1
            if let period = header.period, period != 1 { sampledPeriod = period }
            if header.pid == nil { missingPid = true }
            inSwitch = true
            time = t
            cpu = header.cpu ?? -1
            headerPid = header.pid
            prevComm = Array(p.prevComm)
            prevState = Array(p.prevState)
            prevPid = Int32(truncatingIfNeeded: p.prevPid)
            if collapser.profile.buckets != nil {
                _ = bucketThreads.index(tid: prevPid, comm: p.prevComm, in: &collapser.profile.buckets!)
            }
            nextPid = Int32(truncatingIfNeeded: p.nextPid)
            java = prevComm.starts(with: "java".utf8)
            pending.removeAll(keepingCapacity: true)
        case .wakeup:
            if let p = TaskPayload.parse(header.payload) { accountant.woken(time: t, tid: Int32(truncatingIfNeeded: p.pid)) }
            accountant.seen(time: t, tid: Int32(truncatingIfNeeded: header.tid))
        case .runtime:
            if let p = TaskPayload.parse(header.payload), let runtime = p.runtime {
                accountant.ran(time: t, tid: Int32(truncatingIfNeeded: p.pid), runtime: runtime)
            }
        case .other:
            accountant.seen(time: t, tid: Int32(truncatingIfNeeded: header.tid))
        }
    }

    func frame(_ frame: FrameLine, line: Int) {
        guard inSwitch else { return }
        let ids = collapser.foldedNames(frame, java: java)
        // Outermost first from the collapser; the stack is collected innermost first.
        var i = ids.endIndex - 1
        while i >= ids.startIndex {
            pending.append(ids[i])
            i -= 1
        }
    }

    func sourceLine(_ text: UnsafeBufferPointer<UInt8>, line: Int) {}

    func endRecord() {
        guard inSwitch else { return }
        inSwitch = false
        prevState.withUnsafeBufferPointer { state in
            accountant.switched(time: time, cpu: cpu, prev: prevPid, prevState: state, next: nextPid,
                                thread: { OffCPUThread(pid: headerPid, comm: prevComm) }, outgoing: { node(state) })
        }
    }

    func discardRecord() { inSwitch = false }

    /// The trie node of the current switch-out: root, optional state frame, stack root first.
    private func node(_ state: UnsafeBufferPointer<UInt8>) -> Int32 {
        let trie = collapser.profile.trie
        let root = prevComm.withUnsafeBufferPointer { collapser.rootName(comm: $0, pid: headerPid, tid: Int(prevPid)) }
        var n = trie.child(of: 0, frame: root)
        if options.stateFrames {
            n = trie.child(of: n, frame: frames.state(state))
        }
        var i = pending.count - 1
        while i >= 0 {
            n = trie.child(of: n, frame: pending[i])
            i -= 1
        }
        return n
    }

    func charge(_ node: Int32, nanoseconds: UInt64, part: OffCPUPart) {
        charge(node, nanoseconds: nanoseconds, part: part, start: 0, tid: 0, pid: nil)
    }

    func charge(_ node: Int32, nanoseconds: UInt64, part: OffCPUPart, start: UInt64, tid: Int32, pid: Int32?) {
        charge(node, nanoseconds: nanoseconds, part: part, start: start, tid: tid, pid: pid, state: .other)
    }

    func charge(_ node: Int32, nanoseconds: UInt64, part: OffCPUPart, start: UInt64, tid: Int32, pid: Int32?, state: OffCPUState) {
        let profile = collapser.profile
        let trie = profile.trie
        let leaf = frames.frame(part).map { trie.child(of: node, frame: $0) } ?? node
        trie.add(node: leaf, weight: nanoseconds, samples: 1)
        profile.buckets?.add(node: leaf, lane: TimeBuckets.Lane(state), start: start, length: nanoseconds, weight: nanoseconds)
        if let thread = bucketThreads.index(tid: tid) {
            profile.buckets?.add(thread: thread, lane: TimeBuckets.Lane(state), start: start, length: nanoseconds, weight: nanoseconds)
        }
        if collapser.options.keepTimeline {
            profile.timeline?.append(time: start, duration: nanoseconds, pid: pid ?? -1, tid: tid, node: leaf, weight: nanoseconds)
        }
    }

    func idleNode(for node: Int32, processComm: [UInt8], pid: Int32?, threads: Int) -> Int32 {
        let trie = collapser.profile.trie
        let root = processComm.withUnsafeBufferPointer { collapser.rootName(comm: $0, pid: pid.map(Int.init), tid: Int(pid ?? 0)) }
        var n = trie.child(of: 0, frame: root)
        n = trie.child(of: n, frame: frames.idle(threads: threads))
        for f in trie.path(to: node).dropFirst() { n = trie.child(of: n, frame: f) }
        return n
    }
}
