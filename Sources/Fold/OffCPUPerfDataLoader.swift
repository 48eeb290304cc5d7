import PerfData
import PerfScript
import Symbolize

/// Off-CPU time from a perf.data file of scheduler tracepoints, read natively: payload fields
/// are decoded by the tracepoint formats the file carries (never by fixed offsets), stacks go
/// through `PerfDataStacks` and are named like on-CPU frames.
final class OffCPUPerfDataLoader: OffCPUCharges {
    private let file: PerfDataFile
    private let stacks: PerfDataStacks
    private let options: OffCPUOptions
    private(set) var accountant: OffCPUAccountant!
    private var runqueueKey: Int32 = -1
    private var undatedKey: Int32 = -1
    private var stateKeys: [[UInt8]: Int32] = [:]

    /// Events of the file that are sampled instead of recorded one by one (period != 1 or a
    /// frequency), with how: most of their switches are missing.
    private(set) var sampledEvents: [String] = []
    private(set) var switches = 0

    init(file: PerfDataFile, collapse: CollapseOptions, symbols: SymbolizeOptions, options: OffCPUOptions) {
        self.file = file
        self.options = options
        stacks = PerfDataStacks(file: file, options: collapse, symbols: symbols)
        accountant = OffCPUAccountant(options: options, filter: collapse.filter, charges: self)
        runqueueKey = stacks.literal(String(decoding: OffCPUOptions.runqueueFrame, as: UTF8.self))
        undatedKey = stacks.literal(String(decoding: OffCPUOptions.undatedFrame, as: UTF8.self))
    }

    /// Field positions of the scheduler events, per event index.
    private enum Decoder {
        case switchTask(prevComm: TracepointField, prevPid: TracepointField, prevState: TracepointField,
                        nextPid: TracepointField, states: StateLetters)
        case wakeup(pid: TracepointField)
        case runtime(pid: TracepointField, runtime: TracepointField)
        case other
    }

    func load() throws -> (Profile, PerfReadReport) {
        let events = file.header.events
        let decoders: [Decoder] = events.indices.map { i in
            guard let f = file.tracepointFormat(event: i) else { return .other }
            switch f.fullName {
            case "sched:sched_switch":
                guard let c = f.field("prev_comm"), let p = f.field("prev_pid"), let s = f.field("prev_state"),
                      let n = f.field("next_pid") else { return .other }
                return .switchTask(prevComm: c, prevPid: p, prevState: s, nextPid: n,
                                   states: StateLetters(f.flagTables["prev_state"] ?? []))
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
        var stateBytes: [UInt8] = []
        let report = try file.forEachRecord(ordered: true, sample: { s in
            guard let index = s.eventIndex, index < decoders.count else { return }
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
                stateBytes.withUnsafeBufferPointer { st in
                    accountant.switched(time: s.time, cpu: Int(s.cpu), prev: Int32(truncatingIfNeeded: prev), prevState: st,
                                        next: Int32(truncatingIfNeeded: next),
                                        thread: { (Int(s.pid), comm, Array(stacks.machine.comm(tid: s.pid).utf8)) },
                                        outgoing: { outgoing(s, comm: comm, tid: prev, state: st) })
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
        }, other: stacks.apply)
        accountant.finish()
        let profile = stacks.profile()
        profile.notes += stacks.warnings
        return (profile, report)
    }

    /// The stack node of a switch-out: root (the thread's comm), optional state frame, its stack.
    private func outgoing(_ s: PerfSample, comm: [UInt8], tid: Int64, state: UnsafeBufferPointer<UInt8>) -> Int32 {
        let root = comm.withUnsafeBufferPointer { stacks.collapser.rootName(comm: $0, pid: Int(s.pid), tid: Int(tid)) }
        guard options.stateFrames else { return stacks.node(of: s, root: root) }
        let frame = OffCPUOptions.stateFrame(state)
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
        let leaf: Int32
        switch part {
        case .blocked: leaf = node
        case .runqueue: leaf = stacks.child(of: node, key: runqueueKey)
        case .undated: leaf = stacks.child(of: node, key: undatedKey)
        }
        stacks.add(leaf, weight: nanoseconds)
        stacks.log(time: start, duration: nanoseconds, pid: pid ?? -1, tid: tid, node: leaf, weight: nanoseconds)
    }
}

/// `prev_state` as perf prints it, from the `__print_flags` table of the kernel's own format:
/// `R` when no bit of the table is set, else the letters joined by `|`, then `+` when the bit
/// above the table (the kernel's TASK_REPORT_MAX, preemption) is set.
struct StateLetters {
    private let table: [(value: UInt64, text: [UInt8])]
    private let mask: UInt64
    private let preempt: UInt64

    init(_ table: [(value: UInt64, text: String)]) {
        self.table = table.map { ($0.value, Array($0.text.utf8)) }
        let top = table.map(\.value).max() ?? 0x80
        preempt = top << 1
        mask = preempt - 1
    }

    func letters(_ state: UInt64, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        let bits = state & mask
        if bits == 0 {
            out.append(UInt8(ascii: "R"))
        } else {
            for (value, text) in table where bits & value != 0 {
                if !out.isEmpty { out.append(UInt8(ascii: "|")) }
                out.append(contentsOf: text)
            }
        }
        if state & preempt != 0 { out.append(UInt8(ascii: "+")) }
    }
}
