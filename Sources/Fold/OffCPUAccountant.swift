/// The part of an interval a charge is for.
public enum OffCPUPart: Sendable {
    /// Off-CPU until the wakeup (or the whole interval when it is not split).
    case blocked
    /// Runnable after the wakeup, waiting for a CPU (`--split-wakeup`).
    case runqueue
    /// Time whose end could not be dated (no switch-in recorded, no sched_stat_runtime): off-CPU
    /// or already running again. Drawn in its own frame, never mixed with measured time.
    case undated
}

/// Where the accountant puts the time it attributes: a stack (a trie node its input made at
/// the switch-out) and which part of the interval it is.
public protocol OffCPUCharges: AnyObject {
    func charge(_ node: Int32, nanoseconds: UInt64, part: OffCPUPart)
    /// The same charge with when the part began and whose it is, for inputs that keep a timeline;
    /// the accountant calls this one. By default, `charge(_:nanoseconds:part:)`.
    func charge(_ node: Int32, nanoseconds: UInt64, part: OffCPUPart, start: UInt64, tid: Int32, pid: Int32?)
}

extension OffCPUCharges {
    public func charge(_ node: Int32, nanoseconds: UInt64, part: OffCPUPart, start: UInt64, tid: Int32, pid: Int32?) {
        charge(node, nanoseconds: nanoseconds, part: part)
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
public final class OffCPUAccountant {
    private struct Open {
        var start: UInt64
        var node: Int32
        var preempted: Bool
        var exiting: Bool
        var wake: UInt64?
        var firstSeen: UInt64?
        var thread: Int32
        var tid: Int32
        var pid: Int32?
    }

    private let options: OffCPUOptions
    private let filter: ProcessFilter
    private unowned let charges: OffCPUCharges
    private var open: [Int32: Open] = [:]
    private var lastSwitch: [Int: UInt64] = [:]
    /// What was counted, per thread and overall.
    public private(set) var summary = OffCPUSummary()

    public init(options: OffCPUOptions, filter: ProcessFilter, charges: OffCPUCharges) {
        self.options = options
        self.filter = filter
        self.charges = charges
    }

    /// A sched_switch on `cpu`: `prev` leaves the CPU in `prevState`, `next` takes it. `outgoing`
    /// makes prev's stack node (called only when the interval is counted) and names its thread.
    public func switched(time: UInt64, cpu: Int, prev: Int32, prevState: UnsafeBufferPointer<UInt8>, next: Int32,
                         thread: () -> (pid: Int?, comm: [UInt8], processComm: [UInt8]?),
                         outgoing: () -> Int32) {
        summary.note(time: time)
        if prev == 0 { summary.idleSwitchOuts += 1 }
        if prev > 0 {
            // A second switch-out without a switch-in between: the switch-in was not recorded.
            if let o = open.removeValue(forKey: prev) { closeUnseen(o, tid: prev, at: time, cpu: cpu) }
            summary.switchOuts += 1
            let t = thread()
            let admitted = options.admits(state: prevState)
                && t.comm.withUnsafeBufferPointer { comm in
                    (t.processComm ?? []).withUnsafeBufferPointer { process in
                        filter.admits(pid: t.pid, tid: Int(prev), comm: comm, processComm: t.processComm == nil ? nil : process)
                    }
                }
            if admitted {
                let first = prevState.first
                open[prev] = Open(start: time, node: outgoing(), preempted: first == UInt8(ascii: "R"),
                                  exiting: first == UInt8(ascii: "X") || first == UInt8(ascii: "Z"),
                                  thread: summary.thread(tid: prev, pid: t.pid, comm: t.comm), tid: prev,
                                  pid: t.pid.map { Int32(truncatingIfNeeded: $0) })
            } else {
                summary.filtered += 1
            }
        }
        if next > 0, let o = open.removeValue(forKey: next) {
            summary.switchInsMatched += 1
            close(o, end: time, how: .switchIn)
        }
        lastSwitch[cpu] = time
    }

    /// A wakeup of `tid` (sched_waking or sched_wakeup): where blocked time ends and run-queue time begins.
    public func woken(time: UInt64, tid: Int32) {
        summary.note(time: time)
        guard tid > 0, var o = open[tid], time >= o.start else { return }
        o.wake = time
        open[tid] = o
    }

    /// sched_stat_runtime of `tid`: it had run `runtime` ns when accounted at `time`, so a switch-in
    /// that was not recorded happened at `time - runtime`.
    public func ran(time: UInt64, tid: Int32, runtime: UInt64) {
        summary.note(time: time)
        guard tid > 0, let o = open[tid] else { return }
        open[tid] = nil
        summary.recoveredByRuntime += 1
        let start = time >= runtime ? time - runtime : 0
        close(o, end: min(max(start, o.wake ?? o.start, o.start), o.firstSeen ?? time, time), how: .recovered)
    }

    /// Any other event that `tid` itself raised at `time`: it was running then.
    public func seen(time: UInt64, tid: Int32) {
        summary.note(time: time)
        guard tid > 0, var o = open[tid], o.firstSeen == nil, time >= o.start else { return }
        o.firstSeen = time
        open[tid] = o
    }

    /// Ends the capture: intervals still open are dropped and counted (threads that exited never
    /// come back and are not counted as dropped).
    public func finish() {
        for (_, o) in open {
            if o.exiting {
                summary.exited += 1
            } else {
                summary.openAtEnd += 1
                summary.openAtEndNanoseconds &+= summary.lastTime &- o.start
            }
        }
        open.removeAll()
    }

    private enum Closing { case switchIn, recovered }

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
        if total &+ undated < options.minBlockMicroseconds &* 1000 {
            summary.tooShort += 1
            return
        }
        var blocked = total
        var runqueue: UInt64 = 0
        if options.splitWakeup {
            if o.preempted {
                (blocked, runqueue) = (0, total)
            } else if let wake = o.wake, wake >= o.start, wake <= end {
                (blocked, runqueue) = (wake - o.start, end - wake)
            }
        }
        if blocked > 0 { charges.charge(o.node, nanoseconds: blocked, part: .blocked, start: o.start, tid: o.tid, pid: o.pid) }
        if runqueue > 0 {
            charges.charge(o.node, nanoseconds: runqueue, part: .runqueue, start: o.start + blocked, tid: o.tid, pid: o.pid)
        }
        if undated > 0 { charges.charge(o.node, nanoseconds: undated, part: .undated, start: end, tid: o.tid, pid: o.pid) }
        summary.add(thread: o.thread, nanoseconds: total, undated: undated)
    }
}
