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
    private var stateBytes: [UInt8] = []
    private(set) var switches = 0

    /// Scheduler events of the file that are sampled instead of recorded one by one.
    var sampledEvents: [String] { scheduler.sampledEvents }

    /// The off-CPU view of `walk`, folded with `collapse`.
    init(walk: CaptureWalk, collapse: CollapseOptions, options: OffCPUOptions) {
        file = walk.file
        scheduler = walk.scheduler
        self.options = options
        filter = collapse.filter
        stacks = PerfDataStacks(capture: walk.stacks, file: file, options: collapse)
        accountant = OffCPUAccountant(options: options, filter: collapse.filter, charges: self)
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
        case let .woken(tid)?:
            accountant.woken(time: s.time, tid: Int32(truncatingIfNeeded: tid))
            accountant.seen(time: s.time, tid: s.tid)
        case let .ran(tid, runtime)?:
            if runtime >= 0 { accountant.ran(time: s.time, tid: Int32(truncatingIfNeeded: tid), runtime: UInt64(runtime)) }
        case .unreadable?:
            break
        case nil:
            accountant.seen(time: s.time, tid: s.tid)
        }
    }

    /// Any other record of the walk (maps, comms, forks, exits), before the shared state
    /// applies it: the tree still knows an exiting thread (and when it was born).
    func record(_ record: PerfRecord) {
        if case .exit(let e) = record { accountant.exited(tid: e.tid, time: e.time) }
    }

    /// The profile once the walk has ended with `report`.
    func finish(_ report: PerfReadReport) throws -> Profile {
        accountant.finish()
        let profile = stacks.profile()
        try stacks.requireRoots(filter)
        profile.processes = ProcessActivity().table(processes, onCPU: nil, offCPU: accountant.summary,
                                                    lost: (report.lostEvents, report.lostSamples), everySelected: filter.choosesProcesses)
        profile.diagnostics += stacks.takeWarnings()
        return profile
    }

    /// The stack node of a switch-out: root (the thread's comm), optional state frame, its stack.
    private func outgoing(_ s: PerfSample, comm: [UInt8], tid: Int64, state: UnsafeBufferPointer<UInt8>) -> Int32 {
        let root = comm.withUnsafeBufferPointer { stacks.collapser.rootName(comm: $0, pid: Int(s.pid), tid: Int(tid)) }
        guard options.stateFrames else { return stacks.node(of: s, root: root) }
        return stacks.node(of: s, root: root, base: [frames.state(state)])
    }

    func charge(_ node: Int32, nanoseconds: UInt64, part: OffCPUPart) {
        charge(node, nanoseconds: nanoseconds, part: part, start: 0, tid: 0, pid: nil)
    }

    func charge(_ node: Int32, nanoseconds: UInt64, part: OffCPUPart, start: UInt64, tid: Int32, pid: Int32?) {
        let leaf = frames.frame(part).map { stacks.child(of: node, key: $0) } ?? node
        stacks.add(leaf, weight: nanoseconds)
        stacks.log(time: start, duration: nanoseconds, pid: pid ?? -1, tid: tid, node: leaf, weight: nanoseconds)
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
