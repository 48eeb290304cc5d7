import ProfileModel
import PerfData
import TextInputs
import Symbolize
import Capture

/// Off-CPU time from a perf.data file of scheduler tracepoints, read natively: a view of a
/// `CaptureWalk`, which decodes the switches and wakeups (`SchedulerEvents`); stacks go through
/// `PerfDataStacks` and are named like on-CPU frames.
final class OffCPUPerfDataLoader: OffCPUCharges, CaptureView {
    private let file: PerfDataFile
    private let stacks: PerfDataStacks
    private let options: OffCPUOptions
    private let filter: ProcessFilter
    private(set) var accountant: OffCPUAccountant!
    private var frames: OffCPUFrameIDs!

    private let scheduler: SchedulerEvents
    /// Who ended each wait (`--wakers`).
    private var wakers: WakerChains?
    private var stateBytes: [UInt8] = []
    private(set) var switches = 0

    /// Scheduler events of the file that are sampled instead of recorded one by one.
    var sampledEvents: [String] { scheduler.sampledEvents }

    /// The off-CPU view of `walk`, folded with `collapse`.
    init(walk: CaptureWalk, collapse: CollapseOptions, options: OffCPUOptions) throws {
        file = walk.file
        scheduler = walk.scheduler
        self.options = options
        filter = collapse.filter
        stacks = PerfDataStacks(capture: walk.stacks, file: file, options: collapse)
        stacks.collapser.profile.spanTotals = try collapse.spanTotals(in: walk.file)
        accountant = OffCPUAccountant(options: options, filter: collapse.filter, charges: self)
        accountant.window = try collapse.window(in: walk.file)
        if collapse.keepBuckets {
            accountant.runqueue = { [unowned self] start, length in self.stacks.buckets?.addRunqueue(start: start, length: length) }
        }
        if options.wakers { wakers = WakerChains(depth: options.wakerDepth, stacks: stacks) }
        // A flame chart keeps waits in the order they ended: none is held back.
        accountant.separatesIdleThreads = !collapse.chartMode
        let literals = stacks
        frames = OffCPUFrameIDs { literals.literal(String(decoding: $0, as: UTF8.self)) }
        let processes = stacks.processes
        accountant.threadStart = { tid in processes.thread(tid: tid)?.start }
        let stacks = self.stacks, filter = collapse.filter
        accountant.existedAtStart = { tid in
            guard let t = processes.thread(tid: tid), t.start == nil, let pid = processes.process(t.process)?.pid else { return false }
            return filter.isEmpty || stacks.admits(pid: pid, tid: tid, filter)
        }
    }

    /// The processes of the capture, as the walk left them (call after the walk).
    var processes: ProcessTree { stacks.processes }

    let readsScheduler = true

    /// One sample of the walk.
    func sample(_ s: PerfSample, _ event: SchedulerEvent?) {
        let processes = stacks.processes
        switch event {
        case let .switched(comm, prev, state, next, index)?:
            switches += 1
            scheduler.letters(state, event: index, into: &stateBytes)
            let stacks = self.stacks
            stateBytes.withUnsafeBufferPointer { st in
                accountant.switched(time: s.time, cpu: Int(s.cpu), prev: Int32(truncatingIfNeeded: prev), prevState: st,
                                    next: Int32(truncatingIfNeeded: next),
                                    thread: {
                                        OffCPUThread(pid: Int(s.pid), comm: comm, processComm: Array(stacks.machine.comm(tid: s.pid).utf8),
                                                     process: s.pid > 0 ? processes.process(pid: s.pid) : nil,
                                                     inTree: processes.isInTree(pid: s.pid))
                                    },
                                    outgoing: { self.outgoing(s, comm: comm, tid: prev, state: st) })
            }
            wakers?.switchedOut(Int32(truncatingIfNeeded: prev), state: stateBytes.first)
        case let .woken(tid, context, namesWaker)?:
            if namesWaker { wakers?.woken(s, wakee: Int32(truncatingIfNeeded: tid), context: context) }
            accountant.woken(time: s.time, tid: Int32(truncatingIfNeeded: tid))
            accountant.seen(time: s.time, tid: s.tid)
        case let .ran(tid, runtime)?:
            if runtime >= 0 { accountant.ran(time: s.time, tid: Int32(truncatingIfNeeded: tid), runtime: UInt64(runtime)) }
        case .unreadable?:
            break
        case nil:
            accountant.seen(time: s.time, tid: s.tid)
            if let wakers, !accountant.isWaiting(s.tid) { wakers.ran(s.tid) }
        }
    }

    /// Any other record of the walk (maps, comms, forks, exits), before the shared state
    /// applies it: the tree still knows an exiting thread (and when it was born).
    func record(_ record: PerfRecord) {
        switch record {
        case .exit(let e):
            accountant.exited(tid: e.tid, time: e.time)
            wakers?.exited(pid: e.pid, tid: e.tid)
        case .fork(let f):
            wakers?.forked(tid: f.tid)
        default:
            break
        }
    }

    /// The profile once the walk has ended with `report`.
    func finish(_ report: PerfReadReport) throws -> Profile {
        accountant.finish()
        if wakers != nil && !scheduler.namesWakers {
            throw InputError.noSamples(file: file.name, detail: "--wakers needs wakeup events, which this capture lacks: record "
                + "with flame record, or perf record -a -g -e sched:sched_switch -e sched:sched_waking -- CMD")
        }
        let profile = stacks.profile()
        try stacks.requireRoots(filter)
        profile.processes = ProcessActivity().table(processes, onCPU: nil, offCPU: accountant.summary,
                                                    lost: (report.lostEvents, report.lostSamples), everySelected: filter.choosesProcesses)
        profile.diagnostics += stacks.takeWarnings()
        if let wakers { profile.diagnostics += wakerNotes(wakers) }
        return profile
    }

    /// The stack node of a switch-out: root (the thread's comm), optional state frame, its stack.
    private func outgoing(_ s: PerfSample, comm: [UInt8], tid: Int64, state: UnsafeBufferPointer<UInt8>) -> Int32 {
        stacks.switchOutNode(s, comm: comm, tid: tid, base: options.stateFrames ? [frames.state(state)] : [])
    }

    func waitEnded(_ node: Int32, tid: Int32, preempted: Bool, charged: Bool) -> Int32 {
        wakers?.waitEnded(node, tid: tid, preempted: preempted, charged: charged) ?? node
    }

    /// What `--wakers` could say, and what it could not.
    private func wakerNotes(_ wakers: WakerChains) -> [Diagnostic] {
        var out: [Diagnostic] = []
        if scheduler.wakersFromWakeupOnly {
            out.append(.warning(.recording, subject: file.name, "the wakeups are sched:sched_wakeup, which can fire on the woken "
                + "thread's CPU in another thread's context: some wakers may be wrong (record sched:sched_waking)"))
        }
        let chained = file.header.events.contains { e in
            (e.name.hasSuffix("sched_waking") || e.name.hasSuffix("sched_wakeup")) && e.sampleType.contains(.callchain)
        }
        if !chained {
            out.append(.warning(.callStacks, subject: file.name, "the wakeups were recorded without callchains: each waker "
                + "shows its thread only (record with -g)"))
        }
        let waits = wakers.attributed + wakers.inferredTimers + wakers.unattributed
        out.append(.note(.recording, subject: file.name, "wakers: \(wakers.attributed) of \(waits) waits ended by a wakeup "
            + "in the capture (\(wakers.fromInterrupts) of \(wakers.wakeups) wakeups raised by interrupts); "
            + "\(wakers.inferredTimers) more drawn [timer]: timed sleeps whose wakeup was not recorded"))
        return out
    }

    func charge(_ node: Int32, nanoseconds: UInt64, part: OffCPUPart) {
        charge(node, nanoseconds: nanoseconds, part: part, start: 0, tid: 0, pid: nil)
    }

    func charge(_ node: Int32, nanoseconds: UInt64, part: OffCPUPart, start: UInt64, tid: Int32, pid: Int32?) {
        charge(node, nanoseconds: nanoseconds, part: part, start: start, tid: tid, pid: pid, state: .other)
    }

    func charge(_ node: Int32, nanoseconds: UInt64, part: OffCPUPart, start: UInt64, tid: Int32, pid: Int32?, state: OffCPUState) {
        let leaf = frames.frame(part).map { stacks.child(of: node, key: $0) } ?? node
        stacks.add(leaf, weight: nanoseconds)
        stacks.log(time: start, duration: nanoseconds, pid: pid ?? -1, tid: tid, node: leaf, weight: nanoseconds, lane: TimeBuckets.Lane(state))
    }
}

extension OffCPUPerfDataLoader {
    func idleNode(for node: Int32, processComm: [UInt8], pid: Int32?, threads: Int) -> Int32 {
        let root = processComm.withUnsafeBufferPointer {
            stacks.collapser.rootName(comm: $0, pid: pid.map(Int.init), tid: Int(pid ?? 0))
        }
        return stacks.regraft(node, root: root, base: [frames.idle(threads: threads)])
    }
}
