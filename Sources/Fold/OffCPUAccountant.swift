import ProfileModel

/// The part of an interval a charge is for.
package enum OffCPUPart: Sendable {
    /// Off-CPU until the wakeup (or the whole interval when it is not split).
    case blocked
    /// Runnable after the wakeup, waiting for a CPU (`--split-wakeup`).
    case runqueue
    /// Time whose end could not be dated (no switch-in recorded, no sched_stat_runtime): off-CPU
    /// or already running again. Drawn in its own frame, never mixed with measured time.
    case undated
    /// A wait still open when the capture ended, cut at the end: drawn under its own frame so
    /// that nobody reads it as a wait that ended there.
    case openAtEnd
    /// The wait of an idle thread (see `OffCPUAccountant`), charged to the node `idleNode` made.
    case idle
}

/// Where the accountant puts the time it attributes: a stack (a trie node its input made at
/// the switch-out) and which part of the interval it is.
package protocol OffCPUCharges: AnyObject {
    func charge(_ node: Int32, nanoseconds: UInt64, part: OffCPUPart)
    /// The same charge with when the part began and whose it is, for inputs that keep a timeline;
    /// the accountant calls this one. By default, `charge(_:nanoseconds:part:)`.
    func charge(_ node: Int32, nanoseconds: UInt64, part: OffCPUPart, start: UInt64, tid: Int32, pid: Int32?)
    /// The same with the state the thread waited in, for inputs that keep time buckets; the
    /// accountant calls this one. By default, `charge(_:nanoseconds:part:start:tid:pid:)`.
    func charge(_ node: Int32, nanoseconds: UInt64, part: OffCPUPart, start: UInt64, tid: Int32, pid: Int32?, state: OffCPUState)
    /// The node an idle thread's wait is drawn at: under the process's root frame, one
    /// `[idle: N threads]` frame, then the stack of `node` below its own root. By default `node`.
    func idleNode(for node: Int32, processComm: [UInt8], pid: Int32?, threads: Int) -> Int32
    /// The wait of `tid` at `node` ended (not cut by the capture's end); `charged`: it is drawn.
    /// Returns the node its blocked time is drawn at (`--wakers`: with the waker above it). By
    /// default `node`.
    func waitEnded(_ node: Int32, tid: Int32, preempted: Bool, charged: Bool) -> Int32
    /// Every wait as it closes, whole and before any filter on its length: for views that follow
    /// threads over time (the critical path). By default nothing.
    func waitClosed(_ wait: ClosedWait)
}

/// One wait of a thread, from its switch-out to its end as the accountant dated it.
package struct ClosedWait {
    package var tid: Int32
    package var pid: Int32?
    /// The switch-out's stack node.
    package var node: Int32
    package var state: OffCPUState
    /// Switched out runnable: preempted, not blocked.
    package var preempted: Bool
    package var start: UInt64
    /// The dated end; `undated` more nanoseconds after it may have been waiting or running.
    package var end: UInt64
    package var undated: UInt64
    /// The latest wakeup in the wait, if one was recorded.
    package var wake: UInt64?
    /// Still open when the capture ended, cut there.
    package var cutAtEnd: Bool
}

extension OffCPUCharges {
    /// Default: forgets the start and thread and calls `charge(_:nanoseconds:part:)`.
    package func charge(_ node: Int32, nanoseconds: UInt64, part: OffCPUPart, start: UInt64, tid: Int32, pid: Int32?) {
        charge(node, nanoseconds: nanoseconds, part: part)
    }

    /// Default: forgets the state.
    package func charge(_ node: Int32, nanoseconds: UInt64, part: OffCPUPart, start: UInt64, tid: Int32, pid: Int32?, state: OffCPUState) {
        charge(node, nanoseconds: nanoseconds, part: part, start: start, tid: tid, pid: pid)
    }

    /// Default: the idle wait stays at `node`, with no `[idle: N threads]` frame.
    package func idleNode(for node: Int32, processComm: [UInt8], pid: Int32?, threads: Int) -> Int32 { node }

    /// Default: the blocked time stays at `node`.
    package func waitEnded(_ node: Int32, tid: Int32, preempted: Bool, charged: Bool) -> Int32 { node }

    /// Default: nothing.
    package func waitClosed(_ wait: ClosedWait) {}
}

/// Who a switched-out thread is, as the input knows it.
package struct OffCPUThread {
    /// Its process id (tgid); nil when the input does not say.
    package var pid: Int?
    /// The thread's own comm at the switch-out.
    package var comm: [UInt8]
    /// The comm of the thread's process (its main thread), when known.
    package var processComm: [UInt8]?
    /// The thread's process in the capture's `ProcessTree`, when the input has one.
    package var process: UInt32?
    /// Its process is in a tree `--tree` chose (see `ProcessFilter.admits`).
    package var inTree: Bool

    /// A thread as the input knows it; what it does not know stays nil (`inTree` false).
    package init(pid: Int?, comm: [UInt8], processComm: [UInt8]? = nil, process: UInt32? = nil, inTree: Bool = false) {
        self.pid = pid
        self.comm = comm
        self.processComm = processComm
        self.process = process
        self.inTree = inTree
    }
}

/// Turns scheduler events, merged across CPUs in time order, into off-CPU intervals: from a
/// thread's switch-out to its next switch-in, charged to the stack of the switch-out.
///
/// Switch-ins can be missing: the kernel raises no event for a CPU leaving its idle task on some
/// machines (seen on these VMs for CPU 1), so a thread woken onto an idle CPU is next seen at its
/// following switch-out. The interval is then closed at the best evidence: `sched_stat_runtime`
/// (how long the thread had run when it was next accounted, which dates the switch-in exactly),
/// else the latest of its wakeup and the previous switch on that CPU, never after the first event
/// the thread raised itself. What lies between that estimate and the latest possible end is
/// charged as `.undated`, so the graph shows it apart and nothing disappears silently.
///
/// Waits still open when the capture ends are cut at its end and charged as `.openAtEnd`.
///
/// Idle threads: a thread other than its process's main thread whose first wait lasts at least
/// `idleShare` of its life in the capture (from its creation, or the capture's start, to its exit
/// or the capture's end) and which never waits again (the capture ends, or it is woken only to
/// exit: within `idleExitRun` of its wakeup) was parked, not waiting for anything: a pool thread. Its wait is charged as `.idle`
/// under one `[idle: N threads]` frame per process and kept out of the off-CPU headline. The
/// first wait of every other thread is held back until that is known (one per live thread).
package final class OffCPUAccountant {
    private struct Open {
        var start: UInt64
        var node: Int32
        var state: OffCPUState
        var preempted: Bool
        var wake: UInt64?
        var firstSeen: UInt64?
        var thread: Int32
        var tid: Int32
        var pid: Int32?
    }

    /// A charge held back while it is not known whether its thread is idle.
    private struct Held {
        var node: Int32
        var nanoseconds: UInt64
        var part: OffCPUPart
        var start: UInt64
        var state: OffCPUState
    }

    private struct FirstWait {
        var charges: [Held] = []
        var total: UInt64 = 0
        var undated: UInt64 = 0
        var state: OffCPUState
        var node: Int32
        var thread: Int32
        var tid: Int32
        var pid: Int32?
        var openAtEnd = false
        /// When the wait ended at the latest (its undated part included).
        var end: UInt64
    }

    private struct IdleWait {
        var state: OffCPUState
        var node: Int32
        var nanoseconds: UInt64
        var start: UInt64
        var tid: Int32
        var pid: Int32?
        var thread: Int32
    }

    /// The least share of its life an idle thread spends in its one wait.
    package static let idleShare = 0.9
    /// The most an idle thread runs after its long wait (woken to exit: a pool shutting down
    /// wakes its threads, which run a little, wait briefly once or twice, and end).
    package static let idleExitRun: UInt64 = 2_000_000

    private let options: OffCPUOptions
    private let filter: ProcessFilter
    private unowned let charges: OffCPUCharges
    private var open: [Int32: Open] = [:]
    private var lastSwitch: [Int: UInt64] = [:]
    /// The first waits of non-main threads, held back until their thread ends or waits more.
    private var held: [Int32: [FirstWait]] = [:]
    /// How many waits of a thread are held back at most (an idle thread shutting down waits a
    /// few times more, briefly).
    private static let heldWaits = 8
    /// Threads whose first wait was seen (their later waits are charged at once).
    private var waited: Set<Int32> = []
    /// Threads met in a switch, out or in, with when they were created (when the input says).
    private var met: Set<Int32> = []
    private var born: [Int32: UInt64] = [:]
    /// EXIT records of threads whose last switch-out has not been seen yet.
    private var exitedAt: [Int32: UInt64] = [:]
    private var idle: [IdleWait] = []
    /// When each thread was created, for its life in the capture (nil: unknown, or before the capture).
    package var threadStart: ((Int32) -> UInt64?)?
    /// Whether a thread existed when the capture began (a first switch-in then ends a wait that
    /// began before it) and is one the filters keep. Nil: the input cannot tell (text), and such
    /// waits are not counted.
    package var existedAtStart: ((Int32) -> Bool)?
    /// Told every wait's run-queue stretch (from its wakeup, or from a preemption, to its end),
    /// whatever `--split-wakeup` says: for the runnable-threads count of the time strip.
    package var runqueue: ((_ start: UInt64, _ length: UInt64) -> Void)?
    /// Whether idle threads are told apart (off: every wait is an ordinary one).
    package var separatesIdleThreads = true
    /// What was counted, per thread and overall.
    package private(set) var summary = OffCPUSummary()
    /// `--time`: only the parts of intervals inside these ranges are charged and counted. Waits
    /// are followed over the whole capture (a wait that began before the ranges is clipped, not
    /// lost), and idle threads are told apart by their whole waits.
    package var window: TimeWindow? {
        get { summary.window }
        set { summary.window = newValue }
    }

    /// Counts the intervals `options` and `filter` admit and charges them to `charges` (held unowned).
    package init(options: OffCPUOptions, filter: ProcessFilter, charges: OffCPUCharges) {
        self.options = options
        self.filter = filter
        self.charges = charges
    }

    /// A sched_switch on `cpu`: `prev` leaves the CPU in `prevState`, `next` takes it. `outgoing`
    /// makes prev's stack node (called only when the interval is counted) and names its thread.
    package func switched(time: UInt64, cpu: Int, prev: Int32, prevState: UnsafeBufferPointer<UInt8>, next: Int32,
                         thread: () -> OffCPUThread, outgoing: () -> Int32) {
        summary.note(time: time)
        if prev == 0 { summary.idleSwitchOuts += 1 }
        if prev > 0 {
            meet(prev)
            // A second switch-out without a switch-in between: the switch-in was not recorded.
            if let o = open.removeValue(forKey: prev) { closeUnseen(o, tid: prev, at: time, cpu: cpu) }
            summary.switchOuts += 1
            let first = prevState.first
            let exiting = first == UInt8(ascii: "X") || first == UInt8(ascii: "Z")
            if exiting {
                // Its last switch-out: it never comes back, and a later thread with its tid is another.
                threadEnded(prev, at: time)
                forget(prev)
                summary.exited += 1
            }
            let t = thread()
            let admitted = options.admits(state: prevState)
                && t.comm.withUnsafeBufferPointer { comm in
                    (t.processComm ?? []).withUnsafeBufferPointer { process in
                        filter.admits(pid: t.pid, tid: Int(prev), comm: comm, processComm: t.processComm == nil ? nil : process,
                                      inTree: t.inTree)
                    }
                }
            if exiting {
                // Nothing to count after a thread's death.
            } else if admitted {
                open[prev] = Open(start: time, node: outgoing(), state: OffCPUState(prevState),
                                  preempted: first == UInt8(ascii: "R"),
                                  thread: summary.thread(tid: prev, pid: t.pid, comm: t.comm, processComm: t.processComm,
                                                         process: t.process),
                                  tid: prev, pid: t.pid.map { Int32(truncatingIfNeeded: $0) })
            } else {
                summary.filtered += 1
                waited.insert(prev)
            }
        }
        if next > 0 {
            if let o = open.removeValue(forKey: next) {
                summary.switchInsMatched += 1
                close(o, end: time, how: .switchIn)
            } else if meet(next), existedAtStart?(next) == true, time > summary.firstTime {
                // Its first event is a switch-in: it was waiting when the capture began.
                summary.waitsBeforeCapture += 1
                let before = time - summary.firstTime
                summary.waitsBeforeCaptureNanoseconds &+= window?.clip(start: summary.firstTime, length: before).length ?? before
            }
        }
        lastSwitch[cpu] = time
    }

    /// A wakeup of `tid` (sched_waking or sched_wakeup): where blocked time ends and run-queue time begins.
    package func woken(time: UInt64, tid: Int32) {
        summary.note(time: time)
        guard tid > 0, var o = open[tid], time >= o.start else { return }
        o.wake = time
        open[tid] = o
    }

    /// sched_stat_runtime of `tid`: it had run `runtime` ns when accounted at `time`, so a switch-in
    /// that was not recorded happened at `time - runtime`.
    package func ran(time: UInt64, tid: Int32, runtime: UInt64) {
        summary.note(time: time)
        guard tid > 0, let o = open[tid] else { return }
        open[tid] = nil
        summary.recoveredByRuntime += 1
        let start = time >= runtime ? time - runtime : 0
        close(o, end: min(max(start, o.wake ?? o.start, o.start), o.firstSeen ?? time, time), how: .recovered)
    }

    /// Any other event that `tid` itself raised at `time`: it was running then.
    package func seen(time: UInt64, tid: Int32) {
        summary.note(time: time)
        guard tid > 0, var o = open[tid], o.firstSeen == nil, time >= o.start else { return }
        o.firstSeen = time
        open[tid] = o
    }

    /// Thread `tid` exited at `time` (an EXIT record, which comes just before its last
    /// switch-out): when that switch-out is not in the capture, its held waits are settled then.
    package func exited(tid: Int32, time: UInt64) {
        exitedAt[tid] = time
    }

    /// Whether `tid` has a wait open (switched out, its end not yet seen).
    package func isWaiting(_ tid: Int32) -> Bool { open[tid] != nil }

    /// Thread `tid` raised an event of its own at `time` on `cpu` while a wait of its is open, so
    /// it runs: the wait is closed now at the best evidence, as a second switch-out would close it
    /// (a later sched_stat_runtime can no longer date it). For views that need the waits of a
    /// running thread settled before they go on (the critical path).
    package func settle(tid: Int32, at time: UInt64, cpu: Int) {
        guard let o = open[tid], time >= o.start else { return }
        open[tid] = nil
        closeUnseen(o, tid: tid, at: time, cpu: cpu)
    }

    /// Notes a thread the first time it is met; true when it was new.
    @discardableResult
    private func meet(_ tid: Int32) -> Bool {
        guard met.insert(tid).inserted else { return false }
        if let t = threadStart?(tid) { born[tid] = t }
        return true
    }

    /// Forgets a thread that ended: a later thread with its tid starts afresh.
    private func forget(_ tid: Int32) {
        waited.remove(tid)
        met.remove(tid)
        born[tid] = nil
        exitedAt[tid] = nil
    }

    /// Ends the capture: intervals still open are cut at its end and counted (threads that exited
    /// never come back and are not counted); held first waits are settled; idle waits are charged.
    package func finish() {
        let end = summary.lastTime
        for (tid, o) in open.sorted(by: { $0.key < $1.key }) {
            close(o, end: max(end, o.start), how: .cutAtEnd)
            open[tid] = nil
        }
        for tid in held.keys.sorted() { threadEnded(tid, at: exitedAt[tid] ?? end) }
        chargeIdle()
    }

    private enum Closing { case switchIn, recovered, cutAtEnd }

    /// Closes an interval whose switch-in was not recorded, at the best evidence (type comment).
    private func closeUnseen(_ o: Open, tid: Int32, at time: UInt64, cpu: Int) {
        let latestBound = min(o.firstSeen ?? time, time)
        let evidence = max(o.wake ?? 0, lastSwitch[cpu] ?? 0)
        let end = evidence > o.start ? min(evidence, latestBound) : o.start
        if evidence > o.start {
            summary.recoveredByEstimate += 1
        } else {
            summary.unmatched += 1
        }
        close(o, end: end, how: .recovered, undated: latestBound &- end)
    }

    private func close(_ o: Open, end: UInt64, how: Closing, undated: UInt64 = 0) {
        let total = end > o.start ? end - o.start : 0
        charges.waitClosed(ClosedWait(tid: o.tid, pid: o.pid, node: o.node, state: o.state, preempted: o.preempted, start: o.start,
                                      end: max(end, o.start), undated: undated, wake: o.wake, cutAtEnd: how == .cutAtEnd))
        let charged = total &+ undated >= options.minBlockMicroseconds &* 1000
        let blockedNode = how == .cutAtEnd ? o.node : charges.waitEnded(o.node, tid: o.tid, preempted: o.preempted, charged: charged)
        if !charged {
            summary.tooShort += 1
            return
        }
        if let runqueue = self.runqueue, how != .cutAtEnd {
            let from = o.preempted ? o.start : o.wake.map { min(max($0, o.start), end) } ?? end
            if end > from {
                var (ns, at) = (end - from, from)
                if let window { (ns, at) = window.clip(start: from, length: ns) }
                if ns > 0 { runqueue(at, ns) }
            }
        }
        var blocked = total
        var runqueue: UInt64 = 0
        if how == .cutAtEnd {
            (blocked, runqueue) = (0, 0)
        } else if options.splitWakeup {
            if o.preempted {
                (blocked, runqueue) = (0, total)
            } else if let wake = o.wake, wake >= o.start, wake <= end {
                (blocked, runqueue) = (wake - o.start, end - wake)
            }
        }
        var parts: [Held] = []
        let state = o.state
        if blocked > 0 { parts.append(Held(node: blockedNode, nanoseconds: blocked, part: .blocked, start: o.start, state: state)) }
        if runqueue > 0 { parts.append(Held(node: o.node, nanoseconds: runqueue, part: .runqueue, start: o.start + blocked, state: .runnable)) }
        if how == .cutAtEnd && total > 0 { parts.append(Held(node: o.node, nanoseconds: total, part: .openAtEnd, start: o.start, state: state)) }
        if undated > 0 { parts.append(Held(node: o.node, nanoseconds: undated, part: .undated, start: end, state: .other)) }

        // The first waits of a thread that is not its process's main thread wait to be settled.
        let isMain = o.pid.map { $0 == o.tid } ?? true
        if separatesIdleThreads && !isMain && !waited.contains(o.tid) {
            let wait = FirstWait(charges: parts, total: total, undated: undated, state: o.state, node: o.node,
                                 thread: o.thread, tid: o.tid, pid: o.pid, openAtEnd: how == .cutAtEnd, end: end &+ undated)
            if (held[o.tid]?.count ?? 0) < OffCPUAccountant.heldWaits {
                held[o.tid, default: []].append(wait)
                return
            }
            release(o.tid)
        }
        waited.insert(o.tid)
        let kept = charge(parts, tid: o.tid, pid: o.pid)
        add(o.thread, kept, state: o.state, openAtEnd: how == .cutAtEnd)
    }

    /// Charges the parts of a wait, clipped to `window`; returns the time charged, measured
    /// (`total`) and undated.
    @discardableResult
    private func charge(_ parts: [Held], tid: Int32, pid: Int32?) -> (total: UInt64, undated: UInt64) {
        var kept: (total: UInt64, undated: UInt64) = (0, 0)
        for p in parts {
            var (ns, start) = (p.nanoseconds, p.start)
            if let window { (ns, start) = window.clip(start: p.start, length: p.nanoseconds) }
            guard ns > 0 else { continue }
            charges.charge(p.node, nanoseconds: ns, part: p.part, start: start, tid: tid, pid: pid, state: p.state)
            if p.part == .undated { kept.undated &+= ns } else { kept.total &+= ns }
        }
        return kept
    }

    /// Counts a charged wait in the summary (one with nothing inside `window` is not counted).
    private func add(_ thread: Int32, _ kept: (total: UInt64, undated: UInt64), state: OffCPUState, openAtEnd: Bool) {
        if window != nil && kept.total == 0 && kept.undated == 0 { return }
        summary.add(thread: thread, nanoseconds: kept.total, undated: kept.undated, state: state, openAtEnd: openAtEnd)
    }

    /// Thread `tid` is no idle thread: its held waits are ordinary ones.
    private func release(_ tid: Int32) {
        waited.insert(tid)
        for w in held.removeValue(forKey: tid) ?? [] {
            add(w.thread, charge(w.charges, tid: w.tid, pid: w.pid), state: w.state, openAtEnd: w.openAtEnd)
        }
    }

    /// Thread `tid` ended (or the capture did) at `time`: it was idle when one of its held waits,
    /// a sleep (state S: a disk wait is a wait for the disk), filled its life in the capture and
    /// the thread hardly ran after it. That wait and the short ones after it (a pool shutting down)
    /// are idle; the ones before it are ordinary.
    private func threadEnded(_ tid: Int32, at time: UInt64) {
        guard let waits = held[tid], let k = waits.indices.max(by: { waits[$0].total &+ waits[$0].undated < waits[$1].total &+ waits[$1].undated })
        else { return }
        let long = waits[k]
        let born = (self.born[tid] ?? threadStart?(tid)).map { max($0, summary.firstTime) } ?? summary.firstTime
        let life = time > born ? time - born : 0
        // What it ran after the long wait: the time to its end less the (short) waits after it.
        let after = time &- long.end
        let waitedAfter = waits[(k + 1)...].reduce(UInt64(0)) { $0 &+ $1.total &+ $1.undated }
        let ranAfter = after > waitedAfter ? after - waitedAfter : 0
        guard long.state == .sleeping, life > 0, time >= long.end, ranAfter <= OffCPUAccountant.idleExitRun,
              Double(long.total &+ long.undated) >= OffCPUAccountant.idleShare * Double(life) else {
            release(tid)
            return
        }
        held[tid] = nil
        waited.insert(tid)
        for (i, w) in waits.enumerated() {
            guard i >= k else {
                add(w.thread, charge(w.charges, tid: w.tid, pid: w.pid), state: w.state, openAtEnd: w.openAtEnd)
                continue
            }
            var (ns, start) = (w.total &+ w.undated, w.charges.map(\.start).min() ?? born)
            if let window { (ns, start) = window.clip(start: start, length: ns) }
            guard ns > 0 else { continue }
            idle.append(IdleWait(state: w.state, node: w.node, nanoseconds: ns, start: start, tid: tid, pid: w.pid, thread: w.thread))
            summary.addIdle(thread: w.thread, nanoseconds: ns)
        }
    }

    /// Charges the idle waits, each under its process's `[idle: N threads]` frame (by
    /// incarnation when the input has them: a reused pid is another process).
    private func chargeIdle() {
        func key(_ w: IdleWait) -> Int64 {
            if let p = summary.threads[Int(w.thread)].process { return Int64(p) }
            return w.pid.map { Int64($0) | 1 << 40 } ?? Int64(-w.tid) << 1
        }
        var threadsByProcess: [Int64: Set<Int32>] = [:]
        for w in idle { threadsByProcess[key(w), default: []].insert(w.tid) }
        for w in idle {
            let comm = summary.processComm(thread: w.thread)
            let node = charges.idleNode(for: w.node, processComm: comm, pid: w.pid, threads: threadsByProcess[key(w)]?.count ?? 1)
            charges.charge(node, nanoseconds: w.nanoseconds, part: .idle, start: w.start, tid: w.tid, pid: w.pid, state: w.state)
        }
        idle.removeAll()
    }
}
