import ProfileModel
import PerfData
import TextInputs
import Symbolize

/// Off-CPU time from a perf.data file of scheduler tracepoints, read natively: payload fields
/// are decoded by the tracepoint formats the file carries (never by fixed offsets), stacks go
/// through `PerfDataStacks` and are named like on-CPU frames.
final class OffCPUPerfDataLoader: OffCPUCharges {
    private let file: PerfDataFile
    private let stacks: PerfDataStacks
    private let options: OffCPUOptions
    private let filter: ProcessFilter
    private(set) var accountant: OffCPUAccountant!
    private var partFrames: OffCPUPartFrames!
    private var stateKeys: [[UInt8]: Int32] = [:]
    private var idleKeys: [Int: Int32] = [:]

    /// Events of the file that are sampled instead of recorded one by one (period != 1 or a
    /// frequency), with how: most of their switches are missing.
    private(set) var sampledEvents: [String] = []
    private(set) var switches = 0

    init(file: PerfDataFile, collapse: CollapseOptions, symbols: SymbolizeOptions, options: OffCPUOptions) {
        self.file = file
        self.options = options
        filter = collapse.filter
        stacks = PerfDataStacks(file: file, options: collapse, symbols: symbols)
        accountant = OffCPUAccountant(options: options, filter: collapse.filter, charges: self)
        // A flame chart keeps waits in the order they ended: none is held back.
        accountant.separatesIdleThreads = !collapse.chartMode
        let literals = stacks
        partFrames = OffCPUPartFrames { literals.literal(String(decoding: $0, as: UTF8.self)) }
        let processes = stacks.processes
        accountant.threadStart = { tid in processes.thread(tid: tid)?.start }
        let stacks = self.stacks, filter = collapse.filter
        accountant.existedAtStart = { tid in
            guard let t = processes.thread(tid: tid), t.start == nil, let pid = processes.process(t.process)?.pid else { return false }
            return filter.isEmpty || stacks.admits(pid: pid, tid: tid, filter)
        }
        makeDecoders()
    }

    /// The processes of the capture, as the walk left them (call after `load`).
    var processes: ProcessTree { stacks.processes }

    /// Field positions of the scheduler events, per event index.
    private enum Decoder {
        case switchTask(prevComm: TracepointField, prevPid: TracepointField, prevState: TracepointField,
                        nextPid: TracepointField, states: SchedStateLetters)
        case wakeup(pid: TracepointField)
        case runtime(pid: TracepointField, runtime: TracepointField)
        case other
    }

    /// Field decoders per event index, made by `init`.
    private var decoders: [Decoder] = []
    private var stateBytes: [UInt8] = []

    private func makeDecoders() {
        let events = file.header.events
        decoders = events.indices.map { i in
            guard let f = file.tracepointFormat(event: i) else { return .other }
            switch f.fullName {
            case "sched:sched_switch":
                guard let c = f.field("prev_comm"), let p = f.field("prev_pid"), let s = f.field("prev_state"),
                      let n = f.field("next_pid") else { return .other }
                return .switchTask(prevComm: c, prevPid: p, prevState: s, nextPid: n,
                                   states: SchedStateLetters(f.flagTables["prev_state"] ?? []))
            case "sched:sched_waking", "sched:sched_wakeup":
                return f.field("pid").map { .wakeup(pid: $0) } ?? .other
            case "sched:sched_stat_runtime":
                guard let p = f.field("pid"), let r = f.field("runtime") else { return .other }
                return .runtime(pid: p, runtime: r)
            default:
                return .other
            }
        }
        for (i, e) in events.enumerated() {
            if case .other = decoders[i] { continue }
            if e.freq || e.samplePeriodOrFreq != 1 {
                sampledEvents.append("\(e.name) (\(e.freq ? "\(e.samplePeriodOrFreq) Hz" : "period \(e.samplePeriodOrFreq)"))")
            }
        }
    }

    func load() throws -> (Profile, PerfReadReport) {
        let report = try file.forEachRecord(ordered: true, sample: sample, other: other)
        return (try finish(report), report)
    }

    /// One sample of the time-ordered walk (`load`, or a walk shared with the on-CPU view).
    func sample(_ s: PerfSample) {
        guard let index = s.eventIndex, index < decoders.count else { return }
        let processes = stacks.processes
        processes.noteTime(s.time)
        let raw = s.raw
        switch decoders[index] {
        case let .switchTask(prevComm, prevPid, prevState, nextPid, states):
            guard let prev = TracepointFormat.integer(prevPid, in: raw), let next = TracepointFormat.integer(nextPid, in: raw),
                  let state = TracepointFormat.integer(prevState, in: raw) else { return }
            switches += 1
            states.letters(UInt64(bitPattern: state), into: &stateBytes)
            var comm: [UInt8] = []
            if let b = TracepointFormat.bytes(prevComm, in: raw) {
                for byte in b { if byte == 0 { break }; comm.append(byte) }
            }
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
        case let .wakeup(pid):
            if let tid = TracepointFormat.integer(pid, in: raw) { accountant.woken(time: s.time, tid: Int32(truncatingIfNeeded: tid)) }
            accountant.seen(time: s.time, tid: s.tid)
        case let .runtime(pid, runtime):
            if let tid = TracepointFormat.integer(pid, in: raw), let r = TracepointFormat.integer(runtime, in: raw), r >= 0 {
                accountant.ran(time: s.time, tid: Int32(truncatingIfNeeded: tid), runtime: UInt64(r))
            }
        case .other:
            accountant.seen(time: s.time, tid: s.tid)
        }
    }

    /// Any other record of the walk (maps, comms, forks, exits).
    func other(_ record: PerfRecord) {
        // Before the tree forgets the thread (and when it was born).
        if case .exit(let e) = record { accountant.exited(tid: e.tid, time: e.time) }
        stacks.apply(record)
    }

    /// The profile once the walk has ended with `report`.
    func finish(_ report: PerfReadReport) throws -> Profile {
        accountant.finish()
        let profile = stacks.profile()
        try stacks.requireRoots(filter)
        profile.processes = ProcessActivity().table(processes, onCPU: nil, offCPU: accountant.summary,
                                                    lost: (report.lostEvents, report.lostSamples), everySelected: filter.choosesProcesses)
        profile.notes += stacks.warnings
        return profile
    }

    /// The stack node of a switch-out: root (the thread's comm), optional state frame, its stack.
    private func outgoing(_ s: PerfSample, comm: [UInt8], tid: Int64, state: UnsafeBufferPointer<UInt8>) -> Int32 {
        let root = comm.withUnsafeBufferPointer { stacks.collapser.rootName(comm: $0, pid: Int(s.pid), tid: Int(tid)) }
        guard options.stateFrames else { return stacks.node(of: s, root: root) }
        let frame = OffCPUFrames.stateFrame(state)
        let key = stateKeys[frame] ?? {
            let k = stacks.literal(String(decoding: frame, as: UTF8.self))
            stateKeys[frame] = k
            return k
        }()
        return stacks.node(of: s, root: root, base: [key])
    }

    func charge(_ node: Int32, nanoseconds: UInt64, part: OffCPUPart) {
        charge(node, nanoseconds: nanoseconds, part: part, start: 0, tid: 0, pid: nil)
    }

    func charge(_ node: Int32, nanoseconds: UInt64, part: OffCPUPart, start: UInt64, tid: Int32, pid: Int32?) {
        let leaf = partFrames.frame(part).map { stacks.child(of: node, key: $0) } ?? node
        stacks.add(leaf, weight: nanoseconds)
        stacks.log(time: start, duration: nanoseconds, pid: pid ?? -1, tid: tid, node: leaf, weight: nanoseconds)
    }
}

extension OffCPUPerfDataLoader {
    func idleNode(for node: Int32, processComm: [UInt8], pid: Int32?, threads: Int) -> Int32 {
        let root = processComm.withUnsafeBufferPointer {
            stacks.collapser.rootName(comm: $0, pid: pid.map(Int.init), tid: Int(pid ?? 0))
        }
        let key = idleKeys[threads] ?? {
            let k = stacks.literal(String(decoding: OffCPUFrames.idleFrame(threads: threads), as: UTF8.self))
            idleKeys[threads] = k
            return k
        }()
        return stacks.regraft(node, root: root, base: [key])
    }
}
