import PerfData

/// One scheduler tracepoint of a capture, decoded: a switch, a wakeup or a runtime tally.
package enum SchedulerEvent {
    /// `sched:sched_switch`: `prevPid` (named `prevComm`) left the CPU in `prevState` (the kernel's
    /// raw bits, see `SchedulerEvents.letters`) and `nextPid` got it.
    case switched(prevComm: [UInt8], prevPid: Int64, prevState: UInt64, nextPid: Int64, event: Int)
    /// `sched:sched_waking` or `sched:sched_wakeup`: thread `pid` was woken, in the context (and
    /// with the stack) of the sample's own thread, its waker.
    case woken(pid: Int64)
    /// `sched:sched_stat_runtime`: thread `pid` ran `runtime` ns.
    case ran(pid: Int64, runtime: Int64)
    /// A switch or runtime whose payload lacks a field it needs: nothing can be taken from it.
    case unreadable
}

/// Decodes the scheduler tracepoints of a perf.data file by the tracepoint formats the file
/// carries (never by fixed offsets): the one place a capture's switches, wakeups and runtimes are
/// read, for every view that needs them.
package final class SchedulerEvents {
    private enum Decoder {
        case switchTask(prevComm: TracepointField, prevPid: TracepointField, prevState: TracepointField,
                        nextPid: TracepointField, states: SchedStateLetters)
        case wakeup(pid: TracepointField)
        case runtime(pid: TracepointField, runtime: TracepointField)
        case other
    }

    private let decoders: [Decoder]
    /// Scheduler events of the file that are sampled instead of recorded one by one (period != 1
    /// or a frequency), with how: most of their switches are missing.
    package let sampledEvents: [String]

    /// The decoders of `file`'s events.
    package init(file: PerfDataFile) {
        let events = file.header.events
        let decoders: [Decoder] = events.indices.map { i in
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
        var sampled: [String] = []
        for (i, e) in events.enumerated() {
            if case .other = decoders[i] { continue }
            if e.freq || e.samplePeriodOrFreq != 1 {
                sampled.append("\(e.name) (\(e.freq ? "\(e.samplePeriodOrFreq) Hz" : "period \(e.samplePeriodOrFreq)"))")
            }
        }
        self.decoders = decoders
        sampledEvents = sampled
    }

    /// The scheduler event sample `s` is, or nil for any other event (and for a wakeup without
    /// its pid, which still shows its thread alive).
    package func decode(_ s: PerfSample) -> SchedulerEvent? {
        guard let index = s.eventIndex, index < decoders.count else { return nil }
        let raw = s.raw
        switch decoders[index] {
        case let .switchTask(prevComm, prevPid, prevState, nextPid, _):
            guard let prev = TracepointFormat.integer(prevPid, in: raw), let next = TracepointFormat.integer(nextPid, in: raw),
                  let state = TracepointFormat.integer(prevState, in: raw) else { return .unreadable }
            var comm: [UInt8] = []
            if let b = TracepointFormat.bytes(prevComm, in: raw) {
                for byte in b { if byte == 0 { break }; comm.append(byte) }
            }
            return .switched(prevComm: comm, prevPid: prev, prevState: UInt64(bitPattern: state), nextPid: next, event: index)
        case let .wakeup(pid):
            return TracepointFormat.integer(pid, in: raw).map { .woken(pid: $0) }
        case let .runtime(pid, runtime):
            guard let tid = TracepointFormat.integer(pid, in: raw), let r = TracepointFormat.integer(runtime, in: raw) else {
                return .unreadable
            }
            return .ran(pid: tid, runtime: r)
        case .other:
            return nil
        }
    }

    /// The letters of a switch's `prevState` (`perf script`'s, as the file's format prints them).
    package func letters(_ state: UInt64, event: Int, into out: inout [UInt8]) {
        guard case let .switchTask(_, _, _, _, states) = decoders[event] else { out.removeAll(); return }
        states.letters(state, into: &out)
    }
}
