import ProfileModel
import PerfData
import Capture

/// The critical path of a program (`flame critical`), built forward in one walk of the capture.
///
/// Read backward from the moment the program ended, the path is: while a thread ran, its own
/// time (its CPU samples); while it waited for something no thread did (a timer, the disk, the
/// network, a CPU), its blocked stack and state; and when another thread woke it, that thread's
/// path up to the wakeup, the run-queue time after the wakeup staying with the woken thread. A
/// thread's path before its creation is its creator's up to the fork, and the program's path
/// starts at its exec. Work that overlapped (a shorter parallel thread, idle pools) is not on it.
///
/// Built forward, each thread keeps its path so far as a chain of `PathCell`s: a wakeup seals
/// the waker's current cell and hands it to the wakee, which adopts it when its wait ends there.
/// Waits are dated by an `OffCPUAccountant` of its own (switch-ins missing while a CPU idles are
/// dated by sched_stat_runtime, the wakeup, or the thread's first event of its own). Memory grows
/// with the live threads and the cells their paths reach.
final class CriticalPathView: OffCPUCharges, CaptureView {
    let stacks: PerfDataStacks
    private let scheduler: SchedulerEvents
    private var accountant: OffCPUAccountant!
    private var frames: OffCPUFrameIDs!
    private let classifier: WakeupClassifier
    private var stateBytes: [UInt8] = []
    /// The event whose samples are CPU time (cpu-clock beside the tracepoints).
    private(set) var samplingEvent: Int?
    private let notSampledKey: Int32

    /// The program: given, or the first process that execs in the capture.
    private(set) var programPID: Int32?
    /// When its path starts (its exec, else the capture's start) and ends (its main thread's exit,
    /// else the capture's end).
    private(set) var programStart: UInt64?
    private var startedAtExec = false
    private(set) var programEnd: UInt64?
    /// Whether the program's exit was in the capture.
    private(set) var programExited = false
    /// `--time`: the path is counted only inside this range (one range); stretches that cross
    /// its ends count pro rata.
    var window: TimeWindow.Range?
    /// The window's end as an exclusive bound.
    private var windowEnd: UInt64 { window.map { $0.end == .max ? .max : $0.end + 1 } ?? .max }

    /// Each live thread's path so far: its current (unshared) cell first.
    private var heads: [Int32: PathCell] = [:]
    /// A wakeup since a thread's switch-out: from a thread (its path at the wakeup), or an interrupt.
    private enum Pending {
        case thread(PathCell, at: UInt64)
        case interrupt
    }
    private var pending: [Int32: Pending] = [:]
    /// Threads seen switched or running since the capture began (or created in it).
    private var known = Set<Int32>()
    /// Threads created in the capture that have not run yet.
    private var created = Set<Int32>()
    private let beforeCaptureKey: Int32, unseenKey: Int32
    private var firstTime: UInt64?
    private var lastTime: UInt64 = 0
    /// The program's path, once it ended (or the capture did).
    private(set) var path: PathCell?
    private(set) var switches = 0

    /// The critical-path view of `walk` for `program` (nil: the first process that execs).
    init(walk: CaptureWalk, collapse: CollapseOptions, program: Int32?) {
        let file = walk.file
        scheduler = walk.scheduler
        stacks = PerfDataStacks(capture: walk.stacks, file: file, options: collapse)
        classifier = WakeupClassifier(stacks: stacks)
        programPID = program
        notSampledKey = stacks.literal(CriticalPathView.notSampledFrame)
        beforeCaptureKey = stacks.literal(CriticalPathView.beforeCaptureFrame)
        unseenKey = stacks.literal(CriticalPathView.unseenFrame)
        let events = file.header.events
        if let sampling = file.header.samplingEventAmongTracepoints {
            samplingEvent = events.firstIndex { $0.name == sampling.name && $0.type == sampling.type && $0.config == sampling.config }
        } else {
            samplingEvent = nil
        }
        var options = OffCPUOptions()
        options.stateFrames = true
        accountant = OffCPUAccountant(options: options, filter: ProcessFilter(), charges: self)
        accountant.separatesIdleThreads = false
        let literals = stacks
        frames = OffCPUFrameIDs { literals.literal(String(decoding: $0, as: UTF8.self)) }
    }

    /// The frame over running time of a stretch in which no CPU sample fell.
    static let notSampledFrame = "[on-CPU, not sampled]"
    /// A thread's time from the capture's start to its first switch-in: waiting for something
    /// that began before the capture.
    static let beforeCaptureFrame = "[waiting since before the capture]"
    /// A thread's time from the capture's start to its first event, when that is not a switch-in:
    /// it ran unseen (no sample fell in it) or waited.
    static let unseenFrame = "[not seen since the capture began]"

    let readsScheduler = true

    func sample(_ s: PerfSample, _ event: SchedulerEvent?) {
        guard path == nil else { return }
        note(s.time)
        switch event {
        case let .switched(comm, prev, state, next, index)?:
            switches += 1
            scheduler.letters(state, event: index, into: &stateBytes)
            let p = Int32(truncatingIfNeeded: prev)
            let first = stateBytes.first
            if p > 0 {
                _ = head(p, pid: s.pid)
                // It ran: a wait of its still open (its switch-in not recorded) ended, by the wakeup
                // that may be pending, before a preemption clears it.
                accountant.settle(tid: p, at: s.time, cpu: Int(s.cpu))
                firstRun(p, at: s.time, switchedIn: false)
                // A wakeup before a preemption ended nothing (the thread never slept).
                if first == nil || first == UInt8(ascii: "R") { pending[p] = nil }
            }
            let stacks = self.stacks
            stateBytes.withUnsafeBufferPointer { st in
                accountant.switched(time: s.time, cpu: Int(s.cpu), prev: p, prevState: st, next: Int32(truncatingIfNeeded: next),
                                    thread: { OffCPUThread(pid: Int(s.pid), comm: comm) },
                                    outgoing: { stacks.switchOutNode(s, comm: comm, tid: prev, base: [self.frames.state(st)]) })
            }
            let n = Int32(truncatingIfNeeded: next)
            if n > 0, !known.contains(n) || created.contains(n), !accountant.isWaiting(n) {
                // Its first switch-in: it had waited since before the capture, or since its creation.
                _ = head(n, pid: stacks.machine.pid(tid: n) ?? n)
                firstRun(n, at: s.time, switchedIn: true)
            }
            if p > 0, first == UInt8(ascii: "X") || first == UInt8(ascii: "Z") {
                // The main thread's last switch-out ends the program when its EXIT record was lost.
                if p == programPID, s.pid == programPID { programEnded(tid: p, at: s.time, cpu: Int(s.cpu)) } else { died(p) }
            }
        case let .woken(tid, context, namesWaker)?:
            let wakee = Int32(truncatingIfNeeded: tid)
            if namesWaker, wakee > 0 {
                if classifier.interrupt(s, context) != nil {
                    pending[wakee] = .interrupt
                } else {
                    runs(s)
                    pending[wakee] = .thread(seal(s.tid, pid: s.pid, at: s.time), at: s.time)
                }
            }
            accountant.woken(time: s.time, tid: wakee)
            accountant.seen(time: s.time, tid: s.tid)
        case let .ran(tid, runtime)?:
            if runtime >= 0 { accountant.ran(time: s.time, tid: Int32(truncatingIfNeeded: tid), runtime: UInt64(runtime)) }
        case .unreadable?:
            break
        case nil:
            guard s.tid > 0, let index = s.eventIndex, index == samplingEvent else {
                accountant.seen(time: s.time, tid: s.tid)
                return
            }
            runs(s)
            accountant.seen(time: s.time, tid: s.tid)
            // A wakeup it had while it ran is spent: it ends no later wait.
            pending[s.tid] = nil
            let node = stacks.node(of: s, root: stacks.root(of: s))
            head(s.tid, pid: s.pid).samples[node, default: 0] &+= 1
        }
    }

    func record(_ record: PerfRecord) {
        guard path == nil else { return }
        switch record {
        case .fork(let f) where f.time > 0:
            // (Without a time: perf's synthesized record of a thread that ran when it started.)
            note(f.time)
            // The new thread's path before it existed is its creator's, up to the fork. The
            // creator runs: a wait of its still open (its switch-in not recorded) ended before.
            if f.ptid > 0 { accountant.settle(tid: f.ptid, at: f.time, cpu: Int(f.sampleID.cpu)) }
            if f.ptid > 0 { firstRun(f.ptid, at: f.time, switchedIn: false) }
            known.insert(f.tid)
            created.insert(f.tid)
            // The program's own creation (it is named by pid) starts its path, unless an exec follows.
            let isProgram = f.tid == programPID && f.pid == programPID
            let creator = f.ptid > 0 && !isProgram ? seal(f.ptid, pid: f.ppid, at: f.time) : nil
            if isProgram && programStart == nil { programStart = f.time }
            pending[f.tid] = nil
            heads[f.tid] = PathCell(tid: f.tid, pid: f.pid, comm: stacks.machine.commID(tid: f.ppid), root: root(pid: f.pid, tid: f.tid),
                                    start: f.time, next: creator)
        case .comm(let c) where c.isExec:
            let time = c.sampleID.time
            note(time)
            if programPID == nil { programPID = c.pid }
            // The program's path starts at its (first) exec: what ran before is whoever started it.
            if c.pid == programPID, c.tid == c.pid, !startedAtExec {
                startedAtExec = true
                programStart = time
                accountant.settle(tid: c.tid, at: time, cpu: Int(c.sampleID.cpu))
                pending[c.tid] = nil
                known.insert(c.tid)
                created.remove(c.tid)
                heads[c.tid] = PathCell(tid: c.tid, pid: c.pid, comm: stacks.machine.commID(tid: c.pid), root: root(pid: c.pid, tid: c.tid),
                                        start: time, next: nil)
            }
        case .exit(let e):
            note(e.time)
            if e.tid == programPID, e.pid == programPID { programEnded(tid: e.tid, at: e.time, cpu: Int(e.sampleID.cpu)) }
        default:
            break
        }
    }

    /// The program's main thread exited at `time`: its path is complete.
    private func programEnded(tid: Int32, at time: UInt64, cpu: Int) {
        guard path == nil else { return }
        accountant.settle(tid: tid, at: time, cpu: cpu)
        programEnd = time
        programExited = true
        path = seal(tid, pid: tid, at: time)
        heads.removeAll()
        pending.removeAll()
    }

    /// Ends the walk: a program still running is cut at the capture's end.
    func finish() {
        guard path == nil else { return }
        accountant.finish()
        if let pid = programPID, heads[pid] != nil {
            programEnd = lastTime
            path = seal(pid, pid: pid, at: lastTime)
        }
        heads.removeAll()
        pending.removeAll()
    }

    /// When the capture's first event was.
    var captureStart: UInt64 { firstTime ?? 0 }

    /// Where the program's path lies, as `--time` spells a range.
    var pathRange: String {
        TimeWindow([.init(start: programStart ?? captureStart, end: programEnd ?? lastTime)]).description
    }

    private func note(_ time: UInt64) {
        // perf's synthesized records (the processes running when it started) carry no time.
        guard time > 0 else { return }
        if firstTime == nil { firstTime = time }
        lastTime = max(lastTime, time)
    }

    /// Thread `tid` raised an event of its own: it runs, so a wait still open (its switch-in not
    /// recorded) is settled now.
    private func runs(_ s: PerfSample) {
        accountant.settle(tid: s.tid, at: s.time, cpu: Int(s.cpu))
        firstRun(s.tid, at: s.time, switchedIn: false)
    }

    /// Thread `tid` is seen running (or switched in) at `time` for the first time since the
    /// capture began or it was created, with no wait of it recorded. If a thread woke it
    /// meanwhile, that wakeup ended its wait: its path goes on in the waker. Otherwise the time
    /// before is a wait, not running: a created thread waited for a CPU (`[runqueue]`), one that
    /// existed before the capture waited for something the capture did not show, or (when first
    /// seen running, no sample having fallen in it) may have run unseen.
    private func firstRun(_ tid: Int32, at time: UInt64, switchedIn: Bool) {
        guard tid > 0 else { return }
        let isNew = created.remove(tid) != nil
        guard known.insert(tid).inserted || isNew, let h = heads[tid] else { return }
        if case let .thread(waker, at)? = pending[tid] {
            pending[tid] = nil
            heads[tid] = PathCell(tid: tid, pid: h.pid, comm: h.comm, root: h.root, start: at, next: waker)
            return
        }
        guard h.samples.isEmpty, h.waited == 0, time > h.start else { return }
        let frame = isNew ? frames.frame(.runqueue)! : switchedIn ? beforeCaptureKey : unseenKey
        h.addWait(stacks.child(of: h.root, key: frame), nanoseconds: time - h.start, state: isNew ? .runnable : .other)
    }

    /// The node of a thread's root frame alone.
    private func root(pid: Int32, tid: Int32) -> Int32 { stacks.rootNode(stacks.root(pid: pid, tid: tid)) }

    /// Where folded stretches are counted from, once that is final: the program's exec; the
    /// capture's start for a program named by pid that neither started nor exec'd in it. Nil
    /// before that (a program created but not yet exec'd, or not yet found): nothing is folded.
    private var foldFrom: UInt64? {
        let from: UInt64?
        if startedAtExec { from = programStart } else if programPID != nil && programStart == nil { from = firstTime } else { from = nil }
        return from.map { max($0, window?.start ?? 0) }
    }

    /// The thread's current cell, made when it is first met (its own time from the capture's start).
    private func head(_ tid: Int32, pid: Int32) -> PathCell {
        if let h = heads[tid] { return h }
        let h = PathCell(tid: tid, pid: pid, comm: stacks.machine.commID(tid: pid), root: root(pid: pid, tid: tid), start: firstTime ?? 0, next: nil)
        heads[tid] = h
        return h
    }

    /// Ends thread `tid`'s current cell at `time` and returns it, to be shared; the thread goes on
    /// in a new cell. The thread's earlier cells that no other path holds any more are merged in.
    private func seal(_ tid: Int32, pid: Int32, at time: UInt64) -> PathCell {
        let h = head(tid, pid: pid)
        h.end = max(time, h.start)
        // Names as of the end: an exec renames the thread after its cell began.
        h.comm = stacks.machine.commID(tid: pid)
        h.root = root(pid: pid, tid: tid)
        h.compact(from: foldFrom, to: windowEnd)
        heads[tid] = PathCell(tid: tid, pid: pid, comm: h.comm, root: h.root, start: h.end, next: h)
        return h
    }

    /// Thread `tid` switched out dead: nothing of it is kept but the cells other paths hold.
    private func died(_ tid: Int32) {
        heads[tid] = nil
        pending[tid] = nil
        known.remove(tid)
        created.remove(tid)
    }

    // MARK: OffCPUCharges

    func charge(_ node: Int32, nanoseconds: UInt64, part: OffCPUPart) {}

    func waitClosed(_ w: ClosedWait) {
        guard path == nil else { return }
        let pid = w.pid ?? stacks.machine.pid(tid: w.tid) ?? w.tid
        let wake = w.wake.map { min(max($0, w.start), w.end) }
        if !w.preempted, !w.cutAtEnd, case let .thread(waker, at)? = pending[w.tid], at <= w.end {
            // Another thread ended the wait: the path goes on in it, from the wakeup back.
            pending[w.tid] = nil
            let h = PathCell(tid: w.tid, pid: pid, comm: stacks.machine.commID(tid: pid), root: root(pid: pid, tid: w.tid), start: at, next: waker)
            heads[w.tid] = h
            // What is left of the wait after the wakeup is the woken thread's wait for a CPU.
            let from = max(at, w.start)
            if w.end > from, let rq = frames.frame(.runqueue) {
                h.addWait(stacks.child(of: w.node, key: rq), nanoseconds: w.end - from, state: .runnable)
            }
            if w.undated > 0, let u = frames.frame(.undated) { h.addWait(stacks.child(of: w.node, key: u), nanoseconds: w.undated, state: .other) }
            return
        }
        pending[w.tid] = nil
        let h = head(w.tid, pid: pid)
        if w.cutAtEnd {
            if let o = frames.frame(.openAtEnd) { h.addWait(stacks.child(of: w.node, key: o), nanoseconds: w.end - w.start, state: w.state) }
            return
        }
        // Nothing but a timer, a device or the scheduler ended it: the thread's own wait.
        let blockedEnd = w.preempted ? w.end : (wake ?? w.end)
        h.addWait(w.node, nanoseconds: blockedEnd - w.start, state: w.state)
        if w.end > blockedEnd, let rq = frames.frame(.runqueue) {
            h.addWait(stacks.child(of: w.node, key: rq), nanoseconds: w.end - blockedEnd, state: .runnable)
        }
        if w.undated > 0, let u = frames.frame(.undated) { h.addWait(stacks.child(of: w.node, key: u), nanoseconds: w.undated, state: .other) }
    }

    // MARK: The result

    /// Adds the path to `stacks` (ns weights) from its start to its end and sums it up.
    func draw() -> CriticalPathSummary {
        var summary = CriticalPathSummary()
        guard let programEnd, let last = path else { return summary }
        let start = max(programStart ?? captureStart, window?.start ?? 0)
        let end = min(programEnd, windowEnd)
        guard end > start else { return summary }
        summary.start = start
        summary.end = end
        summary.programExited = programExited
        var total = PathTotals()
        var cell: PathCell? = last
        while let c = cell, c.end > start {
            total.append(earlier: PathTotals(c, from: start, to: end))
            var behind = c.behind
            // Folded before the program's start moved later (an exec after its fork): pro rata.
            if !behind.isEmpty, behind.start < start {
                let keep = behind.end > start ? Double(behind.end - start) / Double(max(behind.end - behind.start, 1)) : 0
                behind = behind.scaled(keep)
            }
            total.append(earlier: behind)
            cell = c.next
        }
        for (node, w) in total.weights where w > 0 { stacks.add(node, weight: w, samples: total.samples[node] ?? 0) }
        for (root, w) in total.unsampled where w > 0 {
            stacks.add(stacks.child(of: root, key: notSampledKey), weight: w, samples: 0)
            summary.notSampled &+= w
        }
        summary.onCPU = total.onCPU
        summary.waiting = total.waiting
        summary.states = total.states
        summary.hops = total.hops
        summary.processes = total.processes.map { CriticalPathSummary.Process(pid: $0.key, comm: stacks.machine.commName($0.value.comm),
                                                                              nanoseconds: $0.value.nanoseconds) }
            .sorted { ($0.nanoseconds, $1.pid) > ($1.nanoseconds, $0.pid) }
        summary.threads = total.threads.count
        return summary
    }
}
